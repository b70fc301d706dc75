/*
 * test_agent.c - the agent-expression verifier and evaluator: every
 * implemented opcode, the bytecode real gdb 13 sends for typical
 * conditions, and hostile bytecode (truncated operands, wild jumps, stack
 * underflow and overflow, endless loops, unreadable memory, refusals).
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

#include "../../stub/agent.h"
#include "fake_target.h"

#define MEM_SIZE	0x30000

struct fixture {
	struct fake_target *ft;
	struct agent_ctx ctx;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->ft = fake_target__new(MEM_SIZE);
	assert_non_null(f->ft);
	agent__ctx_init(&f->ctx, &f->ft->target, NULL, 0, TARGET_LINEAR);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	fake_target__free(f->ft);
	free(f);
	return 0;
}

/* Verify, then run, bytecode given as a byte list. */
#define CODE(...)	((const uint8_t[]){ __VA_ARGS__ })
#define RUN(f, res, ...)	run(f, res, CODE(__VA_ARGS__), sizeof(CODE(__VA_ARGS__)))
#define VERIFY(...)	agent__verify(CODE(__VA_ARGS__), sizeof(CODE(__VA_ARGS__)), NULL, NULL, 0)

static int run(struct fixture *f, uint64_t *res, const uint8_t *code, size_t len)
{
	f->ctx.have_regs = false;	/* registers fetched again, as at a new hit */
	*res = 0xdeadbeef;
	return agent__eval(&f->ctx, code, len, res);
}

/* The value of a verified expression; fails the test on an error. */
static uint64_t value(struct fixture *f, const uint8_t *code, size_t len)
{
	uint64_t res;

	assert_int_equal(agent__verify(code, len, NULL, NULL, 0), 0);
	assert_int_equal(run(f, &res, code, len), 0);
	return res;
}

#define VAL(f, ...)	value(f, CODE(__VA_ARGS__), sizeof(CODE(__VA_ARGS__)))

/* const64 operands, big-endian */
#define C64(v)	0x25, (uint8_t)((uint64_t)(v) >> 56), (uint8_t)((uint64_t)(v) >> 48), \
		(uint8_t)((uint64_t)(v) >> 40), (uint8_t)((uint64_t)(v) >> 32), \
		(uint8_t)((uint64_t)(v) >> 24), (uint8_t)((uint64_t)(v) >> 16), \
		(uint8_t)((uint64_t)(v) >> 8), (uint8_t)(v)

static void test_constants(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(VAL(f, 0x22, 0xff, 0x27), 0xff);		/* no sign extension */
	assert_int_equal(VAL(f, 0x23, 0x13, 0x88, 0x27), 5000);	/* big-endian */
	assert_int_equal(VAL(f, 0x24, 0x00, 0x02, 0x00, 0x00, 0x27), 0x20000);
	assert_true(VAL(f, C64(0x0123456789abcdefull), 0x27) == 0x0123456789abcdefull);
}

static void test_arithmetic(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(VAL(f, 0x22, 7, 0x22, 5, 0x02, 0x27), 12);		/* add */
	assert_int_equal(VAL(f, 0x22, 7, 0x22, 5, 0x03, 0x27), 2);		/* sub: a - b */
	assert_true(VAL(f, 0x22, 5, 0x22, 7, 0x03, 0x27) == (uint64_t)-2);
	assert_int_equal(VAL(f, 0x22, 7, 0x22, 5, 0x04, 0x27), 35);		/* mul */
	assert_int_equal(VAL(f, 0x22, 17, 0x22, 5, 0x05, 0x27), 3);		/* div_signed */
	/* -17 / 5 = -3, -17 % 5 = -2 (C semantics, truncation) */
	assert_true(VAL(f, C64(-17), 0x22, 5, 0x05, 0x27) == (uint64_t)-3);
	assert_true(VAL(f, C64(-17), 0x22, 5, 0x07, 0x27) == (uint64_t)-2);
	assert_true(VAL(f, C64(-17), 0x22, 5, 0x06, 0x27) == (uint64_t)-17 / 5);
	assert_true(VAL(f, C64(-17), 0x22, 5, 0x08, 0x27) == (uint64_t)-17 % 5);
	assert_int_equal(VAL(f, 0x22, 17, 0x22, 5, 0x07, 0x27), 2);		/* rem_signed */
	assert_int_equal(VAL(f, 0x22, 17, 0x22, 5, 0x06, 0x27), 3);		/* div_unsigned */
	assert_int_equal(VAL(f, 0x22, 17, 0x22, 5, 0x08, 0x27), 2);		/* rem_unsigned */
	/* INT64_MIN / -1 wraps instead of trapping. */
	assert_true(VAL(f, C64(INT64_MIN), C64(-1), 0x05, 0x27) == (uint64_t)INT64_MIN);
	assert_int_equal(VAL(f, C64(INT64_MIN), C64(-1), 0x07, 0x27), 0);
}

