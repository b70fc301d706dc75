/*
 * stops.c - what a KVM exit means for gdb: the struct target_stop recorded
 * for a debug exit (step, breakpoint), hlt, and the faults.  Every message
 * says where the vCPU is: CS:IP, the linear pc and the CPU mode.
 */
#include "stops.h"

#include <stdio.h>
#include <string.h>

#include "../host/ioctl.h"
#include "../host/log.h"
#include "step.h"

#define BP_VECTOR	3

void stops__at(const struct dview *d, struct target_stop *stop, enum target_stop_reason reason,
	       uint64_t addr)
{
	stop->reason = reason;
	stop->cpu = d->id;
	stop->addr = addr;
	stop->message[0] = '\0';
}

void stops__here(const struct dview *d, struct target_stop *stop, enum target_stop_reason reason)
{
	uint64_t pc = 0;

	cpu__pc(d->cpu, &pc);
	stops__at(d, stop, reason, pc);
}

void stops__fault(const struct dview *d, struct target_stop *stop, const char *what)
{
	char where[96];

	stops__here(d, stop, STOP_FAULT);
	cpu__where(d->cpu, 0, where, sizeof(where));
	snprintf(stop->message, sizeof(stop->message), "%s %s", what, where);
	log__say(d->log, "vCPU %d: %s", d->id, stop->message);
}

void stops__watch(const struct dview *d, const struct watch *w, struct target_stop *stop)
{
	stops__here(d, stop, STOP_WATCH);
	stop->addr = w->addr;
	stop->watch_kind = w->kind;
}

void stops__bp(const struct dview *d, struct target_stop *stop, const struct bp *bp)
{
	stops__at(d, stop, bp->kind == BP_HARDWARE ? STOP_HWBREAK : STOP_SWBREAK, bp->addr);
}

/* hlt: with no interrupt controller yet, nothing will ever wake the vCPU. */
void stops__halt(const struct dview *d, struct target_stop *stop)
{
	struct kvm_regs regs;
	char where[96];
	uint8_t byte = 0;
	int64_t adjust = 0;
	bool irq_on = false;

	stops__here(d, stop, STOP_HALT);
	if (KVM_IOCTL(d->cpu->fd, KVM_GET_REGS, &regs) >= 0)
		irq_on = regs.rflags & X86_RFLAGS_IF;
	/* KVM reports the exit with the IP past the hlt: name the hlt itself. */
	if (stop->addr > 0 && bp__access(d->bpm, d->cpu, d->mem, TARGET_LINEAR, stop->addr - 1, &byte, 1,
						false) == 1 && byte == 0xF4)
		adjust = -1;
	cpu__where(d->cpu, adjust, where, sizeof(where));
	snprintf(stop->message, sizeof(stop->message), "hlt with interrupts %s %s%s",
		 irq_on ? "enabled" : "disabled", where,
		 irq_on ? "; nothing will wake it (no interrupt controller)" : "");
}

const char *stops__internal_suberror(uint32_t sub)
{
	switch (sub) {
	case KVM_INTERNAL_ERROR_EMULATION: return "emulation failure";
	case KVM_INTERNAL_ERROR_SIMUL_EX: return "exception while delivering an exception";
	case KVM_INTERNAL_ERROR_DELIVERY_EV: return "cannot deliver an event";
	case KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON: return "unexpected exit reason";
	default: return "unknown";
	}
}

#define MODE_PE		1u
#define MODE_PG		2u
#define MODE_LMA	4u
#define MODE_L		8u

static uint32_t mode_key(const struct kvm_sregs *s)
{
	return (s->cr0 & X86_CR0_PE ? MODE_PE : 0) | (s->cr0 & X86_CR0_PG ? MODE_PG : 0) |
	       (s->efer & X86_EFER_LMA ? MODE_LMA : 0) | (s->cs.l ? MODE_L : 0);
}

static const char *mode_key_name(uint32_t key)
{
	if (!(key & MODE_PE))
		return "real";
	if (key & MODE_LMA)
		return key & MODE_L ? "long" : "compatibility";
	return key & MODE_PG ? "protected with paging" : "protected";
}

int stops__mode_key(const struct dview *d, uint32_t *key)
{
	struct kvm_sregs s;
	int r = KVM_IOCTL(d->cpu->fd, KVM_GET_SREGS, &s);

	if (r < 0)
		return r;
	*key = mode_key(&s);
	return 0;
}

bool stops__mode_changed(const struct dview *d, uint32_t *key, struct target_stop *stop)
{
	struct kvm_sregs s;
	uint32_t now;

	if (KVM_IOCTL(d->cpu->fd, KVM_GET_SREGS, &s) < 0)
		return false;
	now = mode_key(&s);
	if (now == *key)
		return false;
	stops__here(d, stop, STOP_MODE_CHANGE);
	snprintf(stop->message, sizeof(stop->message),
		 "mode change: %s -> %s at 0x%08llx (cr0 0x%llx, cr4 0x%llx, efer 0x%llx, "
		 "cs 0x%04x%s)", mode_key_name(*key), mode_key_name(now),
		 (unsigned long long)stop->addr, (unsigned long long)s.cr0,
		 (unsigned long long)s.cr4, (unsigned long long)s.efer, s.cs.selector,
		 s.cs.l ? " 64-bit" : s.cs.db ? " 32-bit" : " 16-bit");
	*key = now;
	return true;
}

/*
 * A debug exit: a single step finished, a debug register fired, or an
 * int3 was intercepted.  Return true when it is a stop.
 */
bool stops__debug(const struct dview *d, const struct target_resume *how, bool step,
		  const struct debug_event *ev, struct target_stop *stop)
{
	struct bp_manager *bpm = d->bpm;
	const struct watch *w;
	uint64_t pc = ev->pc;		/* linear: CS.base + RIP */
	struct bp *bp;

	if (ev->exception == BP_VECTOR) {
		bp = bp__find_at(bpm, pc);
		if (bp && bp__ours(bp)) {
			stops__at(d, stop, STOP_SWBREAK, bp->addr);
			return true;
		}
		d->owed->inject_bp = true;	/* the guest's own int3: give it back */
		return false;
	}
	/* A debug-register watchpoint: reported even when a step also ended. */
	w = watch__by_dr(d->wm, ev->dr6);
	if (w) {
		stops__watch(d, w, stop);
		return true;
	}
	if (!step) {
		if (step__guest_db(d, ev->dr6))
			return false;	/* the guest's own single-step trap */
		bp = bp__by_dr(bpm, ev->dr6);
		if (!bp)
			bp = bp__find_at(bpm, pc);
		if (bp) {
			stops__bp(d, stop, bp);
		} else {
			stops__at(d, stop, STOP_STEP, pc);
			snprintf(stop->message, sizeof(stop->message),
				 "debug exception %u (DR6 0x%llx) not caused by kvmstub",
				 ev->exception, (unsigned long long)ev->dr6);
		}
		return true;
	}
	/* One instruction done. */
	switch (how->kind) {
	case RESUME_STEP:
		stops__at(d, stop, STOP_STEP, pc);
		return true;
	case RESUME_RANGE:
		if (pc < how->range_start || pc >= how->range_end) {
			stops__at(d, stop, STOP_STEP, pc);
			return true;
		}
		break;
	case RESUME_CONTINUE:
		break;
	}
	bp = bp__find_at(bpm, pc);
	if (bp) {
		stops__bp(d, stop, bp);
		return true;
	}
	return false;
}
