/*
 * insn_access_sys.c - the accesses an instruction makes without naming
 * them: the stack (push, pop, call, ret, enter, leave, int and iret
 * frames), string instructions, descriptor tables (segment loads, far
 * transfers, gates, lldt/ltr/lar/lsl/verr/verw), the TSS's I/O bitmap.
 *
 * The stack: items of the operand size at SS:rSP, the pointer wrapping at
 * the stack's address size (SS.B, 64 bits in 64-bit mode), each item's
 * offset on its own.
 *
 * String instructions: one iteration, or with a rep prefix (F2 or F3) all
 * rCX of them, rCX at the address size; DF gives the direction; rCX = 0
 * accesses nothing.  repe/repne cmps and scas may stop early: their first
 * iteration is certain, the others are INSN_MAYBE (the maximum is given).
 *
 * Descriptor tables, in protected mode: a segment load reads the 8-byte
 * descriptor (none for a null selector, none past the table's limit: the
 * CPU faults instead) and sets its accessed bit if clear (INSN_MAYBE,
 * byte 5); ltr sets the busy bit.  Those are INSN_SYS, at the linear
 * address GDTR/LDTR give.
 *
 * What memory decides needs the caller's reader (struct insn_mem): the
 * selector a pop, lds or mov from memory loads, a far transfer's
 * descriptor (a code segment, a call gate, or a task switch), an int's
 * gate, the CS an iret or retf pops.  Without it those are -EOPNOTSUPP.
 * With it, still -EOPNOTSUPP: a task switch, an int or call that changes
 * privilege or uses an IST stack, an iret to virtual-8086 mode or (outside
 * 64-bit mode) to an outer privilege, virtual-8086 mode's sensitive
 * instructions, an int in compatibility mode.
 *
 * Real mode: int pushes FLAGS, CS and IP (2 bytes each, at any operand
 * size, as the SDM's pseudocode has it; KVM's emulator pushes 4 each with
 * a 32-bit operand size: those 6 bytes are INSN_MAYBE) and reads the
 * 4-byte vector at IDTR.base + 4 * n.
 */
#include "insn_access_dec.h"

#define DESC_ACCESSED_BYTE	5

static uint64_t smask(const struct dec *d)
{
	return dec__amask(d->ssz);
}

int sys__push(struct dec *d, int n, int size, uint8_t rw)
{
	uint64_t start = (d->r->rsp - (uint64_t)n * (uint64_t)size) & smask(d);

	return acc__run(d, SEG_SS, start, (uint64_t)size, (uint64_t)n, smask(d), rw);
}

int sys__pop_at(struct dec *d, uint64_t skip, int n, int size)
{
	uint64_t start = (d->r->rsp + skip) & smask(d);

	return acc__run(d, SEG_SS, start, (uint64_t)size, (uint64_t)n, smask(d), INSN_R);
}

int sys__pop(struct dec *d, int n, int size)
{
	return sys__pop_at(d, 0, n, size);
}

/* The n-th item (0: the top) of size bytes on the stack, through the reader. */
static int stack_item(const struct dec *d, uint64_t skip, int n, int size, uint64_t *v)
{
	*v = 0;
	return dec__read(d, SEG_SS, (d->r->rsp + skip + (uint64_t)n * (uint64_t)size) & smask(d),
			 v, (size_t)size);
}

/*
 * The linear address of sel's descriptor: 0 with *lin set; 1 for a null
 * selector (nothing read); -EFAULT when the CPU faults instead of reading
 * it (past the table's limit, or an LDT selector without an LDT).
 */
static int desc_addr(const struct dec *d, uint16_t sel, int size, uint64_t *lin)
{
	uint64_t base, limit;

	if (!(sel & 4) && (sel & ~3) == 0)
		return 1;
	if (sel & 4) {
		if (d->s->ldt.unusable || !d->s->ldt.present)
			return -EFAULT;
		base = d->s->ldt.base;
		limit = d->s->ldt.limit;
	} else {
		base = d->s->gdt.base;
		limit = d->s->gdt.limit;
	}
	if ((uint64_t)(sel & ~7) + (uint64_t)size - 1 > limit)
		return -EFAULT;
	*lin = (base + (sel & ~7)) & d->lin_mask;
	return 0;
}

