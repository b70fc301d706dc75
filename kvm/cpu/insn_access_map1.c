/*
 * insn_access_map1.c - the one-byte opcode map: what each instruction
 * reads and writes through its operands (ModRM, moffs, xlat), and which
 * of insn_access_sys.c's implicit accesses it makes.
 *
 * Choices (the SDM's, and where it leaves one, said here):
 *  - an ALU or shift on memory reads and writes it (RW), cmp and test only
 *    read; xchg with memory is RW;
 *  - a shift or rotate whose masked count is 0 changes nothing and may
 *    not write: its write is INSN_MAYBE;
 *  - lea and nop touch no memory; mov to memory only writes; cmovcc reads
 *    its source even when the condition is false;
 *  - mov Ew,Sreg to memory writes 2 bytes at any operand size (but AMD
 *    writes 8 with REX.W: those 6 are INSN_MAYBE), as sldt, str, smsw do;
 *  - pop Ev with rSP as the base computes the address after the pop;
 *  - a near branch with 66 in 64-bit mode is "unknown": Intel ignores the
 *    prefix, AMD honours it (a 16-bit push or pop, a rel16), so even the
 *    length differs.
 */
#include "insn_access_dec.h"

/* A ModRM instruction: size bytes of kind rw when r/m is memory, then
 * immn immediate bytes. */
/* No memory operand, n immediate bytes. */
static int plain(struct dec *d, int immn)
{
	int ret = dec__imm(d, immn, NULL);

	return ret < 0 ? ret : dec__finish(d, false);
}

static int iz(const struct dec *d)
{
	return d->osz == 2 ? 2 : 4;
}

static uint8_t peek(const struct dec *d)
{
	return d->pos < d->avail ? d->code[d->pos] : 0;
}

/* A shift or rotate (group 2): count known from the immediate or CL. */
static int shift(struct dec *d, uint64_t size, int immn, int count_src)
{
	uint64_t imm = 0, count;
	int ret = dec__modrm(d);

	if (ret == 0)
		ret = dec__imm(d, immn, &imm);
	if (ret == 0)
		ret = dec__finish(d, false);
	if (ret < 0 || !d->is_mem)
		return ret;
	count = count_src == 'i' ? imm : count_src == 'c' ? d->r->rcx & 0xFF : 1;
	count &= size == 8 ? 63 : 31;
	if (count)
		return acc__mem(d, size, INSN_RW);
	ret = acc__mem(d, size, INSN_R);
	return ret < 0 ? ret : acc__mem(d, size, INSN_W | INSN_MAYBE);
}



/* The ALU block 00-3D: op / 8 the operation (7: cmp), op % 8 the form. */
static int alu(struct dec *d, uint8_t op)
{
	bool cmp = (op >> 3) == 7;
	int form = op & 7;
	uint64_t size = form & 1 ? (uint64_t)d->osz : 1;

	switch (form) {
	case 0:
	case 1:		/* Eb,Gb / Ev,Gv */
		return dec__rm_op(d, size, cmp ? INSN_R : INSN_RW, !cmp, 0);
	case 2:
	case 3:		/* Gb,Eb / Gv,Ev */
		return dec__rm_op(d, size, INSN_R, false, 0);
	case 4:		/* AL, Ib */
		return plain(d, 1);
	default:	/* eAX, Iz */
		return plain(d, iz(d));
	}
}


/* mov Sreg, Ew (8E). */
static int mov_to_sreg(struct dec *d)
{
	int ret = dec__modrm(d), seg;
	uint16_t sel;

	if (ret == 0)
		ret = dec__finish(d, false);
	if (ret < 0)
		return ret;
	seg = d->reg & 7;
	if (seg == SEG_CS || seg > SEG_GS)
		return -EILSEQ;
	if (!d->is_mem) {
		if (!d->pe || d->v86)
			return 0;
		return sys__load_seg(d, seg, (uint16_t)dec__reg(d, d->rm));
	}
	ret = acc__mem(d, 2, INSN_R);
	if (ret < 0 || !d->pe || d->v86)
		return ret;
	ret = dec__read(d, d->ea_seg, d->ea, &sel, 2);
	return ret < 0 ? ret : sys__load_seg(d, seg, sel);
}