static void test_shifts_and_bits(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(VAL(f, 0x22, 3, 0x22, 4, 0x09, 0x27), 48);		/* lsh */
	assert_int_equal(VAL(f, 0x22, 3, 0x22, 64, 0x09, 0x27), 0);
	assert_true(VAL(f, C64(-16), 0x22, 2, 0x0a, 0x27) == (uint64_t)-4);	/* rsh_signed */
	assert_true(VAL(f, C64(-16), 0x22, 200, 0x0a, 0x27) == (uint64_t)-1);
	assert_true(VAL(f, C64(-16), 0x22, 2, 0x0b, 0x27) == (uint64_t)-16 >> 2);	/* rsh_unsigned */
	assert_int_equal(VAL(f, C64(-16), 0x22, 64, 0x0b, 0x27), 0);
	assert_int_equal(VAL(f, 0x22, 0, 0x0e, 0x27), 1);			/* log_not */
	assert_int_equal(VAL(f, 0x22, 9, 0x0e, 0x27), 0);
	assert_int_equal(VAL(f, 0x22, 0xc, 0x22, 0xa, 0x0f, 0x27), 0x8);	/* bit_and */
	assert_int_equal(VAL(f, 0x22, 0xc, 0x22, 0xa, 0x10, 0x27), 0xe);	/* bit_or */
	assert_int_equal(VAL(f, 0x22, 0xc, 0x22, 0xa, 0x11, 0x27), 0x6);	/* bit_xor */
	assert_true(VAL(f, 0x22, 0, 0x12, 0x27) == ~0ull);			/* bit_not */
}

static void test_comparisons(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(VAL(f, 0x22, 5, 0x22, 5, 0x13, 0x27), 1);		/* equal */
	assert_int_equal(VAL(f, 0x22, 5, 0x22, 6, 0x13, 0x27), 0);
	assert_int_equal(VAL(f, C64(-1), 0x22, 1, 0x14, 0x27), 1);		/* less_signed */
	assert_int_equal(VAL(f, 0x22, 1, C64(-1), 0x14, 0x27), 0);
	assert_int_equal(VAL(f, C64(-1), 0x22, 1, 0x15, 0x27), 0);		/* less_unsigned */
	assert_int_equal(VAL(f, 0x22, 1, C64(-1), 0x15, 0x27), 1);
}

static void test_extensions(void **state)
{
	struct fixture *f = *state;

	assert_true(VAL(f, 0x22, 0xff, 0x16, 8, 0x27) == (uint64_t)-1);	/* ext */
	assert_int_equal(VAL(f, 0x22, 0x7f, 0x16, 8, 0x27), 0x7f);
	assert_true(VAL(f, 0x24, 0x80, 0, 0, 0, 0x16, 32, 0x27) == 0xffffffff80000000ull);
	assert_true(VAL(f, C64(-1), 0x16, 64, 0x27) == (uint64_t)-1);	/* no effect */
	assert_true(VAL(f, C64(-1), 0x16, 200, 0x27) == (uint64_t)-1);
	assert_int_equal(VAL(f, C64(-1), 0x2a, 8, 0x27), 0xff);		/* zero_ext */
	assert_int_equal(VAL(f, C64(-1), 0x2a, 32, 0x27), 0xffffffff);
	assert_true(VAL(f, C64(-1), 0x2a, 64, 0x27) == (uint64_t)-1);
	assert_int_equal(VAL(f, C64(-1), 0x2a, 1, 0x27), 1);
}

