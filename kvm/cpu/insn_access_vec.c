/*
 * insn_access_vec.c - x87, MMX, SSE/SSE2/SSE3 and VEX-encoded memory
 * operands: their sizes.
 *
 * x87 (D8-DF): the SDM's operand per opcode and ModRM.reg; fldenv,
 * fnstenv 14 bytes at a 16-bit operand size, else 28; frstor, fnsave 94
 * or 108.  Register forms touch no memory.
 *
 * The 0F map's vector instructions, legacy or VEX: one row per opcode,
 * one column per mandatory prefix (none, 66, F3, F2; for legacy encodings
 * F2/F3 win over 66), each with the memory operand's size for 128-bit
 * registers and under VEX.L = 1 (0: #UD there).  Scalars stay 4 or 8 at
 * any L; a shift count in xmm/m128 stays 16; the "W" sizes are 4, or 8
 * with REX.W / VEX.W.  The VEX 0F 38 and 0F 3A maps (AVX2 gathers, masked
 * moves, FMA...) and EVEX are not modelled.
 */
#include "insn_access_dec.h"

/* ---- x87 ---- */

/* Memory forms: size in bytes, 'r' or 'w', by opcode D8-DF and reg; 0: #UD.
 * E and S are fldenv/fnstenv's and frstor/fnsave's sizes, fixed at use. */
#define E 0xFE
#define S 0xFF
static const struct { uint8_t size, rw; } x87[8][8] = {
	/* D8: fadd fmul fcom fcomp fsub fsubr fdiv fdivr m32fp */
	{ {4,'r'}, {4,'r'}, {4,'r'}, {4,'r'}, {4,'r'}, {4,'r'}, {4,'r'}, {4,'r'} },
	/* D9: fld m32, -, fst m32, fstp m32, fldenv, fldcw, fnstenv, fnstcw */
	{ {4,'r'}, {0,0}, {4,'w'}, {4,'w'}, {E,'r'}, {2,'r'}, {E,'w'}, {2,'w'} },
	/* DA: fiadd ... fidivr m32int */
	{ {4,'r'}, {4,'r'}, {4,'r'}, {4,'r'}, {4,'r'}, {4,'r'}, {4,'r'}, {4,'r'} },
	/* DB: fild m32, fisttp m32, fist m32, fistp m32, -, fld m80, -, fstp m80 */
	{ {4,'r'}, {4,'w'}, {4,'w'}, {4,'w'}, {0,0}, {10,'r'}, {0,0}, {10,'w'} },
	/* DC: arithmetic m64fp */
	{ {8,'r'}, {8,'r'}, {8,'r'}, {8,'r'}, {8,'r'}, {8,'r'}, {8,'r'}, {8,'r'} },
	/* DD: fld m64, fisttp m64, fst m64, fstp m64, frstor, -, fnsave, fnstsw */
	{ {8,'r'}, {8,'w'}, {8,'w'}, {8,'w'}, {S,'r'}, {0,0}, {S,'w'}, {2,'w'} },
	/* DE: arithmetic m16int */
	{ {2,'r'}, {2,'r'}, {2,'r'}, {2,'r'}, {2,'r'}, {2,'r'}, {2,'r'}, {2,'r'} },
	/* DF: fild m16, fisttp m16, fist m16, fistp m16, fbld, fild m64, fbstp, fistp m64 */
	{ {2,'r'}, {2,'w'}, {2,'w'}, {2,'w'}, {10,'r'}, {8,'r'}, {10,'w'}, {8,'w'} },
};

int vec__x87(struct dec *d, uint8_t op)
{
	int ret = dec__modrm(d);
	uint64_t size;

	if (ret == 0)
		ret = dec__finish(d, false);
	if (ret < 0 || !d->is_mem)
		return ret;
	size = x87[op - 0xD8][d->reg & 7].size;
	if (!size)
		return -EILSEQ;
	if (size == E)
		size = d->osz == 2 ? 14 : 28;
	else if (size == S)
		size = d->osz == 2 ? 94 : 108;
	return acc__mem(d, size, x87[op - 0xD8][d->reg & 7].rw == 'r' ? INSN_R : INSN_W);
}
#undef E
#undef S

/* ---- SSE and VEX in the 0F map ---- */

/* A column: its size (128-bit and VEX.256) and what it is. */
struct vcol {
	uint8_t len, len256;
	uint8_t f;
};

#define V_R	0x01	/* the memory operand is read */
#define V_W	0x02	/* ... written */
#define V_IMM	0x04	/* an 8-bit immediate follows */
#define V_MMX	0x08	/* legacy only (MMX registers, or no VEX form) */
#define V_WSZ	0x10	/* 4 bytes, or 8 with REX.W / VEX.W */
#define V_REG	0x20	/* register operands only: a memory form is #UD */
#define V_UNK	0x40	/* not modelled (masked stores, vendor-only forms) */

