/*
 * target.h - the one seam between the protocol (stub/) and the machine (kvm/).
 *
 * The RSP layer never includes <linux/kvm.h>; it sees the machine only
 * through this table of operations.  kvm/ implements it for real,
 * tests/unit/fake_target.c implements it in plain memory.
 *
 * Conventions: every operation returns 0 (or a count) on success and
 * -errno on failure.  -EOPNOTSUPP means "this target cannot do that"
 * (gdb then gets the empty reply where the protocol allows it).
 * Per-vCPU operations take a cpu index, 0 .. nr_cpus-1.
 * Addresses are linear (CS.base + offset) unless TARGET_PHYSICAL is given.
 */
#ifndef KVMSTUB_TARGET_H
#define KVMSTUB_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Segment registers, in the order gdb's i386 layout lists them. */
enum target_segreg {
	SEG_CS, SEG_SS, SEG_DS, SEG_ES, SEG_FS, SEG_GS,
	SEG_TR, SEG_LDT,
	TARGET_NR_SEGS
};

/* General registers in x86 encoding order (rax=0 ... rdi=7, r8 ... r15). */
enum target_gpr {
	GPR_AX, GPR_CX, GPR_DX, GPR_BX, GPR_SP, GPR_BP, GPR_SI, GPR_DI,
	GPR_R8, GPR_R9, GPR_R10, GPR_R11, GPR_R12, GPR_R13, GPR_R14, GPR_R15,
	TARGET_NR_GPRS
};

struct target_seg {
	uint64_t base;
	uint32_t limit;		/* in bytes, already scaled by G */
	uint16_t selector;
	uint8_t type;		/* 4-bit descriptor type */
	uint8_t s;		/* 1: code/data, 0: system */
	uint8_t dpl;
	uint8_t present;
	uint8_t db;		/* default operand size 32 */
	uint8_t l;		/* 64-bit code segment */
	uint8_t g;
	uint8_t avl;
	uint8_t unusable;
};

struct target_dtable {
	uint64_t base;
	uint16_t limit;
};

/* The whole architectural state a debugger shows, of one vCPU. */
struct target_regs {
	uint64_t gpr[TARGET_NR_GPRS];
	uint64_t rip;		/* raw IP/EIP/RIP, relative to CS.base */
	uint64_t rflags;
	struct target_seg seg[TARGET_NR_SEGS];
	struct target_dtable gdt, idt;
	uint64_t cr0, cr2, cr3, cr4, cr8, efer;
};

/*
 * The x87, SSE, AVX, AVX-512 and protection-key state of one vCPU, as
 * the CPU's XSAVE keeps it, decoded.  Which parts a vCPU has comes from
 * its CPUID (target_ops.xfeatures); the others read as zero.
 */
#define TARGET_XF_X87		(1u << 0)	/* st0-st7, fctrl..fop */
#define TARGET_XF_SSE		(1u << 1)	/* xmm0-15, mxcsr */
#define TARGET_XF_AVX		(1u << 2)	/* the upper halves of ymm0-15 */
#define TARGET_XF_AVX512	(1u << 3)	/* k0-7, zmm0-15's upper halves, zmm16-31 */
#define TARGET_XF_PKRU		(1u << 4)	/* the protection-key rights register */
#define TARGET_XF_XCR0		(1u << 5)	/* XCR0 can be read (KVM_GET_XCRS) */

#define TARGET_NR_VREGS		32	/* xmm/ymm/zmm0-31 (AVX-512: 32, else 16 or 8) */

struct target_fpu {
	uint16_t fcw, fsw;
	uint16_t ftw;		/* the full tag word: 2 bits per physical register */
	uint16_t fop;		/* 11 bits */
	/* The last instruction and operand pointers as XSAVE's 64-bit
	 * format holds them: gdb's fioff and fooff are the low 32 bits,
	 * fiseg and foseg the next 32 (which hold no selector in that
	 * format). */
	uint64_t fip, fdp;
	uint8_t st[8][10];	/* ST(0)-ST(7), 80-bit extended */
	uint32_t mxcsr;
	uint32_t mxcsr_mask;	/* read only: the MXCSR bits this CPU has */
	uint8_t xmm[TARGET_NR_VREGS][16];	/* bits 0-127 */
	uint8_t ymmh[TARGET_NR_VREGS][16];	/* bits 128-255 */
	uint8_t zmmh[TARGET_NR_VREGS][32];	/* bits 256-511 */
	uint64_t k[8];
	uint32_t pkru;
	uint64_t xcr0;
};

