/*
 * insn_access_dec.c - the decoder's primitives (insn_access_dec.h): bytes
 * and immediates, ModRM/SIB effective addresses, segment bases and the
 * address-size wrap, memory the instruction reads as it decodes, and the
 * accesses it lists.  The opcode maps (insn_access_map1.c, _0f.c, _vec.c,
 * _sys.c) stand on these; insn_access.c, the entry, on them.
 */
#include "insn_access_dec.h"

#include <string.h>

int dec__byte(struct dec *d, uint8_t *b)
{
	if (d->pos >= INSN_MAX_LEN)
		return -EILSEQ;		/* longer than 15 bytes: #GP, nothing accessed */
	if (d->pos >= d->avail)
		return -ENODATA;
	*b = d->code[d->pos++];
	return 0;
}

int dec__imm(struct dec *d, int n, uint64_t *v)
{
	uint64_t x = 0;

	for (int i = 0; i < n; i++) {
		uint8_t b;
		int ret = dec__byte(d, &b);

		if (ret < 0)
			return ret;
		x |= (uint64_t)b << (8 * i);
	}
	if (v)
		*v = x;
	return 0;
}

static int64_t sext(uint64_t v, int bytes)
{
	int shift = 64 - 8 * bytes;

	return bytes >= 8 ? (int64_t)v : (int64_t)(v << shift) >> shift;
}

uint64_t dec__reg(const struct dec *d, int n)
{
	const __u64 *regs[16] = {
		&d->r->rax, &d->r->rcx, &d->r->rdx, &d->r->rbx,
		&d->r->rsp, &d->r->rbp, &d->r->rsi, &d->r->rdi,
		&d->r->r8, &d->r->r9, &d->r->r10, &d->r->r11,
		&d->r->r12, &d->r->r13, &d->r->r14, &d->r->r15,
	};

	return *regs[n & 15];
}