/* mov moffs forms A0-A3: the address is an immediate of the address size. */
static int moffs(struct dec *d, uint64_t size, uint8_t rw)
{
	uint64_t a;
	int ret = dec__imm(d, d->asz, &a);

	if (ret == 0)
		ret = dec__finish(d, false);
	if (ret < 0)
		return ret;
	d->is_mem = true;
	d->ea = a & dec__amask(d->asz);
	d->ea_seg = d->seg != SEG_NONE ? d->seg : SEG_DS;
	return acc__mem(d, size, rw);
}

/* pop Ev (8F /0): the stack read, then the operand written. */
static int pop_ev(struct dec *d)
{
	int size = dec__osz64(d), ret;

	if ((peek(d) & 0x38) != 0)
		return -EOPNOTSUPP;	/* AMD's XOP prefix, or #UD */
	ret = dec__modrm(d);
	if (ret == 0)
		ret = dec__finish(d, false);
	if (ret == 0)
		ret = sys__pop(d, 1, size);
	if (ret < 0 || !d->is_mem)
		return ret;
	if (d->base_reg == 4)		/* rSP as the base: its value after the pop */
		d->ea = (d->ea + (uint64_t)size) & dec__amask(d->asz);
	return acc__mem(d, (uint64_t)size, INSN_W);
}

/* Group 3 (F6, F7). */
static int group3(struct dec *d, uint64_t size)
{
	int ret = dec__modrm(d), sub;

	if (ret < 0)
		return ret;
	sub = d->reg & 7;
	if (sub < 2)		/* test Ib/Iz (/1 is an alias) */
		ret = dec__imm(d, size == 1 ? 1 : iz(d), NULL);
	if (ret == 0)
		ret = dec__finish(d, sub == 2 || sub == 3);
	if (ret < 0 || !d->is_mem)
		return ret;
	return acc__mem(d, size, sub == 2 || sub == 3 ? INSN_RW : INSN_R);	/* not, neg */
}

/* Group 5 (FF). */
static int group5(struct dec *d)
{
	int ret = dec__modrm(d), sub, size;
	uint64_t off = 0;
	uint16_t sel;

	if (ret < 0)
		return ret;
	sub = d->reg & 7;
	ret = dec__finish(d, sub < 2);
	if (ret < 0)
		return ret;
	switch (sub) {
	case 0:
	case 1:			/* inc, dec */
		return d->is_mem ? acc__mem(d, (uint64_t)d->osz, INSN_RW) : 0;
	case 2:			/* call near Ev */
	case 4:			/* jmp near Ev */
		if (d->lm64 && d->p66)
			return -EOPNOTSUPP;
		size = d->lm64 ? 8 : d->osz;
		if (d->is_mem)
			ret = acc__mem(d, (uint64_t)size, INSN_R);
		if (ret == 0 && sub == 2)
			ret = sys__push(d, 1, size, INSN_W);
		return ret;
	case 3:			/* call far Mp */
	case 5:			/* jmp far Mp */
		if (!d->is_mem)
			return -EILSEQ;
		if (d->osz == 8)
			return -EOPNOTSUPP;	/* m16:64 on Intel, m16:32 on AMD */
		ret = acc__mem(d, (uint64_t)d->osz + 2, INSN_R);
		if (ret < 0)
			return ret;
		if (!d->pe || d->v86)
			return sub == 3 ? sys__push(d, 2, d->osz, INSN_W) : 0;
		ret = dec__read(d, d->ea_seg, (d->ea + (uint64_t)d->osz) & dec__amask(d->asz),
				&sel, 2);
		if (ret == 0)
			ret = dec__read(d, d->ea_seg, d->ea, &off, (size_t)d->osz);
		return ret < 0 ? ret : sys__far(d, sel, sub == 3);
	case 6:			/* push Ev */
		size = dec__osz64(d);
		if (d->is_mem)
			ret = acc__mem(d, (uint64_t)size, INSN_R);
		return ret < 0 ? ret : sys__push(d, 1, size, INSN_W);
	default:
		return -EILSEQ;
	}
}

