/*
 * insn.c - a few x86 instructions that touch only registers, executed in
 * the daemon.
 *
 * Why: a false breakpoint condition must get the vCPU past the
 * instruction under a debug-register breakpoint.  Where KVM ignores
 * RFLAGS.RF (kvm-pvm), that is a step: two KVM_SET_GUEST_DEBUG and two
 * KVM_RUN, each paying the host's vcpu_load.  When the instruction is one
 * of these, the daemon does what the CPU would (registers, flags, the
 * instruction pointer) and the vCPU runs on from the next instruction:
 * one exit per false hit (run_loop.c).  Anything else, and anything in
 * doubt, returns 0 and is stepped as before.
 *
 * The instructions, with register operands only (ModRM mod 3) or an
 * immediate: add, or, adc, sbb, and, sub, xor, cmp (opcodes 00-3D, 80,
 * 81, 83); test (84, 85, A8, A9, F6 /0, F7 /0); mov (88-8B, B0-BF); inc
 * and dec (40-4F outside 64-bit mode, FE /0 /1, FF /0 /1); nop (90).
 * Prefixes: 66 (operand size) and, in 64-bit mode, one REX.  Flags as the
 * SDM gives them; AF after and, or, xor and test (undefined there) is
 * cleared, as the Intel CPU and KVM's emulator we compared with do.
 * tests/e2e/insn_vs_cpu.c compares every form with what KVM's vCPU does
 * in real, protected and long mode.
 */
#include "insn.h"

#include <stdbool.h>

#define F_CF	0x001ull
#define F_PF	0x004ull
#define F_AF	0x010ull
#define F_ZF	0x040ull
#define F_SF	0x080ull
#define F_OF	0x800ull
#define F_ARITH	(F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)

enum alu { ADD, OR, ADC, SBB, AND, SUB, XOR, CMP, TEST, INC, DEC };

struct insn_state {
	struct kvm_regs *r;
	int bits;		/* the operand size: 8, 16, 32 or 64 */
	bool rex;		/* a REX prefix: byte registers 4-7 are spl..dil */
};

static __u64 *gpr(struct kvm_regs *r, int n)
{
	__u64 *const regs[16] = {
		&r->rax, &r->rcx, &r->rdx, &r->rbx, &r->rsp, &r->rbp, &r->rsi, &r->rdi,
		&r->r8, &r->r9, &r->r10, &r->r11, &r->r12, &r->r13, &r->r14, &r->r15,
	};

	return regs[n & 15];
}

static uint64_t mask_of(int bits)
{
	return bits == 64 ? ~0ull : (1ull << bits) - 1;
}

/* Register n at the operand size (8-bit: al..bl, then ah..bh without REX). */
static uint64_t get_reg(const struct insn_state *st, int n)
{
	if (st->bits == 8 && !st->rex && n >= 4 && n < 8)
		return (*gpr(st->r, n - 4) >> 8) & 0xFF;
	return *gpr(st->r, n) & mask_of(st->bits);
}

/*
 * Write at the operand size: 8 and 16 bits keep the rest of the register,
 * 32 bits clear the upper half (64-bit mode does; elsewhere the upper half
 * cannot be seen, and KVM's own emulator clears it too).
 */
static void set_reg(const struct insn_state *st, int n, uint64_t val)
{
	__u64 *p;

	if (st->bits == 8 && !st->rex && n >= 4 && n < 8) {
		p = gpr(st->r, n - 4);
		*p = (*p & ~0xFF00ull) | (val & 0xFF) << 8;
		return;
	}
	p = gpr(st->r, n);
	switch (st->bits) {
	case 8:
		*p = (*p & ~0xFFull) | (val & 0xFF);
		break;
	case 16:
		*p = (*p & ~0xFFFFull) | (val & 0xFFFF);
		break;
	case 32:
		*p = val & 0xFFFFFFFFull;
		break;
	default:
		*p = val;
		break;
	}
}

static bool parity_even(uint64_t v)
{
	return !__builtin_parity((unsigned int)(v & 0xFF));
}

/* The operation, its result and the flags it leaves in st->r->rflags;
 * false for the compare-only forms' "no result to write". */
