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
#include "vcpu.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../cpu/insn.h"
#include "../debug/dregs.h"
#include "../debug/step.h"
#include "../debug/stops.h"
#include "../debug/watch_step.h"
#include "../dev/irqchip.h"
#include "../host/ioctl.h"
#include "../host/log.h"
#include "run_arm.h"
#include "watchdog.h"

#define DR6_BS		0x4000ull	/* DR6: the single-step trap */
#define FINISH_MAX	64		/* exits one instruction may make while it finishes */
#define IRQ_VECS_MAX	32		/* vectors a recorded step may take: more than debug registers */

/* What a resume does next, after one exit. */
enum verdict { RUN_ON, RUN_STOP, RUN_QUIT };

/* One resume of one vCPU, carried from one KVM_RUN to the next. */
struct resume {
	const struct target_resume *how;
	uint64_t pc;			/* linear pc where the next run starts */
	bool at_start;			/* nothing executed at pc yet in this resume */
	bool past_bp;			/* the instruction at pc is under a breakpoint to run past */
	bool mode_watch;		/* monitor stop-on-mode: step, compare the CPU mode */
	uint32_t mode_key;
	bool rf_was;			/* the run that just ended started with RF set */
	struct run_arm arm;		/* how the current run is armed (run_arm.c) */
	struct step_insn si;		/* ... the instruction it steps (step.c) */
	struct step_frame ist;	/* ... the TF KVM leaves in interrupt frames (irqchip.c) */
	uint64_t compare_runs;		/* runs of a continue stepped to compare breakpoints */
	struct timespec compare_t0;	/* ... from when */
};

static int set_debug(struct vcpu *v, const struct kvm_guest_debug *dbg)
{
	int r;

	if (v->dbg_set && !memcmp(&v->dbg, dbg, sizeof(*dbg)))
		return 0;
	r = KVM_IOCTL(v->cpu.fd, KVM_SET_GUEST_DEBUG, dbg);
	if (r < 0)
		return r;
	v->dbg = *dbg;
	v->cpu.kvm_steps = dbg->control & KVM_GUESTDBG_SINGLESTEP;	/* TF is KVM's now */
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
	    !bp__can_pass(v->x->bpm, how, v->x->nr_vcpus))
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
	const struct host_caps *c = v->x->caps;
	struct kvm_sregs s;
	int mode;

	if (again && ++v->rf.fails >= 3 && !v->rf.off) {
		v->rf.off = true;
		log__say(v->x->log, "vCPU %d: RFLAGS.RF did not skip the breakpoint at 0x%llx; "
			     "stepping over false conditions from now on", v->id,
			     (unsigned long long)pc);
	}
	if (v->rf.off || again ||
	    !(c->hw_bp_rf[PROBE_REAL] || c->hw_bp_rf[PROBE_PROTECTED] || c->hw_bp_rf[PROBE_LONG]) ||
	    cpu__sregs(&v->cpu, &s) < 0)
		return false;	/* kvm-pvm: no mode keeps RF, no register read */
	mode = s.efer & X86_EFER_LMA ? PROBE_LONG : s.cr0 & X86_CR0_PE ? PROBE_PROTECTED :
	       PROBE_REAL;
	if (!c->hw_bp_rf[mode] || cpu__set_rf(&v->cpu) < 0)
		return false;
	v->rf.pending = true;
	v->rf.pc = pc;
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
	const struct kvm_vcpu_events *ev = &v->cpu.run->s.regs.events;
	const struct kvm_sregs *s = &v->cpu.run->s.regs.sregs;
	struct kvm_regs r = v->cpu.run->s.regs.regs;
	uint8_t code[15];
	ssize_t n;
	int bits, len;

	if (!v->cpu.sync_fresh || !v->cpu.sync_events || v->cpu.guest_tf || (r.rflags & X86_RFLAGS_TF) ||
	    ev->exception.injected || ev->exception.pending || ev->interrupt.injected ||
	    ev->interrupt.shadow || ev->nmi.injected || ev->nmi.pending || ev->smi.pending)
		return false;
	bits = (s->efer & X86_EFER_LMA) && s->cs.l ? 64 : s->cs.db ? 32 : 16;
	n = bp__access(v->x->bpm, &v->cpu, v->x->mem, TARGET_LINEAR, pc, code, sizeof(code), false);
	if (n <= 0)
		return false;
	len = insn__exec(code, (size_t)n, bits, &r);
	if (len <= 0 || (bits < 64 && v->cpu.run->s.regs.regs.rip + (uint64_t)len - 1 > s->cs.limit))
		return false;
	v->cpu.run->s.regs.regs = r;
	v->cpu.run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
	return true;
}

