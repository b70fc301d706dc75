/*
 * step.c - what one single step means, whatever the host's KVM does.
 *
 * gdb's stepi is the CPU's trap flag: one instruction, then a stop before
 * the next one to execute.  KVM_GUESTDBG_SINGLESTEP gives that for plain
 * instructions; for the others kvmstub decides, on every host:
 *  - An exception the instruction raises (ud2, int N, int3, into, div, a
 *    #GP or #PF): the step stops at the handler's first instruction, none
 *    of it executed.  KVM's emulator (hosts without VMX/SVM) delivers a
 *    fault and then executes one handler instruction before its single-step
 *    exit; on VMX/SVM the delivery clears TF and the handler would run
 *    untraced.  So each step puts execute breakpoints (free debug registers)
 *    on the IDT/IVT entry points of the vectors the instruction can raise.
 *  - rep movs/stos/cmps/scas/lods/ins/outs: one iteration, as the CPU
 *    takes its single-step trap between iterations (the pc stays on the
 *    rep with the count register one lower).  KVM does not stop there on
 *    every host (its emulator runs batches of iterations, and I/O string
 *    instructions as one exit of many), so kvmstub makes it so on every
 *    host: the step runs the instruction with a count of 1, then puts the
 *    count the CPU would have, and the pc back on the rep while
 *    iterations remain (step__rep_end).  Interrupts stay out of such a
 *    step.  monitor step-rep whole keeps the older behaviour: the whole
 *    instruction in one stepi (a step that ends on its rep steps again).
 *  - hlt: the vCPU runs (no single step, interrupts allowed) until the
 *    instruction after the hlt: with IF = 1 the next interrupt wakes it and
 *    its handler runs in full; with IF = 0 it is the "hlt with interrupts
 *    disabled" stop, as for a continue.  (Single-stepping a hlt on this
 *    host's emulator leaves a half-done halt that stops the next continue.)
 *  - fxsave, fxrstor, xsave, xrstor and their kin: kvm-pvm emulates them
 *    without the single-step trap, so a stepi ran on to the next
 *    instruction the CPU itself executes (three fxsaves and a nop in one
 *    step; found by the lockstep test on guests/fpu.bin).  The step puts
 *    an execute breakpoint after them too, on every host: where the trap
 *    comes, it comes first.
 *  - The guest's own TF (set with popf or iret): KVM hides TF while it
 *    steps and would drop it, so kvmstub keeps the guest's TF itself
 *    (struct cpu's guest_tf) and delivers the guest's #DB after the next instruction
 *    (KVM_GUESTDBG_INJECT_DB), stopping at its handler's first instruction.
 */
#include "step.h"

#include <string.h>

#include "dregs.h"

#define RFLAGS_TF	0x100ull
#define DR6_BS		0x4000ull	/* single-step */
#define VEC_DE		0
#define VEC_DB		1
#define VEC_BP		3
#define VEC_OF		4
#define VEC_UD		6
#define VEC_GP		13
#define VEC_PF		14
#define MAX_INSN	15

/* Read guest memory at a linear address, as the CPU sees it now. */
static bool rd(const struct dview *d, uint64_t lin, void *buf, size_t len)
{
	return bp__access(d->bpm, d->cpu, d->mem, TARGET_LINEAR, lin, buf, len, false) ==
	       (ssize_t)len;
}

static uint64_t le(const uint8_t *p, int n)
{
	uint64_t x = 0;

	while (n-- > 0)
		x = x << 8 | p[n];
	return x;
}

