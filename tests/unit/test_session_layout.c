/*
 * test_session_layout.c - --arch auto on the fake target: a stop in 64-bit
 * mode (or out of it) with the other layout in force becomes an exec stop
 * for a gdb that announced exec-events; target.xml then has the new
 * layout, a step before gdb's continue is answered where the vCPU is, and
 * the continue gets the stop that was kept, all without running the
 * target.  No switch for lldb (no exec-events), for --arch i386, or in
 * compatibility mode.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../stub/regs.h"
#include "../../stub/rsp.h"
#include "../../stub/session.h"
#include "fake_target.h"

struct fixture {
	struct fake_target *ft;
	struct session *s;
	char out[SESSION_OUT_SIZE + 1];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->ft = fake_target__new(64 * 1024);
	f->s = calloc(1, sizeof(*f->s));
	assert_non_null(f->ft);
	assert_non_null(f->s);
	session__init(f->s, &f->ft->target, NULL);
	f->s->arch_auto = true;
	session__attach(f->s);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	fake_target__free(f->ft);
	free(f->s);
	free(f);
	return 0;
}

static const char *take_out(struct fixture *f)
{
	memcpy(f->out, f->s->out, f->s->out_len);
	f->out[f->s->out_len] = '\0';
	session__consumed(f->s, f->s->out_len);
	return f->out;
}

/* One packet in (acknowledgements off), everything that came out. */
static const char *pkt(struct fixture *f, const char *payload)
{
	char buf[512];
	size_t n, consumed;
	uint8_t cs = 0;

	for (const char *p = payload; *p; p++)
		cs += (uint8_t)*p;
	n = (size_t)snprintf(buf, sizeof(buf), "$%s#%02x", payload, cs);
	assert_int_equal(session__input(f->s, (const uint8_t *)buf, n, &consumed), SESSION_OK);
	assert_int_equal(consumed, n);
	return take_out(f);
}

static void connect_gdb(struct fixture *f, bool exec_events)
{
	pkt(f, exec_events ? "qSupported:swbreak+;hwbreak+;exec-events+" : "qSupported:swbreak+");
	pkt(f, "QStartNoAckMode");
	f->s->no_ack = true;
	take_out(f);
}

static void long_mode(struct target_regs *r)
{
	r->cr0 = X86_CR0_PE | X86_CR0_PG;
	r->efer = X86_EFER_LME | X86_EFER_LMA;
	r->seg[SEG_CS].l = 1;
	r->seg[SEG_CS].db = 0;
	r->rip = 0x100000;
}

/* The target stops with stop; what the session sends. */
static const char *stop_with(struct fixture *f, const struct target_stop *stop)
{
	fake_target__queue_stop(f->ft, stop);
	pkt(f, "vCont;c");
	session__target_event(f->s);
	return take_out(f);
}

static bool says_exec(const char *out, const char *name)
{
	char hex[256], want[300];

	hex[rsp__hex_encode(hex, name, strlen(name))] = '\0';
	snprintf(want, sizeof(want), "$T05exec:%s;thread:01;#", hex);
	return strstr(out, want) != NULL;
}