static enum verdict fault(struct vcpu *v, struct target_stop *stop, const char *ioctl_name, int r)
{
	char msg[160];

	stops__fault(&v->dv, stop, kvm__ioctl_error(msg, sizeof(msg), ioctl_name, r));
	return RUN_STOP;
}

static void count_run(struct vcpu *v)
{
	__atomic_fetch_add(&v->nr_runs, 1, __ATOMIC_RELAXED);	/* monitor info reads it any time */
}

/*
 * The start of a resume: an exit kept from the last run is reported at
 * once; so is a breakpoint at the pc of a continue.  A continue from a
 * breakpoint's address hits it at once, as the hardware would: gdb steps
 * over its breakpoints itself (it removes the one under the pc and
 * steps), and a continue at a breakpoint it did not know the pc was on
 * (after monitor reset, or a jump) must report it.  The same on every
 * mechanism, so decided here.  true when the resume is over already.
 */
static bool resume_begin(struct vcpu *v, const struct target_resume *how, struct resume *rs,
			 struct target_stop *stop)
{
	int r;

	memset(rs, 0, sizeof(*rs));
	rs->how = how;
	v->dbg_set = false;
	v->rf.pending = false;
	if (v->exited) {
		/* The exit port was written by an instruction whose watchpoint
		 * hit was reported first (after_access). */
		v->exited = false;
		stops__here(&v->dv, stop, STOP_EXITED);
		stop->exit_status = v->exit_status;
		return true;
	}
	r = cpu__pc(&v->cpu, &rs->pc);	/* from the stop's register cache */
	if (r < 0) {
		fault(v, stop, "KVM_GET_REGS", r);
		return true;
	}
	if (how->kind == RESUME_CONTINUE) {
		struct bp *bp = bp__find_at(v->x->bpm, rs->pc);

		if (bp && !how->past_bp) {
			stops__bp(&v->dv, stop, bp);
			if (bp_stops(v, how, stop))
				return true;
			memset(stop, 0, sizeof(*stop));
		}
		rs->past_bp = bp != NULL;
	}
	rs->at_start = true;
	rs->mode_watch = v->x->stop_on_mode && how->kind == RESUME_CONTINUE &&
			 stops__mode_key(&v->dv, &rs->mode_key) == 0;
	step__begin(&v->dv);
	return false;
}

/* Arm guest debugging as run__arm decides, run, and put a lifted int3 back. */
static enum verdict run_once(struct vcpu *v, struct resume *rs, int *ret,
			     struct target_stop *stop)
{
	struct bp_manager *bpm = v->x->bpm;
	struct kvm_run *run = v->cpu.run;
	const struct run_arm_in in = {
		.kind = rs->how->kind,
		.past_bp = rs->past_bp,
		.mode_watch = rs->mode_watch,
		.guest_tf = v->cpu.guest_tf,
		.compare = bp__compare(bpm),
		.watch_step = watch__stepping(v->x->wm),
		.at_start = rs->at_start,
		.blockirq = v->x->so->blockirq,
		.step_irq = v->x->so->step_irq,
		.record = v->x->rec && v->x->rec->on,
	};
	struct kvm_guest_debug dbg;
	struct bp *lifted = NULL;
	int r;

