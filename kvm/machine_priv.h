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
#include "boot/loader.h"
#include "machine.h"
#include "host/log.h"
#include "host/probe.h"
#include "host/vm.h"
#include "mem/memory.h"
#include "cpu/cpu.h"
#include "cpu/power_on.h"

#define MACHINE_MAX_CPUS	MACHINE_MAX_VCPUS	/* machine.h: --smp's ceiling */
#define BP_MAX			256
#define BP_NR_DRS		4

/* A breakpoint gdb asked for (Z0 or Z1); addresses are linear. */
struct bp {
	enum target_bp_kind kind;	/* BP_SOFTWARE or BP_HARDWARE */
	uint64_t addr;
	uint8_t *host;			/* int3 mechanism: where the 0xCC sits */
	uint8_t orig;			/* ... and the byte it replaced */
	bool placed;
	int dr;				/* debug register for this run, or -1 */
};

/* monitor sw-break: what a Z0 becomes (breakpoints.c). */
enum bp_sw_mech {
	BP_SW_AUTO,			/* the probe's choice (use_int3) */
	BP_SW_INT3,			/* 0xCC wherever the host stops at it */
	BP_SW_DR,			/* debug registers, then step and compare */
};

struct bp_manager {
	struct bp bps[BP_MAX];
	int nr;
	bool use_int3;			/* Z0 as 0xCC: int3 is intercepted in all modes */
	enum bp_sw_mech sw_mech;	/* set_option("sw-break-int3"/"sw-break-dr") */
	bool int3_stops[PROBE_NR_MODES];	/* an int3 exits (intercepted, or fails) */
	bool blockirq;			/* KVM_GUESTDBG_BLOCKIRQ supported */
	bool step_irq;			/* set_option("step-irq"): interrupts during steps */
	bool rep_whole;			/* set_option("step-rep-whole"): a stepi runs a whole rep */
};

#define WATCH_MAX		32
#define WATCH_MAX_LEN		(64ull << 10)	/* one watchpoint covers at most 64 KiB */
#define WATCH_MAX_PIECES	40	/* pages of one watchpoint, times their views */
#define WATCH_MAX_PAGES		48	/* watched pages in all (each splits a slot in 3) */

/* A watched range's bytes on one guest-physical page. */
struct watch_piece {
	uint64_t gpa, len;
};

/* A watchpoint gdb asked for (Z2, Z3, Z4); see watch.c. */
struct watch {
	enum target_bp_kind kind;	/* BP_WATCH_WRITE, _READ or _ACCESS */
	uint64_t addr, len;		/* linear, as gdb inserted it */
	bool use_dr;			/* a debug register, else memory slots */
	int dr;				/* debug register for this run, or -1 */
	struct watch_piece pieces[WATCH_MAX_PIECES];	/* memory slots: where */
	int nr_pieces;
};

struct watch_manager {
	struct watch ws[WATCH_MAX];
	int nr;
	bool dr_ok;			/* DR data breakpoints fired in every mode (probe) */
	bool readonly_ok;		/* KVM_MEM_READONLY slots */
};

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
	bool inject_bp;			/* re-inject the guest's own int3 on the next run */
	bool inject_db;			/* deliver the guest's own #DB on the next run (step.c) */
	/* Past a false condition with RFLAGS.RF (run_loop.c): */
	bool rf_pending;		/* the last run started with RF set, at rf_pc */
	uint64_t rf_pc;
	int rf_fails;			/* ... and stopped there again, so many times in a row */
	bool rf_off;			/* RF does not work here after all: step instead */
	bool filtering;			/* in the resume's bp_filter (target.c lets it read) */
	uint64_t nr_runs;		/* KVM_RUN calls that returned (monitor info) */
	bool exited;			/* the exit port was written: reported at the next resume */
	int exit_status;
	timer_t wd_timer;		/* the halt watchdog (irqchip.c) */
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
	bool stop_on_mode;		/* set_option("stop-on-mode"): step, stop at mode changes */
	/* Continues single-stepped for breakpoints without a debug register
	 * (run_loop.c's tell_cost; atomic): so many steps, so long, told. */
	uint64_t slow_steps;
	long long slow_ns;
	bool slow_told;
	struct ports {
		uint8_t lcr, mcr, scr, dll, dlm;
	} uart;
	pthread_mutex_t lock;
	bool lock_init;
	pthread_mutex_t io_lock;	/* the port devices: vCPU threads do I/O at once */
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
	struct irqchip {		/* irqchip.c */
		bool on;		/* KVM_CREATE_IRQCHIP: PIC, I/O APIC, local APICs */
		bool pit;		/* KVM_CREATE_PIT2 */
		bool pit_reset_ok;
		struct kvm_irqchip chips[3];	/* reset state: PIC master, slave, I/O APIC */
		struct kvm_pit_state2 pit_reset;
		/* KVM_REINJECT_CONTROL, done by a helper thread (irqchip.c) */
		pthread_t reinject_thread;
		bool reinject_pending;	/* ... not joined yet */
		int reinject_err;
	} irq;
};

