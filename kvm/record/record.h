/*
 * record.h - the recorder (record.c) and reverse execution (replay.c): a
 * log of what each instruction of one vCPU changed, to undo it exactly
 * (reverse-stepi, reverse-continue) and to do it again from the log
 * (forward execution in the past replays, the same results, the same
 * port input, the same interrupts: nothing runs in KVM until the end of
 * the log, where the guest goes live again).
 *
 * While recording the vCPU single-steps (exec/run_arm.c); after each
 * instruction record__note takes what changed: the registers (kvm_regs
 * and kvm_sregs, as a mask of the changed 64-bit words and their XOR with
 * the old value, which undoes and redoes alike; the x87, SSE, AVX and
 * AVX-512 state as the changed words of struct target_fpu, read when the
 * instruction was not one insn.c computed) and memory (the pages
 * KVM's dirty log and the daemon's own writes name, compared with a
 * shadow copy of all of memory: the changed bytes as XOR spans).  That is
 * exact whatever wrote: the instruction, an interrupt's or exception's
 * frame, a string instruction, a device's DMA, gdb.
 *
 * The rest of the machine is in "parts", each read whole as bytes and
 * logged as its changed 64-bit words: the MSRs KVM saves (those that are
 * time, the TSC, left out), the local APIC (its current count left out)
 * and every device's state (dev/device.h save), the in-kernel PICs, I/O
 * APIC and PIT among them.  A part is read when the step can have changed
 * it (record__hint): the MSRs after wrmsr and swapgs; the APIC (always
 * while it is enabled) and the irqchip after a step the decoder finds
 * writing their registers (record__writes_chips: KVM serves those writes
 * itself, no exit, no dirty page), the irqchip also after a step with IF
 * set (an interrupt taken); a device after port I/O or an exit to the
 * daemon; every part at an edit.  What changes by itself (input arriving, a line
 * raised) is taken at the guest's next port I/O, as an entry of its own
 * (REC_DEV) just before it.
 *
 * Going back the vCPU's parts and the irqchip are put back with the
 * registers; the daemon's own devices only when recording stops in the
 * past (their live state takes input meanwhile: none is lost), as replay
 * does not need them (it replays port input from the log).
 */
#ifndef KVMSTUB_RECORD_H
#define KVMSTUB_RECORD_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../../stub/target.h"
#include "../cpu/cpu.h"
#include "../debug/breakpoints.h"
#include "../debug/watch.h"
#include "../dev/device.h"
#include "../mem/memory.h"

#define REC_DEFAULT_INSNS	4000000ull	/* monitor record limit: instructions */
#define REC_DEFAULT_BYTES	(1ull << 30)	/* ... and bytes */

/* What an entry of the log is. */
enum rec_kind {
	REC_INSN,		/* one instruction (or one turn of a rep) */
	REC_EDIT,		/* a change between two runs: gdb's, a restore */
	REC_DEV,		/* devices changed by themselves, before port I/O */
};

/* What a step can have changed besides registers and memory. */
#define REC_HINT_MSR	0x01	/* wrmsr, swapgs, or an instruction not decoded */
#define REC_HINT_IO	0x02	/* port I/O, or an exit to the daemon's devices */

/* One part of the state (above): len bytes (size of them the state, the
 * rest 0) as at the end of the log, at pos, and in the machine now. */
enum rec_part_kind { REC_PART_MSRS, REC_PART_LAPIC, REC_PART_IRQCHIP, REC_PART_DEVICE };
struct rec_part {
	enum rec_part_kind kind;
	int dev;			/* the device's number (dev/device.h) */
	size_t size, len;
	uint8_t *end, *cur, *in, *now;	/* now: just read */
};
#define REC_PARTS_MAX	24

