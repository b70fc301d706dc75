/*
 * run_loop.c - the vCPU thread's inner loop: arm guest debugging for the
 * resume command, KVM_RUN, serve port I/O and MMIO in place, and turn the
 * first exit that is a stop into a struct target_stop.
 *
 * Steps and breakpoints: RESUME_STEP and RESUME_RANGE single-step and
 * compare the pc (a step executes the instruction under the pc even when
 * our int3 sits on it); a continue from a breakpoint's address reports
 * that breakpoint at once, unless it asks to run past it (past_bp: the
 * stub's resume after a false condition): then its first run is one step
 * ("over"), here in the vCPU thread, and it goes on as a continue.  A
 * breakpoint hit the resume's bp_filter calls false is run past the same
 * way, with no stop at all.
 *
 * Why a step and not RFLAGS.RF, which makes the CPU ignore an instruction
 * breakpoint for one instruction: on the kvm-pvm host a debug register
 * breakpoint fires again at once with RF set (in real, protected and long
 * mode: the pc and EAX do not move).  The probe checks each mode, and
 * only a false condition, where it counts most, uses RF where it works
 * (past_with_rf); gdb's own step-overs and past_bp keep the step.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "insn.h"
#include "ioctl.h"
#include "machine_priv.h"

/* Let KVM finish an instruction whose I/O exit we served, without running
 * on; a kick that came meanwhile keeps its immediate_exit. */
static void complete_io(struct vcpu *v)
{
	v->run->immediate_exit = 1;
	KVM_IOCTL(v->fd, KVM_RUN, 0);
	__atomic_fetch_add(&v->nr_runs, 1, __ATOMIC_RELAXED);	/* monitor info reads it any time */
	pthread_mutex_lock(&v->m->lock);
	v->run->immediate_exit = v->kicked;
	pthread_mutex_unlock(&v->m->lock);
}

static int set_debug(struct vcpu *v, const struct kvm_guest_debug *dbg)
{
	int r;

	if (v->dbg_set && !memcmp(&v->dbg, dbg, sizeof(*dbg)))
		return 0;
	r = KVM_IOCTL(v->fd, KVM_SET_GUEST_DEBUG, dbg);
	if (r < 0)
		return r;
	v->dbg = *dbg;
	/* injection is one-shot */
	v->dbg_set = !(dbg->control & (KVM_GUESTDBG_INJECT_BP | KVM_GUESTDBG_INJECT_DB));
	return 0;
}

/*
 * A breakpoint hit during a continue: is it a stop?  The resume's
 * bp_filter (the stub's breakpoint conditions) decides here, in the vCPU
 * thread, wherever the vCPU can run past the breakpoint by itself: a false
 * condition then costs the debug exit and getting past the instruction
 * (past_with_rf, past_in_daemon, else a step), and nothing else.
 * Elsewhere the hit is reported and the stub decides.
 */
static bool bp_stops(struct vcpu *v, const struct target_resume *how, struct target_stop *stop)
{
	bool stops;

	if (!how->bp_filter || (stop->reason != STOP_SWBREAK && stop->reason != STOP_HWBREAK) ||
	    !allstop__can_pass_bp(v->m, how))
		return true;
	v->filtering = true;
	stops = how->bp_filter(how->bp_filter_ctx, stop);
	v->filtering = false;
	stop->filtered = stops;
	return stops;
}

/*
 * Past a debug register breakpoint whose condition is false, without a
 * step: RFLAGS.RF makes the CPU skip instruction breakpoints for one
 * instruction, so the false hit costs its one exit and nothing more.
 * Only where the probe saw KVM keep RF in this CPU mode (hosts with
 * VMX/SVM; not kvm-pvm, where past_in_daemon or a step do it).  Should the
 * breakpoint fire again at once, three times in a row (RF lost after
 * all, or a loop of one instruction), the vCPU steps from then on.
 */
