/*
 * step.h - what one single step means, whatever the host's KVM does
 * (step.c): the instruction decoded before it runs, the handlers it may
 * enter, rep iterations, hlt, the guest's own TF, and the trap flag KVM
 * leaves in interrupt frames.
 */
#ifndef KVMSTUB_STEP_H
#define KVMSTUB_STEP_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>

#include "view.h"

struct step_insn {
	uint64_t pc;			/* linear pc where the step started */
	uint8_t op;			/* first opcode byte after the prefixes */
	uint8_t len;			/* prefixes + that byte */
	bool known;			/* decoded */
	uint8_t rep;			/* a rep prefix (F2 or F3), or 0 */
	bool rep_string;		/* ... on a string instruction */
	uint64_t count_mask;		/* the count register's width (address size) */
	bool rep_trick;			/* one iteration run with the count set to 1 */
	uint64_t rep_count;		/* ... and the count before it */
	uint64_t rip;			/* ... at this raw rip */
	int vec;			/* the vector it raises by definition, or -1 */
	bool sets_flags, new_tf;	/* popf/iret: and the TF it loads */
	bool has_next;			/* popf/iret: where the next instruction is known */
	bool lost_trap;			/* fxsave & co: a host may run it without its trap */
	bool writes_msr;		/* wrmsr, swapgs */
	bool port_io;			/* in, out, ins, outs */
	uint64_t next;			/* ... its linear address */
	bool guest_tf;			/* the guest's TF was set before it */
	bool injecting;			/* this run delivers the guest's #DB */
};
/* At the start of a resume: learn the guest's TF when KVM shows it. */
void step__begin(const struct dview *d);
/* Before a stepping KVM_RUN: decode the instruction at the pc, add
 * execute breakpoints at the handlers it may enter (and after a popf or
 * iret), run a hlt through, and with per_iteration run one iteration of a
 * rep string instruction (its count set to 1 for the run).  irq_vecs (n
 * of them, or none): the interrupt vectors that may come during the run
 * (the recorder's: a step that takes an interrupt then stops at its
 * handler's first instruction, as the CPU's trap flag would, where the
 * host would run that instruction too; as many as debug registers are
 * left). */
void step__arm(const struct dview *d, bool per_iteration, struct step_insn *si,
	       struct kvm_guest_debug *dbg, const int *irq_vecs, int nirq);
/* A continue's step of a rep string instruction, one turn at a time
 * (watch_step.c wants it): decoded into si, its count set to 1 as for
 * stepi; true when so.  step__rep_end puts the count back. */
bool step__rep_single(const struct dview *d, struct step_insn *si, struct kvm_guest_debug *dbg);
/* The pc is on a rep string instruction with turns left: a step that
 * ended there has not finished it (a breakpoint on it is not hit anew). */
bool step__at_rep(const struct dview *d);
/* The instruction at the pc is a rep string instruction that has just
 * done its last iteration (count 0): KVM's emulator leaves the pc on it
 * until its next run, the CPU after it.  Put it after it; true if so. */
bool step__rep_finish(const struct dview *d);
/* After a run that stepped one iteration of a rep: the count the CPU
 * would have, and the pc back on the rep while iterations remain.  true
 * when the registers changed (the caller reads the pc again). */
bool step__rep_end(const struct dview *d, struct step_insn *si);
/* After a debug exit of a stepping run: true to step again (a rep not
 * finished, the guest's own #DB to deliver) instead of stopping. */
bool step__after(const struct dview *d, const struct step_insn *si, uint64_t pc, uint64_t dr6);
/* A debug exit while not stepping: true (and re-injected) when it is the
 * guest's own single-step trap. */
bool step__guest_db(const struct dview *d, uint64_t dr6);

/* A step: clear the trap flag KVM's single step leaves in the EFLAGS
 * image of an interrupt or exception delivered during it. */
struct step_frame {
	bool on;
	bool guest_tf;			/* the guest's own TF before the step */
	uint64_t rsp, rflags, ss_base;
};
void step__frame_begin(const struct dview *d, struct step_frame *st, bool stepping);
void step__frame_done(const struct dview *d, struct step_frame *st);

#endif
