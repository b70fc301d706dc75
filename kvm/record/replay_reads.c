/*
 * replay_reads.c - read and access watchpoints (rwatch, awatch) in the
 * record log (record.h), for replay.c's moves.
 *
 * The log holds what each instruction wrote, never what it read.  So while
 * a move crosses instructions with a read or access watchpoint set, each
 * one is decoded (cpu/insn_access.h) with the state before it: the
 * recorder's registers (going back: after undoing the entry; forward:
 * before redoing it) and guest memory as the log has it there.  That
 * memory is the shadow (record.c), which the move keeps equal to the
 * past entry by entry, our int3s hidden: the instruction's bytes, the
 * page tables and any descriptor or gate the decoder asks for are the
 * past's.  A hit is decided as for a live watchpoint served by stepping
 * (watch_step__hit): an access the decoder is sure of, of the watch's
 * kind, on its linear range.
 *
 * Linear to physical is a page walk of our own over the shadow, not
 * KVM_TRANSLATE: that walks with the vCPU's CR3 in KVM (the end of the
 * move's, not the past's), costs an ioctl per page, and sets accessed bits
 * in the guest's tables, which would change the past under the move.
 * The walk follows the present bits only (no permissions: a read the
 * tables refuse faults, and a faulting instruction's listed accesses count
 * live as well); 32-bit (4 MiB pages with CR4.PSE), PAE and 4- or 5-level
 * long-mode tables.  A TLB entry the guest left stale is not modelled.
 *
 * The decoder's answers, and what they mean here:
 *   - a list: as above.  INSN_MAYBE accesses do not count, as live, with
 *     one exception: a rep string instruction is logged one turn (or the
 *     turns KVM ran in one step) an entry, and its turns are known from
 *     the entry (rCX before and after), so it is decoded with rCX = those
 *     turns; then every listed turn was made, repe/repne's "maybe" ones
 *     too.  Without that, each turn before the one that reads the watched
 *     bytes would seem to read them (the decoder lists all rCX turns left).
 *   - -EILSEQ (#UD) and -ENODATA (the bytes cannot all be fetched: the
 *     fetch faulted): the instruction read nothing, no stop.
 *   - any other error (an instruction not modelled: xsave, AVX-512, ...;
 *     a task switch): it may have read anything.  The move stops there, at
 *     the first read or access watchpoint, and the stop's message says
 *     why: a debugger user hunting a read would rather stop once too often
 *     than run past it.  (Live, watch_step.c cannot see such a read and
 *     does not stop: the two differ only at such instructions.)
 *
 * Not seen, as live: reads by the CPU for itself (event delivery's
 * descriptor reads, page walks), an access through another linear mapping
 * of the watched bytes with paging on.  An entry where an interrupt was
 * delivered before the instruction counts the instruction's accesses.
 */
#include "record.h"

#include <errno.h>
#include <string.h>

#include "../cpu/insn_access.h"
#include "../debug/watch_step.h"

#define CR4_PSE		(1ull << 4)
#define CR4_PAE		(1ull << 5)
#define CR4_LA57	(1ull << 12)
#define PTE_P		0x001ull
#define PTE_PS		0x080ull
#define PTE_ADDR	0x000FFFFFFFFFF000ull	/* bits 51-12 */
#define RCX_WORD	2			/* kvm_regs: rax, rbx, rcx, ... */

/* len bytes of guest-physical memory as the log has them at its position. */
static int read_phys(const struct recorder *r, uint64_t gpa, void *buf, size_t len)
{
	uint8_t *out = buf;

	while (len) {
		const uint8_t *host = memory__host(r->mem, gpa, NULL);
		uint64_t i, off;
		size_t n;

		if (!host)
			return -EFAULT;
		i = memory__page_index(r->mem, host);
		if (i >= r->nr_pages)
			return -EFAULT;
		off = (uint64_t)(host - memory__page(r->mem, i));
		n = MEM_PAGE - off < len ? (size_t)(MEM_PAGE - off) : len;
		memcpy(out, r->shadow + i * MEM_PAGE + off, n);
		out += n;
		gpa += n;
		len -= n;
	}
	return 0;
}

/* The guest-physical address of lin with s's paging, over the log's
 * memory; -EFAULT where nothing is mapped. */