/* A segment descriptor read, and its accessed bit set if it was clear. */
static int desc_load(struct dec *d, uint64_t lin)
{
	int ret = acc__lin(d, lin, 8, INSN_R | INSN_SYS);

	if (ret < 0)
		return ret;
	return acc__lin(d, lin + DESC_ACCESSED_BYTE, 1, INSN_RW | INSN_MAYBE | INSN_SYS);
}

int sys__load_seg(struct dec *d, int seg, uint16_t sel)
{
	uint64_t lin;
	int ret;

	(void)seg;
	if (!d->pe || d->v86)
		return 0;
	ret = desc_addr(d, sel, 8, &lin);
	if (ret != 0)
		return ret == 1 || ret == -EFAULT ? 0 : ret;	/* null, or a fault */
	return desc_load(d, lin);
}

/* ---- string instructions ---- */

/* count elements at register value x, forwards or (DF) backwards. */
static int str_run(struct dec *d, int seg, uint64_t x, int size, uint64_t count, bool down,
		   uint8_t rw)
{
	uint64_t amask = dec__amask(d->asz);
	uint64_t start = down ? x - (count - 1) * (uint64_t)size : x;

	return acc__run(d, seg, start & amask, (uint64_t)size, count, amask, rw);
}

/* The first iteration certain, the others perhaps (repe, repne). */
static int str_cond(struct dec *d, int seg, uint64_t x, int size, uint64_t count, bool down)
{
	int ret = str_run(d, seg, x, size, 1, down, INSN_R);

	if (ret < 0 || count < 2)
		return ret;
	x = down ? x - (uint64_t)size : x + (uint64_t)size;
	return str_run(d, seg, x, size, count - 1, down, INSN_R | INSN_MAYBE);
}

int sys__string(struct dec *d, uint8_t op)
{
	const int src = d->seg != SEG_NONE ? d->seg : SEG_DS;
	const bool down = d->r->rflags & RFLAGS_DF;
	const uint64_t si = d->r->rsi, di = d->r->rdi;
	int size = op & 1 ? d->osz : 1, ret;
	uint64_t count = 1;
	bool cond = false;

	ret = dec__finish(d, false);
	if (ret < 0)
		return ret;
	if (d->rep) {
		count = d->r->rcx & dec__amask(d->asz);
		cond = (op & 0xF6) == 0xA6;	/* cmps A6/A7, scas AE/AF */
	}
	if (op < 0x70) {		/* ins, outs: at most 4 bytes a port */
		if (size == 8)
			size = 4;
		ret = sys__io_perm(d, (uint16_t)d->r->rdx, size);
		if (ret < 0)
			return ret;
	}
	if (!count)
		return 0;
	switch (op) {
	case 0x6C: case 0x6D:		/* ins: ES:rDI */
		return str_run(d, SEG_ES, di, size, count, down, INSN_W);
	case 0x6E: case 0x6F:		/* outs: DS:rSI */
		return str_run(d, src, si, size, count, down, INSN_R);
	case 0xA4: case 0xA5:		/* movs */
		ret = str_run(d, src, si, size, count, down, INSN_R);
		return ret < 0 ? ret : str_run(d, SEG_ES, di, size, count, down, INSN_W);
	case 0xA6: case 0xA7:		/* cmps: DS:rSI with ES:rDI */
		if (!cond)
			return str_run(d, src, si, size, 1, down, INSN_R) ?:
			       str_run(d, SEG_ES, di, size, 1, down, INSN_R);
		ret = str_cond(d, src, si, size, count, down);
		return ret < 0 ? ret : str_cond(d, SEG_ES, di, size, count, down);
	case 0xAA: case 0xAB:		/* stos */
		return str_run(d, SEG_ES, di, size, count, down, INSN_W);
	case 0xAC: case 0xAD:		/* lods */
		return str_run(d, src, si, size, count, down, INSN_R);
	default:			/* scas: ES:rDI */
		if (!cond)
			return str_run(d, SEG_ES, di, size, 1, down, INSN_R);
		return str_cond(d, SEG_ES, di, size, count, down);
	}
}

