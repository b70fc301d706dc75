/*
 * insn_access_0f.c - the two-byte (0F) opcode map's general-purpose and
 * system instructions, and the few of 0F 38 and 0F 3A that the decoder
 * knows (movbe, crc32).  SSE and MMX opcodes go to insn_access_vec.c.
 *
 * Choices:
 *  - bt, bts, btr, btc with a register bit offset reach beyond the operand:
 *    the access is the operand-size word at EA + size * floor(offset /
 *    (8 * size)), the offset signed at the operand size (SDM, and KVM's
 *    emulator the same);
 *  - cmpxchg, cmpxchg8b/16b always write (the old value back on a miss);
 *  - prefetch, the hint nops (0F 18-1F but MPX's 0F 1A/1B), clflush,
 *    clflushopt, clwb, invlpg, monitor: no access.  They read and write no
 *    data: no value in memory changes and none reaches a register, so no
 *    watchpoint, read or write, can be due.  (They can fault like a load;
 *    a fault makes a subset of the list, here nothing.)
 *  - MPX (0F 1A/1B), xsave and its family, VMX and SVM instructions, rsm,
 *    getsec, 3DNow!: unknown.
 */
#include "insn_access_dec.h"

static int no_access(struct dec *d, bool modrm, int immn)
{
	int ret = modrm ? dec__modrm(d) : 0;

	if (ret == 0)
		ret = dec__imm(d, immn, NULL);
	return ret < 0 ? ret : dec__finish(d, false);
}


/* floor(a / 2^shift) for a signed a. */
static int64_t floor_shift(int64_t a, int shift)
{
	return a >= 0 ? a >> shift : -((-(a + 1)) >> shift) - 1;
}

/* bt, bts, btr, btc Ev, Gv. */
static int bt_reg(struct dec *d, uint8_t rw)
{
	int ret = dec__modrm(d), shift;
	int64_t bit;
	uint64_t v;

	if (ret == 0)
		ret = dec__finish(d, rw != INSN_R);
	if (ret < 0 || !d->is_mem)
		return ret;
	v = dec__reg(d, d->reg);
	switch (d->osz) {
	case 2: bit = (int16_t)v; shift = 4; break;
	case 4: bit = (int32_t)v; shift = 5; break;
	default: bit = (int64_t)v; shift = 6; break;
	}
	return acc__mem_at(d, floor_shift(bit, shift) * d->osz, (uint64_t)d->osz, rw);
}

/* shld, shrd Ev, Gv, Ib / CL: a count of 0 changes nothing and may not write. */
static int shift_double(struct dec *d, bool imm)
{
	uint64_t count = 0;
	int ret = dec__modrm(d);

	if (ret == 0 && imm)
		ret = dec__imm(d, 1, &count);
	if (ret == 0)
		ret = dec__finish(d, false);
	if (ret < 0 || !d->is_mem)
		return ret;
	if (!imm)
		count = d->r->rcx;
	if (count & (d->osz == 8 ? 63 : 31))
		return acc__mem(d, (uint64_t)d->osz, INSN_RW);
	ret = acc__mem(d, (uint64_t)d->osz, INSN_R);
	return ret < 0 ? ret : acc__mem(d, (uint64_t)d->osz, INSN_W | INSN_MAYBE);
}