	step__rep_end(&v->dv, &rs->si);	/* a rep's iteration the last run did not start */
	run__arm(&in, &rs->arm);
	if ((in.compare || in.watch_step) && in.kind == RESUME_CONTINUE && rs->compare_runs++ == 0)
		clock_gettime(CLOCK_MONOTONIC, &rs->compare_t0);
	dregs__arm(bpm, v->x->wm, rs->arm.step, &dbg);
	if (!rs->arm.irqs)
		dbg.control |= KVM_GUESTDBG_BLOCKIRQ;
	memset(&rs->si, 0, sizeof(rs->si));
	if (rs->arm.insn_rules) {
		int vecs[IRQ_VECS_MAX], nirq = 0;
		struct kvm_regs kr;

		/* Recording: an interrupt is an instruction boundary of its own.
		 * The local APIC's page is the recorder's (no vCPU ioctl a step),
		 * and only a LAPIC in use costs the I/O APIC's read. */
		if (in.record && rs->arm.irqs && v->dv.irqchip && cpu__regs(&v->cpu, &kr) == 0 &&
		    (kr.rflags & X86_RFLAGS_IF)) {
			const uint8_t *lapic = record__lapic(v->x->rec);

			if (lapic)
				nirq = irqchip__apic_vectors(v->x->vm_fd, lapic, vecs, IRQ_VECS_MAX);
			nirq += irqchip__pic_vectors(v->x->vm_fd, vecs + nirq, IRQ_VECS_MAX - nirq);
		}
		step__arm(&v->dv, rs->how->kind == RESUME_STEP || in.record, &rs->si, &dbg, vecs,
			  nirq);
	}
	v->look.armed = false;
	if (rs->arm.step && in.watch_step && watch_step__before(&v->dv, &v->look) &&
	    !rs->si.rep_trick && step__rep_single(&v->dv, &rs->si, &dbg))
		watch_step__before(&v->dv, &v->look);	/* one turn of the rep, looked at again */
	step__frame_begin(&v->dv, &rs->ist, rs->arm.step);
	if (in.record) {
		record__predict(v->x->rec);	/* a register-only step needs no dirty log */
		/* What else it may change: MSRs, the devices' state. */
		record__hint(v->x->rec, (!rs->si.known || rs->si.writes_msr ? REC_HINT_MSR : 0) |
			     (!rs->si.known || rs->si.port_io ? REC_HINT_IO : 0), &v->cpu);
	}
	if (v->owed.inject_db)
		dbg.control |= KVM_GUESTDBG_INJECT_DB;
	if (v->owed.inject_bp)
		dbg.control |= KVM_GUESTDBG_INJECT_BP;
	if (rs->arm.lift) {
		/* Our own int3 under the pc: execute the original instruction. */
		lifted = bp__find_at(bpm, rs->pc);
		if (lifted && !bp__lift(lifted))
			lifted = NULL;	/* none, or the guest wrote over it */
	}
	r = set_debug(v, &dbg);
	if (r < 0) {
		if (lifted)
			bp__unlift(lifted);
		return fault(v, stop, "KVM_SET_GUEST_DEBUG", r);
	}
	v->owed.inject_bp = false;
	v->owed.inject_db = false;
	cpu__cache_off(&v->cpu);	/* the guest runs: registers change */
	v->cpu.sync_fresh = false;
	r = KVM_IOCTL(v->cpu.fd, KVM_RUN, 0);
	count_run(v);
	rs->rf_was = v->rf.pending && r == 0;
	v->rf.pending = v->rf.pending && r == -EINTR;	/* nothing ran yet */
	if (rs->rf_was && !(run->exit_reason == KVM_EXIT_DEBUG && run->debug.arch.pc == v->rf.pc))
		v->rf.fails = 0;	/* RF did its job */
	v->cpu.sync_fresh = v->cpu.sync_regs && r == 0 && run->exit_reason == KVM_EXIT_DEBUG;
	if (lifted)
		bp__unlift(lifted);
	*ret = r;
	return RUN_ON;
}