/* Real mode or virtual-8086 far call/jmp with an immediate pointer. */
static int far_imm(struct dec *d, bool call)
{
	uint64_t sel;
	int ret;

	if (d->lm64)
		return -EILSEQ;
	ret = dec__imm(d, d->osz, NULL);
	if (ret == 0)
		ret = dec__imm(d, 2, &sel);
	if (ret == 0)
		ret = dec__finish(d, false);
	if (ret < 0)
		return ret;
	if (!d->pe || d->v86)
		return call ? sys__push(d, 2, d->osz, INSN_W) : 0;
	return sys__far(d, (uint16_t)sel, call);
}

/* Opcodes that are not valid in 64-bit mode. */
static bool invalid64(uint8_t op)
{
	switch (op) {
	case 0x06: case 0x07: case 0x0E: case 0x16: case 0x17: case 0x1E: case 0x1F:
	case 0x27: case 0x2F: case 0x37: case 0x3F: case 0x60: case 0x61: case 0x82:
	case 0x9A: case 0xCE: case 0xD4: case 0xD5: case 0xD6: case 0xEA:
		return true;
	default:
		return false;
	}
}

int map1__decode(struct dec *d, uint8_t op)
{
	uint64_t v = 0;
	int ret, size;

	if (d->lm64 && invalid64(op))
		return -EILSEQ;
	if (op < 0x40 && (op & 7) < 6)
		return alu(d, op);
	switch (op) {
	case 0x06: case 0x0E: case 0x16: case 0x1E:
		return sys__push_sreg(d, op >> 3);
	case 0x07: case 0x17: case 0x1F:
		return sys__pop_sreg(d, op >> 3);
	case 0x0F:
		ret = dec__byte(d, &op);
		if (ret < 0)
			return ret;
		if (op == 0x38 || op == 0x3A) {
			uint8_t op3;

			ret = dec__byte(d, &op3);
			if (ret < 0)
				return ret;
			return op == 0x38 ? map0f38__decode(d, op3) : map0f3a__decode(d, op3);
		}
		return map0f__decode(d, op);
	case 0x27: case 0x2F: case 0x37: case 0x3F:	/* daa, das, aaa, aas */
	case 0x40 ... 0x4F:				/* inc, dec r (REX in 64-bit mode) */
	case 0x90 ... 0x99:				/* nop, pause, xchg r, cbw, cwd */
	case 0x9B:					/* fwait */
	case 0x9E: case 0x9F:				/* sahf, lahf */
	case 0xD6:					/* salc */
	case 0xF4: case 0xF5:				/* hlt, cmc */
	case 0xF8 ... 0xFD:				/* clc stc cli sti cld std */
		return plain(d, 0);
	case 0x50 ... 0x57:
		ret = dec__finish(d, false);
		return ret < 0 ? ret : sys__push(d, 1, dec__osz64(d), INSN_W);
	case 0x58 ... 0x5F:
		ret = dec__finish(d, false);
		return ret < 0 ? ret : sys__pop(d, 1, dec__osz64(d));
	case 0x60:		/* pusha */
		ret = dec__finish(d, false);
		return ret < 0 ? ret : sys__push(d, 8, d->osz, INSN_W);
	case 0x61:		/* popa: DI SI BP, the SP slot skipped (not read), BX DX CX AX */
		ret = dec__finish(d, false);
		if (ret == 0)
			ret = sys__pop(d, 3, d->osz);
		return ret < 0 ? ret : sys__pop_at(d, 4 * (uint64_t)d->osz, 4, d->osz);
	case 0x62:		/* bound Gv, Ma; EVEX in 64-bit mode and as mod 3 elsewhere */
		if (d->lm64 || (d->pe && !d->v86 && (peek(d) >> 6) == 3))
			return -EOPNOTSUPP;
		ret = dec__modrm(d);
		if (ret == 0)
			ret = dec__finish(d, false);
		if (ret < 0)
			return ret;
		return d->is_mem ? acc__mem(d, 2 * (uint64_t)d->osz, INSN_R) : -EILSEQ;
	case 0x63:
		if (d->lm64 && d->osz == 2) {	/* movsxd r16: Intel reads 2, KVM's emulator 4 */
			ret = dec__rm_op(d, 2, INSN_R, false, 0);
			return ret < 0 || !d->is_mem ? ret : acc__mem_at(d, 2, 2, INSN_R | INSN_MAYBE);
		}
		if (d->lm64)	/* movsxd Gv, Ed */
			return dec__rm_op(d, 4, INSN_R, false, 0);
		if (!d->pe || d->v86)
			return -EILSEQ;
		ret = dec__rm_op(d, 2, INSN_R, false, 0);	/* arpl Ew, Gw: writes if RPL is raised */
		return ret < 0 || !d->is_mem ? ret : acc__mem(d, 2, INSN_W | INSN_MAYBE);
	case 0x68:		/* push Iz */
	case 0x6A:		/* push Ib */
		size = dec__osz64(d);
		ret = plain(d, op == 0x6A ? 1 : size == 2 ? 2 : 4);
		return ret < 0 ? ret : sys__push(d, 1, size, INSN_W);
	case 0x69:		/* imul Gv, Ev, Iz */
		return dec__rm_op(d, (uint64_t)d->osz, INSN_R, false, iz(d));
	case 0x6B:		/* imul Gv, Ev, Ib */
		return dec__rm_op(d, (uint64_t)d->osz, INSN_R, false, 1);
	case 0x6C ... 0x6F:
	case 0xA4 ... 0xA7:
	case 0xAA ... 0xAF:
		return sys__string(d, op);
	case 0x70 ... 0x7F:	/* jcc rel8 */
	case 0xEB:		/* jmp rel8 */
	case 0xE0 ... 0xE3:	/* loopnz, loopz, loop, jrcxz */
		return plain(d, 1);
	case 0x80:
	case 0x82:
	case 0x81:
	case 0x83:		/* group 1: Eb,Ib / Ev,Iz / Eb,Ib / Ev,Ib */
		ret = dec__modrm(d);
		if (ret < 0)
			return ret;
		{
			bool cmp = (d->reg & 7) == 7;

			size = op == 0x81 || op == 0x83 ? d->osz : 1;
			ret = dec__imm(d, op == 0x81 ? iz(d) : 1, NULL);
			if (ret == 0)
				ret = dec__finish(d, !cmp);
			if (ret < 0 || !d->is_mem)
				return ret;
			return acc__mem(d, (uint64_t)size, cmp ? INSN_R : INSN_RW);
		}
	case 0x84:
	case 0x85:		/* test */
		return dec__rm_op(d, op == 0x84 ? 1 : (uint64_t)d->osz, INSN_R, false, 0);
	case 0x86:
	case 0x87:		/* xchg */
		return dec__rm_op(d, op == 0x86 ? 1 : (uint64_t)d->osz, INSN_RW, true, 0);
	case 0x88:
	case 0x89:
		return dec__rm_op(d, op == 0x88 ? 1 : (uint64_t)d->osz, INSN_W, false, 0);
	case 0x8A:
	case 0x8B:
		return dec__rm_op(d, op == 0x8A ? 1 : (uint64_t)d->osz, INSN_R, false, 0);
	case 0x8C:		/* mov Ev, Sreg: 2 bytes to memory (8 on AMD with REX.W) */
		ret = dec__modrm(d);
		if (ret == 0)
			ret = dec__finish(d, false);
		if (ret < 0)
			return ret;
		if ((d->reg & 7) > SEG_GS)
			return -EILSEQ;
		return d->is_mem ? acc__mem_store16(d) : 0;
	case 0x8D:		/* lea: an address, no access */
		ret = dec__modrm(d);
		if (ret == 0)
			ret = dec__finish(d, false);
		return ret < 0 ? ret : d->is_mem ? 0 : -EILSEQ;
	case 0x8E:
		return mov_to_sreg(d);
	case 0x8F:
		return pop_ev(d);
	case 0x9A:
		return far_imm(d, true);
	case 0x9C:		/* pushf */
		if (d->v86 && RFLAGS_IOPL(d->r->rflags) < 3)
			return -EOPNOTSUPP;	/* #GP, or VME's virtual flags */
		ret = dec__finish(d, false);
		return ret < 0 ? ret : sys__push(d, 1, dec__osz64(d), INSN_W);
	case 0x9D:		/* popf */
		if (d->v86 && RFLAGS_IOPL(d->r->rflags) < 3)
			return -EOPNOTSUPP;
		ret = dec__finish(d, false);
		return ret < 0 ? ret : sys__pop(d, 1, dec__osz64(d));
	case 0xA0: return moffs(d, 1, INSN_R);
	case 0xA1: return moffs(d, (uint64_t)d->osz, INSN_R);
	case 0xA2: return moffs(d, 1, INSN_W);
	case 0xA3: return moffs(d, (uint64_t)d->osz, INSN_W);
	case 0xA8: return plain(d, 1);
	case 0xA9: return plain(d, iz(d));
	case 0xB0 ... 0xB7: return plain(d, 1);
	case 0xB8 ... 0xBF: return plain(d, d->osz);
	case 0xC0: return shift(d, 1, 1, 'i');
	case 0xC1: return shift(d, (uint64_t)d->osz, 1, 'i');
	case 0xD0: return shift(d, 1, 0, '1');
	case 0xD1: return shift(d, (uint64_t)d->osz, 0, '1');
	case 0xD2: return shift(d, 1, 0, 'c');
	case 0xD3: return shift(d, (uint64_t)d->osz, 0, 'c');
	case 0xC2:
	case 0xC3:		/* ret near [imm16] */
		if (d->lm64 && d->p66)
			return -EOPNOTSUPP;
		ret = plain(d, op == 0xC2 ? 2 : 0);
		return ret < 0 ? ret : sys__pop(d, 1, d->lm64 ? 8 : d->osz);
	case 0xC4:
	case 0xC5:		/* VEX, or les/lds */
		if (d->lm64 || (d->pe && !d->v86 && (peek(d) >> 6) == 3))
			return vec__vex(d, op);
		return sys__load_far(d, op == 0xC4 ? SEG_ES : SEG_DS);
	case 0xC6:
	case 0xC7:		/* mov Eb,Ib / Ev,Iz; xabort, xbegin */
		ret = dec__modrm(d);
		if (ret < 0)
			return ret;
		if ((d->reg & 7) == 7 && !d->is_mem && (d->rm & 7) == 0) {
			ret = dec__imm(d, op == 0xC6 ? 1 : iz(d), NULL);
			return ret < 0 ? ret : dec__finish(d, false);	/* RTM: no access */
		}
		if ((d->reg & 7) != 0)
			return -EILSEQ;
		size = op == 0xC6 ? 1 : d->osz;
		ret = dec__imm(d, op == 0xC6 ? 1 : iz(d), NULL);
		if (ret == 0)
			ret = dec__finish(d, false);
		if (ret < 0 || !d->is_mem)
			return ret;
		return acc__mem(d, (uint64_t)size, INSN_W);
	case 0xC8:		/* enter Iw, Ib */
		ret = dec__imm(d, 2, &v);
		if (ret == 0) {
			uint64_t level;

			ret = dec__imm(d, 1, &level);
			if (ret == 0)
				ret = dec__finish(d, false);
			if (ret == 0)
				ret = sys__enter(d, (uint16_t)v, (uint8_t)level);
		}
		return ret;
	case 0xC9:		/* leave: rSP = rBP, pop rBP */
		ret = dec__finish(d, false);
		if (ret < 0)
			return ret;
		size = dec__osz64(d);
		ret = acc__run(d, SEG_SS, d->r->rbp & dec__amask(d->ssz), (uint64_t)size, 1,
			       dec__amask(d->ssz), INSN_R);
		if (ret < 0 || !d->lm64 || size != 2)
			return ret;	/* 66 in 64-bit mode: AMD perhaps pops 8, as its enter pushes 8 */
		return acc__at(d, SEG_SS, d->r->rbp + 2, 6, INSN_R | INSN_MAYBE);
	case 0xCA:
	case 0xCB:		/* retf [imm16] */
		ret = plain(d, op == 0xCA ? 2 : 0);
		if (ret < 0)
			return ret;
		v = op == 0xCA ? (uint64_t)d->code[d->pos - 2] | (uint64_t)d->code[d->pos - 1] << 8 : 0;
		return sys__retf(d, (uint16_t)v);
	case 0xCC:
		ret = plain(d, 0);
		return ret < 0 ? ret : sys__int(d, 3, true);
	case 0xCD:
		ret = dec__imm(d, 1, &v);
		if (ret == 0)
			ret = dec__finish(d, false);
		return ret < 0 ? ret : sys__int(d, (int)v, true);
	case 0xCE:		/* into: an int 4 when OF is set */
		ret = plain(d, 0);
		if (ret < 0 || !(d->r->rflags & RFLAGS_OF))
			return ret;
		return sys__int(d, 4, true);
	case 0xCF:
		ret = plain(d, 0);
		return ret < 0 ? ret : sys__iret(d);
	case 0xD4:
	case 0xD5:		/* aam, aad */
		return plain(d, 1);
	case 0xD7:		/* xlat: DS:[rBX + AL] */
		ret = dec__finish(d, false);
		if (ret < 0)
			return ret;
		return acc__at(d, d->seg != SEG_NONE ? d->seg : SEG_DS,
			       (d->r->rbx + (d->r->rax & 0xFF)) & dec__amask(d->asz), 1, INSN_R);
	case 0xD8 ... 0xDF:
		return vec__x87(d, op);
	case 0xE4 ... 0xE7:	/* in, out with an immediate port */
		ret = dec__imm(d, 1, &v);
		if (ret == 0)
			ret = dec__finish(d, false);
		return ret < 0 ? ret : sys__io_perm(d, (uint16_t)v, op & 1 ? (d->osz == 2 ? 2 : 4) : 1);
	case 0xEC ... 0xEF:	/* in, out with DX */
		ret = dec__finish(d, false);
		return ret < 0 ? ret : sys__io_perm(d, (uint16_t)d->r->rdx,
						       op & 1 ? (d->osz == 2 ? 2 : 4) : 1);
	case 0xE8:		/* call rel */
		if (d->lm64 && d->p66)
			return -EOPNOTSUPP;
		ret = plain(d, d->lm64 ? 4 : iz(d));
		return ret < 0 ? ret : sys__push(d, 1, d->lm64 ? 8 : d->osz, INSN_W);
	case 0xE9:		/* jmp rel: with 66 in 64-bit mode, rel32 on Intel, rel16 on AMD */
		if (d->lm64 && d->p66)
			return -EOPNOTSUPP;
		return plain(d, d->lm64 ? 4 : iz(d));
	case 0xEA:
		return far_imm(d, false);
	case 0xF1:		/* int1 (icebp): a #DB delivered like int 1 */
		ret = plain(d, 0);
		return ret < 0 ? ret : sys__int(d, 1, false);
	case 0xF6: return group3(d, 1);
	case 0xF7: return group3(d, (uint64_t)d->osz);
	case 0xFE:		/* inc, dec Eb */
		ret = dec__modrm(d);
		if (ret == 0)
			ret = dec__finish(d, true);
		if (ret < 0)
			return ret;
		if ((d->reg & 7) > 1)
			return -EILSEQ;
		return d->is_mem ? acc__mem(d, 1, INSN_RW) : 0;
	case 0xFF:
		return group5(d);
	default:		/* prefixes never get here */
		return -EILSEQ;
	}
}