/* ---- enter ---- */

int sys__enter(struct dec *d, uint16_t alloc, uint8_t level)
{
	int size = dec__osz64(d), ret;
	uint64_t sm = smask(d);

	(void)alloc;			/* rSP moves by it; nothing is accessed there */
	level &= 31;
	if (d->lm64 && size == 2) {
		/* 66 in 64-bit mode: Intel pushes BP (2 bytes), AMD (seen on this
		 * project's hosts) ignores the prefix and pushes RBP (8). */
		if (level)
			return -EOPNOTSUPP;
		ret = sys__push(d, 1, 2, INSN_W);
		return ret < 0 ? ret : acc__at(d, SEG_SS, (d->r->rsp - 8) & sm, 6,
					       INSN_W | INSN_MAYBE);
	}
	if (level == 0)
		return sys__push(d, 1, size, INSN_W);
	/* rBP, then level - 1 frame pointers copied from the old frame, then
	 * the new frame pointer: level + 1 pushes in all. */
	ret = sys__push(d, level + 1, size, INSN_W);
	if (ret < 0 || level < 2)
		return ret;
	return acc__run(d, SEG_SS, (d->r->rbp - (uint64_t)(level - 1) * (uint64_t)size) & sm,
			(uint64_t)size, level - 1, sm, INSN_R);
}

/* ---- I/O permission ---- */

int sys__io_perm(struct dec *d, uint16_t port, int size)
{
	const struct kvm_segment *tr = &d->s->tr;
	uint16_t iobase;
	uint64_t first, last;
	int ret;

	if (!d->pe || (!d->v86 && d->cpl <= RFLAGS_IOPL(d->r->rflags)))
		return 0;
	/* CPL > IOPL, or virtual-8086 mode: the TSS's I/O bitmap decides. */
	if ((tr->type & 7) != 1 && (tr->type & 7) != 3)
		return -EOPNOTSUPP;
	if (tr->type < 8 || tr->limit < 0x67)
		return 0;		/* a 16-bit TSS, or too short: #GP */
	ret = dec__read_lin(d, tr->base + 0x66, &iobase, 2);
	if (ret < 0)
		return ret;
	ret = acc__lin(d, tr->base + 0x66, 2, INSN_R | INSN_SYS);
	if (ret < 0)
		return ret;
	first = (uint64_t)iobase + port / 8;
	last = (uint64_t)iobase + (port + (uint64_t)size - 1) / 8;
	if (last > tr->limit)
		return 0;		/* #GP */
	/* The CPU may read two bytes (hence the map's trailing 0xFF). */
	ret = acc__lin(d, tr->base + first, last - first + 1, INSN_R | INSN_SYS);
	if (ret == 0 && last == first && last + 1 <= tr->limit)
		ret = acc__lin(d, tr->base + last + 1, 1, INSN_R | INSN_SYS | INSN_MAYBE);
	return ret;
}

/* ---- far transfers, gates, interrupts ---- */

struct desc {
	uint8_t b[16];
	uint8_t type, dpl;	/* type with S as bit 4 */
	bool present;
};

static int desc_read(struct dec *d, uint64_t lin, int size, struct desc *ds)
{
	int ret = dec__read_lin(d, lin, ds->b, (size_t)size);

	if (ret < 0)
		return ret;
	ds->type = ds->b[5] & 0x1F;
	ds->dpl = (ds->b[5] >> 5) & 3;
	ds->present = ds->b[5] & 0x80;
	return 0;
}

