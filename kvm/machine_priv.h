/*
 * machine_priv.h - the KVM machine's insides, shared by the files of kvm/
 * and by nothing else: the VM and its memory slots, the vCPUs and their
 * threads, the breakpoint manager.
 *
 * Locking: m->lock protects each vCPU's run state (state, cmd, stop, quit)
 * and nothing else.  Breakpoints, memory and the vCPU fds are used by the
 * main thread only while every vCPU is parked, and by a vCPU thread only
 * while it runs, so they need no lock.
 */
#ifndef KVMSTUB_MACHINE_PRIV_H
#define KVMSTUB_MACHINE_PRIV_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "../stub/target.h"
#include "boot/boot.h"
#include "machine.h"
#include "host/log.h"
#include "host/probe.h"
#include "host/vm.h"
#include "mem/memory.h"
#include "cpu/cpu.h"
#include "cpu/power_on.h"
#include "debug/breakpoints.h"
#include "debug/dregs.h"
#include "debug/step.h"
#include "debug/stops.h"
#include "debug/view.h"
#include "debug/watch.h"
#include "dev/device.h"
#include "dev/irqchip.h"
#include "exec/watchdog.h"
#include "host/helper.h"

#define MACHINE_MAX_CPUS	MACHINE_MAX_VCPUS	/* machine.h: --smp's ceiling */
enum vcpu_state { VCPU_PARKED, VCPU_RUNNING };

struct machine;

struct vcpu {
	struct machine *m;
	int id;
	struct cpu cpu;			/* its architectural state (cpu/cpu.h) */
	struct power_on power_on;	/* ... and KVM's at creation (cpu/power_on.h) */
	pthread_t thread;
	bool thread_started;

	/* Under m->lock: */
	enum vcpu_state state;
	bool cmd_pending, quit;
	struct target_resume cmd;
	pthread_cond_t cmd_cond;	/* the vCPU thread waits for a command */
	pthread_cond_t parked_cond;	/* the main thread waits for a stop */
	struct target_stop stop;	/* the last stop */
	bool stop_pending;		/* ... an event gdb has not been told yet (allstop.c) */
	uint64_t stop_seq;		/* ... in the order the vCPUs stopped */
	bool kicked;			/* interrupt() asked for a stop (not the watchdog) */
	bool user_kick;			/* ... and it was gdb's Ctrl-C, not the all-stop */
	bool in_resume;			/* runs in the current resume */
	int asleep;			/* ASLEEP_*: what the last watchdog tick saw */
	int asleep_ticks;		/* ... at how many ticks in a row */

	/* The vCPU thread's own: */
	struct kvm_guest_debug dbg;	/* what KVM has now */
	bool dbg_set;
	struct debug_owed owed;		/* the guest's own int3 or #DB, for the next run */
	struct dview dv;		/* the vCPU as the debug layer sees it (debug/view.h) */
	/* Past a false condition with RFLAGS.RF (run_loop.c): */
	bool rf_pending;		/* the last run started with RF set, at rf_pc */
	uint64_t rf_pc;
	int rf_fails;			/* ... and stopped there again, so many times in a row */
	bool rf_off;			/* RF does not work here after all: step instead */
	bool filtering;			/* in the resume's bp_filter (target.c lets it read) */
	uint64_t nr_runs;		/* KVM_RUN calls that returned (monitor info) */
	bool exited;			/* the exit port was written: reported at the next resume */
	int exit_status;
	timer_t wd_timer;		/* the halt watchdog (exec/watchdog.c) */
	bool wd_ok;
};