static void test_switch_to_64(void **state)
{
	struct fixture *f = *state;
	const struct target_stop bp = { .reason = STOP_HWBREAK, .cpu = 0, .addr = 0x100000 };
	int resumes;
	char xml[64];

	/* --arch auto says it reports exec events. */
	assert_non_null(strstr(pkt(f, "qSupported:exec-events+"), "exec-events+"));
	connect_gdb(f, true);
	/* target.xml at the reset vector: the i386 layout. */
	assert_non_null(strstr(pkt(f, "qXfer:features:read:target.xml:0,ffff"), "<architecture>i8086"));
	assert_string_equal(regs_layout__name(f->s->layout), "i386");

	long_mode(&f->ft->regs[0]);
	assert_true(says_exec(stop_with(f, &bp), "/kvmstub: the CPU is in 64-bit mode, x86-64 registers"));
	assert_string_equal(regs_layout__name(f->s->layout), "x86-64");
	assert_true(f->s->exec_pending);
	/* gdb reads the description again: the 64-bit one. */
	assert_non_null(strstr(pkt(f, "qXfer:features:read:target.xml:0,ffff"),
			       "<architecture>i386:x86-64"));
	/* The new layout: register 16 is rip, all 64 bits of it. */
	f->ft->regs[0].rip = 0x1122334455667788ull;
	assert_non_null(strstr(pkt(f, "p10"), "$8877665544332211#"));
	/* A step (gdb finishing a step over a breakpoint): done, nothing run. */
	resumes = f->ft->nr_resumes;
	assert_non_null(strstr(pkt(f, "vCont;s:1"), "$T05thread:01;"));
	assert_true(f->s->exec_pending);
	/* The continue: the kept breakpoint stop, still nothing run. */
	snprintf(xml, sizeof(xml), "$T05thread:01;hwbreak:;06:");
	assert_non_null(strstr(pkt(f, "vCont;c"), xml));
	assert_int_equal(f->ft->nr_resumes, resumes);
	assert_false(f->s->exec_pending);
	assert_false(f->s->running);
	/* From here on a continue runs the target again. */
	pkt(f, "vCont;c");
	assert_int_equal(f->ft->nr_resumes, resumes + 1);
}

static void test_switch_back_on_reset(void **state)
{
	struct fixture *f = *state;
	const struct target_stop step = { .reason = STOP_STEP, .cpu = 0 };
	struct target_regs reset_regs;

	connect_gdb(f, true);
	reset_regs = f->ft->regs[0];
	long_mode(&f->ft->regs[0]);
	assert_true(says_exec(stop_with(f, &step), "/kvmstub: the CPU is in 64-bit mode, x86-64 registers"));
	pkt(f, "vCont;c");
	/* monitor reset: the layout stays until the next stop, then goes back. */
	f->ft->regs[0] = reset_regs;
	assert_true(says_exec(stop_with(f, &step), "/kvmstub: the CPU left 64-bit mode, i386 registers"));
	assert_string_equal(regs_layout__name(f->s->layout), "i386");
	/* A reset forgets a stop kept for gdb. */
	session__machine_reset(f->s);
	assert_false(f->s->exec_pending);
}

/* The mode a stop finds already matches: an ordinary stop reply. */
static void test_no_switch(void **state)
{
	struct fixture *f = *state;
	const struct target_stop step = { .reason = STOP_STEP, .cpu = 0 };

	connect_gdb(f, true);
	assert_non_null(strstr(stop_with(f, &step), "$T05thread:01;"));
	/* Compatibility mode (LMA, CS.L clear): 32-bit code, the i386 layout. */
	long_mode(&f->ft->regs[0]);
	f->ft->regs[0].seg[SEG_CS].l = 0;
	f->ft->regs[0].seg[SEG_CS].db = 1;
	assert_non_null(strstr(stop_with(f, &step), "$T05thread:01;"));
	assert_string_equal(regs_layout__name(f->s->layout), "i386");
	assert_false(f->s->exec_pending);
}

/* A client without exec events (lldb) keeps its layout for the session. */
static void test_no_exec_events(void **state)
{
	struct fixture *f = *state;
	const struct target_stop step = { .reason = STOP_STEP, .cpu = 0 };

	connect_gdb(f, false);
	long_mode(&f->ft->regs[0]);
	assert_non_null(strstr(stop_with(f, &step), "$T05thread:01;"));
	assert_null(strstr(f->out, "exec"));
	assert_false(f->s->exec_pending);
}

/* --arch i386 or x86-64: fixed, and no exec-events announced. */
static void test_fixed_layout(void **state)
{
	struct fixture *f = *state;
	const struct target_stop step = { .reason = STOP_STEP, .cpu = 0 };

	f->s->arch_auto = false;
	assert_null(strstr(pkt(f, "qSupported:exec-events+"), "exec-events"));
	connect_gdb(f, true);
	long_mode(&f->ft->regs[0]);
	assert_non_null(strstr(stop_with(f, &step), "$T05thread:01;"));
	assert_false(f->s->exec_pending);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_switch_to_64, setup, teardown),
		cmocka_unit_test_setup_teardown(test_switch_back_on_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_switch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_exec_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fixed_layout, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