int record__walk(const struct recorder *r, const struct kvm_sregs *s, uint64_t lin,
		 uint64_t *phys)
{
	uint64_t table, e = 0;
	int shift;

	if (!(s->cr0 & X86_CR0_PG)) {
		*phys = lin & 0xFFFFFFFFull;
		return 0;
	}
	if (!(s->cr4 & CR4_PAE)) {
		uint32_t pde, pte;

		lin &= 0xFFFFFFFFull;
		if (read_phys(r, (s->cr3 & 0xFFFFF000ull) + (lin >> 22) * 4, &pde, 4) < 0 ||
		    !(pde & PTE_P))
			return -EFAULT;
		if ((pde & PTE_PS) && (s->cr4 & CR4_PSE)) {
			*phys = (pde & 0xFFC00000ull) | ((uint64_t)((pde >> 13) & 0xFF) << 32) |
				(lin & 0x3FFFFFull);
			return 0;
		}
		if (read_phys(r, (pde & 0xFFFFF000ull) + ((lin >> 12) & 0x3FF) * 4, &pte, 4) < 0 ||
		    !(pte & PTE_P))
			return -EFAULT;
		*phys = (pte & 0xFFFFF000ull) | (lin & 0xFFF);
		return 0;
	}
	if (s->efer & X86_EFER_LMA) {
		shift = s->cr4 & CR4_LA57 ? 48 : 39;
		table = s->cr3 & PTE_ADDR;
	} else {
		/* PAE: four PDPTEs at CR3 (the CPU loads them with CR3; the log
		 * has the memory, which is what they were loaded from). */
		lin &= 0xFFFFFFFFull;
		if (read_phys(r, (s->cr3 & 0xFFFFFFE0ull) + (lin >> 30) * 8, &e, 8) < 0 ||
		    !(e & PTE_P))
			return -EFAULT;
		shift = 21;
		table = e & PTE_ADDR;
	}
	for (;; shift -= 9) {
		if (read_phys(r, table + ((lin >> shift) & 511) * 8, &e, 8) < 0 || !(e & PTE_P))
			return -EFAULT;
		if (shift == 12 || ((e & PTE_PS) && shift <= 30)) {
			uint64_t in_page = (1ull << shift) - 1;

			*phys = (e & PTE_ADDR & ~in_page) | (lin & in_page);
			return 0;
		}
		table = e & PTE_ADDR;
	}
}

/* What the decoder reads through: linear memory of the log's past. */
struct past {
	const struct recorder *r;
	const struct kvm_sregs *s;
};

/* Up to len bytes at linear lin: how many could be read (0 at a fault). */
static size_t read_lin(const struct past *p, uint64_t lin, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		uint64_t at = lin + done, phys;
		size_t n = MEM_PAGE - (at & (MEM_PAGE - 1));

		if (n > len - done)
			n = len - done;
		if (record__walk(p->r, p->s, at, &phys) < 0 ||
		    read_phys(p->r, phys, (uint8_t *)buf + done, n) < 0)
			break;
		done += n;
	}
	return done;
}

static int read_cb(void *ctx, uint64_t lin, void *buf, size_t len)
{
	return read_lin(ctx, lin, buf, len) == len ? 0 : -EFAULT;
}

bool record__reads_wanted(const struct recorder *r)
{
	for (int k = 0; k < r->wm->nr; k++)
		if (r->wm->ws[k].kind != BP_WATCH_WRITE)
			return true;
	return false;
}

/* The XOR entry e makes on kvm_regs' word w (0 when it leaves it). */
static uint64_t reg_xor(const struct rec_hdr *e, int w)
{
	const uint8_t *p = (const uint8_t *)e + sizeof(*e);
	uint64_t x;

	if (!(e->rmask & (1u << w)))
		return 0;
	memcpy(&x, p + 8 * __builtin_popcount(e->rmask & ((1u << w) - 1)), 8);
	return x;
}

/*
 * If code[] is a rep string instruction (F2 or F3 before ins, outs, movs,
 * cmps, stos, lods, scas), its address size's mask of rCX; else 0.
 */
static uint64_t rep_string(const uint8_t *code, size_t n, const struct kvm_sregs *s,
			   const struct kvm_regs *regs)
{
	bool l64 = (s->efer & X86_EFER_LMA) && s->cs.l;
	bool v86 = (s->cr0 & X86_CR0_PE) && !(s->efer & X86_EFER_LMA) && (regs->rflags & (1ull << 17));
	bool a32 = !v86 && s->cs.db;	/* as the decoder has it */
	bool rep = false, p67 = false;

	for (size_t i = 0; i < n; i++) {
		uint8_t b = code[i];

		switch (b) {
		case 0xF2: case 0xF3:
			rep = true;
			continue;
		case 0x67:
			p67 = true;
			continue;
		case 0x26: case 0x2E: case 0x36: case 0x3E: case 0x64: case 0x65:
		case 0x66: case 0xF0:
			continue;
		}
		if (l64 && (b & 0xF0) == 0x40)
			continue;	/* REX */
		if (!rep || !((b >= 0x6C && b <= 0x6F) || (b >= 0xA4 && b <= 0xA7) ||
			      (b >= 0xAA && b <= 0xAF)))
			return 0;
		if (l64)
			return p67 ? 0xFFFFFFFFull : ~0ull;
		return a32 != p67 ? 0xFFFFFFFFull : 0xFFFFull;
	}
	return 0;
}

