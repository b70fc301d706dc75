/*
 * exec.h - the execution layer: what the vCPU threads of the machine
 * share (the lock, the stop event, the all-stop state), and the layers
 * below them, which the machine owns and hands in here.
 *
 * Locking: lock protects each vCPU's run state (state, cmd, stop, quit;
 * vcpu.h) and the all-stop state, and nothing else.  Breakpoints, memory
 * and the vCPU fds are used by the main thread only while every vCPU is
 * parked, and by a vCPU thread only while it runs, so they need no lock.
 */
#ifndef KVMSTUB_EXEC_H
#define KVMSTUB_EXEC_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../debug/breakpoints.h"
#include "../debug/view.h"
#include "../debug/watch.h"
#include "../dev/device.h"
#include "../host/probe.h"
#include "../mem/memory.h"
#include "../record/record.h"

struct allstop {			/* allstop.c, under x->lock */
	int nr_running;		/* vCPUs of this resume not parked yet */
	int nr_in_resume;	/* vCPUs this resume started */
	bool stopping;		/* one stopped: the others are being kicked */
	int resume_cpu;		/* how->cpu of this resume */
	int report_cpu;		/* a kept event reported without running, or -1 */
	uint64_t seq;		/* numbers the stops */
};

struct vcpu;

struct exec {
	pthread_mutex_t lock;
	bool lock_init;
	int event_fd;			/* readable when a stop is ready to report */
	struct vcpu *vcpus;
	int nr_vcpus;
	struct allstop as;
	bool stop_on_mode;		/* set_option("stop-on-mode"): step, stop at mode changes */
	/* Continues single-stepped for breakpoints without a debug register
	 * (run_loop.c's tell_cost; atomic): so many steps, so long, told. */
	uint64_t slow_steps;
	long long slow_ns;
	bool slow_told;
	/* The layers below, the machine's. */
	int kvm_fd, vm_fd;
	size_t run_size;
	int nr_cpus;			/* --smp: vCPUs the machine makes (CPUID's topology) */
	const struct host_caps *caps;
	struct memory *mem;
	struct devices *devs;
	struct bp_manager *bpm;
	struct watch_manager *wm;
	struct step_opts *so;
	struct recorder *rec;		/* record/record.h: reverse execution */
	FILE *log;
};

#endif