#define NO		{ 0, 0, 0 }
#define R(a, b)		{ a, b, V_R }
#define W(a, b)		{ a, b, V_W }
#define RI(a, b)	{ a, b, V_R | V_IMM }
#define MR(a)		{ a, 0, V_R | V_MMX }		/* legacy-only read */
#define MW(a)		{ a, 0, V_W | V_MMX }
#define MRI(a)		{ a, 0, V_R | V_MMX | V_IMM }
#define REG		{ 0, 0, V_REG }
#define REGI		{ 0, 0, V_REG | V_IMM }
#define MREG		{ 0, 0, V_REG | V_MMX }
#define MREGI		{ 0, 0, V_REG | V_MMX | V_IMM }
#define UNK		{ 0, 0, V_UNK }
#define P(a)		R(a, 2 * a)			/* packed: 16, 32 under VEX.L */
#define SC(a)		R(a, a)				/* scalar: L ignored */
#define MMXP		MR(8), P(16), NO, NO		/* mm/m64 or xmm/m128 */
#define MMXC		MR(8), R(16, 16), NO, NO	/* ... a shift count: m128 at any L */

struct vrow {
	uint8_t op;
	struct vcol c[4];	/* none, 66, F3, F2 */
};

static const struct vrow sse[] = {
	{ 0x10, { P(16), P(16), SC(4), SC(8) } },	/* movups movupd movss movsd */
	{ 0x11, { W(16, 32), W(16, 32), W(4, 4), W(8, 8) } },
	{ 0x12, { R(8, 0), R(8, 0), P(16), R(8, 32) } },	/* movlps movlpd movsldup movddup */
	{ 0x13, { W(8, 0), W(8, 0), NO, NO } },		/* movlps movlpd stores */
	{ 0x14, { P(16), P(16), NO, NO } },		/* unpcklps/pd */
	{ 0x15, { P(16), P(16), NO, NO } },		/* unpckhps/pd */
	{ 0x16, { R(8, 0), R(8, 0), P(16), NO } },	/* movhps movhpd movshdup */
	{ 0x17, { W(8, 0), W(8, 0), NO, NO } },
	{ 0x28, { P(16), P(16), NO, NO } },		/* movaps movapd */
	{ 0x29, { W(16, 32), W(16, 32), NO, NO } },
	/* cvtpi2ps cvtpi2pd (mm/m64), cvtsi2ss cvtsi2sd (r/m32, r/m64) */
	{ 0x2A, { MR(8), MR(8), { 4, 4, V_R | V_WSZ }, { 4, 4, V_R | V_WSZ } } },
	{ 0x2B, { W(16, 32), W(16, 32), UNK, UNK } },	/* movntps/pd; AMD's movntss/sd */
	{ 0x2C, { MR(8), MR(16), SC(4), SC(8) } },	/* cvtt*2pi, cvtt*2si */
	{ 0x2D, { MR(8), MR(16), SC(4), SC(8) } },
	{ 0x2E, { SC(4), SC(8), NO, NO } },		/* ucomiss ucomisd */
	{ 0x2F, { SC(4), SC(8), NO, NO } },		/* comiss comisd */
	{ 0x50, { REG, REG, NO, NO } },			/* movmskps/pd */
	{ 0x51, { P(16), P(16), SC(4), SC(8) } },	/* sqrt */
	{ 0x52, { P(16), NO, SC(4), NO } },		/* rsqrt */
	{ 0x53, { P(16), NO, SC(4), NO } },		/* rcp */
	{ 0x54, { P(16), P(16), NO, NO } },		/* and */
	{ 0x55, { P(16), P(16), NO, NO } },		/* andn */
	{ 0x56, { P(16), P(16), NO, NO } },		/* or */
	{ 0x57, { P(16), P(16), NO, NO } },		/* xor */
	{ 0x58, { P(16), P(16), SC(4), SC(8) } },	/* add */
	{ 0x59, { P(16), P(16), SC(4), SC(8) } },	/* mul */
	{ 0x5A, { R(8, 16), P(16), SC(4), SC(8) } },	/* cvtps2pd cvtpd2ps cvtss2sd cvtsd2ss */
	{ 0x5B, { P(16), P(16), P(16), NO } },		/* cvtdq2ps cvtps2dq cvttps2dq */
	{ 0x5C, { P(16), P(16), SC(4), SC(8) } },	/* sub */
	{ 0x5D, { P(16), P(16), SC(4), SC(8) } },	/* min */
	{ 0x5E, { P(16), P(16), SC(4), SC(8) } },	/* div */
	{ 0x5F, { P(16), P(16), SC(4), SC(8) } },	/* max */
	{ 0x60, { MR(4), P(16), NO, NO } },		/* punpcklbw: mm, m32 */
	{ 0x61, { MR(4), P(16), NO, NO } },		/* punpcklwd */
	{ 0x62, { MR(4), P(16), NO, NO } },		/* punpckldq */
	{ 0x63, { MMXP } }, { 0x64, { MMXP } }, { 0x65, { MMXP } }, { 0x66, { MMXP } },
	{ 0x67, { MMXP } }, { 0x68, { MMXP } }, { 0x69, { MMXP } }, { 0x6A, { MMXP } },
	{ 0x6B, { MMXP } },
	{ 0x6C, { NO, P(16), NO, NO } },		/* punpcklqdq */
	{ 0x6D, { NO, P(16), NO, NO } },		/* punpckhqdq */
	/* movd/movq mm, r/m; movd/movq xmm, r/m */
	{ 0x6E, { { 4, 0, V_R | V_WSZ | V_MMX }, { 4, 0, V_R | V_WSZ }, NO, NO } },
	{ 0x6F, { MR(8), P(16), P(16), NO } },		/* movq movdqa movdqu */
	{ 0x70, { MRI(8), RI(16, 32), RI(16, 32), RI(16, 32) } },	/* pshufw pshufd pshufhw pshuflw */
	{ 0x71, { MREGI, REGI, NO, NO } },		/* shifts by an immediate */
	{ 0x72, { MREGI, REGI, NO, NO } },
	{ 0x73, { MREGI, REGI, NO, NO } },
	{ 0x74, { MMXP } }, { 0x75, { MMXP } }, { 0x76, { MMXP } },	/* pcmpeq */
	{ 0x78, { UNK, UNK, NO, UNK } },		/* vmread; AMD's extrq, insertq */
	{ 0x79, { UNK, UNK, NO, UNK } },
	{ 0x7C, { NO, P(16), NO, P(16) } },		/* haddpd haddps */
	{ 0x7D, { NO, P(16), NO, P(16) } },		/* hsubpd hsubps */
	/* movd/movq r/m, mm; movd/movq r/m, xmm; movq xmm, xmm/m64 */
	{ 0x7E, { { 4, 0, V_W | V_WSZ | V_MMX }, { 4, 0, V_W | V_WSZ }, R(8, 0), NO } },
	{ 0x7F, { MW(8), W(16, 32), W(16, 32), NO } },	/* movq movdqa movdqu */
	{ 0xC2, { RI(16, 32), RI(16, 32), RI(4, 4), RI(8, 8) } },	/* cmpps/pd/ss/sd */
	{ 0xC3, { { 4, 0, V_W | V_WSZ | V_MMX }, NO, NO, NO } },	/* movnti */
	{ 0xC4, { MRI(2), RI(2, 0), NO, NO } },		/* pinsrw */
	{ 0xC5, { MREGI, REGI, NO, NO } },		/* pextrw */
	{ 0xC6, { RI(16, 32), RI(16, 32), NO, NO } },	/* shufps shufpd */
	{ 0xD0, { NO, P(16), NO, P(16) } },		/* addsubpd addsubps */
	{ 0xD1, { MMXC } }, { 0xD2, { MMXC } }, { 0xD3, { MMXC } },	/* psrlw/d/q */
	{ 0xD4, { MMXP } }, { 0xD5, { MMXP } },
	{ 0xD6, { NO, W(8, 0), REG, REG } },		/* movq store, movq2dq, movdq2q */
	{ 0xD7, { MREG, REG, NO, NO } },		/* pmovmskb */
	{ 0xD8, { MMXP } }, { 0xD9, { MMXP } }, { 0xDA, { MMXP } }, { 0xDB, { MMXP } },
	{ 0xDC, { MMXP } }, { 0xDD, { MMXP } }, { 0xDE, { MMXP } }, { 0xDF, { MMXP } },
	{ 0xE0, { MMXP } }, { 0xE1, { MMXC } }, { 0xE2, { MMXC } }, { 0xE3, { MMXP } },
	{ 0xE4, { MMXP } }, { 0xE5, { MMXP } },
	{ 0xE6, { NO, P(16), R(8, 16), P(16) } },	/* cvttpd2dq cvtdq2pd cvtpd2dq */
	{ 0xE7, { MW(8), W(16, 32), NO, NO } },		/* movntq movntdq */
	{ 0xE8, { MMXP } }, { 0xE9, { MMXP } }, { 0xEA, { MMXP } }, { 0xEB, { MMXP } },
	{ 0xEC, { MMXP } }, { 0xED, { MMXP } }, { 0xEE, { MMXP } }, { 0xEF, { MMXP } },
	{ 0xF0, { NO, NO, NO, P(16) } },		/* lddqu */
	{ 0xF1, { MMXC } }, { 0xF2, { MMXC } }, { 0xF3, { MMXC } },	/* psllw/d/q */
	{ 0xF4, { MMXP } }, { 0xF5, { MMXP } }, { 0xF6, { MMXP } },
	{ 0xF7, { UNK, UNK, NO, NO } },			/* maskmovq, maskmovdqu: masked */
	{ 0xF8, { MMXP } }, { 0xF9, { MMXP } }, { 0xFA, { MMXP } }, { 0xFB, { MMXP } },
	{ 0xFC, { MMXP } }, { 0xFD, { MMXP } }, { 0xFE, { MMXP } },
};