const struct watch *record__reads(struct recorder *r, const struct rec_hdr *e,
				  struct rec_result *res)
{
	const struct kvm_sregs *s = &r->cur_sregs;
	const struct past p = { .r = r, .s = s };
	const struct insn_mem via = { .read = read_cb, .ctx = (void *)&p };
	struct insn_access acc[INSN_ACCESS_MAX];
	struct kvm_regs regs;
	const struct kvm_regs *before = &r->cur_regs;
	uint64_t pc, amask;
	uint8_t code[15];
	size_t n;
	int nacc, len;

	if (e->kind != REC_INSN)
		return NULL;
	pc = record__pc(before, s);
	n = read_lin(&p, pc, code, sizeof(code));
	if (!n)
		return NULL;	/* the fetch faulted: nothing read */
	amask = rep_string(code, n, s, before);
	if (amask) {
		/* This entry's turns: rCX before less rCX after. */
		uint64_t after = before->rcx ^ reg_xor(e, RCX_WORD);

		regs = *before;
		regs.rcx = (regs.rcx & ~amask) | ((before->rcx - after) & amask);
		before = &regs;
	}
	nacc = insn__accesses_mem(code, n, before, s, &via, acc, INSN_ACCESS_MAX, &len);
	if (nacc == -EILSEQ || nacc == -ENODATA)
		return NULL;
	for (int k = 0; nacc < 0 && k < r->wm->nr; k++) {
		const struct watch *w = &r->wm->ws[k];

		if (w->kind == BP_WATCH_WRITE)
			continue;
		snprintf(res->msg, sizeof(res->msg), "kvmstub: the instruction at %#llx is one "
			 "the decoder cannot follow (%s): it may read the watched bytes, so "
			 "the move through the log stops at it", (unsigned long long)pc, strerror(-nacc));
		return w;
	}
	if (amask)
		for (int a = 0; a < nacc; a++)
			if (!(acc[a].rw & INSN_SYS))
				acc[a].rw &= (uint8_t)~INSN_MAYBE;	/* the turns made */
	for (int k = 0; k < r->wm->nr; k++) {
		const struct watch *w = &r->wm->ws[k];

		if (w->kind == BP_WATCH_WRITE)
			continue;
		for (int a = 0; a < nacc; a++)
			if (watch_step__hit(w, &acc[a], s->cr0 & X86_CR0_PG))
				return w;
	}
	return NULL;
}

/* The in-kernel I/O APIC's registers (KVM's fixed address). */
#define IOAPIC_PAGE	0xFEC00000ull

static bool in_chip_page(uint64_t phys, uint64_t apic_page)
{
	phys &= ~(uint64_t)(MEM_PAGE - 1);
	return phys == apic_page || phys == IOAPIC_PAGE;
}

bool record__writes_chips(const struct recorder *r)
{
	const struct kvm_sregs *s = &r->sregs;
	const struct past p = { .r = r, .s = s };
	const struct insn_mem via = { .read = read_cb, .ctx = (void *)&p };
	struct insn_access acc[INSN_ACCESS_MAX];
	uint64_t apic_page = s->apic_base & ~(uint64_t)(MEM_PAGE - 1);
	struct kvm_regs regs = r->regs;
	uint64_t amask;
	uint8_t code[15];
	size_t n;
	int len, k;

	n = read_lin(&p, record__pc(&regs, s), code, sizeof(code));
	/* A rep string instruction is recorded a turn a step (run_arm.c). */
	amask = rep_string(code, n, s, &regs);
	if (amask && (regs.rcx & amask) > 1)
		regs.rcx = (regs.rcx & ~amask) | 1;
	k = insn__accesses_mem(code, n, &regs, s, &via, acc, INSN_ACCESS_MAX, &len);
	if (k == -EILSEQ || (k == -ENODATA && n == 0))
		return false;	/* #UD, or no code there: it writes nothing */
	if (k < 0)
		return true;	/* it may write anything */
	for (int i = 0; i < k; i++) {
		uint64_t first, last;

		if (!(acc[i].rw & INSN_W))
			continue;
		if (acc[i].len > MEM_PAGE)
			return true;	/* more than a turn: say it may */
		if (record__walk(r, s, acc[i].lin, &first) == 0 && in_chip_page(first, apic_page))
			return true;
		if (record__walk(r, s, acc[i].lin + acc[i].len - 1, &last) == 0 &&
		    in_chip_page(last, apic_page))
			return true;
	}
	return false;
}
