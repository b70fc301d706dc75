/*
 * test_monitor.c - "monitor CMD": the command table, argument checking,
 * and the commands that act on the session and the target.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../stub/monitor.h"
#include "../../stub/session.h"
#include "session_fixture.h"

#define assert_contains fixture__assert_contains

static const char *const commands[] = {
	"help", "info", "reset", "regs", "mode", "sregs", "gdt", "idt", "xlate", "phys",
	"step-irq",
};

static void test_help(void **state)
{
	struct mon_fixture *f = *state;
	const char *help, *step;
	char needle[64];

	assert_int_equal(mon_fixture__run(f, "help"), 0);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		snprintf(needle, sizeof(needle), "  %s ", commands[i]);
		assert_contains(f->out, needle);
	}
	assert_contains(f->out, "xlate ADDR|SEL:OFF");
	assert_contains(f->out, "step-irq [on|off]");
	assert_contains(f->out, "sw-break [auto|int3|dr]");
	assert_contains(f->out, "reset [quiet]");
	/* Help texts start in one column. */
	help = strstr(f->out, "  help");
	step = strstr(f->out, "  step-irq");
	assert_int_equal(strstr(help, "list") - help, strstr(step, "let") - step);
	/* Blanks around the command are fine. */
	assert_int_equal(mon_fixture__run(f, "  help \n"), 0);
}

static void test_unknown(void **state)
{
	struct mon_fixture *f = *state;

	assert_int_equal(mon_fixture__run(f, "foo"), -ENOENT);
	assert_string_equal(f->out, "unknown monitor command 'foo'; try 'monitor help'\n");
	assert_int_equal(mon_fixture__run(f, "foo bar baz"), -ENOENT);
	assert_contains(f->out, "'foo'");
	/* Exact and case-sensitive: no prefixes, no HELP. */
	assert_int_equal(mon_fixture__run(f, "HELP"), -ENOENT);
	assert_int_equal(mon_fixture__run(f, "hel"), -ENOENT);
	assert_int_equal(mon_fixture__run(f, "helpx"), -ENOENT);
	assert_int_equal(mon_fixture__run(f, ""), -EINVAL);
	assert_int_equal(mon_fixture__run(f, "   "), -EINVAL);
}

static void test_bad_args(void **state)
{
	struct mon_fixture *f = *state;

	assert_int_equal(mon_fixture__run(f, "help me"), -EINVAL);
	assert_contains(f->out, "usage: monitor help");
	assert_int_equal(mon_fixture__run(f, "xlate"), -EINVAL);
	assert_contains(f->out, "usage: monitor xlate ADDR|SEL:OFF");
	assert_int_equal(mon_fixture__run(f, "xlate 1000 2000"), -EINVAL);
	assert_int_equal(mon_fixture__run(f, "xlate zz:top"), -EINVAL);
	assert_contains(f->out, "usage: monitor xlate");
	assert_int_equal(mon_fixture__run(f, "step-irq maybe"), -EINVAL);
	assert_contains(f->out, "usage: monitor step-irq [on|off]");
	assert_int_equal(mon_fixture__run(f, "phys 1"), -EINVAL);
	assert_contains(f->out, "usage: monitor phys [on|off]");
	assert_int_equal(mon_fixture__run(f, "reset now"), -EINVAL);
	assert_int_equal(mon_fixture__run(f, "reset quietly"), -EINVAL);
	assert_int_equal(f->ft->nr_resets, 0);
	assert_int_equal(mon_fixture__run(f, "regs all"), -EINVAL);
	assert_int_equal(mon_fixture__run(f, "gdt 1"), -EINVAL);
}

static void test_phys(void **state)
{
	struct mon_fixture *f = *state;

	assert_int_equal(mon_fixture__run(f, "phys"), 0);
	assert_contains(f->out, "phys off");
	assert_int_equal(mon_fixture__run(f, "phys on"), 0);
	assert_true(f->s->physical);
	assert_contains(f->out, "guest-physical");
	assert_int_equal(mon_fixture__run(f, "phys"), 0);
	assert_contains(f->out, "phys on");
	assert_int_equal(mon_fixture__run(f, "phys off"), 0);
	assert_false(f->s->physical);
}