static const struct vrow *sse_row(uint8_t op)
{
	for (size_t i = 0; i < sizeof(sse) / sizeof(sse[0]); i++)
		if (sse[i].op == op)
			return &sse[i];
	return NULL;
}

/* The column's access, once the prefix (index 0-3) and VEX.L are known. */
static int vec_op(struct dec *d, const struct vcol *c)
{
	uint64_t len;
	int ret;

	if (c->f & V_UNK)
		return -EOPNOTSUPP;
	if (!c->f || (d->vex && (c->f & V_MMX)))
		return -EILSEQ;
	ret = dec__modrm(d);
	if (ret == 0 && (c->f & V_IMM))
		ret = dec__imm(d, 1, NULL);
	if (ret == 0)
		ret = dec__finish(d, false);
	if (ret < 0)
		return ret;
	if (!d->is_mem)
		return 0;
	if (c->f & V_REG)
		return -EILSEQ;
	len = d->vex && d->vex_l ? c->len256 : c->len;
	if (!len)
		return -EILSEQ;
	if ((c->f & V_WSZ) && REX_W(d))
		len = 8;
	return acc__mem(d, len, c->f & V_W ? INSN_W : INSN_R);
}

int vec__sse(struct dec *d, uint8_t op)
{
	const struct vrow *row = sse_row(op);
	int col;

	if (!row)
		return -ENOENT;
	col = d->rep == 0xF3 ? 2 : d->rep == 0xF2 ? 3 : d->p66 ? 1 : 0;
	return vec_op(d, &row->c[col]);
}