/* The linear address where vector vec's handler starts, or false. */
static bool gate_target(const struct dview *dv, const struct kvm_sregs *s, int vec,
			uint64_t *lin)
{
	uint8_t g[16], d[8];
	uint64_t off;
	uint16_t sel;

	if (!(s->cr0 & X86_CR0_PE)) {		/* real mode: IVT, 4 bytes IP:CS */
		if ((uint64_t)vec * 4 + 3 > s->idt.limit || !rd(dv, s->idt.base + vec * 4, g, 4))
			return false;
		*lin = (le(g + 2, 2) << 4) + le(g, 2);
		return true;
	}
	if (s->efer & X86_EFER_LMA) {		/* long mode: 16-byte gates, flat CS */
		if ((uint64_t)vec * 16 + 15 > s->idt.limit || !rd(dv, s->idt.base + vec * 16, g, 16))
			return false;
		if (!(g[5] & 0x80))
			return false;
		*lin = le(g, 2) | le(g + 6, 2) << 16 | le(g + 8, 4) << 32;
		return true;
	}
	if ((uint64_t)vec * 8 + 7 > s->idt.limit || !rd(dv, s->idt.base + vec * 8, g, 8))
		return false;
	if (!(g[5] & 0x80) || (g[5] & 0x07) == 0x05)	/* not present, or a task gate */
		return false;
	off = le(g, 2);
	if (g[5] & 0x08)			/* 32-bit gate */
		off |= le(g + 6, 2) << 16;
	sel = (uint16_t)le(g + 2, 2);
	if (sel & 4 || (uint64_t)(sel & ~7) + 7 > s->gdt.limit || !rd(dv, s->gdt.base + (sel & ~7), d, 8))
		return false;			/* LDT selectors: not followed */
	*lin = ((le(d + 2, 3) | (uint64_t)d[7] << 24) + off) & 0xFFFFFFFFull;
	return true;
}

static bool is_string_op(uint8_t op)
{
	return (op >= 0xA4 && op <= 0xA7) || (op >= 0xAA && op <= 0xAF) ||
	       (op >= 0x6C && op <= 0x6F);
}

/* The base of the code segment selector sel names in the GDT. */
static bool code_base(const struct dview *d, const struct kvm_sregs *s, uint16_t sel,
		      uint64_t *base)
{
	uint8_t desc[8];

	if (sel & 4 || (uint64_t)(sel & ~7) + 7 > s->gdt.limit ||
	    !rd(d, s->gdt.base + (sel & ~7), desc, 8))
		return false;			/* LDT selectors: not followed */
	*base = le(desc + 2, 3) | (uint64_t)desc[7] << 24;
	return true;
}

/* An iret's target, from the IP and CS at the top of the stack. */
static void iret_target(const struct dview *d, const struct kvm_sregs *s, uint64_t top,
			int width, struct step_insn *si)
{
	uint8_t ip[8], cs[2];
	uint64_t base;

	if (!rd(d, top, ip, (size_t)width) || !rd(d, top + (uint64_t)width, cs, 2))
		return;
	if (!(s->cr0 & X86_CR0_PE))
		base = le(cs, 2) << 4;
	else if (!code_base(d, s, (uint16_t)le(cs, 2), &base))
		return;
	si->next = base + le(ip, width);
	if (!(s->efer & X86_EFER_LMA))
		si->next &= 0xFFFFFFFFull;
	si->has_next = true;
}

/* The bytes of a ModRM operand (ModRM, SIB, displacement) at m. */
static int modrm_len(const uint8_t *m, int addr_bits)
{
	int mod = m[0] >> 6, rm = m[0] & 7;

	if (addr_bits == 16)
		return 1 + (mod == 1 ? 1 : mod == 2 || (mod == 0 && rm == 6) ? 2 : 0);
	if (mod == 3)
		return 1;
	if (rm == 4)
		return 2 + (mod == 1 ? 1 : mod == 2 || (mod == 0 && (m[1] & 7) == 5) ? 4 : 0);
	return 1 + (mod == 1 ? 1 : mod == 2 || (mod == 0 && rm == 5) ? 4 : 0);
}

/* 0F AE /0 /1 /4 /5 /6 (fxsave, fxrstor, xsave, xrstor, xsaveopt) and
 * 0F C7 /3 /4 /5 (xrstors, xsavec, xsaves), memory forms: the x87 and SSE
 * state moved whole. */
static bool is_fpu_state_op(const uint8_t *b)
{
	int reg = (b[1] >> 3) & 7;

	if ((b[1] >> 6) == 3)
		return false;
	if (b[0] == 0xAE)
		return reg == 0 || reg == 1 || reg == 4 || reg == 5 || reg == 6;
	return b[0] == 0xC7 && reg >= 3 && reg <= 5;
}