/*
 * Finish the instruction whose I/O or MMIO exit was just served, without
 * starting the next: KVM_RUN with immediate_exit completes the pending
 * access and returns EINTR before entering the guest.  On the way KVM may
 * exit again for the rest of the instruction (a wide access split in
 * two, a string instruction's next turn), served here, an exit-port
 * write noted in v->exited.  A host that ends a single step right there
 * (VMX/SVM) returns its debug exit instead.  0 when the instruction is
 * done, 1 when KVM returned an exit to handle (run->exit_reason), or
 * -errno.
 */
static int finish_insn(struct vcpu *v)
{
	struct kvm_run *run = v->cpu.run;
	int ret = 0;

	for (int i = 0; i < FINISH_MAX; i++) {
		int r;

		run->immediate_exit = 1;
		r = KVM_IOCTL(v->cpu.fd, KVM_RUN, 0);
		count_run(v);
		if (r == -EINTR)
			break;
		if (r < 0) {
			ret = r;
			break;
		}
		if (run->exit_reason == KVM_EXIT_MMIO) {
			devices__mmio(v->x->devs, v->id, run);
			continue;
		}
		if (run->exit_reason == KVM_EXIT_IO) {
			if (devices__io(v->x->devs, v->id, run, &v->exit_status))
				v->exited = true;
			continue;
		}
		ret = 1;
		break;
	}
	/* A kick that came meanwhile keeps its immediate_exit. */
	pthread_mutex_lock(&v->x->lock);
	run->immediate_exit = v->kicked;
	pthread_mutex_unlock(&v->x->lock);
	return ret;
}

static enum verdict on_exit(struct vcpu *v, struct resume *rs, int r, struct target_stop *stop);

/*
 * A debug event: a step done (a KVM debug exit, or an instruction the
 * loop finished itself), a debug register, an int3.  A rep not finished
 * or the guest's own #DB owed steps on; a breakpoint whose condition is
 * false is run past (with RF where that works, executing the instruction
 * here, else with a step, as past_bp).
 */
static enum verdict on_debug(struct vcpu *v, struct resume *rs, const struct debug_event *kvm_ev,
			     struct target_stop *stop)
{
	const struct target_resume *how = rs->how;
	struct debug_event fixed = *kvm_ev;
	const struct debug_event *ev = kvm_ev;

	const struct watch *hit;

	/* One iteration of a rep: the count and pc the CPU would show. */
	if (step__rep_end(&v->dv, &rs->si) && cpu__pc(&v->cpu, &fixed.pc) == 0)
		ev = &fixed;
	step__frame_done(&v->dv, &rs->ist);
	/* Recording: what the instruction (or the turn of a rep) changed,
	 * as the guest sees it (after the fixes just above). */
	if (v->x->rec && v->x->rec->on)
		record__note(v->x->rec, &v->cpu, REC_INSN);
	/* A watchpoint served by stepping: what the instruction just did. */
	hit = ev->exception == 1 ? watch_step__after(&v->dv, &v->look) : NULL;
	if (hit) {
		stops__watch(&v->dv, hit, stop);
		return RUN_STOP;
	}
	if (rs->arm.step && ev->exception == 1 && step__after(&v->dv, &rs->si, ev->pc, ev->dr6)) {
		rs->pc = ev->pc;
		rs->at_start = rs->pc == rs->si.pc;
		return RUN_ON;
	}
	/* A continue's or a range's step that ended inside a rep (KVM runs
	 * its turns in batches) has not finished the instruction: a
	 * breakpoint on it was hit when the pc arrived there, not again. */
	if (rs->arm.step && how->kind != RESUME_STEP && !rs->past_bp && ev->exception == 1 &&
	    ev->pc == rs->pc && step__at_rep(&v->dv))
		return RUN_ON;
	rs->past_bp = false;	/* past the breakpoint: a continue from here on */
	rs->pc = ev->pc;
	if (stops__debug(&v->dv, how, rs->arm.step, ev, stop)) {
		if (bp_stops(v, how, stop))
			return RUN_STOP;
		memset(stop, 0, sizeof(*stop));
		if (rs->arm.step || ev->exception != 1 || !(ev->dr6 & 0xF) ||
		    (!past_with_rf(v, ev->pc, rs->rf_was && ev->pc == v->rf.pc) &&
		     !past_in_daemon(v, ev->pc))) {
			rs->past_bp = true;
			rs->at_start = true;
		}
	}
	if (rs->mode_watch && stops__mode_changed(&v->dv, &rs->mode_key, stop))
		return RUN_STOP;
	return RUN_ON;
}

