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
 * Locking: everything here runs under m->lock.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "../machine_priv.h"

static void signal_event(struct machine *m)
{
	uint64_t one = 1;

	while (write(m->event_fd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
}

static void drain_event(struct machine *m)
{
	uint64_t val;

	while (read(m->event_fd, &val, sizeof(val)) < 0 && errno == EINTR)
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
	struct machine *m = v->m;
	bool event = v->stop.reason != STOP_INTERRUPT || v->user_kick;

	v->stop_pending = event;
	if (event)
		v->stop_seq = ++m->as.seq;
	if (!m->as.stopping) {
		m->as.stopping = true;
		for (int i = 0; i < m->nr_vcpus; i++)
			if (m->vcpus[i].state == VCPU_RUNNING)
				vcpu__kick(&m->vcpus[i], false);
	}
	if (m->as.nr_running > 0 && --m->as.nr_running == 0)
		signal_event(m);
}

void allstop__clear(struct machine *m)
{
	pthread_mutex_lock(&m->lock);
	for (int i = 0; i < m->nr_vcpus; i++)
		m->vcpus[i].stop_pending = false;
	m->as.nr_running = 0;
	m->as.nr_in_resume = 0;
	m->as.stopping = false;
	m->as.resume_cpu = 0;
	m->as.report_cpu = -1;
	for (int i = 0; i < m->nr_vcpus; i++)
		m->vcpus[i].in_resume = false;
	drain_event(m);
	pthread_mutex_unlock(&m->lock);
}

static bool runs(const struct target_resume *how, int cpu)
{
	return !how->alone || how->cpu == cpu;
}

int allstop__resume(struct machine *m, const struct target_resume *how)
{
	struct target_resume others = {
		.kind = RESUME_CONTINUE,
		.bp_filter = how->kind == RESUME_CONTINUE ? how->bp_filter : NULL,
		.bp_filter_ctx = how->bp_filter_ctx,
	}, all;

	if (how->kind == RESUME_CONTINUE && !how->alone &&
	    (how->cpu < 0 || how->cpu >= m->nr_vcpus)) {
		all = *how;		/* everyone continues: the cpu means nothing */
		all.cpu = 0;
		how = &all;
	}
	if (how->cpu < 0 || how->cpu >= m->nr_vcpus)
		return -EINVAL;
	if (how->kind == RESUME_RANGE && how->range_end < how->range_start)
		return -EINVAL;
	if (how->past_bp && !bp__can_pass(&m->bpm, how, m->nr_vcpus))
		return -EOPNOTSUPP;
	pthread_mutex_lock(&m->lock);
	for (int i = 0; i < m->nr_vcpus; i++) {
		if (m->vcpus[i].state == VCPU_RUNNING) {
			pthread_mutex_unlock(&m->lock);
			return -EBUSY;
		}
	}
	drain_event(m);
	m->as.resume_cpu = how->cpu;
	m->as.report_cpu = -1;
	m->as.stopping = false;
	/* An event kept from the last stop, of a vCPU this resume would run:
	 * reported now, nothing runs. */
	for (int i = 0; i < m->nr_vcpus; i++) {
		struct vcpu *v = &m->vcpus[i];

		if (v->stop_pending && !keep_pending(&v->stop))
			v->stop_pending = false;
		if (v->stop_pending && runs(how, i)) {
			m->as.report_cpu = i;
			m->as.stopping = true;
			m->as.nr_running = 0;
			signal_event(m);
			pthread_mutex_unlock(&m->lock);
			return 0;
		}
	}
	dregs__assign(&m->bpm, &m->wm);	/* the debug registers, the same on every vCPU */
	m->as.nr_running = 0;
	for (int i = 0; i < m->nr_vcpus; i++) {
		struct vcpu *v = &m->vcpus[i];

		v->asleep = ASLEEP_NO;
		v->asleep_ticks = 0;
		v->in_resume = runs(how, i);
		m->as.nr_running += v->in_resume;
	}
	m->as.nr_in_resume = m->as.nr_running;
	for (int i = 0; i < m->nr_vcpus; i++)
		if (m->vcpus[i].in_resume)
			vcpu__start(&m->vcpus[i], i == how->cpu ? how : &others);
	pthread_mutex_unlock(&m->lock);
	return 0;
}

int allstop__interrupt(struct machine *m)
{
	pthread_mutex_lock(&m->lock);
	for (int i = 0; i < m->nr_vcpus; i++)
		if (m->vcpus[i].state == VCPU_RUNNING)
			vcpu__kick(&m->vcpus[i], true);
	pthread_mutex_unlock(&m->lock);
	return 0;
}

bool allstop__running(struct machine *m)
{
	bool r;

	pthread_mutex_lock(&m->lock);
	r = m->as.nr_running > 0;
	pthread_mutex_unlock(&m->lock);
	return r;
}

/*
 * The stop to report: the event kept for this resume, else the first real
 * event of this resume (in the order the vCPUs stopped); for Ctrl-C, which
 * every vCPU records, the vCPU gdb resumed.
 */
static struct vcpu *choose(struct machine *m)
{
	struct vcpu *best = NULL, *intr = NULL;

	if (m->as.report_cpu >= 0)
		return &m->vcpus[m->as.report_cpu];
	for (int i = 0; i < m->nr_vcpus; i++) {
		struct vcpu *v = &m->vcpus[i];

		/* Events of vCPUs that sat out this resume wait for their turn. */
		if (!v->stop_pending || !v->in_resume)
			continue;
		if (v->stop.reason == STOP_INTERRUPT) {
			if (!intr || i == m->as.resume_cpu)
				intr = v;
			continue;
		}
		if (!best || v->stop_seq < best->stop_seq)
			best = v;
	}
	return best ? best : intr;
}

int allstop__get_stop(struct machine *m, struct target_stop *stop)
{
	struct vcpu *v;

	pthread_mutex_lock(&m->lock);
	for (int i = 0; i < m->nr_vcpus; i++) {
		if (m->vcpus[i].state == VCPU_RUNNING) {
			pthread_mutex_unlock(&m->lock);
			return -EAGAIN;
		}
	}
	v = choose(m);
	m->as.report_cpu = -1;
	if (!v) {
		/* Nothing new (the reset state, or asked twice): the last stop. */
		*stop = m->vcpus[m->as.resume_cpu].stop;
	} else {
		*stop = v->stop;
		v->stop_pending = false;
		/* Ctrl-C is reported once, whoever else recorded it. */
		for (int i = 0; i < m->nr_vcpus; i++)
			if (m->vcpus[i].stop.reason == STOP_INTERRUPT)
				m->vcpus[i].stop_pending = false;
	}
	drain_event(m);
	pthread_mutex_unlock(&m->lock);
	return 0;
}
