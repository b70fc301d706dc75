/*
 * test_conds.c - breakpoint condition lists: parsing what gdb sends after
 * "Z0,addr,kind" (well formed, hostile, beyond the limits), the table
 * (replace, remove, full), and "any condition true" evaluation.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../stub/conds.h"
#include "fake_target.h"

/* Bytecode as hex: "const8 N; end" is "22NN27" (3 bytes). */
#define TRUE_X		"X3,220127"
#define FALSE_X		"X3,220027"
/* $eax == 5000: reg 0; ext 32; const16 5000; equal; end */
#define EAX_5000_X	"Xa,26000016202313881327"

struct fixture {
	struct fake_target *ft;
	struct conds *c;
	struct cond_bp bp;
	char why[128];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->ft = fake_target__new(0x1000);
	assert_non_null(f->ft);
	f->c = calloc(1, sizeof(*f->c));
	assert_non_null(f->c);
	conds__clear(f->c);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	fake_target__free(f->ft);
	free(f->c);
	free(f);
	return 0;
}

static int parse(struct fixture *f, const char *list)
{
	f->why[0] = '\0';
	return conds__parse(list, list + strlen(list), BP_SOFTWARE, 0x100, NULL, &f->bp, f->why,
			    sizeof(f->why));
}

static bool eval(struct fixture *f, const struct cond_bp *bp, int *err)
{
	struct agent_ctx ctx;

	agent__ctx_init(&ctx, &f->ft->target, NULL, 0, TARGET_LINEAR);
	return conds__eval(bp, &ctx, err);
}

static void test_parse(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, ""), 0);
	assert_int_equal(f->bp.nr, 0);
	assert_false(f->bp.used);

	assert_int_equal(parse(f, ";" EAX_5000_X), 0);
	assert_int_equal(f->bp.nr, 1);
	assert_int_equal(f->bp.len[0], 10);
	assert_int_equal(f->bp.kind, BP_SOFTWARE);
	assert_int_equal(f->bp.addr, 0x100);
	assert_memory_equal(f->bp.code, "\x26\x00\x00\x16\x20\x23\x13\x88\x13\x27", 10);

	/* gdb 13 writes several conditions back to back ... */
	assert_int_equal(parse(f, ";" TRUE_X FALSE_X EAX_5000_X), 0);
	assert_int_equal(f->bp.nr, 3);
	assert_int_equal(f->bp.off[1], 3);
	assert_int_equal(f->bp.off[2], 6);
	assert_int_equal(f->bp.code[4], 0x00);
	/* ... the manual's reading, with ';' between them, is fine too. */
	assert_int_equal(parse(f, ";" TRUE_X ";" FALSE_X), 0);
	assert_int_equal(f->bp.nr, 2);
	/* Upper-case hex. */
	assert_int_equal(parse(f, ";XA,26000016202313881327"), 0);
	assert_int_equal(parse(f, ";X3,22FF27"), 0);
	assert_int_equal(f->bp.code[1], 0xff);
}

static void test_parse_malformed(void **state)
{
	struct fixture *f = *state;
	static const char *const bad[] = {
		";",			/* nothing after ';' */
		"X3,220127",		/* no ';' */
		",X3,220127",
		";Y3,220127",
		";X",
		";X3",
		";X3,",
		";X,220127",
		";X0,",			/* empty expression */
		";Xz,220127",
		";X3;220127",
		";X3,2201",		/* shorter than its length */
		";X3,22012",
		";X3,2201zz",		/* not hex */
		";X3,22 127",
		";X3,220127;",		/* trailing ';' */
		";X3,220127;;X3,220127",
		";X3,2201270",		/* junk after */
		";X3,220127X",
		";X3,220127x3,220127",
		";X10000000000000000,00",	/* length overflows 64 bits */
		";Xffffffffffffffff,220127",
		";X8000000000000000,220127",
		";cmds:0,X3,220127",	/* commands: not advertised */
		";X3,220127;cmds:0,X3,220127",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(f, bad[i]) != -EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
	}
}

static void test_parse_refused(void **state)
{
	struct fixture *f = *state;
	char list[8 * 1024];
	size_t at;
	int i;

	/* getv (what gdb emits for a trace state variable): not ours. */
	assert_int_equal(parse(f, ";" TRUE_X "X4,2c000127"), -EOPNOTSUPP);
	assert_int_equal(f->bp.nr, 0);
	assert_non_null(strstr(f->why, "condition 2"));
	assert_non_null(strstr(f->why, "not implemented"));
	/* Unknown opcode, bad jump: the list is refused, not the packet. */
	assert_int_equal(parse(f, ";X1,ff"), -EOPNOTSUPP);
	assert_int_equal(parse(f, ";X4,21001027"), -EOPNOTSUPP);
	/* A refusal does not stop the syntax check of what follows. */
	assert_int_equal(parse(f, ";X1,ffX3,2201"), -EINVAL);

	/* More than CONDS_MAX_PER_BP conditions. */
	at = (size_t)snprintf(list, sizeof(list), ";");
	for (i = 0; i < CONDS_MAX_PER_BP; i++)
		at += (size_t)snprintf(list + at, sizeof(list) - at, FALSE_X);
	assert_int_equal(parse(f, list), 0);
	assert_int_equal(f->bp.nr, CONDS_MAX_PER_BP);
	snprintf(list + at, sizeof(list) - at, TRUE_X);
	assert_int_equal(parse(f, list), -EOPNOTSUPP);
	assert_int_equal(f->bp.nr, 0);

	/* One expression longer than AGENT_MAX_LEN. */
	at = (size_t)snprintf(list, sizeof(list), ";X%x,", AGENT_MAX_LEN + 1);
	for (i = 0; i < AGENT_MAX_LEN; i++)
		at += (size_t)snprintf(list + at, sizeof(list) - at, "28");
	snprintf(list + at, sizeof(list) - at, "27");
	assert_int_equal(parse(f, list), -EOPNOTSUPP);
	assert_non_null(strstr(f->why, "too long"));

	/* Expressions that fit alone but overflow CONDS_POOL together. */
	at = (size_t)snprintf(list, sizeof(list), ";");
	for (i = 0; i < 3; i++) {
		at += (size_t)snprintf(list + at, sizeof(list) - at, "X%x,", AGENT_MAX_LEN);
		for (int j = 0; j < AGENT_MAX_LEN - 3; j++)
			at += (size_t)snprintf(list + at, sizeof(list) - at, "28");
		at += (size_t)snprintf(list + at, sizeof(list) - at, "220027");
	}
	assert_true(at < sizeof(list));
	assert_int_equal(parse(f, list), -EOPNOTSUPP);
}