/*
 * An I/O or MMIO exit was served.  The instruction is finished now when
 * it ends in a stop (a write to the exit port) or when the run
 * single-steps: that step ends after this one instruction, whatever the
 * host's KVM would run next.  Otherwise the next KVM_RUN finishes it and
 * runs on.
 */
static enum verdict after_access(struct vcpu *v, struct resume *rs, struct target_stop *stop)
{
	struct debug_event ev = { .exception = 1, .dr6 = DR6_BS };
	const struct watch *hit;
	int r;

	if (!v->exited && !rs->arm.step)
		return RUN_ON;
	r = finish_insn(v);
	if (r < 0)
		return fault(v, stop, "KVM_RUN", r);
	if (v->exited) {
		/* A watched read by the instruction that ended the guest is
		 * reported first; the exit at the next resume. */
		hit = watch_step__after(&v->dv, &v->look);
		if (hit) {
			step__rep_end(&v->dv, &rs->si);
			step__rep_finish(&v->dv);
			stops__watch(&v->dv, hit, stop);
			return RUN_STOP;
		}
		v->exited = false;
		stops__here(&v->dv, stop, STOP_EXITED);
		stop->exit_status = v->exit_status;
		return RUN_STOP;
	}
	if (r == 1)
		return on_exit(v, rs, 0, stop);	/* the host's own end of the step, or more */
	r = cpu__pc(&v->cpu, &ev.pc);
	if (r < 0)
		return fault(v, stop, "KVM_GET_REGS", r);
	return on_debug(v, rs, &ev, stop);
}

/* Hosts that emulate int3 fail on it, at the int3: ours?  Else a fault. */
static enum verdict on_internal_error(struct vcpu *v, struct target_stop *stop)
{
	struct kvm_run *run = v->cpu.run;
	struct bp *bp;
	uint64_t pc;
	char msg[160];

	if (run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION &&
	    cpu__pc(&v->cpu, &pc) == 0 && (bp = bp__find_at(v->x->bpm, pc)) && bp__ours(bp)) {
		stops__at(&v->dv, stop, STOP_SWBREAK, bp->addr);
		return RUN_STOP;
	}
	snprintf(msg, sizeof(msg), "KVM internal error (suberror %u: %s)", run->internal.suberror,
		 stops__internal_suberror(run->internal.suberror));
	stops__fault(&v->dv, stop, msg);
	return RUN_STOP;
}

/* KVM_RUN returned r: what it means for this resume. */
static enum verdict on_exit(struct vcpu *v, struct resume *rs, int r, struct target_stop *stop)
{
	struct kvm_run *run = v->cpu.run;
	char msg[160];

