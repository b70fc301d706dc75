/*
 * vcpu.c - a vCPU and its thread.
 *
 * Each vCPU has a thread that waits for a resume command, then runs the
 * run loop (run_loop.c) until something stops the vCPU; the main thread
 * never calls KVM_RUN.  A stop is recorded in v->stop and
 * announced by writing the machine's eventfd, which the main thread polls
 * together with its sockets.  interrupt() kicks the thread out of KVM_RUN
 * with immediate_exit and SIGUSR1 (unblocked only in vCPU threads).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ioctl.h"
#include "machine_priv.h"

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
	r = set_cpuid(v, err, errlen);
	if (r < 0)
		return r;
	r = KVM_IOCTL(v->fd, KVM_GET_SREGS, &v->reset_sregs);
	if (r < 0) {
		kvm__ioctl_error(err, errlen, "KVM_GET_SREGS", r);
		return r;
	}
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
		uint64_t one = 1;
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
		v->stop_pending = true;
		v->state = VCPU_PARKED;
		v->run->immediate_exit = 0;
		while (write(m->event_fd, &one, sizeof(one)) < 0 && errno == EINTR)
			;
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

int vcpu__resume(struct vcpu *v, const struct target_resume *how)
{
	struct machine *m = v->m;

	pthread_mutex_lock(&m->lock);
	if (v->state == VCPU_RUNNING) {
		pthread_mutex_unlock(&m->lock);
		return -EBUSY;
	}
	v->cmd = *how;
	v->cmd_pending = true;
	v->state = VCPU_RUNNING;
	v->stop_pending = false;
	v->kicked = false;
	v->run->immediate_exit = 0;
	drain_event(m);
	pthread_cond_signal(&v->cmd_cond);
	pthread_mutex_unlock(&m->lock);
	return 0;
}

/* Caller holds m->lock. */
static void kick(struct vcpu *v)
{
	v->kicked = true;
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

int vcpu__interrupt(struct vcpu *v)
{
	pthread_mutex_lock(&v->m->lock);
	if (v->state == VCPU_RUNNING)
		kick(v);
	pthread_mutex_unlock(&v->m->lock);
	return 0;
}

void vcpu__halt_and_wait(struct vcpu *v)
{
	struct machine *m = v->m;

	pthread_mutex_lock(&m->lock);
	while (v->state == VCPU_RUNNING) {
		kick(v);
		pthread_cond_wait(&v->parked_cond, &m->lock);
	}
	v->stop_pending = false;
	drain_event(m);
	pthread_mutex_unlock(&m->lock);
}

void vcpu__destroy(struct vcpu *v)
{
	struct machine *m = v->m;

	if (v->thread_started) {
		pthread_mutex_lock(&m->lock);
		v->quit = true;
		if (v->state == VCPU_RUNNING)
			kick(v);
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
	v->m = NULL;
}