static bool desc_code(const struct desc *ds)
{
	return (ds->type & 0x18) == 0x18;
}

static bool desc_conforming(const struct desc *ds)
{
	return (ds->type & 0x1C) == 0x1C;
}

/*
 * The target code segment of a gate or an iret/retf: read (and accessed
 * bit); 1 when the CPU faults on it, 0 with *ds filled otherwise.
 */
static int code_target(struct dec *d, uint16_t sel, struct desc *ds)
{
	uint64_t lin;
	int ret = desc_addr(d, sel, 8, &lin);

	if (ret != 0)
		return ret == 1 || ret == -EFAULT ? 1 : ret;
	ret = desc_read(d, lin, 8, ds);
	if (ret == 0)
		ret = desc_load(d, lin);
	if (ret < 0)
		return ret;
	return desc_code(ds) && ds->present ? 0 : 1;
}

int sys__far(struct dec *d, uint16_t sel, bool call)
{
	struct desc ds, gate;
	uint64_t lin;
	uint16_t target;
	int ret, gsize, isize;

	ret = desc_addr(d, sel, 8, &lin);
	if (ret != 0)
		return ret == 1 || ret == -EFAULT ? 0 : ret;	/* #GP */
	ret = desc_read(d, lin, 8, &ds);
	if (ret < 0)
		return ret;
	if (ds.type & 0x10) {		/* a code or data segment */
		ret = desc_load(d, lin);
		if (ret < 0 || !call || !desc_code(&ds) || !ds.present)
			return ret;	/* a jmp; a call that faults */
		return sys__push(d, 2, d->osz, INSN_W);
	}
	/* A system descriptor: a call gate, or a task switch. */
	if (d->s->efer & (1ull << 10)) {	/* IA-32e: 16-byte 64-bit call gates only */
		if ((ds.type & 0xF) != 0xC)
			return 0;
		gsize = 16;
		isize = 8;
	} else if ((ds.type & 0xF) == 0xC || (ds.type & 0xF) == 0x4) {
		gsize = 8;
		isize = ds.type & 8 ? 4 : 2;
	} else if ((ds.type & 0xF) == 0x5 || (ds.type & 0x15) == 0x1) {
		return -EOPNOTSUPP;	/* a task gate or a TSS: a task switch */
	} else {
		return 0;		/* #GP */
	}
	ret = desc_addr(d, sel, gsize, &lin);
	if (ret != 0)
		return ret == 1 || ret == -EFAULT ? 0 : ret;
	ret = desc_read(d, lin, gsize, &gate);
	if (ret == 0)
		ret = acc__lin(d, lin, (uint64_t)gsize, INSN_R | INSN_SYS);
	if (ret < 0 || !gate.present || gate.dpl < d->cpl || gate.dpl < (sel & 3))
		return ret;		/* #GP, #NP */
	target = (uint16_t)(gate.b[2] | gate.b[3] << 8);
	ret = code_target(d, target, &ds);
	if (ret != 0)
		return ret < 0 ? ret : 0;
	if (!desc_conforming(&ds) && ds.dpl < d->cpl)
		return call ? -EOPNOTSUPP : 0;	/* a call to an inner ring; jmp: #GP */
	return call ? sys__push(d, 2, isize, INSN_W) : 0;
}