static void test_table(void **state)
{
	struct fixture *f = *state;
	const struct cond_bp *bp;
	int i;

	assert_null(conds__find(f->c, BP_SOFTWARE, 0x100));
	assert_int_equal(parse(f, ";" TRUE_X), 0);
	assert_int_equal(conds__store(f->c, &f->bp), 0);
	bp = conds__find(f->c, BP_SOFTWARE, 0x100);
	assert_non_null(bp);
	assert_int_equal(bp->nr, 1);
	/* Another kind at the same address is another breakpoint. */
	assert_null(conds__find(f->c, BP_HARDWARE, 0x100));
	assert_null(conds__find(f->c, BP_SOFTWARE, 0x101));

	/* A re-insert replaces the list. */
	assert_int_equal(parse(f, ";" FALSE_X FALSE_X), 0);
	assert_int_equal(conds__store(f->c, &f->bp), 0);
	bp = conds__find(f->c, BP_SOFTWARE, 0x100);
	assert_int_equal(bp->nr, 2);
	assert_int_equal(f->c->nr_used, 1);
	/* A re-insert without conditions clears it. */
	assert_int_equal(parse(f, ""), 0);
	assert_int_equal(conds__store(f->c, &f->bp), 0);
	assert_null(conds__find(f->c, BP_SOFTWARE, 0x100));
	assert_int_equal(f->c->nr_used, 0);

	/* Full: the next one is not kept; the others are untouched. */
	for (i = 0; i < CONDS_MAX_BPS; i++) {
		const char *l = ";" FALSE_X;

		assert_int_equal(conds__parse(l, l + strlen(l), BP_HARDWARE, 0x1000 + i, NULL,
					      &f->bp, NULL, 0), 0);
		assert_int_equal(conds__store(f->c, &f->bp), 0);
	}
	assert_int_equal(parse(f, ";" TRUE_X), 0);
	assert_int_equal(conds__store(f->c, &f->bp), -ENOSPC);
	assert_null(conds__find(f->c, BP_SOFTWARE, 0x100));
	/* Replacing one that is in still works when full. */
	f->bp.kind = BP_HARDWARE;
	f->bp.addr = 0x1005;
	assert_int_equal(conds__store(f->c, &f->bp), 0);
	assert_int_equal(conds__find(f->c, BP_HARDWARE, 0x1005)->code[1], 1);
	/* Remove frees a slot; removing twice is harmless. */
	conds__remove(f->c, BP_HARDWARE, 0x1000);
	conds__remove(f->c, BP_HARDWARE, 0x1000);
	assert_int_equal(f->c->nr_used, CONDS_MAX_BPS - 1);
	f->bp.addr = 0x100;
	f->bp.kind = BP_SOFTWARE;
	assert_int_equal(conds__store(f->c, &f->bp), 0);
	conds__clear(f->c);
	assert_int_equal(f->c->nr_used, 0);
	assert_null(conds__find(f->c, BP_HARDWARE, 0x1001));
}

static void test_eval(void **state)
{
	struct fixture *f = *state;
	int err;

	assert_int_equal(parse(f, ";" FALSE_X FALSE_X), 0);
	assert_false(eval(f, &f->bp, &err));
	assert_int_equal(err, 0);
	/* Any true condition stops. */
	assert_int_equal(parse(f, ";" FALSE_X TRUE_X), 0);
	assert_true(eval(f, &f->bp, &err));
	assert_int_equal(err, 0);
	/* Registers. */
	assert_int_equal(parse(f, ";" EAX_5000_X), 0);
	f->ft->regs[0].gpr[GPR_AX] = 4999;
	assert_false(eval(f, &f->bp, &err));
	f->ft->regs[0].gpr[GPR_AX] = 5000;
	assert_true(eval(f, &f->bp, &err));
	/* An error stops, and says so: division by zero, unreadable memory. */
	assert_int_equal(parse(f, ";" FALSE_X "X6,2201220005 27"), -EINVAL);
	assert_int_equal(parse(f, ";" FALSE_X "X6,220122000527"), 0);
	assert_true(eval(f, &f->bp, &err));
	assert_int_equal(err, -EDOM);
	assert_int_equal(parse(f, ";X7,24ffff00001927"), 0);
	assert_true(eval(f, &f->bp, &err));
	assert_int_equal(err, -EFAULT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_parse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parse_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parse_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eval, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