/* One 8259 PIC, as KVM's in-kernel one holds it. */
struct target_pic {
	uint8_t irr, isr, imr;	/* bit n: IRQ n of this chip */
	uint8_t vector_base;	/* ICW2: IRQ n arrives as vector base + n */
	uint8_t elcr;		/* level-triggered IRQs (the chipset's ELCR) */
	uint8_t lowest;		/* the IRQ of lowest priority (rotation), 7 after reset */
	uint8_t init_state;	/* 0: initialised; 1-3: ICW2-ICW4 expected next */
	bool auto_eoi, special_mask, poll, read_isr, special_fully_nested, init4;
};

/* One channel of the 8254 PIT. */
struct target_pit_channel {
	uint32_t count;		/* the reload value, 1-65536 */
	uint16_t now;		/* the count now, when now_known */
	bool now_known;
	uint16_t latched_count;	/* held by a latch command, not read yet */
	uint8_t status;		/* held by a read-back command, not read yet */
	uint8_t mode;		/* 0-5; above: not programmed since reset */
	uint8_t rw_mode;	/* 1 low byte, 2 high byte, 3 low then high */
	bool bcd, gate, count_latched, status_latched;
};

struct target_pit {
	struct target_pit_channel ch[3];
	bool hpet_legacy;	/* the HPET has taken over channel 0's IRQ */
	bool speaker_data;	/* port 0x61 bit 1: channel 2 drives the speaker */
};

#define TARGET_LAPIC_SIZE	1024	/* the local APIC's register page */

/* CPU mode bits a learner cares about (derived from CR0, CR4, EFER, CS). */
#define X86_CR0_PE	(1ull << 0)
#define X86_CR0_PG	(1ull << 31)
#define X86_CR4_PAE	(1ull << 5)
#define X86_EFER_LME	(1ull << 8)
#define X86_EFER_LMA	(1ull << 10)
#define X86_RFLAGS_TF	(1ull << 8)
#define X86_RFLAGS_IF	(1ull << 9)
#define X86_RFLAGS_RF	(1ull << 16)

enum target_space {
	TARGET_LINEAR,		/* translated through the guest's paging */
	TARGET_PHYSICAL,	/* guest-physical */
};

enum target_bp_kind {
	BP_SOFTWARE,		/* Z0 */
	BP_HARDWARE,		/* Z1 */
	BP_WATCH_WRITE,		/* Z2 */
	BP_WATCH_READ,		/* Z3 */
	BP_WATCH_ACCESS,	/* Z4 */
	TARGET_NR_BP_KINDS
};

enum target_resume_kind {
	RESUME_CONTINUE,
	RESUME_STEP,		/* exactly one instruction */
	RESUME_RANGE,		/* step while range_start <= pc < range_end */
};

struct target_stop;

/*
 * All-stop: every vCPU runs or none does.  kind applies to cpu; the other
 * vCPUs continue, unless alone is set (gdb's scheduler-locking): then
 * only cpu runs and the others stay stopped.  A stop of any vCPU stops
 * them all before it is reported.
 */
struct target_resume {
	enum target_resume_kind kind;
	int cpu;		/* the vCPU to step (STEP, RANGE), or to run alone */
	uint64_t range_start, range_end;
	bool alone;		/* only cpu runs; the others stay stopped */
	/* RESUME_CONTINUE from a breakpoint cpu is stopped at: run past it
	 * (execute the instruction under it) instead of reporting it again
	 * at once.  The stub's silent resume after a false condition: one
	 * resume instead of a step and a continue.  -EOPNOTSUPP when the
	 * target cannot; the caller then steps over it itself. */
	bool past_bp;
	/* Optional (NULL: every hit is reported), for a continue: asked about
	 * each breakpoint hit (STOP_SWBREAK, STOP_HWBREAK) of a continuing
	 * vCPU, in that vCPU's own thread, before anything else stops.  false
	 * runs the vCPU on past the breakpoint with no stop at all (the
	 * stub's false condition: one exit, no trip through the main thread).
	 * It may call get_regs, read_mem and translate for stop->cpu, and
	 * nothing else; vCPUs may call it at the same time.  The target asks
	 * only where it can run past the breakpoint by itself (as past_bp);
	 * a stop it reported after asking has stop->filtered set. */
	bool (*bp_filter)(void *ctx, const struct target_stop *stop);
	void *bp_filter_ctx;
	/* Backwards through the record log (gdb's bs, bc; target_ops.record
	 * on): STEP undoes one instruction, CONTINUE runs back to a
	 * breakpoint, a write watchpoint or the start of the log.  -EINVAL
	 * when not recording. */
	bool reverse;
};