int sys__int(struct dec *d, int vector, bool soft)
{
	const struct kvm_dtable *idt = &d->s->idt;
	struct desc gate, code;
	uint64_t lin, top, rsp;
	uint16_t target;
	int ret, gsize, isize;

	if (!d->pe) {			/* real mode: the IVT, and a 6-byte frame */
		if ((uint64_t)vector * 4 + 3 > idt->limit)
			return 0;	/* #GP, then most likely a shutdown */
		ret = acc__lin(d, idt->base + (uint64_t)vector * 4, 4, INSN_R | INSN_SYS);
		if (ret == 0)
			ret = sys__push(d, 3, 2, INSN_W);
		if (ret < 0 || d->osz != 4)
			return ret;
		/* With a 32-bit operand size KVM's emulator pushes 4-byte items
		 * (the SDM, QEMU and Bochs push 2): 6 more bytes below. */
		return acc__at(d, SEG_SS, (d->r->rsp - 12) & smask(d), 6, INSN_W | INSN_MAYBE);
	}
	if (d->v86)
		return -EOPNOTSUPP;	/* IOPL, VME redirection, a stack switch to ring 0 */
	if ((d->s->efer & (1ull << 10)) && !d->lm64)
		return -EOPNOTSUPP;	/* compatibility mode */
	gsize = d->lm64 ? 16 : 8;
	if ((uint64_t)vector * (uint64_t)gsize + (uint64_t)gsize - 1 > idt->limit)
		return 0;		/* #GP */
	lin = (idt->base + (uint64_t)vector * (uint64_t)gsize) & d->lin_mask;
	ret = desc_read(d, lin, gsize, &gate);
	if (ret == 0)
		ret = acc__lin(d, lin, (uint64_t)gsize, INSN_R | INSN_SYS);
	if (ret < 0)
		return ret;
	if (soft && gate.dpl < d->cpl)
		return 0;		/* #GP */
	if (!gate.present)
		return 0;		/* #NP */
	switch (gate.type) {
	case 0x05:
		return d->lm64 ? 0 : -EOPNOTSUPP;	/* a task gate: a task switch */
	case 0x06: case 0x07:
		if (d->lm64)
			return 0;
		isize = 2;
		break;
	case 0x0E: case 0x0F:
		isize = d->lm64 ? 8 : 4;
		break;
	default:
		return 0;		/* #GP */
	}
	if (d->lm64 && (gate.b[4] & 7))
		return -EOPNOTSUPP;	/* an IST stack */
	target = (uint16_t)(gate.b[2] | gate.b[3] << 8);
	ret = code_target(d, target, &code);
	if (ret != 0)
		return ret < 0 ? ret : 0;
	if (!desc_conforming(&code) && code.dpl < d->cpl)
		return -EOPNOTSUPP;	/* to an inner ring: the stack from the TSS */
	if (!d->lm64)
		return sys__push(d, 3, isize, INSN_W);	/* EFLAGS, CS, EIP */
	/* 64-bit mode: RSP aligned to 16, then SS, RSP, RFLAGS, CS, RIP. */
	rsp = d->r->rsp & ~15ull;
	top = rsp - 40;
	return acc__lin(d, top, 40, INSN_W);
}

int sys__iret(struct dec *d)
{
	const int size = d->osz;
	uint64_t cs = 0, fl = 0, ss = 0;
	struct desc code, sdesc;
	uint64_t lin;
	int ret;

	if (!d->pe)
		return sys__pop(d, 3, size);	/* IP, CS, FLAGS */
	if (d->v86) {
		if (RFLAGS_IOPL(d->r->rflags) < 3)
			return -EOPNOTSUPP;
		return sys__pop(d, 3, size);
	}
	if (d->s->efer & (1ull << 10)) {
		if (d->r->rflags & RFLAGS_NT)
			return 0;	/* #GP in IA-32e mode */
	} else if (d->r->rflags & RFLAGS_NT) {
		return -EOPNOTSUPP;	/* a return from a nested task */
	}
	if (d->lm64) {			/* RIP, CS, RFLAGS, RSP, SS: always five */
		ret = sys__pop(d, 5, size);
		if (ret == 0)
			ret = stack_item(d, 0, 1, size, &cs);
		if (ret == 0)
			ret = stack_item(d, 0, 4, size, &ss);
		if (ret < 0)
			return ret;
		ret = code_target(d, (uint16_t)cs, &code);
		if (ret != 0)
			return ret < 0 ? ret : 0;
		if (desc_addr(d, (uint16_t)ss, 8, &lin) == 0)
			ret = desc_load(d, lin);
		return ret;
	}
	ret = stack_item(d, 0, 1, size, &cs);
	if (ret == 0)
		ret = stack_item(d, 0, 2, size, &fl);
	if (ret < 0)
		return ret;
	if (size == 4 && (fl & RFLAGS_VM) && d->cpl == 0)
		return -EOPNOTSUPP;	/* to virtual-8086 mode: nine pops */
	if ((cs & 3) > (uint64_t)d->cpl)
		return -EOPNOTSUPP;	/* to an outer ring: SS:ESP popped too */
	ret = sys__pop(d, 3, size);
	if (ret == 0)
		ret = code_target(d, (uint16_t)cs, &code);
	(void)sdesc;
	return ret < 0 ? ret : 0;
}

