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
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../host/ioctl.h"
#include "../machine_priv.h"

/*
 * What a CPU learns about its place among the others from CPUID: leaf 1
 * EBX bits 31-24 hold its initial APIC ID (KVM gives vCPU n the APIC ID n),
 * bits 23-16 the number of logical processors in the package (HTT, EDX
 * bit 28, says the field is valid), leaves 0xB and 0x1F EDX the x2APIC ID.
 * KVM_GET_SUPPORTED_CPUID describes the host, not this machine.
 */
#define CPUID_HTT	(1u << 28)

static void cpuid_topology(struct kvm_cpuid2 *cpuid, int id, int nr)
{
	for (uint32_t i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		if (e->function == 1) {
			e->ebx = (e->ebx & 0xFFFFu) | (uint32_t)id << 24 |
				 (uint32_t)(nr & 0xFF) << 16;
			e->edx = nr > 1 ? e->edx | CPUID_HTT : e->edx & ~CPUID_HTT;
		} else if (e->function == 0xB || e->function == 0x1F) {
			e->edx = (uint32_t)id;
		}
	}
}

static int set_cpuid(struct vcpu *v, char *err, size_t errlen)
{
	struct kvm_cpuid2 *cpuid = NULL;
	int nent = 64, r;

	/* KVM says E2BIG until the buffer holds every leaf it supports. */
	for (;;) {
		free(cpuid);
		cpuid = calloc(1, sizeof(*cpuid) + (size_t)nent * sizeof(cpuid->entries[0]));
		if (!cpuid) {
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		cpuid->nent = (uint32_t)nent;
		r = KVM_IOCTL(v->m->kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid);
		if (r != -E2BIG || nent >= 4096)
			break;
		nent *= 2;
	}
	if (r < 0) {
		kvm__ioctl_error(err, errlen, "KVM_GET_SUPPORTED_CPUID", r);
	} else {
		cpuid_topology(cpuid, v->id, v->m->cfg.nr_cpus > 1 ? v->m->cfg.nr_cpus : 1);
		r = KVM_IOCTL(v->fd, KVM_SET_CPUID2, cpuid);
		if (r < 0)
			kvm__ioctl_error(err, errlen, "KVM_SET_CPUID2", r);
	}
	free(cpuid);
	return r < 0 ? r : 0;
}

int vcpu__init(struct machine *m, struct vcpu *v, int id, char *err, size_t errlen)
{
	int r;

	v->m = m;
	v->id = id;
	v->fd = -1;
	v->state = VCPU_PARKED;
	pthread_cond_init(&v->cmd_cond, NULL);
	pthread_cond_init(&v->parked_cond, NULL);
	r = KVM_IOCTL(m->vm_fd, KVM_CREATE_VCPU, id);
	if (r < 0) {
		kvm__ioctl_error(err, errlen, "KVM_CREATE_VCPU", r);
		return r;
	}
	v->fd = r;
	v->run = mmap(NULL, m->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		r = -errno;
		v->run = NULL;
		snprintf(err, errlen, "cannot map the vCPU's kvm_run area: %s", strerror(-r));
		return r;
	}
	v->run_size = m->run_size;
	cpu_state__sync_init(v);
	r = set_cpuid(v, err, errlen);
	if (r < 0)
		return r;
	r = power_on__save(v, err, errlen);
	if (r < 0)
		return r;
	r = irqchip__vcpu_init(v, err, errlen);
	if (r < 0)
		return r;
	return cpu_state__reset(v, err, errlen);
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	struct machine *m = v->m;
	sigset_t usr1;

	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &usr1, NULL);
	irqchip__watchdog_start(v);

	pthread_mutex_lock(&m->lock);
	for (;;) {
		struct target_resume how;
		struct target_stop stop;
		bool quit;

		while (!v->cmd_pending && !v->quit)
			pthread_cond_wait(&v->cmd_cond, &m->lock);
		if (v->quit)
			break;
		how = v->cmd;
		v->cmd_pending = false;
		pthread_mutex_unlock(&m->lock);

		memset(&stop, 0, sizeof(stop));
		irqchip__watchdog_arm(v, true);
		quit = vcpu__exec(v, &how, &stop);
		irqchip__watchdog_arm(v, false);

		pthread_mutex_lock(&m->lock);
		if (quit || v->quit)
			break;
		v->stop = stop;
		v->state = VCPU_PARKED;
		v->run->immediate_exit = 0;
		allstop__parked(v);	/* stops the others; the last one writes event_fd */
		pthread_cond_broadcast(&v->parked_cond);
	}
	v->state = VCPU_PARKED;
	pthread_cond_broadcast(&v->parked_cond);
	pthread_mutex_unlock(&m->lock);
	irqchip__watchdog_stop(v);
	return NULL;
}