static void test_step_irq(void **state)
{
	struct mon_fixture *f = *state;
	struct target_ops ops = *f->ft->target.ops;

	/* No argument: the setting, as set last (off at power-on). */
	assert_int_equal(mon_fixture__run(f, "step-irq"), 0);
	assert_string_equal(f->out, "step-irq off: interrupts are held off while single-stepping\n");
	assert_int_equal(mon_fixture__run(f, "step-irq on"), 0);
	assert_contains(f->out, "step-irq on");
	assert_true(f->s->switches.step_irq);
	assert_int_equal(mon_fixture__run(f, "step-irq "), 0);
	assert_string_equal(f->out, "step-irq on: interrupts may be taken while single-stepping\n");
	assert_int_equal(mon_fixture__run(f, "step-irq off"), 0);
	assert_false(f->s->switches.step_irq);
	/* The fake has no stop-on-mode switch: refused, and not remembered. */
	assert_int_equal(mon_fixture__run(f, "stop-on-mode on"), -EOPNOTSUPP);
	assert_false(f->s->switches.stop_on_mode);
	assert_int_equal(mon_fixture__run(f, "stop-on-mode"), 0);
	assert_contains(f->out, "stop-on-mode off: continue runs at full speed");

	ops.set_option = NULL;
	f->ft->target.ops = &ops;
	assert_int_equal(mon_fixture__run(f, "step-irq on"), -EOPNOTSUPP);
	assert_contains(f->out, "not supported by this target");
	assert_int_equal(mon_fixture__run(f, "step-irq"), -EOPNOTSUPP);
	assert_int_equal(mon_fixture__run(f, "sw-break"), -EOPNOTSUPP);
}

/* A target with only set_option: records what monitor sw-break asked. */
struct opt_rec {
	char name[32];
	int on;
	int ret;	/* what set_option returns */
};

static int rec_set_option(struct target *t, const char *name, bool on)
{
	struct opt_rec *r = t->priv;

	snprintf(r->name, sizeof(r->name), "%s", name);
	r->on = on;
	return r->ret;
}

static void test_sw_break(void **state)
{
	struct mon_fixture *f = *state;
	const struct target_ops ops = { .set_option = rec_set_option };
	struct opt_rec rec = { .on = -1 };
	struct target t = { .ops = &ops, .priv = &rec };

	assert_int_equal(mon_fixture__run(f, "sw-break"), 0);
	assert_contains(f->out, "sw-break auto: software breakpoints are the mechanism the "
			"start-up probe chose");
	assert_int_equal(mon_fixture__run(f, "sw-break on"), -EINVAL);
	assert_contains(f->out, "usage: monitor sw-break [auto|int3|dr]");
	/* The fake has no such switch. */
	assert_int_equal(mon_fixture__run(f, "sw-break int3"), -EOPNOTSUPP);
	assert_contains(f->out, "not supported by this target");

	f->s->target = &t;
	assert_int_equal(mon_fixture__run(f, "sw-break int3"), 0);
	assert_string_equal(rec.name, "sw-break-int3");
	assert_int_equal(rec.on, 1);
	assert_contains(f->out, "sw-break int3: software breakpoints are 0xCC bytes");
	assert_int_equal(mon_fixture__run(f, "sw-break dr "), 0);
	assert_string_equal(rec.name, "sw-break-dr");
	assert_int_equal(rec.on, 1);
	assert_int_equal(mon_fixture__run(f, "sw-break"), 0);
	assert_contains(f->out, "sw-break dr: software breakpoints are debug registers");
	assert_int_equal(mon_fixture__run(f, "sw-break auto"), 0);
	assert_int_equal(rec.on, 0);
	rec.ret = -EBUSY;
	assert_int_equal(mon_fixture__run(f, "sw-break dr"), -EBUSY);
	assert_contains(f->out, "software breakpoints are inserted");
	/* A refused switch is not remembered. */
	assert_int_equal(mon_fixture__run(f, "sw-break"), 0);
	assert_contains(f->out, "sw-break auto:");
	rec.ret = -EOPNOTSUPP;
	assert_int_equal(mon_fixture__run(f, "sw-break int3"), -EOPNOTSUPP);
	assert_contains(f->out, "stops at an int3 in no CPU mode");
	f->s->target = &f->ft->target;
}

static void test_reset(void **state)
{
	struct mon_fixture *f = *state;

	f->ft->regs[0].rip = 0x1234;
	f->ft->regs[0].seg[SEG_CS].selector = 0;
	f->ft->regs[0].seg[SEG_CS].base = 0;
	assert_int_equal(mon_fixture__run(f, "reset"), 0);
	assert_int_equal(f->ft->nr_resets, 1);
	assert_contains(f->out, "machine reset");
	assert_contains(f->out, "f000:fff0");
	assert_contains(f->out, "linear 0x000ffff0");
	assert_contains(f->out, "maint flush register-cache");
	/* quiet: gdbscripts/kvmstub.gdb's reset, which flushes gdb's cache itself. */
	assert_int_equal(mon_fixture__run(f, "reset quiet"), 0);
	assert_int_equal(f->ft->nr_resets, 2);
	assert_contains(f->out, "machine reset");
	assert_null(strstr(f->out, "register-cache"));
}