static void test_stack_ops(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(VAL(f, 0x22, 4, 0x28, 0x04, 0x27), 16);		/* dup */
	assert_int_equal(VAL(f, 0x22, 4, 0x22, 9, 0x29, 0x27), 4);		/* pop */
	assert_int_equal(VAL(f, 0x22, 4, 0x22, 9, 0x2b, 0x03, 0x27), 5);	/* swap: 9 - 4 */
	/* pick 0 = dup, pick 2 copies the third item. */
	assert_int_equal(VAL(f, 0x22, 1, 0x22, 2, 0x22, 3, 0x32, 0, 0x27), 3);
	assert_int_equal(VAL(f, 0x22, 1, 0x22, 2, 0x22, 3, 0x32, 2, 0x27), 1);
	/* rot: a b c => c a b.  With 1 2 3: top 2, then 1, then 3. */
	assert_int_equal(VAL(f, 0x22, 1, 0x22, 2, 0x22, 3, 0x33, 0x27), 2);
	assert_int_equal(VAL(f, 0x22, 1, 0x22, 2, 0x22, 3, 0x33, 0x29, 0x27), 1);
	assert_int_equal(VAL(f, 0x22, 1, 0x22, 2, 0x22, 3, 0x33, 0x29, 0x29, 0x27), 3);
}

static void test_jumps(void **state)
{
	struct fixture *f = *state;

	/* 0: const8 1; 2: if_goto 8; 5: const8 5; 7: end; 8: const8 9; 10: end */
	assert_int_equal(VAL(f, 0x22, 1, 0x20, 0, 8, 0x22, 5, 0x27, 0x22, 9, 0x27), 9);
	assert_int_equal(VAL(f, 0x22, 0, 0x20, 0, 8, 0x22, 5, 0x27, 0x22, 9, 0x27), 5);
	/* 0: goto 5; 3: const8 1; 5: const8 2; 7: end */
	assert_int_equal(VAL(f, 0x21, 0, 5, 0x22, 1, 0x22, 2, 0x27), 2);
	/* A bounded backward loop: count 10 down to 0.
	 * 0: const8 10; 2: const8 1; 4: sub; 5: dup; 6: if_goto 2; 9: end */
	assert_int_equal(VAL(f, 0x22, 10, 0x22, 1, 0x03, 0x28, 0x20, 0, 2, 0x27), 0);
}

static void test_registers(void **state)
{
	struct fixture *f = *state;
	struct target_regs *r = &f->ft->regs[0];

	r->gpr[GPR_AX] = 5000;
	r->gpr[GPR_BX] = 0x1234567890ull;	/* 32-bit layout: eax..edi are 32 bits */
	r->seg[SEG_CS].base = 0xf0000;
	r->rip = 0x3f;
	/* reg 0 (eax) == 5000, as gdb sends `$eax == 5000` */
	assert_int_equal(VAL(f, 0x26, 0, 0, 0x16, 32, 0x23, 0x13, 0x88, 0x13, 0x27), 1);
	assert_int_equal(VAL(f, 0x26, 0, 3, 0x27), 0x34567890);
	/* reg 8 is gdb's $pc: linear */
	assert_int_equal(VAL(f, 0x26, 0, 8, 0x27), 0xf003f);
	/* reg 16 is the raw ip */
	assert_int_equal(VAL(f, 0x26, 0, 16, 0x27), 0x3f);
}

