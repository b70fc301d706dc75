/*
 * test_inline_step.c - when a step may run in the thread that asked for
 * it (kvm/exec/inline_step.c): one vCPU, a step after a step, nothing that
 * sleeps in KVM_RUN (hlt, mwait, mwaitx, after any prefixes; a halted vCPU
 * or one waiting for SIPI), no rep run whole.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../kvm/exec/inline_step.h"

#define BLOCKS(bits, ...) \
	inline_step__may_block((const uint8_t[]){ __VA_ARGS__ }, \
			       sizeof((const uint8_t[]){ __VA_ARGS__ }), bits)

static void test_may_block(void **state)
{
	(void)state;
	assert_true(BLOCKS(16, 0xf4));				/* hlt */
	assert_true(BLOCKS(32, 0x66, 0xf4));			/* with a prefix */
	assert_true(BLOCKS(64, 0x48, 0xf4));			/* REX in 64-bit code */
	assert_true(BLOCKS(64, 0x2e, 0x3e, 0x48, 0xf4));
	assert_true(BLOCKS(32, 0x0f, 0x01, 0xc9));		/* mwait */
	assert_true(BLOCKS(32, 0x0f, 0x01, 0xfb));		/* mwaitx */
	assert_true(BLOCKS(32, 0x0f));				/* cut short: cannot tell */
	assert_true(BLOCKS(32, 0x66));
	assert_false(BLOCKS(16, 0x90));				/* nop */
	assert_false(BLOCKS(32, 0x48, 0xf4 - 1));		/* dec eax; cmc */
	assert_false(BLOCKS(32, 0x0f, 0x01, 0xd0));		/* xgetbv */
	assert_false(BLOCKS(32, 0x0f, 0xa2));			/* cpuid */
	assert_false(BLOCKS(16, 0xea, 0x00, 0x00, 0x00, 0xf0));	/* ljmp */
	/* 0x40-0x4f are inc/dec, not REX, outside 64-bit code: no prefix. */
	assert_false(BLOCKS(32, 0x48, 0x90));
	assert_true(inline_step__may_block(NULL, 0, 32));
}

static void test_allowed(void **state)
{
	const struct inline_step_in yes = {
		.nr_vcpus = 1, .kind = RESUME_STEP, .prev_step = true, .runnable = true,
	};
	struct inline_step_in in;

	(void)state;
	assert_true(inline_step__allowed(&yes));
	in = yes;
	in.nr_vcpus = 2;
	assert_false(inline_step__allowed(&in));
	in = yes;
	in.kind = RESUME_CONTINUE;
	assert_false(inline_step__allowed(&in));
	in = yes;
	in.kind = RESUME_RANGE;		/* may run a whole loop: Ctrl-C must work */
	assert_false(inline_step__allowed(&in));
	in = yes;
	in.prev_step = false;		/* the first step after a continue: its thread */
	assert_false(inline_step__allowed(&in));
	in = yes;
	in.rep_whole = true;
	assert_false(inline_step__allowed(&in));
	in = yes;
	in.runnable = false;
	assert_false(inline_step__allowed(&in));
	in = yes;
	in.may_block = true;
	assert_false(inline_step__allowed(&in));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_may_block),
		cmocka_unit_test(test_allowed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