	if (r == -EINTR) {
		/* Ctrl-C (a kick), or the halt watchdog's tick (irqchip.c);
		 * nothing ran to an exit, so at_start still holds. */
		switch (vcpu__take_kick(v)) {
		case KICK_QUIT:
			return RUN_QUIT;
		case KICK_USER:
			stops__here(&v->dv, stop, STOP_INTERRUPT);
			return RUN_STOP;
		case KICK_NONE:
			break;
		}
		return watchdog__tick(v, rs->how, stop) ? RUN_STOP : RUN_ON;
	}
	if (r == -EAGAIN)
		return RUN_ON;	/* an AP that waited for INIT/SIPI got one: run it */
	rs->at_start = false;
	if (r < 0)
		return fault(v, stop, "KVM_RUN", r);
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		if (devices__io(v->x->devs, v->id, run, &v->exit_status))
			v->exited = true;
		if (v->x->rec)
			record__hint(v->x->rec, REC_HINT_IO, NULL);
		return after_access(v, rs, stop);
	case KVM_EXIT_MMIO:
		/* Memory that is not there: a device's (dev/), or nothing. */
		devices__mmio(v->x->devs, v->id, run);
		if (v->x->rec)
			record__hint(v->x->rec, REC_HINT_IO, NULL);
		return after_access(v, rs, stop);
	case KVM_EXIT_DEBUG: {
		const struct debug_event ev = {
			.exception = run->debug.arch.exception,
			.dr6 = run->debug.arch.dr6,
			.pc = run->debug.arch.pc,
		};

		return on_debug(v, rs, &ev, stop);
	}
	case KVM_EXIT_HLT:
		stops__halt(&v->dv, stop);
		return RUN_STOP;
	case KVM_EXIT_SHUTDOWN:
		stops__fault(&v->dv, stop, "triple fault (shutdown)");
		return RUN_STOP;
	case KVM_EXIT_INTERNAL_ERROR:
		return on_internal_error(v, stop);
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(msg, sizeof(msg), "VM entry failed (hardware reason 0x%llx)",
			 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		stops__fault(&v->dv, stop, msg);
		return RUN_STOP;
	default:
		snprintf(msg, sizeof(msg), "unexpected KVM exit reason %u", run->exit_reason);
		stops__fault(&v->dv, stop, msg);
		return RUN_STOP;
	}
}

/*
 * Breakpoints without a debug register, and watchpoints served by
 * stepping, make a continue single-step.  Once
 * that has cost something worth telling (SLOW_TELL_STEPS instructions,
 * or SLOW_TELL_NS of stepping, over all continues so far), the next
 * stop's message says so, once, in gdb's console: how many instructions,
 * how long, how fast.
 */
#define SLOW_TELL_STEPS	20000
#define SLOW_TELL_NS	500000000ll

static void tell_cost(struct vcpu *v, const struct resume *rs, struct target_stop *stop)
{
	struct exec *x = v->x;
	const struct bp *bp = bp__compared(x->bpm);
	struct timespec t1;
	long long ns, total_ns;
	uint64_t steps;
	char why[96];

	if (!rs->compare_runs || __atomic_load_n(&x->slow_told, __ATOMIC_RELAXED))
		return;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ns = (long long)(t1.tv_sec - rs->compare_t0.tv_sec) * 1000000000ll +
	     (t1.tv_nsec - rs->compare_t0.tv_nsec);
	steps = __atomic_add_fetch(&x->slow_steps, rs->compare_runs, __ATOMIC_RELAXED);
	total_ns = __atomic_add_fetch(&x->slow_ns, ns, __ATOMIC_RELAXED);
	if ((steps < SLOW_TELL_STEPS && total_ns < SLOW_TELL_NS) || stop->message[0] ||
	    (!bp && !watch__stepping(x->wm)) ||
	    __atomic_exchange_n(&x->slow_told, true, __ATOMIC_RELAXED))
		return;
	if (bp)
		snprintf(why, sizeof(why), "no debug register is left for the breakpoint at 0x%llx",
			 (unsigned long long)bp->addr);
	else
		snprintf(why, sizeof(why), "watchpoints are served by stepping on this host");
	snprintf(stop->message, sizeof(stop->message),
		 "kvmstub: %s, so continue single-steps the guest: %llu instructions in %.2f s "
		 "so far (%.0f a second, not full speed); monitor info lists each one's "
		 "mechanism", why, (unsigned long long)steps, (double)total_ns / 1e9,
		 total_ns > 0 ? (double)steps * 1e9 / (double)total_ns : 0.0);
}

