/*
 * cpu.h - one vCPU's architectural state as KVM holds it: its fd and
 * kvm_run area, its registers through a per-stop cache (regs.c), the CPU
 * mode, linear addresses and their translation (linear.c), its CPUID
 * (cpuid.c), its x87/SSE/AVX state (fpu.c), its MSRs and local APIC
 * (msr.c).
 *
 * Used from the main thread while the vCPU is parked, and from the vCPU's
 * own thread between runs.  While it is parked its registers cannot change
 * but by our own writes, so one KVM_GET_REGS and one KVM_GET_SREGS serve a
 * whole stop (gdb's g, m, p after a step); the cache is dropped on every
 * write and is off while the guest runs.
 */
#ifndef KVMSTUB_CPU_H
#define KVMSTUB_CPU_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../../stub/target.h"
#include "../mem/memory.h"

/* The debug address registers DR0-DR3 breakpoints and watchpoints share. */
#define CPU_NR_DRS		4

/* XSAVE's state components kvmstub shows: x87 0, SSE 1, AVX 2, opmask 5,
 * ZMM_Hi256 6, Hi16_ZMM 7, PKRU 9 (the bit numbers of XCR0). */
#define CPU_XS_COMPONENTS	10

/* How KVM gives the x87/SSE/AVX state of a vCPU (fpu.c). */
enum cpu_xs_how {
	CPU_XS_NONE,		/* not at all */
	CPU_XS_FPU,		/* KVM_GET_FPU: x87 and 16 SSE registers */
	CPU_XS_XSAVE,		/* KVM_GET_XSAVE: a 4 KiB XSAVE image */
	CPU_XS_XSAVE2,		/* KVM_GET_XSAVE2: an image of KVM_CAP_XSAVE2's size */
};

/* The extended state of one stop, read only when it is asked for. */
struct cpu_xstate {
	enum cpu_xs_how how;
	bool xcrs;			/* KVM_CAP_XCRS: XCR0 can be read and written */
	uint32_t features;		/* TARGET_XF_*: what this vCPU's CPUID offers */
	/* Where each component sits in KVM's image: the host's CPUID 0xD
	 * (the standard, uncompacted format), 0 when it has none. */
	uint32_t offset[CPU_XS_COMPONENTS], size[CPU_XS_COMPONENTS];
	uint8_t *image;			/* the last image read, image_size bytes */
	size_t image_size;
	struct target_fpu fpu;		/* ... decoded */
	bool cached;			/* image and fpu hold this stop's state */
};

struct cpu {
	int fd;				/* the KVM vCPU, -1 before cpu__open */
	struct kvm_run *run;
	size_t run_size;
	/* The registers of one stop: filled by the first read while the vCPU
	 * is parked, dropped on a write and when it runs. */
	struct kvm_regs regs_cache;
	struct kvm_sregs sregs_cache;
	bool regs_cached, sregs_cached;
	bool cache_off;			/* the guest runs: always ask KVM */
	bool sync_regs;			/* KVM_CAP_SYNC_REGS: kvm_run holds them at exits */
	bool sync_fresh;		/* ... and holds those of now (a debug exit) */
	bool sync_events;		/* ... the vCPU events too (KVM_SYNC_X86_EVENTS) */
	/* TF.  While KVM single-steps the vCPU it owns RFLAGS.TF (and hides
	 * or shows its own); the guest's own TF is kept here (debug/step.c
	 * follows popf, iret and event delivery) and is what EFLAGS shows. */
	bool kvm_steps;			/* the last run was armed with KVM_GUESTDBG_SINGLESTEP */
	bool guest_tf;
	struct cpu_xstate xs;		/* x87, SSE, AVX ... (fpu.c), cached like the registers */
};

/* Where the vCPU starts at reset (boot/ decides): real mode at CS:IP, or
 * (pm32) 32-bit protected mode as a boot loader leaves it: paging off,
 * CS cs_sel and every data segment ds_sel flat (base 0, limit 4 GiB, the
 * descriptors a GDT at gdt_base holds), interrupts off, EAX and EBX given
 * (multiboot's magic and information address). */
struct cpu_entry {
	uint16_t cs_sel;
	uint64_t cs_base;
	uint64_t ip;
	bool pm32;
	uint16_t ds_sel;
	uint32_t gdt_base;
	uint16_t gdt_limit;
	uint32_t eax, ebx;
};

/* Copies between guest memory and a buffer, chunk by host chunk; NULL
 * members copy plainly.  The breakpoint manager hides its int3s so. */
struct cpu_copy {
	void (*read)(void *ctx, const uint8_t *host, uint8_t *buf, size_t n);
	void (*write)(void *ctx, uint8_t *host, const uint8_t *buf, size_t n);
	void *ctx;
};

/* regs.c */
/* KVM_CREATE_VCPU number id, its kvm_run area mapped, register sync asked
 * for where KVM has it.  0, or -errno with a message. */