/* Decode what matters of the instruction at the pc, before it runs. */
static void decode(const struct dview *d, const struct kvm_regs *r, const struct kvm_sregs *s,
		   struct step_insn *si)
{
	uint8_t b[MAX_INSN];
	bool lm = s->cs.l && (s->efer & X86_EFER_LMA);
	bool opsize = false, rexw = false, adsize = false;
	int i = 0, width;
	uint8_t fl[8];

	if (!rd(d, si->pc, b, sizeof(b)))
		return;
	for (; i < MAX_INSN - 2; i++) {
		uint8_t p = b[i];

		if (p == 0x66)
			opsize = true;
		else if (p == 0x67)
			adsize = true;
		else if (p == 0xF2 || p == 0xF3)
			si->rep = p;
		else if (p == 0xF0 || p == 0x2E || p == 0x36 || p == 0x3E ||
			 p == 0x26 || p == 0x64 || p == 0x65)
			;
		else if (lm && (p & 0xF0) == 0x40)
			rexw = p & 8;
		else
			break;
	}
	si->op = b[i];
	si->len = (uint8_t)(i + 1);
	si->known = true;
	si->vec = -1;
	switch (si->op) {
	case 0x0F:
		if (b[i + 1] == 0x0B || b[i + 1] == 0xB9 || b[i + 1] == 0xFF)
			si->vec = VEC_UD;
		/* wrmsr, swapgs (the kernel GS base) */
		si->writes_msr = b[i + 1] == 0x30 || (b[i + 1] == 0x01 && b[i + 2] == 0xF8);
		if (i + 2 < MAX_INSN - 6 && is_fpu_state_op(b + i + 1)) {
			int bits = lm ? (adsize ? 32 : 64) : (s->cs.db != 0) != adsize ? 32 : 16;

			si->next = si->pc + (uint64_t)(i + 2 + modrm_len(b + i + 2, bits));
			if (!lm)
				si->next &= 0xFFFFFFFFull;
			si->has_next = si->lost_trap = true;
		}
		break;
	case 0xCD: si->vec = b[i + 1]; break;
	case 0xCC: si->vec = VEC_BP; break;
	case 0xCE: si->vec = lm ? VEC_UD : VEC_OF; break;
	case 0xF1: si->vec = VEC_DB; break;
	case 0xF6:
	case 0xF7:
		if (((b[i + 1] >> 3) & 7) >= 6)
			si->vec = VEC_DE;	/* div, idiv */
		break;
	case 0x9D:	/* popf: the flags it pops, at SS:SP */
	case 0xCF:	/* iret: IP, CS, FLAGS: flags are the third item */
		width = lm ? (si->op == 0x9D ? (opsize ? 2 : 8) : (rexw ? 8 : opsize ? 2 : 4))
			   : ((s->cs.db != 0) != opsize ? 4 : 2);
		{
			uint64_t sp = r->rsp & (lm ? ~0ull : s->ss.db ? 0xFFFFFFFFull : 0xFFFFull);
			uint64_t at = s->ss.base + sp + (si->op == 0xCF ? 2 * width : 0);

			if (rd(d, at, fl, (size_t)width)) {
				si->sets_flags = true;
				si->new_tf = fl[1] & 1;
			}
			/* Where it goes: after popf, the next instruction; after
			 * iret, the CS:IP it pops. */
			if (si->op == 0x9D) {
				si->next = si->pc + si->len;
				si->has_next = true;
			} else {
				iret_target(d, s, s->ss.base + sp, width, si);
			}
		}
		break;
	}
	si->port_io = (si->op >= 0xE4 && si->op <= 0xE7) || (si->op >= 0xEC && si->op <= 0xEF) ||
		      (si->op >= 0x6C && si->op <= 0x6F);
	si->rep_string = si->rep && is_string_op(si->op);
	/* The count register is as wide as the address size: CX, ECX or RCX. */
	width = lm ? (adsize ? 32 : 64) : (s->cs.db != 0) != adsize ? 32 : 16;
	si->count_mask = width == 64 ? ~0ull : (1ull << width) - 1;
}