/* Group 7 (0F 01). */
static int group7(struct dec *d)
{
	int ret = dec__modrm(d), sub;
	uint8_t rm;

	if (ret == 0)
		ret = dec__finish(d, false);
	if (ret < 0)
		return ret;
	sub = d->reg & 7;
	if (d->is_mem) {
		switch (sub) {
		case 0:
		case 1:		/* sgdt, sidt: limit and base */
			return acc__mem(d, d->lm64 ? 10 : 6, INSN_W);
		case 2:
		case 3:		/* lgdt, lidt: a 16-bit operand uses 24 bits of base */
			if (d->lm64)
				return acc__mem(d, 10, INSN_R);
			if (d->osz == 4)
				return acc__mem(d, 6, INSN_R);
			ret = acc__mem(d, 5, INSN_R);
			return ret < 0 ? ret : acc__mem_at(d, 5, 1, INSN_R | INSN_MAYBE);
		case 4:		/* smsw */
			return acc__mem_store16(d);
		case 6:		/* lmsw */
			return acc__mem(d, 2, INSN_R);
		case 7:		/* invlpg */
			return 0;
		default:	/* rstorssp */
			return -EOPNOTSUPP;
		}
	}
	if (sub == 4 || sub == 6)	/* smsw, lmsw with a register */
		return 0;
	rm = (uint8_t)(0xC0 | sub << 3 | (d->rm & 7));
	switch (rm) {
	case 0xC8: case 0xC9:		/* monitor, mwait */
	case 0xCA: case 0xCB:		/* clac, stac */
	case 0xD0: case 0xD1:		/* xgetbv, xsetbv */
	case 0xD5: case 0xD6:		/* xend, xtest */
	case 0xDC: case 0xDD: case 0xDF:	/* stgi, clgi, invlpga */
	case 0xE8:			/* serialize */
	case 0xEE: case 0xEF:		/* rdpkru, wrpkru */
	case 0xF9:			/* rdtscp */
	case 0xFA: case 0xFB:		/* monitorx, mwaitx */
	case 0xFD:			/* rdpru */
		return 0;
	case 0xF8:			/* swapgs */
		return d->lm64 ? 0 : -EILSEQ;
	case 0xFC:			/* clzero: the 64-byte line at rAX */
		return acc__at(d, d->seg != SEG_NONE ? d->seg : SEG_DS,
			       d->r->rax & dec__amask(d->asz) & ~63ull, 64, INSN_W);
	default:			/* VMX, SVM, SGX, ... */
		return -EOPNOTSUPP;
	}
}

/* Group 9 (0F C7). */
static int group9(struct dec *d)
{
	int ret = dec__modrm(d), sub;

	if (ret < 0)
		return ret;
	sub = d->reg & 7;
	ret = dec__finish(d, sub == 1);
	if (ret < 0)
		return ret;
	if (!d->is_mem)
		return sub >= 6 ? 0 : -EOPNOTSUPP;	/* rdrand, rdseed, rdpid */
	if (sub == 1)		/* cmpxchg8b, cmpxchg16b */
		return acc__mem(d, REX_W(d) ? 16 : 8, INSN_RW);
	return -EOPNOTSUPP;	/* xrstors, xsavec, xsaves, vmptrld, vmptrst, ... */
}

/*
 * fxsave, fxrstor: the x87 and MXCSR part (160 bytes) and the XMM
 * registers (8 outside 64-bit mode, 16 in it) certainly; the rest of the
 * 512 bytes is reserved (288 or 416 to 463) or left to software (464 to
 * 511, which the SDM says FXSAVE does not write but this project's AMD
 * host wrote): INSN_MAYBE.  AMD's fast FXSAVE (EFER.FFXSR, at CPL 0 in
 * 64-bit mode) skips the XMM registers: those are INSN_MAYBE then.
 */
static int fx_area(struct dec *d, uint8_t rw)
{
	const uint64_t xmm = d->lm64 ? 16 * 16 : 8 * 16;
	const bool ffxsr = d->lm64 && d->cpl == 0 && (d->s->efer & (1ull << 14));
	int ret = acc__mem(d, 160, rw);

	if (ret == 0)
		ret = acc__mem_at(d, 160, xmm, (uint8_t)(rw | (ffxsr ? INSN_MAYBE : 0)));
	if (ret == 0)
		ret = acc__mem_at(d, (int64_t)(160 + xmm), 512 - 160 - xmm, (uint8_t)(rw | INSN_MAYBE));
	return ret;
}