static bool alu(struct insn_state *st, enum alu op, uint64_t a, uint64_t b, uint64_t *res)
{
	const uint64_t m = mask_of(st->bits), sign = 1ull << (st->bits - 1);
	uint64_t fl = st->r->rflags, cin = fl & F_CF ? 1 : 0, v = 0, out;
	bool cf = false, of = false, af = false, write = true;

	a &= m;
	b &= m;
	switch (op) {
	case ADC:
	case ADD:
	case INC:
		if (op == INC)
			b = 1;
		if (op != ADC)
			cin = 0;
		v = (a + b + cin) & m;
		cf = v < a || (cin && v == a);
		of = ((a ^ v) & (b ^ v) & sign) != 0;
		af = ((a ^ b ^ v) & 0x10) != 0;
		break;
	case SBB:
	case SUB:
	case CMP:
	case DEC:
		if (op == DEC)
			b = 1;
		if (op != SBB)
			cin = 0;
		v = (a - b - cin) & m;
		cf = a < b || (cin && a == b);
		of = ((a ^ b) & (a ^ v) & sign) != 0;
		af = ((a ^ b ^ v) & 0x10) != 0;
		write = op != CMP;
		break;
	case AND:
	case TEST:
		v = a & b;
		write = op != TEST;
		break;
	case OR:
		v = a | b;
		break;
	case XOR:
		v = a ^ b;
		break;
	}
	out = fl & ~F_ARITH;
	if (op == INC || op == DEC)
		out |= fl & F_CF;	/* inc and dec leave CF */
	else if (cf)
		out |= F_CF;
	if (of)
		out |= F_OF;
	if (af)
		out |= F_AF;
	if (!v)
		out |= F_ZF;
	if (v & sign)
		out |= F_SF;
	if (parity_even(v))
		out |= F_PF;
	st->r->rflags = out;
	*res = v;
	return write;
}

/* A little-endian immediate of n bytes, sign-extended to 64 bits if asked. */
static uint64_t imm(const uint8_t *p, int n, bool sign_extend)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	if (sign_extend && n < 8 && (v >> (8 * n - 1)) & 1)
		v |= ~0ull << (8 * n);
	return v;
}

