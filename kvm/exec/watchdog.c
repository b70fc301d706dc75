/*
 * watchdog.c - the halt watchdog, which keeps "hlt with interrupts
 * disabled is a stop" true with the in-kernel irqchip.
 *
 * The halt watchdog.  Without an in-kernel irqchip, hlt exits to userspace
 * (KVM_EXIT_HLT).  With one, the vCPU sleeps in the kernel until an
 * interrupt wakes it and userspace hears nothing; KVM offers no option to
 * get the hlt exit back with an in-kernel local APIC (KVM_CAP_X86_DISABLE_EXITS
 * only removes more exits; KVM_CAP_HALT_POLL tunes the polling before
 * sleeping).  So each vCPU thread owns a POSIX timer (timer_create with
 * SIGEV_THREAD_ID) that sends the thread the kick signal, SIGUSR1, every
 * WD_PERIOD_MS while the vCPU runs.  KVM_RUN returns -EINTR; when no one
 * asked for an interrupt (vcpu__take_kick), the run loop calls
 * watchdog__tick(): a vCPU in KVM_MP_STATE_HALTED with RFLAGS.IF clear and
 * no NMI or SMI pending can never wake, which is the old STOP_HALT, with
 * the same message.  Anything else re-enters KVM_RUN.  With IF set the
 * vCPU is waiting for an interrupt, which is no stop (Ctrl-C still works).
 * With several vCPUs (--smp) the machine stops only when all of them
 * sleep so (see machine_stuck below).
 *
 * Cost: one signal and one KVM_RUN re-entry every WD_PERIOD_MS, plus
 * KVM_GET_MP_STATE; a stop from hlt is reported within WD_PERIOD_MS.
 * Measured on the emulated (kvm-pvm) host with counter.bin under --no-gdb
 * (1,000,000 loop turns), six runs each: 1.88 s on average with the
 * watchdog, 1.90 s without; the run-to-run noise (1.55-2.55 s) is far
 * larger than any difference.  The tiny "cli; hlt" image stops in 80 ms.
 *
 * After a halt stop the vCPU is made runnable again, so a continue goes on
 * after the hlt as it did with KVM_EXIT_HLT.  A single step over hlt with
 * interrupts blocked (KVM_GUESTDBG_BLOCKIRQ) would wait forever, so the
 * watchdog ends the wait there too: the hlt is done, the step goes on.
 */
#include "watchdog.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../debug/stops.h"
#include "../dev/irqchip.h"
#include "../host/ioctl.h"
#include "../host/log.h"
#include "vcpu.h"

#define WD_PERIOD_MS		50

void watchdog__start(struct vcpu *v)
{
	struct sigevent sev;

	v->wd.ok = false;
	if (!irqchip__on(v->x->devs))
		return;		/* hlt exits to userspace: nothing to watch */
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGUSR1;
	sev._sigev_un._tid = gettid();
	if (timer_create(CLOCK_MONOTONIC, &sev, &v->wd.timer) < 0) {
		log__say(v->x->log, "vCPU %d: cannot create the halt watchdog timer: %s; "
			     "a hlt with interrupts disabled will not stop", v->id,
			     strerror(errno));
		return;
	}
	v->wd.ok = true;
}

void watchdog__stop(struct vcpu *v)
{
	if (v->wd.ok)
		timer_delete(v->wd.timer);
	v->wd.ok = false;
}

void watchdog__arm(struct vcpu *v, bool on)
{
	struct itimerspec its;

	if (!v->wd.ok)
		return;
	memset(&its, 0, sizeof(its));
	if (on) {
		its.it_value.tv_nsec = WD_PERIOD_MS * 1000000L;
		its.it_interval = its.it_value;
	}
	timer_settime(v->wd.timer, 0, &its, NULL);
}

static void make_runnable(struct vcpu *v)
{
	struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };

	KVM_IOCTL(v->cpu.fd, KVM_SET_MP_STATE, &mp);
}