int sys__retf(struct dec *d, uint16_t imm)
{
	const int size = d->osz;
	uint64_t cs = 0, ss = 0, lin;
	struct desc code;
	int ret;

	if (!d->pe || d->v86)
		return sys__pop(d, 2, size);	/* IP, CS */
	ret = stack_item(d, 0, 1, size, &cs);
	if (ret < 0)
		return ret;
	ret = sys__pop(d, 2, size);
	if (ret == 0)
		ret = code_target(d, (uint16_t)cs, &code);
	if (ret != 0)
		return ret < 0 ? ret : 0;
	if ((cs & 3) <= (uint64_t)d->cpl)
		return 0;
	/* To an outer ring: rSP and SS, past the imm16 bytes released. */
	ret = sys__pop_at(d, 2 * (uint64_t)size + imm, 2, size);
	if (ret == 0)
		ret = stack_item(d, 2 * (uint64_t)size + imm, 1, size, &ss);
	if (ret == 0 && desc_addr(d, (uint16_t)ss, 8, &lin) == 0)
		ret = desc_load(d, lin);
	return ret;
}

/* ---- 0F 00, lar, lsl ---- */

/* The selector operand of a ModRM form: a register, or 2 bytes of memory. */
static int sel_operand(struct dec *d, uint16_t *sel)
{
	int ret;

	if (!d->is_mem) {
		*sel = (uint16_t)dec__reg(d, d->rm);
		return 0;
	}
	ret = acc__mem(d, 2, INSN_R);
	return ret < 0 ? ret : dec__read(d, d->ea_seg, d->ea, sel, 2);
}

/* verr, verw, lar, lsl: the descriptor read when the selector is in the
 * table (else ZF = 0, nothing read). */
static int desc_peek(struct dec *d, uint16_t sel, int size)
{
	uint64_t lin;
	int ret = desc_addr(d, sel, 8, &lin);

	if (ret != 0)
		return ret == 1 || ret == -EFAULT ? 0 : ret;
	ret = acc__lin(d, lin, 8, INSN_R | INSN_SYS);
	if (ret == 0 && size > 8)	/* a 16-byte system descriptor in IA-32e mode */
		ret = acc__lin(d, lin + 8, 8, INSN_R | INSN_SYS | INSN_MAYBE);
	return ret;
}

int sys__group6(struct dec *d)
{
	const int dsize = d->s->efer & (1ull << 10) ? 16 : 8;
	uint16_t sel;
	uint64_t lin;
	int ret = dec__modrm(d), sub;

	if (ret == 0)
		ret = dec__finish(d, false);
	if (ret < 0)
		return ret;
	if (!d->pe || d->v86)
		return -EILSEQ;
	sub = d->reg & 7;
	switch (sub) {
	case 0:
	case 1:				/* sldt, str: 2 bytes to memory */
		return d->is_mem ? acc__mem_store16(d) : 0;
	case 2:				/* lldt */
	case 3:				/* ltr */
		ret = sel_operand(d, &sel);
		if (ret < 0)
			return ret;
		if ((sel & 4) || desc_addr(d, sel, dsize, &lin) != 0)
			return 0;	/* null (lldt), or #GP */
		ret = acc__lin(d, lin, (uint64_t)dsize, INSN_R | INSN_SYS);
		if (ret < 0 || sub == 2)
			return ret;
		return acc__lin(d, lin + DESC_ACCESSED_BYTE, 1, INSN_RW | INSN_SYS);	/* busy */
	case 4:
	case 5:				/* verr, verw */
		ret = sel_operand(d, &sel);
		return ret < 0 ? ret : desc_peek(d, sel, 8);
	default:
		return -EILSEQ;
	}
}

