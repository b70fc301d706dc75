/*
 * inline_step.c - a single step of the only vCPU, run in the thread that
 * asked for it (the main thread, which serves gdb's socket), instead of
 * handed to the vCPU's thread and waited for.
 *
 * Why: a stepi costs two wake-ups across threads in the daemon (the step
 * handed to the vCPU thread, its stop handed back through event_fd), and
 * on our 2-CPU machines a wake-up across CPUs costs more than the step.
 * Run here, the step is the same code (vcpu__exec), and its stop is still
 * announced through event_fd, which the main thread then finds readable
 * at once.
 *
 * When: a RESUME_STEP of a machine with one vCPU, whose last resume was a
 * step too, and that cannot sleep inside KVM_RUN: the main thread cannot be
 * kicked (it blocks the kick signal) and no halt watchdog watches it.  So
 * not a vCPU that KVM has halted or that waits for INIT/SIPI, not a hlt,
 * mwait or mwaitx, and not with monitor step-rep whole (a rep string may
 * run long).  Anything else goes to the vCPU thread as before.
 *
 * Why "the last resume was a step too": KVM remembers which thread runs a
 * vCPU, and kernels before 6.11 wait for an RCU grace period (a few ms)
 * each time that changes (kvm_vcpu_ioctl, KVM_RUN: synchronize_rcu).  A
 * continue from a breakpoint is a step over it and a continue: run the
 * step here and the continue there, and each breakpoint hit would pay
 * twice.  A run of stepi pays once going in and once going out.
 */
#include "inline_step.h"

#include <string.h>

#include "../debug/breakpoints.h"
#include "../host/ioctl.h"
#include "vcpu.h"

bool inline_step__allowed(const struct inline_step_in *in)
{
	return in->nr_vcpus == 1 && in->kind == RESUME_STEP && in->prev_step && !in->rep_whole &&
	       in->runnable && !in->may_block;
}

static bool is_prefix(uint8_t b, int bits)
{
	switch (b) {
	case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
	case 0x66: case 0x67: case 0xf0: case 0xf2: case 0xf3:
		return true;
	default:
		return bits == 64 && (b & 0xf0) == 0x40;	/* REX */
	}
}

bool inline_step__may_block(const uint8_t *code, size_t n, int bits)
{
	size_t i = 0;

	while (i < n && i < 15 && is_prefix(code[i], bits))
		i++;
	if (i >= n)
		return true;	/* cannot tell: assume it may */
	if (code[i] == 0xf4)
		return true;	/* hlt */
	/* mwait 0f 01 c9, mwaitx 0f 01 fb */
	if (code[i] != 0x0f)
		return false;
	if (i + 1 >= n)
		return true;
	if (code[i + 1] != 0x01)
		return false;
	return i + 2 >= n || code[i + 2] == 0xc9 || code[i + 2] == 0xfb;
}

/* KVM's MP state: a halted vCPU, or one waiting for INIT or SIPI, sleeps in
 * KVM_RUN.  Without the in-kernel irqchip a hlt exits instead. */
static bool runnable(struct vcpu *v)
{
	struct kvm_mp_state mp;

	if (!v->dv.irqchip)
		return true;
	if (KVM_IOCTL(v->cpu.fd, KVM_GET_MP_STATE, &mp) < 0)
		return false;
	return mp.mp_state == KVM_MP_STATE_RUNNABLE;
}

static bool may_block_at_pc(struct vcpu *v)
{
	struct kvm_sregs s;
	uint8_t code[15];
	uint64_t pc;
	ssize_t n;
	int bits;

	if (cpu__pc(&v->cpu, &pc) < 0 || cpu__sregs(&v->cpu, &s) < 0)
		return true;
	bits = (s.efer & X86_EFER_LMA) && s.cs.l ? 64 : s.cs.db && (s.cr0 & X86_CR0_PE) ? 32 : 16;
	n = bp__access(v->x->bpm, &v->cpu, v->x->mem, TARGET_LINEAR, pc, code, sizeof(code), false);
	return n <= 0 || inline_step__may_block(code, (size_t)n, bits);
}

bool inline_step__wanted(struct exec *x, struct vcpu *v, const struct target_resume *how,
			 bool prev_step)
{
	struct inline_step_in in = {
		.nr_vcpus = x->nr_vcpus,
		.kind = how->kind,
		.prev_step = prev_step,
		.rep_whole = x->so->rep_whole,
		.runnable = true,
	};

	/* The cheap conditions first: the ioctl and the code read only when
	 * they are met. */
	if (!inline_step__allowed(&in))
		return false;
	in.may_block = may_block_at_pc(v);
	in.runnable = !in.may_block && runnable(v);
	return inline_step__allowed(&in);
}

void inline_step__run(struct vcpu *v, const struct target_resume *how, struct target_stop *stop)
{
	memset(stop, 0, sizeof(*stop));
	vcpu__exec(v, how, stop);
}
