/* test_run_arm.c - how the run loop arms each KVM_RUN (kvm/run_arm.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../kvm/exec/run_arm.h"

static struct run_arm arm(struct run_arm_in in)
{
	struct run_arm out;

	memset(&out, 0xA5, sizeof(out));	/* every field must be written */
	run__arm(&in, &out);
	return out;
}

/* A plain continue runs at full speed, interrupts in, nothing lifted. */
static void test_continue(void **state)
{
	struct run_arm a = arm((struct run_arm_in){ .kind = RESUME_CONTINUE, .at_start = true,
						    .blockirq = true });

	(void)state;
	assert_false(a.step);
	assert_false(a.insn_rules);
	assert_false(a.ends_in_stop);
	assert_true(a.irqs);
	assert_false(a.lift);
}

/* Recording (record/): a continue steps every instruction, by stepi's
 * rules, with interrupts let in as they come; it still ends at a stop
 * only where a continue would. */
static void test_record(void **state)
{
	struct run_arm a = arm((struct run_arm_in){ .kind = RESUME_CONTINUE, .at_start = true,
						    .blockirq = true, .record = true });

	(void)state;
	assert_true(a.step);
	assert_true(a.insn_rules);
	assert_false(a.ends_in_stop);
	assert_true(a.irqs);
	assert_true(a.lift);
}

/* gdb's stepi: one instruction by stepi's rules, interrupts blocked where
 * the host can, our int3 under the pc lifted for the first run only. */
static void test_gdb_step(void **state)
{
	struct run_arm a = arm((struct run_arm_in){ .kind = RESUME_STEP, .at_start = true,
						    .blockirq = true });

	(void)state;
	assert_true(a.step);
	assert_true(a.insn_rules);
	assert_true(a.ends_in_stop);
	assert_false(a.irqs);
	assert_true(a.lift);
	a = arm((struct run_arm_in){ .kind = RESUME_RANGE, .blockirq = true });
	assert_true(a.step);
	assert_true(a.ends_in_stop);
	assert_false(a.lift);
}

/* monitor step-irq, or a host without BLOCKIRQ: interrupts come in. */
static void test_step_irq(void **state)
{
	(void)state;
	assert_true(arm((struct run_arm_in){ .kind = RESUME_STEP, .blockirq = true,
					     .step_irq = true }).irqs);
	assert_true(arm((struct run_arm_in){ .kind = RESUME_STEP }).irqs);
}

/* The step over a breakpoint a continue runs past: gdb's own step-over,
 * so stepi's rules and no interrupts. */
static void test_past_bp(void **state)
{
	struct run_arm a = arm((struct run_arm_in){ .kind = RESUME_CONTINUE, .past_bp = true,
						    .at_start = true, .blockirq = true });

	(void)state;
	assert_true(a.step);
	assert_true(a.insn_rules);
	assert_true(a.ends_in_stop);
	assert_false(a.irqs);
	assert_true(a.lift);
}

/* A continue that steps to compare breakpoints or CPU modes, or for
 * watchpoints, lets interrupts in; every step follows stepi's rules. */
static void test_continue_that_steps(void **state)
{
	struct run_arm a = arm((struct run_arm_in){ .kind = RESUME_CONTINUE, .compare = true,
						    .blockirq = true });

	(void)state;
	assert_true(a.step);
	assert_true(a.insn_rules);	/* handlers' entries: KVM's emulator runs one more */
	assert_false(a.ends_in_stop);
	assert_true(a.irqs);
	a = arm((struct run_arm_in){ .kind = RESUME_CONTINUE, .mode_watch = true, .blockirq = true });
	assert_true(a.step);
	assert_true(a.insn_rules);
	assert_true(a.irqs);
	a = arm((struct run_arm_in){ .kind = RESUME_CONTINUE, .watch_step = true, .blockirq = true });
	assert_true(a.step);
	assert_true(a.insn_rules);
	assert_false(a.ends_in_stop);
	assert_true(a.irqs);
	a = arm((struct run_arm_in){ .kind = RESUME_CONTINUE, .guest_tf = true, .blockirq = true });
	assert_true(a.step);
	assert_true(a.insn_rules);
	assert_false(a.ends_in_stop);
	assert_true(a.irqs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_continue),
		cmocka_unit_test(test_record),
		cmocka_unit_test(test_gdb_step),
		cmocka_unit_test(test_step_irq),
		cmocka_unit_test(test_past_bp),
		cmocka_unit_test(test_continue_that_steps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
