/*
 * thread.c - each vCPU's thread (thread.h).  It waits for a resume
 * command, then runs the run loop (run_loop.c) until something stops the
 * vCPU; the main thread never calls KVM_RUN.  The stop is recorded in
 * v->stop, and allstop__parked announces it once every vCPU of the resume
 * is parked.  A kick takes the thread out of KVM_RUN with immediate_exit
 * and SIGUSR1 (unblocked only in vCPU threads).
 */
#include "thread.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "allstop.h"
#include "vcpu.h"
#include "watchdog.h"

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	struct exec *x = v->x;
	sigset_t usr1;

	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &usr1, NULL);
	watchdog__start(v);

	pthread_mutex_lock(&x->lock);
	for (;;) {
		struct target_resume how;
		struct target_stop stop;
		bool quit;

		while (!v->cmd_pending && !v->quit)
			pthread_cond_wait(&v->cmd_cond, &x->lock);
		if (v->quit)
			break;
		how = v->cmd;
		v->cmd_pending = false;
		pthread_mutex_unlock(&x->lock);

		memset(&stop, 0, sizeof(stop));
		watchdog__arm(v, true);
		quit = vcpu__exec(v, &how, &stop);
		watchdog__arm(v, false);

		pthread_mutex_lock(&x->lock);
		if (quit || v->quit)
			break;
		v->stop = stop;
		v->state = VCPU_PARKED;
		v->cpu.run->immediate_exit = 0;
		allstop__parked(v);	/* stops the others; the last one writes event_fd */
		pthread_cond_broadcast(&v->parked_cond);
	}
	v->state = VCPU_PARKED;
	pthread_cond_broadcast(&v->parked_cond);
	pthread_mutex_unlock(&x->lock);
	watchdog__stop(v);
	return NULL;
}

int thread__start(struct vcpu *v, char *err, size_t errlen)
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

void thread__stop(struct vcpu *v)
{
	struct exec *x = v->x;

	if (!v->thread_started)
		return;
	pthread_mutex_lock(&x->lock);
	v->quit = true;
	if (v->state == VCPU_RUNNING)
		vcpu__kick(v, false);
	pthread_cond_signal(&v->cmd_cond);
	pthread_mutex_unlock(&x->lock);
	pthread_join(v->thread, NULL);
	v->thread_started = false;
}