static bool past_with_rf(struct vcpu *v, uint64_t pc, bool again)
{
	const struct host_caps *c = &v->m->caps;
	struct kvm_sregs s;
	int mode;

	if (again && ++v->rf_fails >= 3 && !v->rf_off) {
		v->rf_off = true;
		machine__log(v->m, "vCPU %d: RFLAGS.RF did not skip the breakpoint at 0x%llx; "
			     "stepping over false conditions from now on", v->id,
			     (unsigned long long)pc);
	}
	if (v->rf_off || again ||
	    !(c->hw_bp_rf[PROBE_REAL] || c->hw_bp_rf[PROBE_PROTECTED] || c->hw_bp_rf[PROBE_LONG]) ||
	    cpu_state__sregs(v, &s) < 0)
		return false;	/* kvm-pvm: no mode keeps RF, no register read */
	mode = s.efer & X86_EFER_LMA ? PROBE_LONG : s.cr0 & X86_CR0_PE ? PROBE_PROTECTED :
	       PROBE_REAL;
	if (!c->hw_bp_rf[mode] || cpu_state__set_rf(v) < 0)
		return false;
	v->rf_pending = true;
	v->rf_pc = pc;
	return true;
}

/*
 * Past a debug register breakpoint whose condition is false, without a
 * step, where RF does not work: the instruction under it executed here
 * (insn.c), when it is one of the few that only touch registers, and
 * nothing about the vCPU says otherwise (its own TF, an event being
 * delivered, the interrupt shadow of sti or mov ss, the end of CS).  The
 * registers go back through kvm_run's synced copy: no ioctl, one exit per
 * false hit.
 */
static bool past_in_daemon(struct vcpu *v, uint64_t pc)
{
	const struct kvm_vcpu_events *ev = &v->run->s.regs.events;
	const struct kvm_sregs *s = &v->run->s.regs.sregs;
	struct kvm_regs r = v->run->s.regs.regs;
	uint8_t code[15];
	ssize_t n;
	int bits, len;

	if (!v->sync_fresh || !v->sync_events || v->guest_tf || (r.rflags & X86_RFLAGS_TF) ||
	    ev->exception.injected || ev->exception.pending || ev->interrupt.injected ||
	    ev->interrupt.shadow || ev->nmi.injected || ev->nmi.pending || ev->smi.pending)
		return false;
	bits = (s->efer & X86_EFER_LMA) && s->cs.l ? 64 : s->cs.db ? 32 : 16;
	n = cpu_state__access(v->m, v, TARGET_LINEAR, pc, code, sizeof(code), false);
	if (n <= 0)
		return false;
	len = insn__exec(code, (size_t)n, bits, &r);
	if (len <= 0 || (bits < 64 && v->run->s.regs.regs.rip + (uint64_t)len - 1 > s->cs.limit))
		return false;
	v->run->s.regs.regs = r;
	v->run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
	return true;
}

static bool run_until_stop(struct vcpu *v, const struct target_resume *how,
			   struct target_stop *stop)
{
	struct bp_manager *bpm = &v->m->bpm;
	struct kvm_run *run = v->run;
	struct kvm_guest_debug dbg;
	uint64_t pc;
	char msg[160];
	int r;

	v->dbg_set = false;
	v->rf_pending = false;
	r = cpu_state__pc(v, &pc);	/* from the stop's register cache */
	if (r < 0) {
		stops__at(v, stop, STOP_FAULT, 0);
		kvm__ioctl_error(stop->message, sizeof(stop->message), "KVM_GET_REGS", r);
		return false;
	}
	/*
	 * A continue from a breakpoint's address hits it at once, as the
	 * hardware would: gdb steps over its breakpoints itself (it removes
	 * the one under the pc and steps), and a continue at a breakpoint it
	 * did not know the pc was on (after monitor reset, or a jump) must
	 * report it.  The same on every mechanism, so decided here.
	 */
	bool over = false;

