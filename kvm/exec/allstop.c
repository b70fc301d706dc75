/*
 * allstop.c - several vCPUs, one debugger: gdb's all-stop mode.
 *
 * gdb sees every vCPU as a thread and expects all of them stopped while
 * it looks at one: when a vCPU stops (breakpoint, step, watchpoint, fault,
 * exit, halt, Ctrl-C), the others are kicked out of KVM_RUN, and the stop
 * is announced (event_fd) only when the last of them is parked.  A resume
 * starts them all together (or only how->cpu, when gdb locks the
 * scheduler: how->alone).
 *
 * Events.  The vCPU that stopped first has the event reported.  The
 * others were kicked: a kicked vCPU records STOP_INTERRUPT, which is no
 * event, unless the kick was gdb's Ctrl-C or it had stopped on its own
 * before the kick reached it (two breakpoints hit together).  Such a
 * second event stays pending and is reported at the next resume without
 * running anything, as gdbserver does, when it is one that would be lost
 * otherwise (watchpoint, fault, exit, halt, mode change).  A breakpoint
 * needs no keeping: the vCPU is parked at its address, and a continue
 * from a breakpoint's address reports it at once (run_loop.c); a finished
 * step of a thread gdb is no longer stepping is dropped.
 *
 * Locking: everything here runs under x->lock.
 */
#include "allstop.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "../debug/dregs.h"
#include "inline_step.h"
#include "vcpu.h"
#include "watchdog.h"

