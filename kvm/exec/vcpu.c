/*
 * vcpu.c - a vCPU and its thread.
 *
 * Each vCPU has a thread that waits for a resume command, then runs the
 * run loop (run_loop.c) until something stops the vCPU; the main thread
 * never calls KVM_RUN.  A stop is recorded in v->stop and
 * announced by writing the machine's eventfd, which the main thread polls
 * together with its sockets, once every vCPU of the resume is parked
 * (allstop.c).  A kick takes the thread out of KVM_RUN with immediate_exit
 * and SIGUSR1 (unblocked only in vCPU threads).
 */
#include "vcpu.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../dev/irqchip.h"
#include "../host/ioctl.h"

int vcpu__init(struct exec *x, struct vcpu *v, int id, char *err, size_t errlen)
{
	int r;

	v->x = x;
	v->id = id;
	v->state = VCPU_PARKED;
	pthread_cond_init(&v->cmd_cond, NULL);
	pthread_cond_init(&v->parked_cond, NULL);
	v->dv = (struct dview){
		.id = id, .cpu = &v->cpu, .mem = x->mem, .bpm = x->bpm, .wm = x->wm,
		.so = x->so, .owed = &v->owed, .irqchip = irqchip__on(x->devs), .log = x->log,
	};
	r = cpu__open(&v->cpu, x->kvm_fd, x->vm_fd, id, x->run_size, err, errlen);
	if (r < 0)
		return r;
	r = cpu__set_cpuid(&v->cpu, x->kvm_fd, id, x->nr_cpus, err, errlen);
	if (r < 0)
		return r;
	return cpu_state__save(&v->power_on, x->kvm_fd, v->cpu.fd, irqchip__on(x->devs), false, err,
			       errlen);
}

void vcpu__start(struct vcpu *v, const struct target_resume *how)
{
	v->cmd = *how;
	v->cmd_pending = true;
	v->state = VCPU_RUNNING;
	v->kicked = false;
	v->user_kick = false;
	v->cpu.run->immediate_exit = 0;
	pthread_cond_signal(&v->cmd_cond);
}

int vcpu__reset_debug(struct vcpu *v, char *err, size_t errlen)
{
	int r;

	memset(&v->dbg, 0, sizeof(v->dbg));
	r = KVM_IOCTL(v->cpu.fd, KVM_SET_GUEST_DEBUG, &v->dbg);
	if (r < 0) {
		kvm__ioctl_error(err, errlen, "KVM_SET_GUEST_DEBUG", r);
		return r;
	}
	v->dbg_set = true;
	v->owed = (struct debug_owed){ 0 };
	v->cpu.guest_tf = false;
	v->cpu.kvm_steps = false;
	v->rf.pending = false;
	v->rf.fails = 0;
	v->exited = false;
	v->exit_status = 0;
	return 0;
}

/*
 * Caller holds x->lock.  An AP that waits for its SIPI sleeps inside
 * KVM_RUN as a halted CPU does: the signal ends that wait too.
 */
void vcpu__kick(struct vcpu *v, bool user)
{
	v->kicked = true;
	v->user_kick = v->user_kick || user;
	v->cpu.run->immediate_exit = 1;
	pthread_kill(v->thread, SIGUSR1);
}

/*
 * SIGUSR1 comes from kick() and from the halt watchdog (irqchip.c); only
 * kick() sets v->kicked, under the lock, before its immediate_exit and
 * signal.  So the flag tells them apart, and immediate_exit is cleared
 * only here, under the lock, together with the kick it belonged to: a kick
 * that comes after this check finds immediate_exit set on the next KVM_RUN.
 */
enum vcpu_kick vcpu__take_kick(struct vcpu *v)
{
	enum vcpu_kick k = KICK_NONE;

	pthread_mutex_lock(&v->x->lock);
	if (v->quit) {
		k = KICK_QUIT;
	} else if (v->kicked) {
		k = KICK_USER;
		v->kicked = false;
		v->cpu.run->immediate_exit = 0;
	}
	pthread_mutex_unlock(&v->x->lock);
	return k;
}

/*
 * The resume's bp_filter runs in the vCPU's thread while the vCPU counts
 * as running; the target lets it read that vCPU's state (target.c).  The
 * flag is the thread's own: only that thread ever reads it.
 */
bool vcpu__filtering(const struct vcpu *v)
{
	return v->thread_started && pthread_equal(v->thread, pthread_self()) && v->filtering;
}

void vcpu__destroy(struct vcpu *v)
{
	if (!v->x)
		return;		/* never initialized */
	cpu__close(&v->cpu);
	pthread_cond_destroy(&v->cmd_cond);
	pthread_cond_destroy(&v->parked_cond);
	cpu_state__free(&v->power_on);
	watch_step__free(&v->look);
	v->x = NULL;
}

/*
 * "vCPU 1, protected mode, halted": the CPU mode, and what KVM's MP state
 * says the vCPU does (an AP waits for INIT and SIPI until the BSP starts
 * it; a vCPU in hlt waits for an interrupt).  The vCPU is parked.
 */
int vcpu__describe(struct vcpu *v, char *buf, size_t len)
{
	struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };
	struct kvm_sregs s;
	const char *what = "stopped";
	int r;

	if (irqchip__on(v->x->devs) && KVM_IOCTL(v->cpu.fd, KVM_GET_MP_STATE, &mp) < 0)
		mp.mp_state = KVM_MP_STATE_RUNNABLE;
	switch (mp.mp_state) {
	case KVM_MP_STATE_UNINITIALIZED:
		snprintf(buf, len, "vCPU %d, waiting for INIT and SIPI", v->id);
		return 0;
	case KVM_MP_STATE_INIT_RECEIVED:
		snprintf(buf, len, "vCPU %d, waiting for SIPI", v->id);
		return 0;
	case KVM_MP_STATE_HALTED:
		what = "halted";
		break;
	default:
		break;
	}
	r = cpu__sregs(&v->cpu, &s);
	if (r < 0)
		return r;
	snprintf(buf, len, "vCPU %d, %s, %s", v->id, cpu__mode_name(&s), what);
	return 0;
}