struct machine {
	struct machine_config cfg;
	char *image_path;		/* our copy of cfg.image_path */
	struct image img;		/* kept for reset */
	bool have_img;
	int kvm_fd, vm_fd, event_fd;
	size_t run_size;
	/* KVM_CHECK_EXTENSION's answers; the probe's measurements too once
	 * settled (startup.c). */
	struct host_caps caps;
	struct startup_probe {		/* startup.c */
		pthread_t thread;
		bool started, pending;	/* pending: not joined yet */
		int ret;
		struct host_caps caps;
		char err[256];
	} probe;
	bool settled;			/* machine__settle() done */
	int settle_err;
	struct memory mem;
	struct bp_manager bpm;
	struct watch_manager wm;
	struct step_opts so;
	bool stop_on_mode;		/* set_option("stop-on-mode"): step, stop at mode changes */
	/* Continues single-stepped for breakpoints without a debug register
	 * (run_loop.c's tell_cost; atomic): so many steps, so long, told. */
	uint64_t slow_steps;
	long long slow_ns;
	bool slow_told;
	pthread_mutex_t lock;
	bool lock_init;
	struct vcpu vcpus[MACHINE_MAX_CPUS];
	int nr_vcpus;
	struct allstop {		/* allstop.c, under lock */
		int nr_running;		/* vCPUs of this resume not parked yet */
		int nr_in_resume;	/* vCPUs this resume started */
		bool stopping;		/* one stopped: the others are being kicked */
		int resume_cpu;		/* how->cpu of this resume */
		int report_cpu;		/* a kept event reported without running, or -1 */
		uint64_t seq;		/* numbers the stops */
	} as;
	struct target target;
	struct devices devs;		/* dev/device.h */
};

/* startup.c: the probe in a helper thread; machine__settle() joins it
 * (and the irqchip's helper) and sets up bpm and wm.  0, or the probe's
 * error. */
void startup__probe(struct machine *m);
int machine__settle(struct machine *m);


/* machine.c */
/* Reload the image into cleared memory and put every vCPU at its reset state. */
int machine__power_on(struct machine *m, char *err, size_t errlen);

/* run_loop.c */
/* Run until a stop; true when the thread must quit instead. */
bool vcpu__exec(struct vcpu *v, const struct target_resume *how, struct target_stop *stop);

/* vcpu.c */
int vcpu__init(struct machine *m, struct vcpu *v, int id, char *err, size_t errlen);
int vcpu__start_thread(struct vcpu *v, char *err, size_t errlen);
void vcpu__destroy(struct vcpu *v);
/* Hand a parked vCPU its command; caller holds m->lock (allstop.c). */
void vcpu__start(struct vcpu *v, const struct target_resume *how);
/* Power-on: guest debugging off, nothing owed to the guest (no TF of
 * its own, no #DB or int3 to deliver, no exit to report).  Parked. */
int vcpu__reset_debug(struct vcpu *v, char *err, size_t errlen);
/* Kick a running vCPU out of KVM_RUN; user: gdb's Ctrl-C.  Caller holds m->lock. */
void vcpu__kick(struct vcpu *v, bool user);
/* One line for gdb's "info threads": mode and MP state.  The vCPU is parked. */
int vcpu__describe(struct vcpu *v, char *buf, size_t len);
/* After KVM_RUN returned -EINTR: why.  Clears a kick (and immediate_exit). */
enum vcpu_kick { KICK_NONE, KICK_USER, KICK_QUIT };
enum vcpu_kick vcpu__take_kick(struct vcpu *v);
/* Interrupt if running and wait until parked; the stop is dropped. */
void vcpu__halt_and_wait(struct vcpu *v);
/* Called in v's own thread from the resume's bp_filter (target.c). */
bool vcpu__filtering(const struct vcpu *v);

/* allstop.c: every vCPU runs, or none does (see allstop.c). */
int allstop__resume(struct machine *m, const struct target_resume *how);
int allstop__interrupt(struct machine *m);
int allstop__get_stop(struct machine *m, struct target_stop *stop);
bool allstop__running(struct machine *m);
/* The vCPU thread parked with v->stop; caller holds m->lock. */
void allstop__parked(struct vcpu *v);
/* Forget every event (reset). */
void allstop__clear(struct machine *m);

/* target.c */
extern const struct target_ops machine_target_ops;

#endif