static void signal_event(struct exec *x)
{
	uint64_t one = 1;

	while (write(x->event_fd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
}

static void drain_event(struct exec *x)
{
	uint64_t val;

	while (read(x->event_fd, &val, sizeof(val)) < 0 && errno == EINTR)
		;
}

/* Is the stop of a vCPU that was not reported worth reporting later? */
static bool keep_pending(const struct target_stop *stop)
{
	switch (stop->reason) {
	case STOP_WATCH:
	case STOP_EXITED:
	case STOP_FAULT:
	case STOP_HALT:
	case STOP_MODE_CHANGE:
		return true;
	default:
		return false;
	}
}

void allstop__parked(struct vcpu *v)
{
	struct exec *x = v->x;
	bool event = v->stop.reason != STOP_INTERRUPT || v->user_kick;

	v->stop_pending = event;
	if (event)
		v->stop_seq = ++x->as.seq;
	if (!x->as.stopping) {
		x->as.stopping = true;
		for (int i = 0; i < x->nr_vcpus; i++)
			if (x->vcpus[i].state == VCPU_RUNNING)
				vcpu__kick(&x->vcpus[i], false);
	}
	if (x->as.nr_running > 0 && --x->as.nr_running == 0)
		signal_event(x);
}

void allstop__halt_and_wait(struct vcpu *v)
{
	struct exec *x = v->x;

	pthread_mutex_lock(&x->lock);
	while (v->state == VCPU_RUNNING) {
		vcpu__kick(v, false);
		pthread_cond_wait(&v->parked_cond, &x->lock);
	}
	v->stop_pending = false;
	drain_event(x);
	pthread_mutex_unlock(&x->lock);
}

void allstop__clear(struct exec *x)
{
	pthread_mutex_lock(&x->lock);
	for (int i = 0; i < x->nr_vcpus; i++)
		x->vcpus[i].stop_pending = false;
	x->as.nr_running = 0;
	x->as.nr_in_resume = 0;
	x->as.stopping = false;
	x->as.resume_cpu = 0;
	x->as.report_cpu = -1;
	for (int i = 0; i < x->nr_vcpus; i++)
		x->vcpus[i].in_resume = false;
	drain_event(x);
	pthread_mutex_unlock(&x->lock);
}

static bool runs(const struct target_resume *how, int cpu)
{
	return !how->alone || how->cpu == cpu;
}

/*
 * The step of the only vCPU, run in this thread (inline_step.c): the same
 * bookkeeping as a resume of one vCPU and its thread's parking, around
 * vcpu__exec here.  Caller holds x->lock, which is dropped while it runs
 * (the vCPU counts as running meanwhile, as in its own thread).
 */
static void resume_inline(struct exec *x, struct vcpu *v, const struct target_resume *how)
{
	struct target_stop stop;

	v->wd.asleep = ASLEEP_NO;
	v->wd.asleep_ticks = 0;
	v->in_resume = true;
	x->as.nr_running = 1;
	x->as.nr_in_resume = 1;
	v->state = VCPU_RUNNING;
	v->kicked = false;
	v->user_kick = false;
	v->cpu.run->immediate_exit = 0;
	pthread_mutex_unlock(&x->lock);
	inline_step__run(v, how, &stop);
	pthread_mutex_lock(&x->lock);
	v->stop = stop;
	v->state = VCPU_PARKED;
	v->cpu.run->immediate_exit = 0;
	allstop__parked(v);
	pthread_cond_broadcast(&v->parked_cond);
}

int allstop__resume(struct exec *x, const struct target_resume *how)
{
	struct target_resume others = {
		.kind = RESUME_CONTINUE,
		.bp_filter = how->kind == RESUME_CONTINUE ? how->bp_filter : NULL,
		.bp_filter_ctx = how->bp_filter_ctx,
	}, all;
	bool prev_step;

	if (how->kind == RESUME_CONTINUE && !how->alone &&
	    (how->cpu < 0 || how->cpu >= x->nr_vcpus)) {
		all = *how;		/* everyone continues: the cpu means nothing */
		all.cpu = 0;
		how = &all;
	}
	if (how->cpu < 0 || how->cpu >= x->nr_vcpus)
		return -EINVAL;
	if (how->kind == RESUME_RANGE && how->range_end < how->range_start)
		return -EINVAL;
	if (how->past_bp && !bp__can_pass(x->bpm, how, x->nr_vcpus))
		return -EOPNOTSUPP;
	pthread_mutex_lock(&x->lock);
	for (int i = 0; i < x->nr_vcpus; i++) {
		if (x->vcpus[i].state == VCPU_RUNNING) {
			pthread_mutex_unlock(&x->lock);
			return -EBUSY;
		}
	}
	drain_event(x);
	x->as.resume_cpu = how->cpu;
	x->as.report_cpu = -1;
	x->as.stopping = false;
	/* An event kept from the last stop, of a vCPU this resume would run:
	 * reported now, nothing runs. */
	for (int i = 0; i < x->nr_vcpus; i++) {
		struct vcpu *v = &x->vcpus[i];

		if (v->stop_pending && !keep_pending(&v->stop))
			v->stop_pending = false;
		if (v->stop_pending && runs(how, i)) {
			x->as.report_cpu = i;
			x->as.stopping = true;
			x->as.nr_running = 0;
			signal_event(x);
			pthread_mutex_unlock(&x->lock);
			return 0;
		}
	}
	dregs__assign(x->bpm, x->wm);	/* the debug registers, the same on every vCPU */
	/* A step of the only vCPU after a step: here, not in its thread. */
	prev_step = x->vcpus[how->cpu].prev_step;
	x->vcpus[how->cpu].prev_step = how->kind == RESUME_STEP;
	if (inline_step__wanted(x, &x->vcpus[how->cpu], how, prev_step)) {
		resume_inline(x, &x->vcpus[how->cpu], how);
		pthread_mutex_unlock(&x->lock);
		return 0;
	}
	x->as.nr_running = 0;
	for (int i = 0; i < x->nr_vcpus; i++) {
		struct vcpu *v = &x->vcpus[i];

		v->wd.asleep = ASLEEP_NO;
		v->wd.asleep_ticks = 0;
		v->in_resume = runs(how, i);
		x->as.nr_running += v->in_resume;
	}
	x->as.nr_in_resume = x->as.nr_running;
	for (int i = 0; i < x->nr_vcpus; i++)
		if (x->vcpus[i].in_resume)
			vcpu__start(&x->vcpus[i], i == how->cpu ? how : &others);
	pthread_mutex_unlock(&x->lock);
	return 0;
}

int allstop__interrupt(struct exec *x)
{
	pthread_mutex_lock(&x->lock);
	for (int i = 0; i < x->nr_vcpus; i++)
		if (x->vcpus[i].state == VCPU_RUNNING)
			vcpu__kick(&x->vcpus[i], true);
	pthread_mutex_unlock(&x->lock);
	return 0;
}

bool allstop__running(struct exec *x)
{
	bool r;

	pthread_mutex_lock(&x->lock);
	r = x->as.nr_running > 0;
	pthread_mutex_unlock(&x->lock);
	return r;
}

/*
 * The stop to report: the event kept for this resume, else the first real
 * event of this resume (in the order the vCPUs stopped); for Ctrl-C, which
 * every vCPU records, the vCPU gdb resumed.
 */
static struct vcpu *choose(struct exec *x)
{
	struct vcpu *best = NULL, *intr = NULL;

	if (x->as.report_cpu >= 0)
		return &x->vcpus[x->as.report_cpu];
	for (int i = 0; i < x->nr_vcpus; i++) {
		struct vcpu *v = &x->vcpus[i];

		/* Events of vCPUs that sat out this resume wait for their turn. */
		if (!v->stop_pending || !v->in_resume)
			continue;
		if (v->stop.reason == STOP_INTERRUPT) {
			if (!intr || i == x->as.resume_cpu)
				intr = v;
			continue;
		}
		if (!best || v->stop_seq < best->stop_seq)
			best = v;
	}
	return best ? best : intr;
}

int allstop__get_stop(struct exec *x, struct target_stop *stop)
{
	struct vcpu *v;

	pthread_mutex_lock(&x->lock);
	for (int i = 0; i < x->nr_vcpus; i++) {
		if (x->vcpus[i].state == VCPU_RUNNING) {
			pthread_mutex_unlock(&x->lock);
			return -EAGAIN;
		}
	}
	v = choose(x);
	x->as.report_cpu = -1;
	if (!v) {
		/* Nothing new (the reset state, or asked twice): the last stop. */
		*stop = x->vcpus[x->as.resume_cpu].stop;
	} else {
		*stop = v->stop;
		v->stop_pending = false;
		/* Ctrl-C is reported once, whoever else recorded it. */
		for (int i = 0; i < x->nr_vcpus; i++)
			if (x->vcpus[i].stop.reason == STOP_INTERRUPT)
				x->vcpus[i].stop_pending = false;
	}
	drain_event(x);
	pthread_mutex_unlock(&x->lock);
	return 0;
}
