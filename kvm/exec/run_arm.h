/*
 * run_arm.h - how to arm the next KVM_RUN of a resume: a pure decision
 * (run_arm.c) from what the resume asks, what the vCPU owes the guest and
 * what the breakpoints need.  The run loop (run_loop.c) asks it before
 * every KVM_RUN; tests/unit/test_run_arm.c checks it without KVM.
 */
#ifndef KVMSTUB_RUN_ARM_H
#define KVMSTUB_RUN_ARM_H

#include <stdbool.h>

#include "../../stub/target.h"

struct run_arm_in {
	enum target_resume_kind kind;	/* what gdb asked for */
	bool past_bp;		/* the next instruction is the one under a breakpoint
				 * a continue runs past (one step, then a continue) */
	bool mode_watch;	/* monitor stop-on-mode: a continue steps, comparing modes */
	bool guest_tf;		/* the guest's own TF: its #DB is owed after each instruction */
	bool compare;		/* software breakpoints served by stepping and comparing the pc */
	bool watch_step;	/* watchpoints served by stepping (debug/watch_step.c) */
	bool at_start;		/* nothing executed yet at this pc in this resume */
	bool blockirq;		/* the host has KVM_GUESTDBG_BLOCKIRQ */
	bool step_irq;		/* monitor step-irq on: gdb's steps let interrupts in */
	bool record;		/* recording (record/): every instruction is stepped and logged */
};

struct run_arm {
	bool step;		/* KVM_GUESTDBG_SINGLESTEP */
	bool insn_rules;	/* decode the instruction for stepi's rules (step.c:
				 * handlers' entries, hlt, rep, the guest's TF) */
	bool ends_in_stop;	/* the step ends in a stop (gdb's step, or the one over
				 * a breakpoint), not a continue's step */
	bool irqs;		/* interrupts let in during the run */
	bool lift;		/* our int3 at the pc is taken out for this run */
};

void run__arm(const struct run_arm_in *in, struct run_arm *out);

#endif