	if (how->kind == RESUME_CONTINUE) {
		struct bp *bp = bp__find_at(bpm, pc);

		if (bp && !how->past_bp) {
			stops__bp(v, stop, bp);
			if (bp_stops(v, how, stop))
				return false;
			memset(stop, 0, sizeof(*stop));
		}
		over = bp != NULL;
	}
	bool first = true;
	/* monitor stop-on-mode: a continue steps and compares the CPU mode. */
	bool watch_mode = v->m->stop_on_mode && how->kind == RESUME_CONTINUE;
	uint32_t mode = 0;

	struct step_insn si;

	if (watch_mode && stops__mode_key(v, &mode) < 0)
		watch_mode = false;
	step__begin(v);
	struct irqchip_step ist = { 0 };	/* the TF KVM leaves in interrupt frames */
	bool rf_was = false;		/* the run that just ended started with RF set */

	for (;;) {
		/* The guest's own TF: step, to deliver its #DBs (step.c). */
		bool step = how->kind != RESUME_CONTINUE || watch_mode || v->guest_tf || over;
		struct bp *lifted = NULL;

		step = bp__arm(bpm, &v->m->wm, step, &dbg) || step;
		memset(&si, 0, sizeof(si));
		/* The step over a breakpoint is one gdb could have done: hlt,
		 * rep and faults are handled as for its stepi (step.c). */
		if (step && (how->kind != RESUME_CONTINUE || v->guest_tf || over))
			step__arm(v, how->kind != RESUME_CONTINUE || over, &si, &dbg);
		/*
		 * Interrupts: gdb's steps keep them out (BLOCKIRQ) unless
		 * monitor step-irq is on, but a continue that single-steps
		 * (breakpoints compared by pc, stop-on-mode, the guest's own
		 * TF) must let them in, or a guest waiting for its timer
		 * would wait forever.  Where a step may take one, the TF KVM
		 * leaves in the pushed frame is cleaned up (irqchip.c).  The
		 * step over a breakpoint (past_bp) keeps them out, as the
		 * step gdb itself would do there.
		 */
		if (how->kind == RESUME_CONTINUE && !over)
			dbg.control &= ~(uint32_t)KVM_GUESTDBG_BLOCKIRQ;
		irqchip__step_begin(v, &ist, step && !(dbg.control & KVM_GUESTDBG_BLOCKIRQ));
		if (v->inject_db)
			dbg.control |= KVM_GUESTDBG_INJECT_DB;
		if (v->inject_bp)
			dbg.control |= KVM_GUESTDBG_INJECT_BP;
		if (first && step) {
			/* Our own int3 under the pc: execute the original instruction. */
			lifted = bp__find_at(bpm, pc);
			if (lifted && !bp__lift(lifted))
				lifted = NULL;	/* none, or the guest wrote over it */
		}
		r = set_debug(v, &dbg);
		if (r < 0) {
			if (lifted)
				bp__unlift(lifted);
			kvm__ioctl_error(msg, sizeof(msg), "KVM_SET_GUEST_DEBUG", r);
			stops__fault(v, stop, msg);
			return false;
		}
		v->inject_bp = false;
		v->inject_db = false;
		cpu_state__cache_off(v);	/* the guest runs: registers change */
		v->sync_fresh = false;
		r = KVM_IOCTL(v->fd, KVM_RUN, 0);
		__atomic_fetch_add(&v->nr_runs, 1, __ATOMIC_RELAXED);
		rf_was = v->rf_pending && r == 0;
		v->rf_pending = v->rf_pending && r == -EINTR;	/* nothing ran yet */
		if (rf_was && !(run->exit_reason == KVM_EXIT_DEBUG && run->debug.arch.pc == v->rf_pc))
			v->rf_fails = 0;	/* RF did its job */
		v->sync_fresh = v->sync_regs && r == 0 && run->exit_reason == KVM_EXIT_DEBUG;
		if (lifted)
			bp__unlift(lifted);
		if (r == -EINTR) {
			/* Ctrl-C (a kick), or the halt watchdog's tick (irqchip.c);
			 * nothing ran to an exit, so `first` still holds. */
			switch (vcpu__take_kick(v)) {
			case KICK_QUIT:
				return true;
			case KICK_USER:
				stops__here(v, stop, STOP_INTERRUPT);
				return false;
			case KICK_NONE:
				break;
			}
			if (irqchip__tick(v, how, stop))
				return false;
			continue;
		}
		if (r == -EAGAIN)
			continue;	/* an AP that waited for INIT/SIPI got one: run it */
		first = false;
		if (r < 0) {
			stops__fault(v, stop, kvm__ioctl_error(msg, sizeof(msg), "KVM_RUN", r));
			return false;
		}
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			ports__io(v);
			if (v->exited) {
				v->exited = false;
				complete_io(v);
				stops__here(v, stop, STOP_EXITED);
				stop->exit_status = v->exit_status;
				return false;
			}
			continue;
		case KVM_EXIT_MMIO:
			/* Watched pages exit here (watch.c); so does memory that is not there. */
			if (watch__mmio(v, stop))
				return false;
			continue;
		case KVM_EXIT_DEBUG:
			irqchip__step_done(v, &ist);
			/* A rep not finished, the guest's own #DB owed: step on. */
			if (step && run->debug.arch.exception == 1 &&
			    step__after(v, &si, run->debug.arch.pc, run->debug.arch.dr6)) {
				pc = run->debug.arch.pc;
				first = pc == si.pc;
				continue;
			}
			over = false;	/* past the breakpoint: a continue from here on */
			if (stops__debug(v, how, step, &pc, stop)) {
				if (bp_stops(v, how, stop))
					return false;
				/* A false condition: on past it, with RF where
				 * that works, or executing the instruction here,
				 * else with a step (as past_bp). */
				memset(stop, 0, sizeof(*stop));
				if (step || run->debug.arch.exception != 1 ||
				    !(run->debug.arch.dr6 & 0xF) ||
				    (!past_with_rf(v, pc, rf_was && pc == v->rf_pc) &&
				     !past_in_daemon(v, pc))) {
					over = true;
					first = true;
				}
			}
			if (watch_mode && stops__mode_changed(v, &mode, stop))
				return false;
			continue;
		case KVM_EXIT_HLT:
			stops__halt(v, stop);
			return false;
		case KVM_EXIT_SHUTDOWN:
			stops__fault(v, stop, "triple fault (shutdown)");
			return false;
		case KVM_EXIT_INTERNAL_ERROR: {
			struct bp *bp;

			/* Hosts that emulate int3 fail on it, at the int3: ours? */
			if (run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION &&
			    cpu_state__pc(v, &pc) == 0 && (bp = bp__find_at(bpm, pc)) &&
			    bp__ours(bp)) {
				stops__at(v, stop, STOP_SWBREAK, bp->addr);
				return false;
			}
			if (watch__fetch_fault(v, stop))
				return false;
			snprintf(msg, sizeof(msg), "KVM internal error (suberror %u: %s)",
				 run->internal.suberror,
				 stops__internal_suberror(run->internal.suberror));
			stops__fault(v, stop, msg);
			return false;
		}
		case KVM_EXIT_FAIL_ENTRY:
			snprintf(msg, sizeof(msg),
				 "VM entry failed (hardware reason 0x%llx)",
				 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
			stops__fault(v, stop, msg);
			return false;
		default:
			snprintf(msg, sizeof(msg), "unexpected KVM exit reason %u",
				 run->exit_reason);
			stops__fault(v, stop, msg);
			return false;
		}
	}
}

/* Run until a stop; return true when the thread must quit instead. */
bool vcpu__exec(struct vcpu *v, const struct target_resume *how, struct target_stop *stop)
{
	bool quit = run_until_stop(v, how, stop);

	cpu_state__cache_on(v);		/* parked again: one read serves the stop */
	return quit;
}