static void test_memory(void **state)
{
	struct fixture *f = *state;
	uint64_t res;

	memcpy(f->ft->mem + 0x20000, "\x2c\x01\x00\x00\x11\x22\x33\x44", 8);
	/* gdb's `*(int *)0x20000 == 300` */
	assert_int_equal(VAL(f, 0x24, 0, 2, 0, 0, 0x19, 0x16, 32, 0x23, 0x01, 0x2c, 0x13, 0x27), 1);
	assert_int_equal(VAL(f, 0x24, 0, 2, 0, 0, 0x17, 0x27), 0x2c);
	assert_int_equal(VAL(f, 0x24, 0, 2, 0, 0, 0x18, 0x27), 0x12c);
	assert_true(VAL(f, 0x24, 0, 2, 0, 0, 0x1a, 0x27) == 0x443322110000012cull);
	/* Unaligned. */
	assert_int_equal(VAL(f, 0x24, 0, 2, 0, 1, 0x19, 0x27), 0x11000001);
	/* Past the end of memory, partly or wholly: an error. */
	assert_int_equal(RUN(f, &res, 0x24, 0, 2, 0xff, 0xfe, 0x19, 0x27), -EFAULT);
	assert_int_equal(RUN(f, &res, C64(-8), 0x1a, 0x27), -EFAULT);
}

static void test_gdb_bytecode(void **state)
{
	struct fixture *f = *state;
	struct target_regs *r = &f->ft->regs[0];
	/* gdb 13, `*(int*)0x20000 > 7 && $ebx != 3` (maint agent-eval) */
	static const uint8_t and_cond[] = {
		0x24, 0x00, 0x02, 0x00, 0x00, 0x19, 0x16, 0x20, 0x22, 0x07, 0x2b, 0x14,
		0x20, 0x00, 0x12, 0x21, 0x00, 0x26, 0x26, 0x00, 0x03, 0x16, 0x20, 0x22,
		0x03, 0x13, 0x0e, 0x20, 0x00, 0x21, 0x21, 0x00, 0x26, 0x22, 0x01, 0x21,
		0x00, 0x28, 0x22, 0x00, 0x27,
	};
	/* gdb 13, `$eax / 3 == 2 || $ecx < -1` */
	static const uint8_t or_cond[] = {
		0x26, 0x00, 0x00, 0x16, 0x20, 0x22, 0x03, 0x05, 0x16, 0x20, 0x22, 0x02,
		0x13, 0x20, 0x00, 0x22, 0x26, 0x00, 0x01, 0x16, 0x20, 0x22, 0xff, 0x16,
		0x08, 0x14, 0x20, 0x00, 0x22, 0x22, 0x00, 0x21, 0x00, 0x24, 0x22, 0x01,
		0x27,
	};

	memcpy(f->ft->mem + 0x20000, "\x08\x00\x00\x00", 4);
	r->gpr[GPR_BX] = 4;
	assert_int_equal(value(f, and_cond, sizeof(and_cond)), 1);
	r->gpr[GPR_BX] = 3;
	assert_int_equal(value(f, and_cond, sizeof(and_cond)), 0);
	memcpy(f->ft->mem + 0x20000, "\x07\x00\x00\x00", 4);
	r->gpr[GPR_BX] = 4;
	assert_int_equal(value(f, and_cond, sizeof(and_cond)), 0);

	r->gpr[GPR_AX] = 7;
	r->gpr[GPR_CX] = 0;
	assert_int_equal(value(f, or_cond, sizeof(or_cond)), 1);
	r->gpr[GPR_AX] = 9;
	assert_int_equal(value(f, or_cond, sizeof(or_cond)), 0);
	r->gpr[GPR_CX] = 0xfffffffe;	/* -2 as a 32-bit register */
	assert_int_equal(value(f, or_cond, sizeof(or_cond)), 1);
}