/* Write the registers for the next run (the stepped rep's count). */
static bool wr(const struct dview *d, const struct kvm_regs *r)
{
	return cpu__set_kregs(d->cpu, r) == 0;
}

/* A rep string instruction with iterations left: run one.  (KVM's
 * emulator may stop on the rep with the count at 0, the instruction
 * ending at its next step; rep_end finishes it then.) */
static void rep_one(const struct dview *d, const struct kvm_regs *r, struct step_insn *si,
		    struct kvm_guest_debug *dbg)
{
	struct kvm_regs one = *r;
	uint64_t n = r->rcx & si->count_mask;

	if (n == 0)
		return;		/* no iteration: the step goes past it */
	one.rcx = (r->rcx & ~si->count_mask) | 1;
	if (n > 1 && !wr(d, &one))
		return;
	si->rep_trick = true;
	si->rep_count = n;
	si->rip = r->rip;
	/* An interrupt between this iteration and the trap would push the
	 * pc after the rep; the next step takes it. */
	if (d->so->blockirq)
		dbg->control |= KVM_GUESTDBG_BLOCKIRQ;
}

/* cmps and scas end a repe early on a difference, a repne on equality. */
static bool rep_ends_early(const struct step_insn *si, uint64_t rflags)
{
	bool cmp = si->op == 0xA6 || si->op == 0xA7 || si->op == 0xAE || si->op == 0xAF;
	bool zf = rflags & 0x40;

	return cmp && (si->rep == 0xF3 ? !zf : zf);
}

bool step__rep_single(const struct dview *d, struct step_insn *si, struct kvm_guest_debug *dbg)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	memset(si, 0, sizeof(*si));
	si->vec = -1;
	if (cpu__regs(d->cpu, &r) < 0 || cpu__sregs(d->cpu, &s) < 0)
		return false;
	si->pc = s.cs.base + r.rip;
	if (!(s.efer & X86_EFER_LMA))
		si->pc &= 0xFFFFFFFFull;
	decode(d, &r, &s, si);
	if (si->known && si->rep_string)
		rep_one(d, &r, si, dbg);
	return si->rep_trick;
}

bool step__at_rep(const struct dview *d)
{
	struct step_insn si;
	struct kvm_regs r;
	struct kvm_sregs s;

	memset(&si, 0, sizeof(si));
	if (cpu__regs(d->cpu, &r) < 0 || cpu__sregs(d->cpu, &s) < 0)
		return false;
	si.pc = s.cs.base + r.rip;
	if (!(s.efer & X86_EFER_LMA))
		si.pc &= 0xFFFFFFFFull;
	decode(d, &r, &s, &si);
	return si.known && si.rep_string && (r.rcx & si.count_mask) != 0;
}

bool step__rep_finish(const struct dview *d)
{
	struct step_insn si;
	struct kvm_regs r;
	struct kvm_sregs s;

	if (cpu__regs(d->cpu, &r) < 0 || cpu__sregs(d->cpu, &s) < 0)
		return false;
	memset(&si, 0, sizeof(si));
	si.pc = s.cs.base + r.rip;
	if (!(s.efer & X86_EFER_LMA))
		si.pc &= 0xFFFFFFFFull;
	decode(d, &r, &s, &si);
	if (!si.known || !si.rep_string || (r.rcx & si.count_mask) != 0)
		return false;
	r.rip += si.len;
	return wr(d, &r);
}

bool step__rep_end(const struct dview *d, struct step_insn *si)
{
	struct kvm_regs r;
	uint64_t left;

	if (!si->rep_trick)
		return false;
	si->rep_trick = false;
	if (cpu__regs(d->cpu, &r) < 0)
		return false;
	if ((r.rcx & si->count_mask) != 0) {
		/* Not run (an event came first, or a kick): as it was. */
		r.rcx = (r.rcx & ~si->count_mask) | si->rep_count;
	} else {
		left = si->rep_count - 1;
		r.rcx = (r.rcx & ~si->count_mask) | left;
		if (r.rip == si->rip || r.rip == si->rip + si->len)	/* else in a handler */
			r.rip = left && !rep_ends_early(si, r.rflags) ?
				si->rip :		/* more to do: the trap comes on the rep */
				si->rip + si->len;	/* done */
	}
	return wr(d, &r);
}