static void test_info(void **state)
{
	struct mon_fixture *f = *state;

	assert_int_equal(mon_fixture__run(f, "info"), 0);
	assert_string_equal(f->out, "fake target\n");
}

static void test_regs(void **state)
{
	struct mon_fixture *f = *state;

	f->ft->regs[0].gpr[GPR_AX] = 0xaa55;
	f->ft->regs[0].rflags = 0x246;
	assert_int_equal(mon_fixture__run(f, "regs"), 0);
	assert_contains(f->out, "CS:IP f000:fff0 linear 0x000ffff0  mode real\n");
	assert_contains(f->out, "eax 0000aa55");
	assert_contains(f->out, "edi 00000000");
	assert_contains(f->out, "cs f000");
	assert_contains(f->out, "eflags 00000246 [ PF ZF IF ]");
}

static void test_sysview_commands(void **state)
{
	struct mon_fixture *f = *state;

	assert_int_equal(mon_fixture__run(f, "xlate f000:fff0"), 0);
	assert_contains(f->out, "f000:fff0 -> linear 0x000ffff0");
	assert_int_equal(mon_fixture__run(f, "xlate ffff0"), 0);
	assert_contains(f->out, "0x000ffff0");
	assert_int_equal(mon_fixture__run(f, "mode"), 0);
	assert_contains(f->out, "real");
	assert_int_equal(mon_fixture__run(f, "sregs"), 0);
	assert_contains(f->out, "f000");
	assert_int_equal(mon_fixture__run(f, "gdt"), 0);
	assert_contains(f->out, "GDT");
	assert_int_equal(mon_fixture__run(f, "idt"), 0);
	assert_contains(f->out, "IVT");
}

/* A failure says what failed, whoever detected it. */
static void test_failures_explained(void **state)
{
	struct mon_fixture *f = *state;
	const char *cmds[] = { "regs", "mode", "sregs", "gdt", "idt", "xlate 1000" };

	f->s->g_cpu = 3;	/* the fake has one vCPU: get_regs fails */
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		assert_true(mon_fixture__run(f, cmds[i]) < 0);
		assert_true(strlen(f->out) > 0);
		assert_int_equal(f->out[strlen(f->out) - 1], '\n');
	}
	assert_int_equal(mon_fixture__run(f, "regs"), -EINVAL);
	assert_contains(f->out, "cannot read the registers of vCPU 3");
}

/* A small buffer truncates, never overruns, and stays a string. */
static void test_small_buffer(void **state)
{
	struct mon_fixture *f = *state;
	char small[20];

	memset(small, 0x55, sizeof(small));
	assert_int_equal(monitor__run(f->s, "help", small, 16), 0);
	assert_true(strlen(small) < 16);
	assert_int_equal((unsigned char)small[16], 0x55);
	assert_int_equal(monitor__run(f->s, "foo", small, 1), -ENOENT);
	assert_string_equal(small, "");
	assert_int_equal(monitor__run(f->s, "regs", small, 16), 0);
	assert_true(strlen(small) < 16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_help, mon_fixture__setup, mon_fixture__teardown),
		cmocka_unit_test_setup_teardown(test_unknown, mon_fixture__setup, mon_fixture__teardown),
		cmocka_unit_test_setup_teardown(test_bad_args, mon_fixture__setup, mon_fixture__teardown),
		cmocka_unit_test_setup_teardown(test_phys, mon_fixture__setup, mon_fixture__teardown),
		cmocka_unit_test_setup_teardown(test_step_irq, mon_fixture__setup, mon_fixture__teardown),
		cmocka_unit_test_setup_teardown(test_sw_break, mon_fixture__setup, mon_fixture__teardown),
		cmocka_unit_test_setup_teardown(test_reset, mon_fixture__setup, mon_fixture__teardown),
		cmocka_unit_test_setup_teardown(test_info, mon_fixture__setup, mon_fixture__teardown),
		cmocka_unit_test_setup_teardown(test_regs, mon_fixture__setup, mon_fixture__teardown),
		cmocka_unit_test_setup_teardown(test_sysview_commands, mon_fixture__setup, mon_fixture__teardown),
		cmocka_unit_test_setup_teardown(test_failures_explained, mon_fixture__setup, mon_fixture__teardown),
		cmocka_unit_test_setup_teardown(test_small_buffer, mon_fixture__setup, mon_fixture__teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