enum target_stop_reason {
	STOP_STEP,		/* a step finished: SIGTRAP */
	STOP_SWBREAK,		/* a Z0 breakpoint at addr: SIGTRAP, swbreak */
	STOP_HWBREAK,		/* a Z1 breakpoint at addr: SIGTRAP, hwbreak */
	STOP_WATCH,		/* a Z2/Z3/Z4 watchpoint: SIGTRAP, watch_kind, addr = data address */
	STOP_INTERRUPT,		/* interrupt() was called: SIGINT */
	STOP_HALT,		/* hlt with nothing to wake it: SIGTRAP, message says so */
	STOP_EXITED,		/* the guest ended (exit port): exit_status */
	STOP_FAULT,		/* shutdown, internal error, entry failure: SIGSEGV, message */
	STOP_MODE_CHANGE,	/* the CPU mode changed (monitor stop-on-mode): SIGTRAP, message */
};

/* A stop at an end of the record log (the stop reply's replaylog). */
enum target_replaylog {
	REPLAYLOG_NONE,
	REPLAYLOG_BEGIN,	/* going back reached the oldest instruction kept */
	REPLAYLOG_END,
};

struct target_stop {
	enum target_stop_reason reason;
	int cpu;
	uint64_t addr;
	enum target_bp_kind watch_kind;
	int exit_status;
	bool filtered;		/* the resume's bp_filter said this hit stops */
	enum target_replaylog replaylog;	/* at an end of the record log */
	char message[256];	/* human-readable, "" when nothing to add */
};

/* A guest-physical region for gdb's memory map (qXfer:memory-map:read). */
struct target_region {
	uint64_t start, length;
	bool rom;		/* firmware: gdb then prefers hardware breakpoints */
};

/* What monitor snapshot asks of the target (target_ops.snapshot). */
enum target_snap_op {
	TARGET_SNAP_SAVE,	/* the whole machine as name */
	TARGET_SNAP_RESTORE,	/* name back into the machine */
	TARGET_SNAP_DELETE,	/* name forgotten */
	TARGET_SNAP_LIST,	/* the snapshots there are */
	TARGET_SNAP_WRITE,	/* name into the file */
	TARGET_SNAP_LOAD,	/* the file read and restored (--restore) */
};

/* What monitor record and --record ask of the target (target_ops.record). */
enum target_rec_op {
	TARGET_REC_ON,		/* start recording (one vCPU) */
	TARGET_REC_OFF,		/* stop, and forget the log */
	TARGET_REC_STATUS,	/* how far back the log reaches, what it costs */
	TARGET_REC_LIMIT,	/* arg: the most instructions kept */
	TARGET_REC_LIMIT_BYTES,	/* arg: the most bytes kept */
	TARGET_REC_QUERY,	/* 1 when recording, else 0 (nothing in msg) */
};

struct target;

struct target_ops {
	int (*nr_cpus)(struct target *t);

	int (*get_regs)(struct target *t, int cpu, struct target_regs *regs);
	int (*set_regs)(struct target *t, int cpu, const struct target_regs *regs);

	/* Return the number of bytes transferred: len, or fewer when the
	 * access runs into memory that is not there (0 when the first byte
	 * is not), or -errno.  Reads never show the daemon's own breakpoint
	 * bytes. */
	ssize_t (*read_mem)(struct target *t, int cpu, enum target_space space,
			    uint64_t addr, void *buf, size_t len);
	ssize_t (*write_mem)(struct target *t, int cpu, enum target_space space,
			     uint64_t addr, const void *buf, size_t len);
	/* The extended state (XSAVE: x87, SSE, AVX, AVX-512, PKRU, XCR0).
	 * xfeatures: the TARGET_XF_* parts the vCPUs have, from their
	 * CPUID, without reading any state.  get_fpu reads a parked vCPU's
	 * (once a stop), set_fpu writes it back whole.  All three optional
	 * (NULL: the target has none of it). */
	uint32_t (*xfeatures)(struct target *t);
	int (*get_fpu)(struct target *t, int cpu, struct target_fpu *fpu);
	int (*set_fpu)(struct target *t, int cpu, const struct target_fpu *fpu);

	/* Linear to guest-physical with the vCPU's current paging; -EFAULT
	 * when unmapped. */
	int (*translate)(struct target *t, int cpu, uint64_t linear, uint64_t *phys);

	/* 0, -ENOSPC (no hardware resource left), -EOPNOTSUPP (kind not
	 * supported), -EINVAL (bad length or address), -EEXIST/-ENOENT. */
	int (*insert_bp)(struct target *t, enum target_bp_kind kind, uint64_t addr, uint64_t len);
	int (*remove_bp)(struct target *t, enum target_bp_kind kind, uint64_t addr, uint64_t len);

