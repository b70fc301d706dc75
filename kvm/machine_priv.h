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

#include "../stub/target.h"
#include "loader.h"
#include "machine.h"
#include "probe.h"

#define MACHINE_MAX_CPUS	1
#define MEM_MAX_SLOTS		4
#define FW_ALIAS_BASE		0xE0000ull	/* the firmware's view below 1 MiB */
#define FW_ALIAS_SIZE		0x20000ull	/* 128 KiB, ending at 0xFFFFF */
#define FW_TOP			0x100000000ull
#define FW_SIZE_MIN		FW_ALIAS_SIZE
#define FW_SIZE_MAX		(256ull << 10)
#define VM_TSS_ADDR		0xfffbd000ull	/* 3 pages, below the firmware window */
#define VM_IDENTITY_MAP_ADDR	0xfffbc000ull	/* 1 page, below the TSS */

#define BP_MAX			256
#define BP_NR_DRS		4

/* One guest-physical range backed by host memory (a KVM memory slot). */
struct mem_slot {
	uint64_t gpa, size;
	uint8_t *host;
};

struct memory {
	uint8_t *ram;			/* mem_size bytes, gpa 0 */
	uint64_t ram_size;
	uint8_t *fw;			/* fw_size bytes, ending at 4 GiB */
	uint64_t fw_size;
	struct mem_slot slots[MEM_MAX_SLOTS];
	int nr_slots;
};

/* A breakpoint gdb asked for (Z0 or Z1); addresses are linear. */
struct bp {
	enum target_bp_kind kind;	/* BP_SOFTWARE or BP_HARDWARE */
	uint64_t addr;
	uint8_t *host;			/* int3 mechanism: where the 0xCC sits */
	uint8_t orig;			/* ... and the byte it replaced */
	bool placed;
	int dr;				/* debug register for this run, or -1 */
};

struct bp_manager {
	struct bp bps[BP_MAX];
	int nr;
	bool use_int3;			/* Z0 as 0xCC: int3 is intercepted in all modes */
	bool blockirq;			/* KVM_GUESTDBG_BLOCKIRQ supported */
	bool step_irq;			/* set_option("step-irq"): interrupts during steps */
};

enum vcpu_state { VCPU_PARKED, VCPU_RUNNING };

struct machine;

struct vcpu {
	struct machine *m;
	int id;
	int fd;
	struct kvm_run *run;
	size_t run_size;
	pthread_t thread;
	bool thread_started;
	struct kvm_sregs reset_sregs;	/* KVM's own defaults, taken at creation */

	/* Under m->lock: */
	enum vcpu_state state;
	bool cmd_pending, quit;
	struct target_resume cmd;
	pthread_cond_t cmd_cond;	/* the vCPU thread waits for a command */
	pthread_cond_t parked_cond;	/* the main thread waits for a stop */
	struct target_stop stop;	/* the last stop */
	bool stop_pending;		/* ... not yet collected by get_stop */

	/* The vCPU thread's own: */
	struct kvm_guest_debug dbg;	/* what KVM has now */
	bool dbg_set;
	bool inject_bp;			/* re-inject the guest's own int3 on the next run */
	bool exited;			/* the exit port was written */
	int exit_status;
};

struct machine {
	struct machine_config cfg;
	char *image_path;		/* our copy of cfg.image_path */
	struct image img;		/* kept for reset */
	bool have_img;
	int kvm_fd, vm_fd, event_fd;
	size_t run_size;
	struct host_caps caps;
	struct memory mem;
	struct bp_manager bpm;
	struct ports {
		uint8_t lcr, mcr, scr, dll, dlm;
	} uart;
	pthread_mutex_t lock;
	bool lock_init;
	struct vcpu vcpus[MACHINE_MAX_CPUS];
	int nr_vcpus;
	struct target target;
};

/* vm.c */
int vm__open_kvm(int *kvm_fd, char *err, size_t errlen);
int vm__create(struct machine *m, char *err, size_t errlen);