/* startup.c: the probe in a helper thread; machine__settle() joins it
 * (and the irqchip's helper) and sets up bpm and wm.  0, or the probe's
 * error. */
void startup__probe(struct machine *m);
/* fn(arg) in a helper thread with every signal blocked (the main and the
 * vCPU threads take them): true, and it must be joined; false when no
 * thread could start and it ran in this one. */
bool startup__helper(pthread_t *thread, void *(*fn)(void *), void *arg);
int machine__settle(struct machine *m);

/* An MMIO exit: reads of no memory see 0xFF, writes are dropped. */
void memory__mmio(struct vcpu *v);

/* ports.c */
void ports__reset(struct machine *m);
/* Handle a KVM_EXIT_IO; true when the exit port was written (the
 * status in v->exit_status). */
bool ports__io(struct vcpu *v);
void machine__log(struct machine *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* breakpoints.c */
void bp__init(struct bp_manager *bpm, const struct host_caps *caps);
int bp__insert(struct machine *m, enum target_bp_kind kind, uint64_t addr, uint64_t len);
int bp__remove(struct machine *m, enum target_bp_kind kind, uint64_t addr, uint64_t len);
void bp__remove_all(struct machine *m);
struct bp *bp__find_at(struct bp_manager *bpm, uint64_t addr);
/* Give the breakpoints and watchpoints their debug registers for a resume
 * (main thread, every vCPU parked): every vCPU arms the same ones. */
void bp__assign(struct bp_manager *bpm, struct watch_manager *wm);
/* True when breakpoints are left over for step-and-compare (after
 * bp__assign); bp__compared names the first of them. */
bool bp__compare(const struct bp_manager *bpm);
const struct bp *bp__compared(const struct bp_manager *bpm);
/* One line per breakpoint: where it is and the mechanism serving it. */
int bp__describe_each(const struct bp_manager *bpm, char *buf, size_t len);
/* Fill dbg for the next KVM_RUN: the breakpoints and watchpoints, and
 * KVM_GUESTDBG_SINGLESTEP when step (breakpoints are then compared by pc). */
void bp__arm(const struct bp_manager *bpm, const struct watch_manager *wm, bool step,
	     struct kvm_guest_debug *dbg);
struct bp *bp__by_dr(struct bp_manager *bpm, uint64_t dr6);
void bp__shadow_read(const struct bp_manager *bpm, const uint8_t *host, uint8_t *buf,
		     size_t len);
void bp__shadow_write(struct bp_manager *bpm, uint8_t *host, const uint8_t *buf, size_t len);
/* Guest memory as gdb and the step rules see it: cpu__access with our
 * int3 bytes hidden (reads show the guest's byte, writes keep the int3). */
ssize_t bp__access(struct bp_manager *bpm, struct cpu *c, struct memory *mem,
		   enum target_space space, uint64_t addr, void *buf, size_t len, bool write);
const char *bp__describe_sw(const struct bp_manager *bpm);
/* monitor sw-break: -EBUSY while Z0s are inserted, -EOPNOTSUPP for int3
 * on a host that stops at an int3 in no mode. */
int bp__set_sw_mech(struct bp_manager *bpm, enum bp_sw_mech mech);
/* A placed int3 whose 0xCC is still in memory (the guest did not write over it). */
bool bp__ours(const struct bp *bp);
/* Step from a placed int3: put the original byte back for one KVM_RUN
 * (false, nothing done, when the int3 is not ours any more); unlift
 * writes the int3 again unless the guest changed the byte meanwhile. */
bool bp__lift(struct bp *bp);
void bp__unlift(struct bp *bp);

/* watch.c */
void watch__init(struct watch_manager *wm, const struct host_caps *caps);
const char *watch__describe(const struct watch_manager *wm);
/* One line per watchpoint: where it is and the mechanism serving it. */
int watch__describe_each(const struct watch_manager *wm, char *buf, size_t len);
int watch__insert(struct machine *m, enum target_bp_kind kind, uint64_t addr, uint64_t len);
int watch__remove(struct machine *m, enum target_bp_kind kind, uint64_t addr, uint64_t len);
void watch__remove_all(struct machine *m);
/* Debug registers the watchpoints hold (they count against Z1's four). */
int watch__nr_dr(const struct watch_manager *wm);
/* Give the debug-register watchpoints DRs from *next_dr on (bp__assign). */
void watch__assign(struct watch_manager *wm, int *next_dr);
/* Arm the debug-register watchpoints' DRs in dbg. */
void watch__arm(const struct watch_manager *wm, struct kvm_guest_debug *dbg);
/* A debug exit: true (stop filled) when a watchpoint's DR fired. */
bool watch__debug(struct vcpu *v, uint64_t dr6, struct target_stop *stop);
/* A KVM_EXIT_MMIO: the access served on guest memory (or as no memory);
 * the watchpoint it triggers, or NULL.  The instruction is not finished. */
const struct watch *watch__mmio(struct vcpu *v);
/* Fill stop for a hit of w, once the instruction is finished. */
void watch__stop(struct vcpu *v, const struct watch *w, struct target_stop *stop);
/* An emulation failure: true (stop filled) when the pc is on a page that
 * a read/access watchpoint took out of the slots. */
bool watch__fetch_fault(struct vcpu *v, struct target_stop *stop);

/* machine.c */
/* Reload the image into cleared memory and put every vCPU at its reset state. */
int machine__power_on(struct machine *m, char *err, size_t errlen);

/* stops.c */
void stops__at(struct vcpu *v, struct target_stop *stop, enum target_stop_reason reason,
	       uint64_t addr);
void stops__here(struct vcpu *v, struct target_stop *stop, enum target_stop_reason reason);
void stops__fault(struct vcpu *v, struct target_stop *stop, const char *what);
void stops__bp(struct vcpu *v, struct target_stop *stop, const struct bp *bp);
void stops__halt(struct vcpu *v, struct target_stop *stop);
const char *stops__internal_suberror(uint32_t sub);
/* stop-on-mode: the CPU mode (CR0.PE, CR0.PG, EFER.LMA, CS.L) as a key;
 * mode_changed compares after a step, stops when it differs, updates *key. */
int stops__mode_key(struct vcpu *v, uint32_t *key);
bool stops__mode_changed(struct vcpu *v, uint32_t *key, struct target_stop *stop);
/* A debug exit, as KVM reported it, or a step the run loop completed
 * itself (an instruction that exited for I/O or MMIO, run_loop.c). */
struct debug_event {
	uint32_t exception;		/* 1: #DB (a step, a debug register), 3: #BP */
	uint64_t dr6;
	uint64_t pc;			/* linear: where the vCPU is now */
};
/* A debug event; true when it is a stop (filled in), false to run on. */
bool stops__debug(struct vcpu *v, const struct target_resume *how, bool step,
		  const struct debug_event *ev, struct target_stop *stop);

/* step.c: what a single step does on hard instructions (see step.c). */
struct step_insn {
	uint64_t pc;			/* linear pc where the step started */
	uint8_t op;			/* first opcode byte after the prefixes */
	uint8_t len;			/* prefixes + that byte */
	bool known;			/* decoded */
	uint8_t rep;			/* a rep prefix (F2 or F3), or 0 */
	bool rep_string;		/* ... on a string instruction */
	uint64_t count_mask;		/* the count register's width (address size) */
	bool rep_trick;			/* one iteration run with the count set to 1 */
	uint64_t rep_count;		/* ... and the count before it */
	uint64_t rip;			/* ... at this raw rip */
	int vec;			/* the vector it raises by definition, or -1 */
	bool sets_flags, new_tf;	/* popf/iret: and the TF it loads */
	bool guest_tf;			/* the guest's TF was set before it */
	bool injecting;			/* this run delivers the guest's #DB */
};
/* At the start of a resume: learn the guest's TF when KVM shows it. */
void step__begin(struct vcpu *v);
/* Before a stepping KVM_RUN: decode the instruction at the pc; when the
 * step must stop (stops), add execute breakpoints at the handlers it may
 * enter, and with per_iteration run one iteration of a rep string
 * instruction (its count set to 1 for the run). */
void step__arm(struct vcpu *v, bool stops, bool per_iteration, struct step_insn *si,
	       struct kvm_guest_debug *dbg);
/* The instruction at the pc is a rep string instruction that has just
 * done its last iteration (count 0): KVM's emulator leaves the pc on it
 * until its next run, the CPU after it.  Put it after it; true if so. */
bool step__rep_finish(struct vcpu *v);
/* After a run that stepped one iteration of a rep: the count the CPU
 * would have, and the pc back on the rep while iterations remain.  true
 * when the registers changed (the caller reads the pc again). */
bool step__rep_end(struct vcpu *v, struct step_insn *si);
/* After a debug exit of a stepping run: true to step again (a rep not
 * finished, the guest's own #DB to deliver) instead of stopping. */
bool step__after(struct vcpu *v, const struct step_insn *si, uint64_t pc, uint64_t dr6);
/* A debug exit while not stepping: true (and re-injected) when it is the
 * guest's own single-step trap. */
bool step__guest_db(struct vcpu *v, uint64_t dr6);

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
/* Can a vCPU resumed with how run past a breakpoint by itself (past_bp,
 * bp_filter)? */
bool allstop__can_pass_bp(const struct machine *m, const struct target_resume *how);
/* The vCPU thread parked with v->stop; caller holds m->lock. */
void allstop__parked(struct vcpu *v);
/* Forget every event (reset). */
void allstop__clear(struct machine *m);

/* irqchip.c */
/* Create the in-kernel PIC, I/O APIC, local APICs and PIT if the host has
 * them; before the first vCPU.  0 or -errno. */
int irqchip__create(struct machine *m, char *err, size_t errlen);
/* Put the PICs, the I/O APIC and the PIT back to reset. */
int irqchip__reset(struct machine *m, char *err, size_t errlen);
/* Wait for the set-up the helper thread does; before the first KVM_RUN and
 * before the VM is closed. */
void irqchip__settle(struct machine *m);
/* The halt watchdog: start/stop in the vCPU thread itself; armed while it runs. */
void irqchip__watchdog_start(struct vcpu *v);
void irqchip__watchdog_stop(struct vcpu *v);
void irqchip__watchdog_arm(struct vcpu *v, bool on);
/* What a watchdog tick saw a vCPU do (struct vcpu's asleep). */
enum { ASLEEP_NO, ASLEEP_HLT, ASLEEP_SIPI };
/* KVM_RUN was interrupted by the watchdog: true when the vCPU sleeps in a
 * hlt nothing can end (stop filled in as STOP_HALT); with several vCPUs,
 * when every running vCPU sleeps so (or waits for a SIPI). */
bool irqchip__tick(struct vcpu *v, const struct target_resume *how, struct target_stop *stop);
/* Steps with step-irq on: clear the trap flag KVM's single step leaves in
 * the EFLAGS image of an interrupt delivered during the step. */
struct irqchip_step {
	bool on;
	uint64_t rsp, rflags, ss_base;
};
void irqchip__step_begin(struct vcpu *v, struct irqchip_step *st, bool irqs_allowed);
void irqchip__step_done(struct vcpu *v, struct irqchip_step *st);

/* target.c */
extern const struct target_ops machine_target_ops;

#endif