int vcpu__start_thread(struct vcpu *v, char *err, size_t errlen)
{
	sigset_t block, old;
	int r;

	/* The thread inherits this mask: the main thread handles these signals. */
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGPIPE);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	r = pthread_create(&v->thread, NULL, vcpu_thread, v);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r) {
		snprintf(err, errlen, "cannot create the vCPU thread: %s", strerror(r));
		return -r;
	}
	v->thread_started = true;
	return 0;
}

static void drain_event(struct machine *m)
{
	uint64_t val;

	while (read(m->event_fd, &val, sizeof(val)) < 0 && errno == EINTR)
		;
}

void vcpu__start(struct vcpu *v, const struct target_resume *how)
{
	v->cmd = *how;
	v->cmd_pending = true;
	v->state = VCPU_RUNNING;
	v->kicked = false;
	v->user_kick = false;
	v->run->immediate_exit = 0;
	pthread_cond_signal(&v->cmd_cond);
}

int vcpu__reset_debug(struct vcpu *v, char *err, size_t errlen)
{
	int r;

	memset(&v->dbg, 0, sizeof(v->dbg));
	r = KVM_IOCTL(v->fd, KVM_SET_GUEST_DEBUG, &v->dbg);
	if (r < 0) {
		kvm__ioctl_error(err, errlen, "KVM_SET_GUEST_DEBUG", r);
		return r;
	}
	v->dbg_set = true;
	v->inject_bp = false;
	v->inject_db = false;
	v->guest_tf = false;
	v->rf_pending = false;
	v->rf_fails = 0;
	v->exited = false;
	v->exit_status = 0;
	return 0;
}

/*
 * Caller holds m->lock.  An AP that waits for its SIPI sleeps inside
 * KVM_RUN as a halted CPU does: the signal ends that wait too.
 */
void vcpu__kick(struct vcpu *v, bool user)
{
	v->kicked = true;
	v->user_kick = v->user_kick || user;
	v->run->immediate_exit = 1;
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

	pthread_mutex_lock(&v->m->lock);
	if (v->quit) {
		k = KICK_QUIT;
	} else if (v->kicked) {
		k = KICK_USER;
		v->kicked = false;
		v->run->immediate_exit = 0;
	}
	pthread_mutex_unlock(&v->m->lock);
	return k;
}

void vcpu__halt_and_wait(struct vcpu *v)
{
	struct machine *m = v->m;

	pthread_mutex_lock(&m->lock);
	while (v->state == VCPU_RUNNING) {
		vcpu__kick(v, false);
		pthread_cond_wait(&v->parked_cond, &m->lock);
	}
	v->stop_pending = false;
	drain_event(m);
	pthread_mutex_unlock(&m->lock);
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
	struct machine *m = v->m;

	if (v->thread_started) {
		pthread_mutex_lock(&m->lock);
		v->quit = true;
		if (v->state == VCPU_RUNNING)
			vcpu__kick(v, false);
		pthread_cond_signal(&v->cmd_cond);
		pthread_mutex_unlock(&m->lock);
		pthread_join(v->thread, NULL);
		v->thread_started = false;
	}
	if (!v->m)
		return;		/* never initialized */
	if (v->run)
		munmap(v->run, v->run_size);
	v->run = NULL;
	pthread_cond_destroy(&v->cmd_cond);
	pthread_cond_destroy(&v->parked_cond);
	if (v->fd >= 0)
		close(v->fd);
	v->fd = -1;
	power_on__free(v);
	v->m = NULL;
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

	if (v->m->irq.on && KVM_IOCTL(v->fd, KVM_GET_MP_STATE, &mp) < 0)
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
	r = cpu_state__sregs(v, &s);
	if (r < 0)
		return r;
	snprintf(buf, len, "vCPU %d, %s, %s", v->id, cpu_state__mode_name(&s), what);
	return 0;
}