/* Group 15 (0F AE). */
static int group15(struct dec *d)
{
	int ret = dec__modrm(d), sub;

	if (ret == 0)
		ret = dec__finish(d, false);
	if (ret < 0)
		return ret;
	sub = d->reg & 7;
	if (!d->is_mem) {
		if (d->rep == 0xF3)
			return sub <= 3 ? 0 : -EOPNOTSUPP;	/* rd/wr fs/gs base */
		if (d->rep == 0xF2 || d->p66)
			return sub == 6 ? 0 : -EOPNOTSUPP;	/* umwait, tpause */
		return sub >= 5 ? 0 : -EILSEQ;	/* lfence, mfence, sfence */
	}
	if (d->rep == 0xF3) {
		if (sub == 4)	/* ptwrite */
			return acc__mem(d, REX_W(d) ? 8 : 4, INSN_R);
		return -EOPNOTSUPP;
	}
	if (d->rep == 0xF2)
		return -EOPNOTSUPP;
	if (d->p66 && sub <= 5)	/* fxsave, fxrstor, xsave, xrstor: no 66 ("NP") */
		return sub == 2 || sub == 3 ? -EOPNOTSUPP : -EILSEQ;
	switch (sub) {
	case 0:
	case 1:
		return fx_area(d, sub == 0 ? INSN_W : INSN_R);
	case 2: return acc__mem(d, 4, INSN_R);		/* ldmxcsr */
	case 3: return acc__mem(d, 4, INSN_W);		/* stmxcsr */
	case 7: return 0;				/* clflush, clflushopt */
	case 6:
		if (d->p66)
			return 0;			/* clwb */
		return -EOPNOTSUPP;			/* xsaveopt */
	default: return -EOPNOTSUPP;			/* xsave, xrstor */
	}
}