/* Run until a stop; true when the thread must quit instead. */
static bool run_until_stop(struct vcpu *v, const struct target_resume *how,
			   struct target_stop *stop)
{
	struct resume rs;
	enum verdict vd = RUN_ON;

	if (resume_begin(v, how, &rs, stop))
		return false;
	while (vd == RUN_ON) {
		int r = 0;

		vd = run_once(v, &rs, &r, stop);
		if (vd == RUN_ON)
			vd = on_exit(v, &rs, r, stop);
	}
	/* A stop inside a rep's iteration (a watchpoint, Ctrl-C, a fault). */
	if (step__rep_end(&v->dv, &rs.si) && stop->reason != STOP_WATCH)
		cpu__pc(&v->cpu, &stop->addr);
	if (vd == RUN_STOP)
		tell_cost(v, &rs, stop);
	return vd == RUN_QUIT;
}

/* gdb's Ctrl-C during a long move in the record log. */
static bool kick_asked(void *ctx)
{
	struct vcpu *v = ctx;
	bool k;

	pthread_mutex_lock(&v->x->lock);
	k = v->kicked || v->quit;
	pthread_mutex_unlock(&v->x->lock);
	return k;
}

/*
 * Backwards, or forwards in the past: a move in the record log
 * (record/replay.c), nothing run in KVM.  true when the move is the whole
 * resume (stop filled); false when it reached the end of the log and the
 * rest runs live.  A breakpoint the resume's bp_filter calls false is
 * moved past, as a live run does.
 */
static bool replay(struct vcpu *v, const struct target_resume *how, struct target_stop *stop,
		   bool *quit)
{
	struct recorder *rec = v->x->rec;
	struct rec_result res;

	for (;;) {
		record__move(rec, &v->cpu, how, kick_asked, v, &res);
		switch (res.end) {
		case REC_END_LIVE:
			if (how->kind == RESUME_STEP && res.moved)
				break;		/* the step was the log's last instruction */
			return false;
		case REC_END_STEP:
			break;
		case REC_END_BEGIN:
			stops__here(&v->dv, stop, STOP_STEP);
			stop->replaylog = REPLAYLOG_BEGIN;
			return true;
		case REC_END_BP:
			stops__bp(&v->dv, stop, res.bp);
			if (bp_stops(v, how, stop))
				return true;
			memset(stop, 0, sizeof(*stop));
			continue;	/* a false condition: on through the log */
		case REC_END_WATCH:
			stops__watch(&v->dv, res.watch, stop);
			snprintf(stop->message, sizeof(stop->message), "%s", res.msg);
			return true;
		case REC_END_INTERRUPT:
			*quit = vcpu__take_kick(v) == KICK_QUIT;
			stops__here(&v->dv, stop, STOP_INTERRUPT);
			return true;
		case REC_END_FAULT:
			stops__fault(&v->dv, stop, res.msg);
			return true;
		}
		stops__here(&v->dv, stop, STOP_STEP);
		return true;
	}
}

/* Run until a stop; return true when the thread must quit instead. */
bool vcpu__exec(struct vcpu *v, const struct target_resume *how, struct target_stop *stop)
{
	struct recorder *rec = v->x->rec;
	bool quit = false;

	if (rec && rec->on && (how->reverse || record__past(rec)) && replay(v, how, stop, &quit)) {
		cpu__cache_on(&v->cpu);
		return quit;
	}
	if (rec && rec->on)
		record__note(rec, &v->cpu, REC_EDIT);	/* gdb's writes since the last stop */
	quit = run_until_stop(v, how, stop);
	if (rec && rec->on)
		record__note(rec, &v->cpu, REC_INSN);	/* the last instruction (hlt, a fault) */
	if (rec && !stop->message[0])
		record__tell(rec, stop->message, sizeof(stop->message));
	cpu__cache_on(&v->cpu);		/* parked again: one read serves the stop */
	return quit;
}