struct recorder {
	bool on;
	struct memory *mem;
	struct bp_manager *bpm;
	struct watch_manager *wm;
	FILE *log;
	/* The log: count entries, entry k's bytes at buf + off[head + k]. */
	uint8_t *buf;
	size_t used, cap;
	uint64_t *off;
	uint64_t head, count, off_cap;
	uint64_t pos;			/* where the machine is: count is the end (live) */
	uint64_t insns;			/* REC_INSN entries among them */
	/* Limits; the oldest entries are dropped past them. */
	uint64_t limit_insns, limit_bytes;
	uint64_t dropped;		/* instructions dropped so far */
	bool tell_drop;			/* the next stop says the oldest were dropped */
	char why_off[200];		/* why recording stopped by itself, for the next stop */
	/* The state at the end of the log (the last note), and at pos. */
	struct kvm_regs regs, cur_regs;
	struct kvm_sregs sregs, cur_sregs;
	/* The x87, SSE, AVX, AVX-512 state and XCR0 likewise, where the vCPU
	 * lets it be read (fpu_on). */
	bool fpu_on;
	struct target_fpu fpu, cur_fpu;
	/* Memory as the last note saw it, all pages (memory.h numbers them). */
	uint8_t *shadow;
	uint64_t nr_pages;
	uint64_t *dirty;
	uint8_t *scratch;		/* one entry being built */
	size_t scratch_cap;
	uint64_t total;			/* instructions recorded since on */
	/* The next step's registers as insn.c computes them, for a
	 * register-only instruction without paging (record__predict). */
	bool predicted;
	struct kvm_regs prediction;
	uint64_t quick;			/* notes that needed no dirty log */
	/* The parts; the MSRs' indices (their values are the part); what
	 * the step under way may have changed (REC_HINT_*). */
	struct devices *devs;
	int kvm_fd;
	struct rec_part parts[REC_PARTS_MAX];
	int nparts;
	struct kvm_msrs *msrs;
	int apic_base_at;		/* the APIC base MSR among them, or -1 */
	bool lapic_live;		/* enabled in software, or x2APIC */
	unsigned int hints;
	bool chips;			/* the step may have written the APICs' registers */
	bool irq;			/* ... may have taken an interrupt (IF set) */
};

/* Why a move in the log ended (replay.c). */
enum rec_end {
	REC_END_STEP,		/* the step asked for is done */
	REC_END_BP,		/* at a breakpoint (bp) */
	REC_END_WATCH,		/* an entry wrote watched memory (watch) */
	REC_END_BEGIN,		/* at the start of the log: replaylog:begin */
	REC_END_LIVE,		/* at the end of the log: the guest runs live from here */
	REC_END_INTERRUPT,	/* stop_asked said so */
	REC_END_FAULT,		/* KVM refused the registers (msg) */
};

struct rec_result {
	enum rec_end end;
	struct bp *bp;
	const struct watch *watch;
	bool moved;		/* at least one instruction was undone or redone */
	char msg[160];
};

/* devs (or NULL) and kvm_fd (or -1): the parts besides the vCPU's registers. */
void record__init(struct recorder *r, struct memory *mem, struct bp_manager *bpm,
		  struct watch_manager *wm, struct devices *devs, int kvm_fd, FILE *log);
void record__free(struct recorder *r);
/* Start recording from the state of c (parked) now: 0, or -errno with why. */
int record__start(struct recorder *r, struct cpu *c, char *msg, size_t len);
/* Stop and forget the log (the machine stays where it is: in the past,
 * that is where the guest goes on, every part as it was there). */
void record__stop(struct recorder *r, struct cpu *c);
/* The machine changed under the log (a reset, a snapshot restored): the
 * log is forgotten and recording, if on, starts again from c's state. */
int record__rebase(struct recorder *r, struct cpu *c, char *msg, size_t len);
/* The limits: instructions (bytes false) or bytes.  0 or -EINVAL. */
int record__limit(struct recorder *r, uint64_t n, bool bytes, char *msg, size_t len);
/* monitor record status: how far back the log reaches, what it costs. */
void record__status(const struct recorder *r, char *msg, size_t len);
/* The linear pc of regs, s: RIP in 64-bit mode, else CS.base + rIP in 4 GiB. */
static inline uint64_t record__pc(const struct kvm_regs *regs, const struct kvm_sregs *s)
{
	if ((s->efer & X86_EFER_LMA) && s->cs.l)
		return regs->rip;
	return (s->cs.base + regs->rip) & 0xFFFFFFFFull;
}
/* In the past (somewhere before the end of the log). */
static inline bool record__past(const struct recorder *r)
{
	return r->on && r->pos < r->count;
}

/*
 * After an instruction (or between runs: kind REC_EDIT), at the end of the
 * log: what changed since the last note becomes an entry (none when
 * nothing did).  Out of memory stops recording (why_off says so); a note
 * past a limit drops the oldest entries.  0 or -errno.
 */
int record__note(struct recorder *r, struct cpu *c, enum rec_kind kind);
/*
 * Before a move in the log: at its end, gdb's writes since the last stop
 * become an edit entry; in the past, whatever wrote guest memory since
 * the last move (KVM_TRANSLATE sets the accessed bits of the guest's
 * page tables as it walks them for gdb's reads) is put back as the log
 * says the memory was there: the past does not change.
 */