int cpu__open(struct cpu *c, int kvm_fd, int vm_fd, int id, size_t run_size,
	      char *err, size_t errlen);
void cpu__close(struct cpu *c);
/* KVM_GET_REGS / KVM_GET_SREGS through the cache. */
int cpu__regs(struct cpu *c, struct kvm_regs *r);
int cpu__sregs(struct cpu *c, struct kvm_sregs *s);
/* KVM_SET_REGS, the cache dropped. */
int cpu__set_kregs(struct cpu *c, const struct kvm_regs *r);
/* Set RFLAGS.RF for the next run (between two runs of the vCPU thread). */
int cpu__set_rf(struct cpu *c);
/* The cache: off from the first KVM_RUN of a resume until the vCPU is
 * parked again; a register write drops it. */
void cpu__cache_off(struct cpu *c);
void cpu__cache_on(struct cpu *c);
void cpu__cache_drop(struct cpu *c);
/* struct target_regs, as gdb reads and writes them (TF the guest's). */
int cpu__get(struct cpu *c, struct target_regs *regs);
int cpu__set(struct cpu *c, const struct target_regs *regs);
/* Power-on registers from KVM's defaults (taken at creation), in real
 * mode at e, or in flat 32-bit protected mode when e->pm32. */
int cpu__reset(struct cpu *c, const struct kvm_sregs *defaults, const struct cpu_entry *e,
	       char *err, size_t errlen);

/* linear.c */
int cpu__pc(struct cpu *c, uint64_t *pc);
const char *cpu__mode_name(const struct kvm_sregs *s);
/* "at f000:0023 (linear 0xf0023, real mode)"; pc_adjust moves the IP reported. */
int cpu__where(struct cpu *c, int64_t pc_adjust, char *buf, size_t len);
/* Linear to guest-physical with the vCPU's paging; -EFAULT when unmapped. */
int cpu__translate(struct cpu *c, uint64_t linear, uint64_t *phys);
/* Guest memory by linear (translated page by page) or physical address;
 * the count done (fewer at memory that is not there), or -errno. */
ssize_t cpu__access(struct cpu *c, struct memory *mem, enum target_space space, uint64_t addr,
		    void *buf, size_t len, bool write, const struct cpu_copy *copy);

/* cpuid.c: the host's CPUID for vCPU id of nr, with its topology; the
 * extended-state features it offers go to fpu.c. */
int cpu__set_cpuid(struct cpu *c, int kvm_fd, int id, int nr, char *err, size_t errlen);

/* msr.c: one MSR (KVM_GET_MSRS / KVM_SET_MSRS): 0, -ENOENT when KVM
 * refuses it, or -errno; a write drops the register cache.  The local
 * APIC's register page (KVM_GET_LAPIC, KVM_SET_LAPIC: len >=
 * KVM_APIC_REG_SIZE). */
int cpu__get_msr(struct cpu *c, uint32_t index, uint64_t *val);
int cpu__set_msr(struct cpu *c, uint32_t index, uint64_t val);
int cpu__get_lapic(struct cpu *c, uint8_t *regs, size_t len);
int cpu__set_lapic(struct cpu *c, const uint8_t *regs, size_t len);
/* Every entry of m read (set false) or written: 0, -ENOENT when KVM did
 * fewer (one refused), or -errno. */
int cpu__msrs(struct cpu *c, struct kvm_msrs *m, bool set);

/* fpu.c: the x87, SSE, AVX, AVX-512 and PKRU state through KVM's XSAVE
 * interface (KVM_GET_XSAVE2, KVM_GET_XSAVE or KVM_GET_FPU, whichever the
 * host has), XCR0 through KVM_GET_XCRS. */
/* At creation: which interface, the image's size and layout.  0 or -errno. */
int cpu__fpu_open(struct cpu *c, int kvm_fd, int vm_fd);
void cpu__fpu_close(struct cpu *c);
/* The TARGET_XF_* parts this vCPU's CPUID (KVM_SET_CPUID2's entries) has. */
void cpu__fpu_features(struct cpu *c, const struct kvm_cpuid2 *cpuid);
/* Read (once a stop, through the cache) and write the state. */
int cpu__fpu_get(struct cpu *c, struct target_fpu *fpu);
int cpu__fpu_set(struct cpu *c, const struct target_fpu *fpu);
/* The XSAVE image itself (pure; tests/unit/test_fpu.c checks them against
 * the host CPU's own XSAVE and XRSTOR): where the host's CPUID puts each
 * component (for xs->image_size bytes), the image decoded (the parts in
 * xs->features), and f written into it with XSTATE_BV naming every
 * component that differs from old (returned). */
void cpu__xsave_layout(struct cpu_xstate *xs);
void cpu__xsave_decode(const struct cpu_xstate *xs, const uint8_t *img, struct target_fpu *f);
uint64_t cpu__xsave_encode(const struct cpu_xstate *xs, const struct target_fpu *old,
			   const struct target_fpu *f, uint8_t *img);

#endif