int insn__exec(const uint8_t *code, size_t avail, int mode_bits, struct kvm_regs *r)
{
	struct kvm_regs out = *r;
	struct insn_state st = { .r = &out };
	size_t i = 0;
	bool opsize = false, rexw = false, rexr = false, rexb = false;
	int vbits, len, immn;
	uint8_t op, modrm;
	uint64_t a, b, v;

	if (mode_bits != 16 && mode_bits != 32 && mode_bits != 64)
		return 0;
	if (avail > 15)
		avail = 15;
	while (i < avail && code[i] == 0x66) {
		opsize = true;
		i++;
	}
	if (mode_bits == 64 && i < avail && (code[i] & 0xF0) == 0x40) {
		st.rex = true;
		rexw = code[i] & 8;
		rexr = code[i] & 4;
		rexb = code[i] & 1;
		if (code[i] & 2)
			return 0;	/* REX.X: an index register, so memory */
		i++;
	}
	if (i >= avail)
		return 0;
	op = code[i++];
	if (mode_bits == 64)
		vbits = rexw ? 64 : opsize ? 16 : 32;
	else
		vbits = (mode_bits == 32) != opsize ? 32 : 16;
	immn = vbits == 16 ? 2 : 4;	/* Iz: 4 bytes at 32 and 64 bits */

	/* The ALU block: 00-3D, op / 8 is the operation, op % 8 the form. */
	if (op < 0x40 && (op & 7) < 6) {
		enum alu f = (enum alu)(op >> 3);
		int form = op & 7;

		st.bits = form & 1 ? vbits : 8;
		if (form < 4) {
			if (i >= avail || (code[i] >> 6) != 3)
				return 0;
			modrm = code[i++];
			int reg = ((modrm >> 3) & 7) | (rexr ? 8 : 0);
			int rm = (modrm & 7) | (rexb ? 8 : 0);
			int dst = form < 2 ? rm : reg, src = form < 2 ? reg : rm;

			a = get_reg(&st, dst);
			b = get_reg(&st, src);
			if (alu(&st, f, a, b, &v))
				set_reg(&st, dst, v);
		} else {
			int n = st.bits == 8 ? 1 : immn;

			if (i + (size_t)n > avail)
				return 0;
			b = imm(code + i, n, true);
			i += (size_t)n;
			a = get_reg(&st, 0);
			if (alu(&st, f, a, b, &v))
				set_reg(&st, 0, v);
		}
		goto done;
	}
	switch (op) {
	case 0x40 ... 0x4F:	/* inc, dec r (REX in 64-bit mode, taken above) */
		if (mode_bits == 64)
			return 0;
		st.bits = vbits;
		a = get_reg(&st, op & 7);
		alu(&st, op < 0x48 ? INC : DEC, a, 1, &v);
		set_reg(&st, op & 7, v);
		goto done;
	case 0x80:
	case 0x81:
	case 0x83:		/* ALU Eb/Ev, Ib/Iz/Ib sign-extended */
	case 0xF6:
	case 0xF7: {		/* test Eb/Ev, Ib/Iz (/0 only) */
		int n;
		enum alu f;

		if (i >= avail || (code[i] >> 6) != 3)
			return 0;
		modrm = code[i++];
		st.bits = op == 0x80 || op == 0xF6 ? 8 : vbits;
		if (op >= 0xF6) {
			if ((modrm >> 3) & 7)
				return 0;
			f = TEST;
		} else {
			f = (enum alu)((modrm >> 3) & 7);
		}
		n = op == 0x81 || op == 0xF7 ? (st.bits == 8 ? 1 : immn) : 1;
		if (i + (size_t)n > avail)
			return 0;
		b = imm(code + i, n, true);
		i += (size_t)n;
		int rm = (modrm & 7) | (rexb ? 8 : 0);

		a = get_reg(&st, rm);
		if (alu(&st, f, a, b, &v))
			set_reg(&st, rm, v);
		goto done;
	}
	case 0x84:
	case 0x85:		/* test Eb,Gb / Ev,Gv */
	case 0x88:
	case 0x89:
	case 0x8A:
	case 0x8B: {		/* mov Eb,Gb / Ev,Gv / Gb,Eb / Gv,Ev */
		if (i >= avail || (code[i] >> 6) != 3)
			return 0;
		modrm = code[i++];
		st.bits = op & 1 ? vbits : 8;
		int reg = ((modrm >> 3) & 7) | (rexr ? 8 : 0);
		int rm = (modrm & 7) | (rexb ? 8 : 0);

		if (op < 0x88) {
			alu(&st, TEST, get_reg(&st, rm), get_reg(&st, reg), &v);
		} else if (op < 0x8A) {
			set_reg(&st, rm, get_reg(&st, reg));
		} else {
			set_reg(&st, reg, get_reg(&st, rm));
		}
		goto done;
	}
	case 0x90:		/* nop; with REX.B it is xchg r8, rax */
		if (rexb)
			return 0;
		goto done;
	case 0xA8:
	case 0xA9:		/* test al/eAX, Ib/Iz */
		st.bits = op == 0xA8 ? 8 : vbits;
		immn = st.bits == 8 ? 1 : immn;
		if (i + (size_t)immn > avail)
			return 0;
		alu(&st, TEST, get_reg(&st, 0), imm(code + i, immn, true), &v);
		i += (size_t)immn;
		goto done;
	case 0xB0 ... 0xB7:	/* mov r8, Ib */
		st.bits = 8;
		if (i + 1 > avail)
			return 0;
		set_reg(&st, (op & 7) | (rexb ? 8 : 0), code[i]);
		i++;
		goto done;
	case 0xB8 ... 0xBF:	/* mov r, Iv (8 bytes with REX.W) */
		st.bits = vbits;
		immn = vbits == 64 ? 8 : vbits / 8;
		if (i + (size_t)immn > avail)
			return 0;
		set_reg(&st, (op & 7) | (rexb ? 8 : 0), imm(code + i, immn, false));
		i += (size_t)immn;
		goto done;
	case 0xFE:
	case 0xFF:		/* inc, dec Eb/Ev (/0, /1 only) */
		if (i >= avail || (code[i] >> 6) != 3 || ((code[i] >> 3) & 7) > 1)
			return 0;
		modrm = code[i++];
		st.bits = op == 0xFE ? 8 : vbits;
		{
			int rm = (modrm & 7) | (rexb ? 8 : 0);

			alu(&st, (modrm >> 3) & 7 ? DEC : INC, get_reg(&st, rm), 1, &v);
			set_reg(&st, rm, v);
		}
		goto done;
	default:
		return 0;
	}
done:
	len = (int)i;
	out.rip = (out.rip + (uint64_t)len) & mask_of(mode_bits == 16 ? 16 :
						     mode_bits == 32 ? 32 : 64);
	*r = out;
	return len;
}