void record__settle(struct recorder *r, struct cpu *c);
/*
 * Before a recorded step: when paging is off (no accessed bits the page
 * walker writes) and the instruction at the pc is one of the
 * register-only ones the daemon can execute itself (cpu/insn.c), the
 * registers it will leave.  A note that finds exactly those (and the
 * system registers unchanged: no interrupt, no exception delivered) knows
 * memory was not written and asks KVM for no dirty log; anything else
 * takes the log as always.
 */
void record__predict(struct recorder *r);
/*
 * Before a recorded step (hints: REC_HINT_*, from the decoded
 * instruction), and during it (an exit to a device): what it may change
 * besides registers and memory.  Before port I/O, what the devices did by
 * themselves since they were last read becomes a REC_DEV entry.
 */
void record__hint(struct recorder *r, unsigned int hints, struct cpu *c);
/* Put the vCPU's parts and the irqchip (devices too: the rest) in the
 * machine as they are at pos.  0, or -errno with why. */
int record__load_parts(struct recorder *r, struct cpu *c, bool devices, char *msg, size_t len);
/*
 * The local APIC's registers (KVM_GET_LAPIC's regs[], KVM_APIC_REG_SIZE
 * bytes, the offsets of the xAPIC page) as the last note took them, when
 * the LAPIC is in use (enabled in software, or in x2APIC mode) and the
 * log is at its end; NULL otherwise (not recording, in the past, no
 * in-kernel irqchip, the LAPIC off).  The run loop takes the vectors it
 * may deliver from it.
 */
const uint8_t *record__lapic(const struct recorder *r);
/* What the next stop should say (the oldest dropped, recording stopped),
 * once; "" when nothing. */
void record__tell(struct recorder *r, char *buf, size_t len);

/* replay.c: move in the log as how asks (reverse, or forward in the
 * past), c's registers set to the state there at the end.  stop_asked
 * is polled now and then (gdb's Ctrl-C). */
void record__move(struct recorder *r, struct cpu *c, const struct target_resume *how,
		  bool (*stop_asked)(void *ctx), void *ctx, struct rec_result *res);

/* replay_reads.c: read and access watchpoints in a move.  Whether one is
 * set (else a move decodes nothing); the first one instruction e reads
 * (REC_INSN, with the recorder at the state before it), or NULL; an
 * instruction the decoder cannot follow counts as a read, res->msg says
 * so.  record__walk: lin to guest-physical with s's page tables as the
 * log has them at its position, 0 or -EFAULT. */
struct rec_hdr;
bool record__reads_wanted(const struct recorder *r);
const struct watch *record__reads(struct recorder *r, const struct rec_hdr *e,
				  struct rec_result *res);
int record__walk(const struct recorder *r, const struct kvm_sregs *s, uint64_t lin,
		 uint64_t *phys);
/* Whether the instruction about to be noted (at r->regs, r->sregs, with
 * the shadow as memory before it) may write the local APIC's or the I/O
 * APIC's registers: KVM serves those itself, no exit, no dirty page. */
bool record__writes_chips(const struct recorder *r);

/* Entry encoding, for replay.c and the unit test. */
struct rec_hdr {
	uint32_t size;			/* the whole entry, this header included */
	uint8_t kind;			/* enum rec_kind */
	uint8_t pad;
	uint16_t nspans;
	uint32_t rmask;			/* kvm_regs' changed words */
	uint16_t nfpu;			/* struct target_fpu's changed words, after the spans */
	uint16_t nparts;		/* the parts' changed words, after those */
	uint64_t smask;			/* kvm_sregs' changed words */
};
struct rec_span {
	uint32_t page;
	uint16_t off, len;		/* then len bytes: old XOR new */
};
/* A changed word of a part: (part << 24 | word) as 4 bytes, the XOR as 8. */
#define REC_PART_PAIR	12
#define REC_RWORDS	(sizeof(struct kvm_regs) / 8)
#define REC_SWORDS	(sizeof(struct kvm_sregs) / 8)
_Static_assert(REC_RWORDS <= 32 && REC_SWORDS <= 64, "register masks too small");

/* Entry k (0 .. count-1) of the log. */
static inline const struct rec_hdr *record__entry(const struct recorder *r, uint64_t k)
{
	return (const struct rec_hdr *)(r->buf + r->off[r->head + k]);
}
/* Apply entry e to regs, sregs, memory and r->cur_fpu (undo and redo are
 * the same XOR). */
void record__apply(struct recorder *r, const struct rec_hdr *e, struct kvm_regs *regs,
		   struct kvm_sregs *sregs);

#endif
