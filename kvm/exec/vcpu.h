/*
 * vcpu.h - a vCPU (vcpu.c): its architectural state, its thread's run
 * state and commands, what it owes the guest, and the kicks that take it
 * out of KVM_RUN.  Its thread is thread.c's, its run loop run_loop.c's.
 */
#ifndef KVMSTUB_VCPU_H
#define KVMSTUB_VCPU_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "../../stub/target.h"
#include "../cpu/cpu.h"
#include "../cpu/power_on.h"
#include "../debug/view.h"
#include "../debug/watch_step.h"
#include "exec.h"
#include "watchdog.h"

enum vcpu_state { VCPU_PARKED, VCPU_RUNNING };

struct vcpu {
	struct exec *x;			/* the machine's execution layer */
	int id;
	struct cpu cpu;			/* its architectural state (cpu/cpu.h) */
	struct cpu_state power_on;	/* ... and KVM's at creation (cpu/power_on.h) */
	pthread_t thread;
	bool thread_started;

	/* Under x->lock: */
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
	bool prev_step;			/* its last resume was a step (inline_step.c) */
	struct watchdog_state wd;	/* the halt watchdog's (watchdog.h) */

	/* The vCPU thread's own: */
	struct kvm_guest_debug dbg;	/* what KVM has now */
	bool dbg_set;
	struct debug_owed owed;		/* the guest's own int3 or #DB, for the next run */
	struct dview dv;		/* the vCPU as the debug layer sees it (debug/view.h) */
	struct watch_look look;		/* around a step, for watchpoints (debug/watch_step.h) */
	struct past_rf {		/* past a false condition with RFLAGS.RF (run_loop.c) */
		bool pending;		/* the last run started with RF set, at pc */
		uint64_t pc;
		int fails;		/* ... and stopped there again, so many times in a row */
		bool off;		/* RF does not work here after all: step instead */
	} rf;
	bool filtering;			/* in the resume's bp_filter (target.c lets it read) */
	uint64_t nr_runs;		/* KVM_RUN calls that returned (monitor info) */
	bool exited;			/* the exit port was written: reported at the next resume */
	int exit_status;
};

int vcpu__init(struct exec *x, struct vcpu *v, int id, char *err, size_t errlen);
void vcpu__destroy(struct vcpu *v);
/* Hand a parked vCPU its command; caller holds x->lock (allstop.c). */
void vcpu__start(struct vcpu *v, const struct target_resume *how);
/* Power-on: guest debugging off, nothing owed to the guest (no TF of
 * its own, no #DB or int3 to deliver, no exit to report).  Parked. */
int vcpu__reset_debug(struct vcpu *v, char *err, size_t errlen);
/* Kick a running vCPU out of KVM_RUN; user: gdb's Ctrl-C.  Caller holds x->lock. */
void vcpu__kick(struct vcpu *v, bool user);
/* One line for gdb's "info threads": mode and MP state.  The vCPU is parked. */
int vcpu__describe(struct vcpu *v, char *buf, size_t len);
/* After KVM_RUN returned -EINTR: why.  Clears a kick (and immediate_exit). */
enum vcpu_kick { KICK_NONE, KICK_USER, KICK_QUIT };
enum vcpu_kick vcpu__take_kick(struct vcpu *v);
/* Called in v's own thread from the resume's bp_filter (target.c). */
bool vcpu__filtering(const struct vcpu *v);

/* run_loop.c: run until a stop; true when the thread must quit instead. */
bool vcpu__exec(struct vcpu *v, const struct target_resume *how, struct target_stop *stop);

#endif