static void test_runtime_errors(void **state)
{
	struct fixture *f = *state;
	uint64_t res;
	uint8_t deep[3 * (AGENT_STACK_SIZE + 1) + 1];
	int i;

	/* Division by zero, all four. */
	for (i = 0x05; i <= 0x08; i++) {
		const uint8_t code[] = { 0x22, 1, 0x22, 0, (uint8_t)i, 0x27 };

		assert_int_equal(run(f, &res, code, sizeof(code)), -EDOM);
	}
	/* Underflow: every consumer on an empty or too short stack. */
	assert_int_equal(RUN(f, &res, 0x27), -EOVERFLOW);
	assert_int_equal(RUN(f, &res, 0x02, 0x27), -EOVERFLOW);
	assert_int_equal(RUN(f, &res, 0x22, 1, 0x02, 0x27), -EOVERFLOW);
	assert_int_equal(RUN(f, &res, 0x29, 0x27), -EOVERFLOW);
	assert_int_equal(RUN(f, &res, 0x28, 0x27), -EOVERFLOW);
	assert_int_equal(RUN(f, &res, 0x22, 1, 0x2b, 0x27), -EOVERFLOW);
	assert_int_equal(RUN(f, &res, 0x22, 1, 0x22, 1, 0x33, 0x27), -EOVERFLOW);
	assert_int_equal(RUN(f, &res, 0x22, 1, 0x32, 1, 0x27), -EOVERFLOW);
	assert_int_equal(RUN(f, &res, 0x22, 1, 0x32, 255, 0x27), -EOVERFLOW);
	assert_int_equal(RUN(f, &res, 0x20, 0, 0), -EOVERFLOW);
	assert_int_equal(RUN(f, &res, 0x17, 0x27), -EOVERFLOW);
	assert_int_equal(RUN(f, &res, 0x16, 8, 0x27), -EOVERFLOW);
	/* Overflow: 65 pushes. */
	for (i = 0; i <= AGENT_STACK_SIZE; i++) {
		deep[3 * i] = 0x22;
		deep[3 * i + 1] = 1;
		deep[3 * i + 2] = 0x28;	/* dup: two values per round */
	}
	deep[sizeof(deep) - 1] = 0x27;
	assert_int_equal(agent__verify(deep, sizeof(deep), NULL, NULL, 0), 0);
	assert_int_equal(run(f, &res, deep, sizeof(deep)), -EOVERFLOW);
	/* Endless loops: the step limit. */
	assert_int_equal(RUN(f, &res, 0x21, 0, 0), -ELOOP);
	assert_int_equal(RUN(f, &res, 0x22, 1, 0x20, 0, 0), -ELOOP);
	assert_int_equal(RUN(f, &res, 0x22, 1, 0x29, 0x21, 0, 0), -ELOOP);
	assert_int_equal(RUN(f, &res, 0x22, 1, 0x21, 0, 0), -EOVERFLOW);	/* grows: caught first */
	/* Running off the end without "end". */
	assert_int_equal(RUN(f, &res, 0x22, 1), -EINVAL);
	assert_int_equal(RUN(f, &res, 0x22, 1, 0x21, 0, 5), -EINVAL);
	/* Unverified bytecode is still checked as it runs. */
	assert_int_equal(RUN(f, &res, 0x23, 1), -EINVAL);		/* truncated operand */
	assert_int_equal(RUN(f, &res, 0x21, 0xff, 0xff), -EINVAL);	/* jump out */
	assert_int_equal(RUN(f, &res, 0x00), -EINVAL);
	assert_int_equal(RUN(f, &res, 0xff), -EINVAL);
	assert_int_equal(RUN(f, &res, 0x0c), -EOPNOTSUPP);
	assert_int_equal(RUN(f, &res, 0x22, 1, 0x2a, 0, 0x27), -EINVAL);
	/* st2: the extended state is not read in a condition */
	assert_int_equal(RUN(f, &res, 0x26, 0, 40, 0x27), -ENOENT);
	assert_int_equal(agent__eval(&f->ctx, CODE(0x27), AGENT_MAX_LEN + 1, &res), -EINVAL);
}