/* An execute breakpoint at lin in a free debug register, unless it is
 * the pc (it would fire before the step starts). */
static bool add_dr(struct kvm_guest_debug *dbg, uint64_t lin, uint64_t pc)
{
	return lin != pc && dregs__add_exec(dbg, lin);
}

void step__begin(const struct dview *d)
{
	struct kvm_regs r;

	/* KVM shows the guest's own TF only while it is not stepping itself. */
	if (!d->cpu->kvm_steps && cpu__regs(d->cpu, &r) >= 0)
		d->cpu->guest_tf = r.rflags & RFLAGS_TF;
}

/* The handlers of the interrupts that may come: where the run stops. */
static void add_irqs(const struct dview *d, const struct kvm_sregs *s, uint64_t pc,
		     const int *irq_vecs, int nirq, struct kvm_guest_debug *dbg)
{
	uint64_t h;

	for (int i = 0; i < nirq; i++)
		if (gate_target(d, s, irq_vecs[i], &h))
			add_dr(dbg, h, pc);
}

void step__arm(const struct dview *d, bool per_iteration, struct step_insn *si,
	       struct kvm_guest_debug *dbg, const int *irq_vecs, int nirq)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	uint64_t h;

	memset(si, 0, sizeof(*si));
	si->vec = -1;
	si->guest_tf = d->cpu->guest_tf;
	si->injecting = d->owed->inject_db;
	if (cpu__regs(d->cpu, &r) < 0 || cpu__sregs(d->cpu, &s) < 0)
		return;
	si->pc = s.cs.base + r.rip;
	if (!(s.efer & X86_EFER_LMA))
		si->pc &= 0xFFFFFFFFull;
	if (!d->owed->inject_db)
		decode(d, &r, &s, si);
	if (si->rep_string && per_iteration && !d->owed->inject_db)
		rep_one(d, &r, si, dbg);
	/* hlt: run, not step (KVM's emulator can leave a stepped hlt half
	 * done); interrupts allowed, as they are what ends a hlt; stop after it. */
	if (si->known && si->op == 0xF4 && !d->owed->inject_db &&
	    add_dr(dbg, si->pc + si->len, si->pc)) {
		dbg->control &= ~(uint32_t)(KVM_GUESTDBG_SINGLESTEP | KVM_GUESTDBG_BLOCKIRQ);
		add_irqs(d, &s, si->pc, irq_vecs, nirq, dbg);
		return;
	}
	/* popf and iret load TF: where the host's single-step trap is lost
	 * with it (long mode here), the next instruction's address stops
	 * the step instead. */
	if (si->has_next)
		add_dr(dbg, si->next, si->pc);
	/* The vectors this instruction raises first, then the common faults. */
	if (d->owed->inject_db && gate_target(d, &s, VEC_DB, &h))
		add_dr(dbg, h, si->pc);
	if (si->vec >= 0 && gate_target(d, &s, si->vec, &h))
		add_dr(dbg, h, si->pc);
	add_irqs(d, &s, si->pc, irq_vecs, nirq, dbg);
	if (gate_target(d, &s, VEC_GP, &h))
		add_dr(dbg, h, si->pc);
	if ((s.cr0 & X86_CR0_PG) && gate_target(d, &s, VEC_PF, &h))
		add_dr(dbg, h, si->pc);
}

bool step__after(const struct dview *d, const struct step_insn *si, uint64_t pc, uint64_t dr6)
{
	/* Else a debug register fired: a handler's entry, or a watchpoint. */
	bool completed = (dr6 & DR6_BS) && !(dr6 & 0xF);

	/* ... or the breakpoint after an instruction whose trap was lost. */
	if (si->lost_trap && pc == si->next && (dr6 & 0xF))
		completed = true;

	if (si->injecting || !completed) {
		/* An event was delivered: TF is clear in the handler. */
		d->cpu->guest_tf = false;
		return false;
	}
	if (si->guest_tf) {
		/* The guest's own single-step trap, owed after this instruction. */
		d->owed->inject_db = true;
		d->cpu->guest_tf = false;
		return true;
	}
	if (si->sets_flags)
		d->cpu->guest_tf = si->new_tf;
	return si->rep_string && d->so->rep_whole && pc == si->pc;
}