uint64_t dec__amask(int size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

int dec__osz64(const struct dec *d)
{
	if (!d->lm64)
		return d->osz;
	return REX_W(d) ? 8 : d->p66 ? 2 : 8;
}

uint64_t dec__seg_base(const struct dec *d, int seg)
{
	const struct kvm_segment *segs[6] = {
		&d->s->es, &d->s->cs, &d->s->ss, &d->s->ds, &d->s->fs, &d->s->gs,
	};

	if (d->lm64)
		return seg == SEG_FS || seg == SEG_GS ? segs[seg]->base : 0;
	return segs[seg]->base & 0xFFFFFFFFull;
}

/* 16-bit addressing: the eight base/index pairs of the r/m field. */
static void modrm16(struct dec *d, uint8_t rm, uint64_t *ea, int *seg)
{
	const uint64_t bx = d->r->rbx, bp = d->r->rbp, si = d->r->rsi, di = d->r->rdi;

	switch (rm) {
	case 0: *ea = bx + si; break;
	case 1: *ea = bx + di; break;
	case 2: *ea = bp + si; *seg = SEG_SS; break;
	case 3: *ea = bp + di; *seg = SEG_SS; break;
	case 4: *ea = si; break;
	case 5: *ea = di; break;
	case 6: *ea = bp; *seg = SEG_SS; break;	/* mod 0: disp16 alone, below */
	default: *ea = bx; break;
	}
}

int dec__modrm(struct dec *d)
{
	uint8_t m, rm3;
	uint64_t ea = 0, disp = 0;
	int seg = SEG_DS, dispn = 0, ret;

	ret = dec__byte(d, &m);
	if (ret < 0)
		return ret;
	d->has_modrm = true;
	d->mod = m >> 6;
	d->reg = (uint8_t)(((m >> 3) & 7) | (REX_R(d) ? 8 : 0));
	d->rm = (uint8_t)((m & 7) | (REX_B(d) ? 8 : 0));
	rm3 = m & 7;
	if (d->mod == 3)
		return 0;
	d->is_mem = true;
	d->base_reg = -1;
	if (d->asz == 2) {
		if (d->mod == 0 && rm3 == 6)
			dispn = 2;
		else
			modrm16(d, rm3, &ea, &seg);
		if (d->mod == 1)
			dispn = 1;
		else if (d->mod == 2)
			dispn = 2;
	} else {
		if (rm3 == 4) {
			uint8_t sib, base3, index;

			ret = dec__byte(d, &sib);
			if (ret < 0)
				return ret;
			base3 = sib & 7;
			index = (uint8_t)(((sib >> 3) & 7) | (REX_X(d) ? 8 : 0));
			if (index != 4)		/* 4 without REX.X: no index */
				ea += dec__reg(d, index) << (sib >> 6);
			if (base3 == 5 && d->mod == 0) {
				dispn = 4;
			} else {
				d->base_reg = base3 | (REX_B(d) ? 8 : 0);
				ea += dec__reg(d, d->base_reg);
				if (base3 == 4 || base3 == 5)
					seg = SEG_SS;	/* rSP, rBP (r12, r13 only in 64-bit mode) */
			}
		} else if (rm3 == 5 && d->mod == 0) {
			dispn = 4;
			d->rip_rel = d->lm64;
		} else {
			d->base_reg = d->rm;
			ea += dec__reg(d, d->rm);
			if (rm3 == 5)
				seg = SEG_SS;
		}
		if (d->mod == 1)
			dispn = 1;
		else if (d->mod == 2)
			dispn = 4;
	}
	if (dispn) {
		ret = dec__imm(d, dispn, &disp);
		if (ret < 0)
			return ret;
		ea += (uint64_t)sext(disp, dispn);
	}
	d->ea = ea;
	d->ea_seg = d->seg != SEG_NONE ? d->seg : seg;
	return 0;
}

int dec__end(struct dec *d)
{
	if (d->pos > INSN_MAX_LEN)
		return -EILSEQ;
	if (d->rip_rel)
		d->ea += d->r->rip + d->pos;
	d->ea &= dec__amask(d->asz);
	d->ended = true;
	return 0;
}

int dec__read_lin(const struct dec *d, uint64_t lin, void *buf, size_t len)
{
	uint8_t *p = buf;

	if (!d->mem)
		return -EOPNOTSUPP;
	for (size_t i = 0; i < len; i++) {	/* byte by byte: linear addresses wrap */
		int ret = d->mem->read(d->mem->ctx, (lin + i) & d->lin_mask, p + i, 1);

		if (ret < 0)
			return -EOPNOTSUPP;	/* unreadable: the CPU would fault, or not */
	}
	return 0;
}

int dec__read(const struct dec *d, int seg, uint64_t off, void *buf, size_t len)
{
	return dec__read_lin(d, dec__seg_base(d, seg) + off, buf, len);
}

int dec__finish(struct dec *d, bool lockable)
{
	int ret = dec__end(d);

	if (ret < 0)
		return ret;
	if (d->lock && !(lockable && d->is_mem))
		return -EILSEQ;
	return 0;
}

/* ---- output ---- */

static int emit(struct dec *d, uint64_t lin, uint64_t len, uint8_t rw)
{
	struct insn_access *prev = d->n ? &d->out[d->n - 1] : NULL;

	if (!len)
		return 0;
	if (prev && prev->rw == rw && prev->lin + prev->len == lin &&
	    prev->lin + prev->len > prev->lin && prev->len + len > prev->len) {
		prev->len += len;	/* the next bytes of the same kind: one range */
		return 0;
	}
	if (d->n >= d->max)
		return -ENOSPC;
	d->out[d->n].lin = lin;
	d->out[d->n].len = len;
	d->out[d->n].rw = rw;
	d->n++;
	return 0;
}

/* A linear range, split where linear addresses wrap. */
int acc__lin(struct dec *d, uint64_t lin, uint64_t len, uint8_t rw)
{
	const uint64_t top = d->lin_mask;

	lin &= top;
	while (len) {
		uint64_t room = top - lin + 1;	/* 0: all of 2^64 */
		uint64_t n = room && len > room ? room : len;
		int ret = emit(d, lin, n, rw);

		if (ret < 0)
			return ret;
		len -= n;
		lin = (lin + n) & top;
	}
	return 0;
}

int acc__at(struct dec *d, int seg, uint64_t off, uint64_t len, uint8_t rw)
{
	return acc__lin(d, dec__seg_base(d, seg) + off, len, rw);
}

int acc__mem_at(struct dec *d, int64_t off, uint64_t len, uint8_t rw)
{
	if (!d->ended || !d->is_mem)
		return -EINVAL;		/* a map's mistake, never the input's */
	return acc__at(d, d->ea_seg, (d->ea + (uint64_t)off) & dec__amask(d->asz), len, rw);
}

int acc__mem(struct dec *d, uint64_t len, uint8_t rw)
{
	return acc__mem_at(d, 0, len, rw);
}

int acc__mem_store16(struct dec *d)
{
	int ret = acc__mem(d, 2, INSN_W);

	if (ret < 0 || !REX_W(d))
		return ret;
	return acc__mem_at(d, 2, 6, INSN_W | INSN_MAYBE);
}

typedef unsigned __int128 u128;

int acc__run(struct dec *d, int seg, uint64_t start, uint64_t size, uint64_t count,
	     uint64_t amask, uint8_t rw)
{
	const u128 span = (u128)amask + 1, total = (u128)count * size;
	uint64_t o = start & amask;
	u128 n1;
	int ret;

	if (!count || !size)
		return 0;
	if (total >= span) {
		/* Every offset, and past the top the bytes of the element that
		 * straddles it (sizes are powers of two: its residue is o's). */
		uint64_t r = o % size;

		if (amask == ~0ull) {
			ret = acc__at(d, seg, 0, 1ull << 63, rw);
			return ret < 0 ? ret : acc__at(d, seg, 1ull << 63, 1ull << 63, rw);
		}
		ret = acc__at(d, seg, 0, (uint64_t)span, rw);
		if (ret == 0 && r)
			ret = acc__at(d, seg, (uint64_t)span, r, rw);
		return ret;
	}
	n1 = ((u128)amask - o) / size + 1;	/* elements before the offset wraps */
	if (count <= n1)
		return acc__at(d, seg, o, (uint64_t)total, rw);
	ret = acc__at(d, seg, o, (uint64_t)(n1 * size), rw);
	if (ret < 0)
		return ret;
	return acc__at(d, seg, (uint64_t)(((u128)o + n1 * size) & amask),
		       (uint64_t)((count - n1) * size), rw);
}

int dec__rm_op(struct dec *d, uint64_t size, uint8_t rw, bool lockable, int immn)
{
	int ret = dec__modrm(d);

	if (ret == 0)
		ret = dec__imm(d, immn, NULL);
	if (ret == 0)
		ret = dec__finish(d, lockable);
	if (ret < 0 || !d->is_mem)
		return ret;
	return acc__mem(d, size, rw);
}

/* ---- the entry ---- */