	/* Start the vCPUs; returns at once.  A stop is then announced by
	 * event_fd() becoming readable and collected with get_stop(). */
	int (*resume)(struct target *t, const struct target_resume *how);
	int (*interrupt)(struct target *t);
	/* The fd that becomes readable when a stop is pending. */
	int (*event_fd)(struct target *t);
	/* 0 and *stop filled when stopped, -EAGAIN while running. */
	int (*get_stop)(struct target *t, struct target_stop *stop);
	bool (*is_running)(struct target *t);

	/* Back to power-on state (vCPUs stopped at the reset vector,
	 * breakpoints removed, the image reloaded). */
	int (*reset)(struct target *t);
	/* Model-specific registers of a parked vCPU (monitor msr): 0, or
	 * -ENOENT when KVM refuses the MSR (reading: the vCPU has no such
	 * MSR; writing: no such MSR or a value it does not take).  Optional. */
	int (*get_msr)(struct target *t, int cpu, uint32_t index, uint64_t *val);
	int (*set_msr)(struct target *t, int cpu, uint32_t index, uint64_t val);
	/* A parked vCPU's local APIC register page, TARGET_LAPIC_SIZE bytes
	 * laid out as at its MMIO base (the ID at 0x20, the ISR at 0x100
	 * ...), the current count computed for now (monitor lapic).  The two
	 * 8259s (master, slave) and the 8254 (monitor pic, monitor pit).
	 * -ENODEV where the machine has none.  All optional. */
	int (*get_lapic)(struct target *t, int cpu, uint8_t *regs);
	int (*get_pic)(struct target *t, struct target_pic pic[2]);
	int (*get_pit)(struct target *t, struct target_pit *pit);

	/* Remove every breakpoint and watchpoint, whoever inserted them (a
	 * client that went away without removing its own), and nothing
	 * else.  The vCPUs must be stopped: -EBUSY otherwise.  Optional
	 * (NULL: the target keeps none between clients). */
	int (*remove_all_bps)(struct target *t);

	/* One line describing a vCPU for gdb's "info threads". */
	int (*describe_cpu)(struct target *t, int cpu, char *buf, size_t len);
	/* Multi-line, human-readable facts about the host and the machine
	 * (mechanisms chosen by the probe), for "monitor info". */
	int (*describe)(struct target *t, char *buf, size_t len);
	/* The memory map, ascending and non-overlapping: fills at most max
	 * regions and returns how many there are.  Optional (NULL). */
	int (*memory_map)(struct target *t, struct target_region *regions, int max);
	/* Set a named boolean switch of the machine ("step-irq",
	 * "stop-on-mode"); -ENOENT for an unknown name.  Optional (NULL).
	 * "sw-break-int3" / "sw-break-dr" on: software breakpoints become int3
	 * bytes / debug registers; either off: the target's own choice again
	 * (monitor sw-break).  -EBUSY while software breakpoints are inserted,
	 * -EOPNOTSUPP for int3 where no CPU mode can stop at one.
	 * "step-rep-whole" on: a RESUME_STEP on a rep string instruction runs
	 * all its iterations; off (the default): one, as the CPU's trap flag. */
	int (*set_option)(struct target *t, const char *name, bool on);
	/* The guest's text screen as text into buf (NUL-terminated), the
	 * attributes as ANSI colours when ansi: 0, or -errno.  Optional. */
	int (*screen)(struct target *t, bool ansi, char *buf, size_t len);
	/* Keys for the guest's keyboard: keys typed one after another (named
	 * false: "hello\n"), or key names held together and released in
	 * reverse ("ctrl-alt-del").  -EINVAL with the reason in err.
	 * Optional. */
	int (*send_keys)(struct target *t, const char *keys, size_t len, bool named, char *err,
			 size_t errlen);
	/* Snapshots of the whole machine (monitor snapshot, --restore): name
	 * for all but LIST and LOAD, file for WRITE and LOAD.  The vCPUs must
	 * be stopped (-EBUSY).  msg gets what was done, or why not (a file of
	 * another image, a name not known): 0 or -errno.  After a restore the
	 * vCPUs are stopped where the snapshot was taken; breakpoints and
	 * watchpoints stay as they are.  Optional (NULL). */
	int (*snapshot)(struct target *t, enum target_snap_op op, const char *name,
			const char *file, char *msg, size_t len);
	/* Recording for reverse execution (monitor record, --record): the
	 * vCPUs must be stopped (-EBUSY); several vCPUs are refused
	 * (-EOPNOTSUPP, why in msg).  0 (1 for QUERY while on) or -errno;
	 * what was done or why not in msg.  While in the past (after a
	 * reverse resume), register and memory writes are refused (-EROFS).
	 * Optional (NULL). */
	int (*record)(struct target *t, enum target_rec_op op, uint64_t arg, char *msg,
		      size_t len);
};

struct target {
	const struct target_ops *ops;
	void *priv;
};

#endif