/* memory.c */
int memory__init(struct memory *mem, int vm_fd, uint64_t ram_size, uint64_t fw_size,
		 char *err, size_t errlen);
void memory__free(struct memory *mem);
void memory__clear(struct memory *mem);
/* Host pointer for gpa and how many bytes follow it in the same slot; NULL if in no slot. */
uint8_t *memory__host(const struct memory *mem, uint64_t gpa, uint64_t *avail);
size_t memory__read(const struct memory *mem, uint64_t gpa, void *buf, size_t len);
size_t memory__write(struct memory *mem, uint64_t gpa, const void *buf, size_t len);
uint64_t memory__fw_size_for(const struct image *img);
int memory__load(struct memory *mem, const struct image *img, char *err, size_t errlen);

/* An MMIO exit: reads of no memory see 0xFF, writes are dropped. */
void memory__mmio(struct vcpu *v);

/* ports.c */
void ports__reset(struct machine *m);
/* Handle a KVM_EXIT_IO; sets v->exited when the exit port was written. */
void ports__io(struct vcpu *v);
void machine__log(struct machine *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* cpu_state.c */
int cpu_state__reset(struct vcpu *v, char *err, size_t errlen);
int cpu_state__get(struct vcpu *v, struct target_regs *regs);
int cpu_state__set(struct vcpu *v, const struct target_regs *regs);
int cpu_state__pc(struct vcpu *v, uint64_t *pc);
const char *cpu_state__mode_name(const struct kvm_sregs *s);
/* "f000:0023 (linear 0xf0023, real mode)"; pc_adjust moves the IP reported. */
int cpu_state__where(struct vcpu *v, int64_t pc_adjust, char *buf, size_t len);
int cpu_state__translate(struct vcpu *v, uint64_t linear, uint64_t *phys);
ssize_t cpu_state__access(struct machine *m, struct vcpu *v, enum target_space space,
			  uint64_t addr, void *buf, size_t len, bool write);

/* breakpoints.c */
void bp__init(struct bp_manager *bpm, const struct host_caps *caps);
int bp__insert(struct machine *m, enum target_bp_kind kind, uint64_t addr, uint64_t len);
int bp__remove(struct machine *m, enum target_bp_kind kind, uint64_t addr, uint64_t len);
void bp__remove_all(struct machine *m);
struct bp *bp__find_at(struct bp_manager *bpm, uint64_t addr);
/* Fill dbg for the next KVM_RUN; true if Z0s are left over for step-and-compare. */
bool bp__arm(struct bp_manager *bpm, bool step, struct kvm_guest_debug *dbg);
struct bp *bp__by_dr(struct bp_manager *bpm, uint64_t dr6);
void bp__shadow_read(const struct bp_manager *bpm, const uint8_t *host, uint8_t *buf,
		     size_t len);
void bp__shadow_write(struct bp_manager *bpm, uint8_t *host, const uint8_t *buf, size_t len);
const char *bp__describe_sw(const struct bp_manager *bpm);

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
/* A KVM_EXIT_DEBUG; true when it is a stop (filled in), false to run on. */
bool stops__debug(struct vcpu *v, const struct target_resume *how, bool step,
		  uint64_t *pc, struct target_stop *stop);

/* run_loop.c */
/* Run until a stop; true when the thread must quit instead. */
bool vcpu__exec(struct vcpu *v, const struct target_resume *how, struct target_stop *stop);

/* vcpu.c */
int vcpu__init(struct machine *m, struct vcpu *v, int id, char *err, size_t errlen);
int vcpu__start_thread(struct vcpu *v, char *err, size_t errlen);
void vcpu__destroy(struct vcpu *v);
int vcpu__resume(struct vcpu *v, const struct target_resume *how);
int vcpu__interrupt(struct vcpu *v);
/* Interrupt if running and wait until parked; the stop is dropped. */
void vcpu__halt_and_wait(struct vcpu *v);

/* target.c */
extern const struct target_ops machine_target_ops;

#endif