/* VEX: C5 (2 bytes: R vvvv L pp) or C4 (3 bytes: R X B mmmmm, W vvvv L pp). */
int vec__vex(struct dec *d, uint8_t first)
{
	uint8_t b1, b2, op;
	const struct vrow *row;
	int ret;

	if (d->p66 || d->rep || d->lock || d->rex)
		return -EILSEQ;
	ret = dec__byte(d, &b1);
	if (ret < 0)
		return ret;
	if (first == 0xC5) {
		b2 = b1;
		d->vex_map = 1;
		d->rex = (uint8_t)(0x40 | (b1 & 0x80 ? 0 : 4));
	} else {
		ret = dec__byte(d, &b2);
		if (ret < 0)
			return ret;
		d->vex_map = b1 & 0x1F;
		d->rex = (uint8_t)(0x40 | (b2 & 0x80 ? 8 : 0) | (b1 & 0x80 ? 0 : 4));
		if (d->lm64)	/* X and B extend the address's registers in 64-bit mode only */
			d->rex |= (uint8_t)((b1 & 0x40 ? 0 : 2) | (b1 & 0x20 ? 0 : 1));
	}
	d->vex = true;
	d->vex_l = (b2 >> 2) & 1;
	d->vex_pp = b2 & 3;
	if (!d->lm64)
		d->rex &= (uint8_t)~(4 | 8);	/* R and W (vmovd's, vcvtsi2ss's) count in 64-bit mode only */
	ret = dec__byte(d, &op);
	if (ret < 0)
		return ret;
	if (d->vex_map != 1)
		return -EOPNOTSUPP;	/* 0F 38, 0F 3A: not modelled */
	if (op == 0x77)			/* vzeroupper, vzeroall */
		return dec__finish(d, false);
	if (op == 0xAE) {		/* vldmxcsr, vstmxcsr */
		ret = dec__modrm(d);
		if (ret == 0)
			ret = dec__finish(d, false);
		if (ret < 0)
			return ret;
		if (!d->is_mem || d->vex_l || d->vex_pp || ((d->reg & 7) != 2 && (d->reg & 7) != 3))
			return -EILSEQ;
		return acc__mem(d, 4, (d->reg & 7) == 2 ? INSN_R : INSN_W);
	}
	row = sse_row(op);
	if (!row)
		return -EOPNOTSUPP;
	return vec_op(d, &row->c[d->vex_pp]);
}
