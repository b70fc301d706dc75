/*
 * run_arm.c - how to arm the next KVM_RUN of a resume (run_arm.h).
 *
 * A run single-steps when gdb steps (RESUME_STEP, RESUME_RANGE), when a
 * continue must see every instruction (stop-on-mode, software breakpoints
 * compared by pc, watchpoints served by stepping, the guest's own TF whose
 * #DB kvmstub delivers), and for the one instruction under a breakpoint a
 * continue runs past.  Every step follows stepi's rules (step.c): a
 * continue's step too must stop at an exception handler's entry (KVM's
 * emulator runs the handler's first instruction inside the step that
 * delivered the exception, where a breakpoint or a watched write would be
 * missed), see a hlt through, and keep the guest's TF.  Interrupts stay out of gdb's steps (BLOCKIRQ, unless monitor
 * step-irq) and of the step over a breakpoint, and come in during a
 * continue, stepping or not: a guest waiting for its timer must get it.
 * Our int3 under the pc is lifted for the first stepped run at a pc,
 * where the instruction under it must execute.
 */
#include "run_arm.h"

void run__arm(const struct run_arm_in *in, struct run_arm *out)
{
	bool gdb_step = in->kind != RESUME_CONTINUE;

	out->step = gdb_step || in->mode_watch || in->guest_tf || in->past_bp || in->compare ||
		    in->watch_step || in->record;
	out->insn_rules = out->step;
	out->ends_in_stop = gdb_step || in->past_bp;
	out->irqs = !out->step || !in->blockirq || in->step_irq ||
		    (in->kind == RESUME_CONTINUE && !in->past_bp);
	out->lift = out->step && in->at_start;
}
