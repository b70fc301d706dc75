/*
 * inline_step.h - a single step of the only vCPU, run in the thread that
 * asked for it (inline_step.c), instead of handed to the vCPU's thread and
 * waited for: two wake-ups across threads fewer per stepi.
 */
#ifndef KVMSTUB_INLINE_STEP_H
#define KVMSTUB_INLINE_STEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../stub/target.h"

struct vcpu;
struct exec;

/* What decides it (inline_step__allowed, pure). */
struct inline_step_in {
	int nr_vcpus;
	enum target_resume_kind kind;
	bool prev_step;		/* this vCPU's last resume was a step too */
	bool rep_whole;		/* monitor step-rep whole: a step may run a long rep */
	bool runnable;		/* KVM's MP state: not halted, not waiting for INIT/SIPI */
	bool may_block;		/* the instruction may sleep in KVM (hlt, mwait) */
};

bool inline_step__allowed(const struct inline_step_in *in);

/* The instruction in code (n bytes, in a bits-bit code segment) may sleep
 * inside KVM_RUN: hlt, mwait, mwaitx, after any prefixes. */
bool inline_step__may_block(const uint8_t *code, size_t n, int bits);

/* The resume how of the parked vCPU v may run in the caller's thread
 * (reads its MP state and the instruction at its pc).  Caller holds
 * x->lock; prev_step is v's. */
bool inline_step__wanted(struct exec *x, struct vcpu *v, const struct target_resume *how,
			 bool prev_step);

/* Run it here, as the vCPU's thread would (the caller does the all-stop
 * bookkeeping around it, without x->lock held). */
void inline_step__run(struct vcpu *v, const struct target_resume *how, struct target_stop *stop);

#endif