int sys__lar_lsl(struct dec *d)
{
	uint16_t sel;
	int ret = dec__modrm(d);

	if (ret == 0)
		ret = dec__finish(d, false);
	if (ret < 0)
		return ret;
	if (!d->pe || d->v86)
		return -EILSEQ;
	ret = sel_operand(d, &sel);
	if (ret < 0)
		return ret;
	return desc_peek(d, sel, d->s->efer & (1ull << 10) ? 16 : 8);
}

/* A segment register pushed at the operand size: the selector's 2 bytes
 * are written; Intel leaves the rest of the slot as it was, AMD writes it. */
int sys__push_sreg(struct dec *d, int seg)
{
	int size = dec__osz64(d), ret;
	uint64_t smask = dec__amask(d->ssz);
	uint64_t sp = (d->r->rsp - (uint64_t)size) & smask;

	(void)seg;
	ret = dec__finish(d, false);
	if (ret == 0)
		ret = acc__at(d, SEG_SS, sp, 2, INSN_W);
	if (ret == 0 && size > 2)
		ret = acc__at(d, SEG_SS, sp + 2, (uint64_t)size - 2, INSN_W | INSN_MAYBE);
	return ret;
}

/* Pop into a segment register: the selector's 2 bytes are read (the rest of
 * the slot perhaps), then, in protected mode, its descriptor. */
int sys__pop_sreg(struct dec *d, int seg)
{
	int size = dec__osz64(d), ret;
	uint64_t sp = d->r->rsp & dec__amask(d->ssz);
	uint16_t sel;

	ret = dec__finish(d, false);
	if (ret == 0)
		ret = acc__at(d, SEG_SS, sp, 2, INSN_R);
	if (ret == 0 && size > 2)
		ret = acc__at(d, SEG_SS, sp + 2, (uint64_t)size - 2, INSN_R | INSN_MAYBE);
	if (ret < 0 || !d->pe || d->v86)
		return ret;
	ret = dec__read(d, SEG_SS, sp, &sel, 2);
	return ret < 0 ? ret : sys__load_seg(d, seg, sel);
}

/* lds, les (and, from the 0F map, lss, lfs, lgs): offset and selector. */
int sys__load_far(struct dec *d, int seg)
{
	uint16_t sel;
	int ret = dec__modrm(d);

	if (ret == 0)
		ret = dec__finish(d, false);
	if (ret < 0)
		return ret;
	if (!d->is_mem)
		return -EILSEQ;
	if (d->osz == 8) {		/* m16:64 on Intel, m16:32 on AMD */
		ret = acc__mem(d, 6, INSN_R);
		if (ret == 0)
			ret = acc__mem_at(d, 6, 4, INSN_R | INSN_MAYBE);
		return ret < 0 ? ret : -EOPNOTSUPP;	/* and which bytes hold the selector */
	}
	ret = acc__mem(d, (uint64_t)d->osz + 2, INSN_R);
	if (ret < 0 || !d->pe || d->v86)
		return ret;
	ret = dec__read(d, d->ea_seg, (d->ea + (uint64_t)d->osz) & dec__amask(d->asz), &sel, 2);
	return ret < 0 ? ret : sys__load_seg(d, seg, sel);
}