bool step__guest_db(const struct dview *d, uint64_t dr6)
{
	if (!(dr6 & DR6_BS))
		return false;
	d->owed->inject_db = true;	/* not our step: the guest's TF; give it back */
	return true;
}

/*
 * Every step: KVM single-steps by setting the trap flag in the guest's
 * EFLAGS; when an interrupt or an exception (a div by zero, ud2, a #GP) is
 * delivered during such a step, the EFLAGS image the CPU pushes for the
 * handler carries that TF, and the handler's iret would turn it on in the
 * guest: a #DB the guest never asked for (found stepping against QEMU's
 * CPU, tests/lockstep).  So after each step, a frame just pushed whose
 * EFLAGS equals the guest's own plus TF (which the guest did not have)
 * gets TF cleared.  Only the
 * frame shapes of interrupt delivery on the same stack are checked:
 * 16-bit FLAGS at SP+4 (real mode), 32-bit EFLAGS at ESP+8 or +12 (after
 * an error code), 64-bit RFLAGS at RSP+16 or +24.
 */
static int step_regs(const struct dview *d, uint64_t *rsp, uint64_t *rflags, uint64_t *ss_base,
		     struct kvm_sregs *sregs)
{
	struct kvm_regs regs;

	if (cpu__regs(d->cpu, &regs) < 0 || cpu__sregs(d->cpu, sregs) < 0)
		return -1;
	*rsp = regs.rsp;
	*rflags = regs.rflags;
	*ss_base = sregs->ss.base;
	return 0;
}

void step__frame_begin(const struct dview *d, struct step_frame *st, bool stepping)
{
	struct kvm_sregs s;

	/* The guest's own #DB, delivered now, pushes its TF. */
	st->guest_tf = d->cpu->guest_tf || d->owed->inject_db;
	st->on = stepping && step_regs(d, &st->rsp, &st->rflags, &st->ss_base, &s) == 0;
}

void step__frame_done(const struct dview *d, struct step_frame *st)
{
	static const unsigned int off16[] = { 4 }, off32[] = { 8, 12 }, off64[] = { 16, 24 };
	const unsigned int *offs;
	unsigned int n, width;
	uint64_t rsp, rflags, ss_base, pushed;
	struct kvm_sregs s;

	if (!st->on || step_regs(d, &rsp, &rflags, &ss_base, &s) < 0)
		return;
	pushed = st->rsp - rsp;
	if (ss_base == st->ss_base && rsp < st->rsp && pushed <= 64 && !st->guest_tf) {
		if (!(s.cr0 & X86_CR0_PE)) {
			offs = off16, n = 1, width = 2;
		} else if (s.efer & X86_EFER_LMA) {
			offs = off64, n = 2, width = 8;
		} else {
			offs = off32, n = 2, width = 4;
		}
		for (unsigned int i = 0; i < n; i++) {
			uint64_t val = 0, mask = width == 8 ? ~0ull : (1ull << (8 * width)) - 1;
			uint64_t addr = ss_base + rsp + offs[i];

			if (offs[i] + width > pushed)
				break;
			if (bp__access(d->bpm, d->cpu, d->mem, TARGET_LINEAR, addr, &val, width, false) != (ssize_t)width)
				break;
			if (!(val & X86_RFLAGS_TF) ||
			    ((val ^ st->rflags) & mask & ~(X86_RFLAGS_TF | X86_RFLAGS_RF)))
				continue;
			val &= ~X86_RFLAGS_TF;
			bp__access(d->bpm, d->cpu, d->mem, TARGET_LINEAR, addr, &val, width, true);
			break;
		}
	}
	st->rsp = rsp;		/* the next step of a range starts here */
	st->rflags = rflags & ~X86_RFLAGS_TF;
	st->ss_base = ss_base;
}