int map0f__decode(struct dec *d, uint8_t op)
{
	int ret = vec__sse(d, op);

	if (ret != -ENOENT)
		return ret;
	switch (op) {
	case 0x00:
		return sys__group6(d);
	case 0x01:
		return group7(d);
	case 0x02:
	case 0x03:
		return sys__lar_lsl(d);
	case 0x05: case 0x07:		/* syscall, sysret */
	case 0x06:			/* clts */
	case 0x08: case 0x09:		/* invd, wbinvd */
	case 0x0E:			/* femms */
	case 0x30 ... 0x35:		/* wrmsr rdtsc rdmsr rdpmc sysenter sysexit */
	case 0x77:			/* emms */
	case 0xA2:			/* cpuid */
	case 0xC8 ... 0xCF:		/* bswap */
		return no_access(d, false, 0);
	case 0x0D:			/* prefetch, prefetchw */
		ret = no_access(d, true, 0);
		return ret < 0 ? ret : d->is_mem ? 0 : -EILSEQ;
	case 0x18: case 0x19:
	case 0x1C ... 0x1F:		/* prefetch hints, hint nops, endbr, cldemote */
	case 0x20 ... 0x23:		/* mov to and from CR, DR */
		return no_access(d, true, 0);
	case 0x40 ... 0x4F:		/* cmovcc: reads even when false */
		return dec__rm_op(d, (uint64_t)d->osz, INSN_R, false, 0);
	case 0x80 ... 0x8F:		/* jcc rel: 66 in 64-bit mode, see map1's jmp */
		if (d->lm64 && d->p66)
			return -EOPNOTSUPP;
		return no_access(d, false, d->osz == 2 && !d->lm64 ? 2 : 4);
	case 0x90 ... 0x9F:		/* setcc */
		return dec__rm_op(d, 1, INSN_W, false, 0);
	case 0xA0: return sys__push_sreg(d, SEG_FS);
	case 0xA1: return sys__pop_sreg(d, SEG_FS);
	case 0xA8: return sys__push_sreg(d, SEG_GS);
	case 0xA9: return sys__pop_sreg(d, SEG_GS);
	case 0xA3: return bt_reg(d, INSN_R);
	case 0xAB:
	case 0xB3:
	case 0xBB: return bt_reg(d, INSN_RW);
	case 0xA4: case 0xAC: return shift_double(d, true);
	case 0xA5: case 0xAD: return shift_double(d, false);
	case 0xAE: return group15(d);
	case 0xAF: return dec__rm_op(d, (uint64_t)d->osz, INSN_R, false, 0);	/* imul */
	case 0xB0: return dec__rm_op(d, 1, INSN_RW, true, 0);		/* cmpxchg */
	case 0xB1: return dec__rm_op(d, (uint64_t)d->osz, INSN_RW, true, 0);
	case 0xB2: return sys__load_far(d, SEG_SS);
	case 0xB4: return sys__load_far(d, SEG_FS);
	case 0xB5: return sys__load_far(d, SEG_GS);
	case 0xB6: case 0xBE: return dec__rm_op(d, 1, INSN_R, false, 0);	/* movzx, movsx */
	case 0xB7: case 0xBF: return dec__rm_op(d, 2, INSN_R, false, 0);
	case 0xB8:			/* popcnt; jmpe without F3 */
		if (d->rep != 0xF3)
			return -EILSEQ;
		return dec__rm_op(d, (uint64_t)d->osz, INSN_R, false, 0);
	case 0xBA:			/* group 8: bt, bts, btr, btc Ev, Ib */
		ret = dec__modrm(d);
		if (ret == 0)
			ret = dec__imm(d, 1, NULL);
		if (ret < 0)
			return ret;
		if ((d->reg & 7) < 4)
			return -EILSEQ;
		ret = dec__finish(d, (d->reg & 7) != 4);
		if (ret < 0 || !d->is_mem)
			return ret;
		return acc__mem(d, (uint64_t)d->osz, (d->reg & 7) == 4 ? INSN_R : INSN_RW);
	case 0xBC: case 0xBD:		/* bsf/tzcnt, bsr/lzcnt; with F2: undefined */
		if (d->rep == 0xF2)
			return -EOPNOTSUPP;
		return dec__rm_op(d, (uint64_t)d->osz, INSN_R, false, 0);
	case 0xC0: return dec__rm_op(d, 1, INSN_RW, true, 0);		/* xadd */
	case 0xC1: return dec__rm_op(d, (uint64_t)d->osz, INSN_RW, true, 0);
	case 0xC7: return group9(d);
	case 0x0B: case 0xB9: case 0xFF:	/* ud2, ud1, ud0 */
	case 0x24: case 0x26:		/* mov to and from TR (386, 486) */
	case 0xA6: case 0xA7:
		return -EILSEQ;
	default:	/* 0F 0F 3DNow!, 1A/1B MPX, 37 getsec, 78/79 VMX, AA rsm, ... */
		return -EOPNOTSUPP;
	}
}

/* 0F 38: movbe and crc32; the SSSE3/SSE4 rest is not modelled. */
int map0f38__decode(struct dec *d, uint8_t op)
{
	if (op != 0xF0 && op != 0xF1)
		return -EOPNOTSUPP;
	if (d->rep == 0xF2)		/* crc32 Gd, Eb / Ey */
		return dec__rm_op(d, op == 0xF0 ? 1 : (uint64_t)d->osz, INSN_R, false, 0);
	if (d->rep == 0xF3)
		return -EILSEQ;
	{
		int ret = dec__modrm(d);	/* movbe Gv, Mv / Mv, Gv: memory only */

		if (ret == 0)
			ret = dec__finish(d, false);
		if (ret < 0)
			return ret;
		if (!d->is_mem)
			return -EILSEQ;
		return acc__mem(d, (uint64_t)d->osz, op == 0xF0 ? INSN_R : INSN_W);
	}
}

int map0f3a__decode(struct dec *d, uint8_t op)
{
	(void)d;
	(void)op;
	return -EOPNOTSUPP;
}