/* Will something the vCPU cannot mask wake it? */
static bool nmi_or_smi_pending(struct vcpu *v)
{
	struct kvm_vcpu_events ev;

	memset(&ev, 0, sizeof(ev));
	if (KVM_IOCTL(v->cpu.fd, KVM_GET_VCPU_EVENTS, &ev) < 0)
		return false;
	return ev.nmi.pending || ev.nmi.injected || ev.smi.pending;
}

/*
 * Several vCPUs: a vCPU in hlt with interrupts off, or an AP waiting for
 * INIT/SIPI, can still be woken by another vCPU's IPI, so the machine is
 * stuck only when every vCPU of the resume sleeps so (a vCPU that sits
 * out the resume wakes no one).  Each vCPU notes what its own ticks see;
 * a vCPU woken between two ticks still shows asleep until its next tick,
 * so with several vCPUs each must have been seen asleep at SMP_TICKS ticks
 * in a row, longer than the one tick that note may lag.  The report
 * names a vCPU in hlt rather than one waiting for SIPI.  Caller holds x->lock.
 */
#define SMP_TICKS		3

static bool machine_stuck(struct exec *x, struct vcpu *me)
{
	int need = x->as.nr_in_resume > 1 ? SMP_TICKS : 1;

	if (x->as.stopping)
		return false;
	for (int i = 0; i < x->nr_vcpus; i++) {
		struct vcpu *o = &x->vcpus[i];

		if (!o->in_resume)
			continue;
		if (o->wd.asleep == ASLEEP_NO || o->wd.asleep_ticks < need)
			return false;
		if (me->wd.asleep == ASLEEP_SIPI && o->wd.asleep == ASLEEP_HLT)
			return false;
	}
	return true;
}

static void stuck_sipi(struct vcpu *v, struct target_stop *stop)
{
	stops__here(&v->dv, stop, STOP_HALT);
	snprintf(stop->message, sizeof(stop->message),
		 "vCPU %d waits for INIT/SIPI and no running vCPU can send it", v->id);
}

bool watchdog__tick(struct vcpu *v, const struct target_resume *how, struct target_stop *stop)
{
	struct exec *x = v->x;
	struct kvm_mp_state mp;
	struct kvm_regs regs;
	int asleep = ASLEEP_NO;
	bool stuck;

	if (!irqchip__on(x->devs) || KVM_IOCTL(v->cpu.fd, KVM_GET_MP_STATE, &mp) < 0)
		return false;
	if (mp.mp_state == KVM_MP_STATE_UNINITIALIZED ||
	    mp.mp_state == KVM_MP_STATE_INIT_RECEIVED) {
		asleep = ASLEEP_SIPI;
	} else if (mp.mp_state == KVM_MP_STATE_HALTED) {
		if (KVM_IOCTL(v->cpu.fd, KVM_GET_REGS, &regs) < 0)
			return false;
		if (regs.rflags & X86_RFLAGS_IF) {
			/* Waiting for an interrupt: in a continue that is no stop.
			 * A step with interrupts blocked would wait forever: end
			 * the hlt. */
			if (how->kind != RESUME_CONTINUE && x->so->blockirq && !x->so->step_irq)
				make_runnable(v);
		} else if (!nmi_or_smi_pending(v)) {
			asleep = ASLEEP_HLT;
		}
	}
	pthread_mutex_lock(&x->lock);
	v->wd.asleep_ticks = asleep == v->wd.asleep && asleep != ASLEEP_NO ? v->wd.asleep_ticks + 1 :
			  asleep != ASLEEP_NO;
	v->wd.asleep = asleep;
	stuck = asleep != ASLEEP_NO && machine_stuck(x, v);
	pthread_mutex_unlock(&x->lock);
	if (!stuck)
		return false;
	if (asleep == ASLEEP_SIPI) {
		stuck_sipi(v, stop);
		return true;
	}
	stops__halt(&v->dv, stop);
	make_runnable(v);	/* a continue goes on after the hlt, as before */
	return true;
}