static void test_verify(void **state)
{
	char why[128];
	static const uint8_t refused[] = {
		0x01, 0x0c, 0x0d, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x34,
	};
	uint8_t big[AGENT_MAX_LEN + 1];
	size_t i;

	(void)state;
	assert_int_equal(VERIFY(0x22, 1, 0x27), 0);
	/* Refused opcodes: known, not implemented. */
	for (i = 0; i < sizeof(refused); i++) {
		uint8_t code[] = { 0x22, 1, refused[i], 0, 0, 0x27 };

		assert_int_equal(agent__verify(code, sizeof(code), NULL, why, sizeof(why)), -EOPNOTSUPP);
		assert_non_null(strstr(why, "not implemented"));
	}
	/* Not opcodes at all. */
	assert_int_equal(VERIFY(0x00), -EINVAL);
	assert_int_equal(VERIFY(0x31), -EINVAL);
	assert_int_equal(VERIFY(0x35), -EINVAL);
	assert_int_equal(VERIFY(0xff), -EINVAL);
	/* Truncated operands. */
	assert_int_equal(VERIFY(0x22), -EINVAL);
	assert_int_equal(VERIFY(0x23, 1), -EINVAL);
	assert_int_equal(VERIFY(0x24, 1, 2, 3), -EINVAL);
	assert_int_equal(VERIFY(0x25, 1, 2, 3, 4, 5, 6, 7), -EINVAL);
	assert_int_equal(VERIFY(0x26, 0), -EINVAL);
	assert_int_equal(VERIFY(0x20, 0), -EINVAL);
	assert_int_equal(VERIFY(0x16), -EINVAL);
	assert_int_equal(VERIFY(0x32), -EINVAL);
	/* Jumps: past the end, into an operand. */
	assert_int_equal(VERIFY(0x21, 0, 3), -EINVAL);
	assert_int_equal(VERIFY(0x21, 0xff, 0xff, 0x27), -EINVAL);
	assert_int_equal(VERIFY(0x22, 0x27, 0x21, 0, 1), -EINVAL);
	assert_int_equal(VERIFY(0x22, 1, 0x20, 0, 1, 0x27), -EINVAL);
	assert_int_equal(VERIFY(0x22, 1, 0x20, 0, 5, 0x27), 0);
	/* Registers gdb cannot read from us; register numbers out of range. */
	assert_int_equal(VERIFY(0x26, 0, 38, 0x27), -EOPNOTSUPP);	/* st0 */
	assert_int_equal(VERIFY(0x26, 0, 62, 0x27), -EOPNOTSUPP);	/* mxcsr */
	assert_int_equal(VERIFY(0x26, 0xff, 0xff, 0x27), -EOPNOTSUPP);
	assert_int_equal(VERIFY(0x26, 0, 0, 0x27), 0);
	/* Zero-bit extensions. */
	assert_int_equal(VERIFY(0x22, 1, 0x16, 0, 0x27), -EINVAL);
	assert_int_equal(VERIFY(0x22, 1, 0x2a, 0, 0x27), -EINVAL);
	/* Lengths. */
	assert_int_equal(agent__verify(big, 0, NULL, why, sizeof(why)), -EINVAL);
	memset(big, 0x28, sizeof(big));
	big[AGENT_MAX_LEN - 1] = 0x27;
	assert_int_equal(agent__verify(big, AGENT_MAX_LEN, NULL, NULL, 0), 0);
	assert_int_equal(agent__verify(big, sizeof(big), NULL, why, sizeof(why)), -EINVAL);
	assert_string_equal(agent__op_name(0x13), "equal");
	assert_string_equal(agent__op_name(0x31), "?");
	assert_string_equal(agent__op_name(0xee), "?");
}

/* Random bytes never crash, never read outside the code, always end. */
static void test_fuzz(void **state)
{
	struct fixture *f = *state;
	uint8_t code[64];
	uint64_t res;
	unsigned int seed = 12345;
	int i, len, j;

	for (i = 0; i < 20000; i++) {
		len = 1 + (int)(rand_r(&seed) % sizeof(code));
		for (j = 0; j < len; j++) {
			/* Mostly valid opcodes, so that runs get somewhere. */
			code[j] = (uint8_t)(rand_r(&seed) % 0x36);
		}
		(void)agent__verify(code, (size_t)len, NULL, NULL, 0);
		(void)run(f, &res, code, (size_t)len);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_constants, setup, teardown),
		cmocka_unit_test_setup_teardown(test_arithmetic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shifts_and_bits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_comparisons, setup, teardown),
		cmocka_unit_test_setup_teardown(test_extensions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stack_ops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_jumps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_registers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gdb_bytecode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_runtime_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fuzz, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
