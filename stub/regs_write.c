/*
 * regs_write.c - writing registers the way gdb means it: the linear pc
 * sets IP relative to CS (moving CS in real mode only when the address is
 * outside its 64 KiB), a selector written in real mode sets its base to
 * selector * 16 and in protected mode loads the descriptor from the GDT,
 * and 'G' applies a whole layout in the order the CPU needs.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "regs_priv.h"

/* Why a write is refused, for the user: bounded, NULL for nobody. */
struct why {
	char *buf;
	size_t len;
};

static int __attribute__((format(printf, 3, 4))) refuse(struct why *w, int err,
							  const char *fmt, ...)
{
	va_list ap;

	if (w->buf && w->len) {
		va_start(ap, fmt);
		vsnprintf(w->buf, w->len, fmt, ap);
		va_end(ap);
	}
	return err;
}

static bool real_addressing(const struct target_regs *r)
{
	/* Real mode, and virtual-8086 mode inside protected mode, form
	 * segment bases as selector * 16. */
	return !(r->cr0 & X86_CR0_PE) || (r->rflags & X86_RFLAGS_VM);
}

/* Linear pc write: keep CS when the address is reachable from it. */
static int write_pc(struct target_regs *r, uint64_t linear, struct why *w)
{
	struct target_seg *cs = &r->seg[SEG_CS];
	uint64_t sel;

	if (regs__mode64(r)) {
		r->rip = linear;
		return 0;
	}
	if (!real_addressing(r)) {
		r->rip = (linear - cs->base) & MASK32;
		return 0;
	}
	if (linear >= cs->base && linear - cs->base <= 0xffff) {
		r->rip = linear - cs->base;
		return 0;
	}
	/*
	 * Outside CS's 64 KiB: move CS to the 64 KiB-aligned segment that
	 * holds the address (0x7c00 -> 0000:7c00, 0x9f000 -> 9000:f000).
	 * Above 1 MiB only the high memory area FFFF:0010..FFFF:FFFF is
	 * reachable; anything beyond is not a real-mode address.
	 */
	if (linear < 0x100000)
		sel = (linear >> 4) & 0xf000;
	else if (linear <= 0xffff0 + 0xffff)
		sel = 0xffff;
	else
		return refuse(w, -EINVAL, "0x%llx is out of reach in real mode: the highest "
			      "address is ffff:ffff = 0x10ffef", (unsigned long long)linear);
	cs->selector = (uint16_t)sel;
	cs->base = sel << 4;
	r->rip = linear - cs->base;
	return 0;
}

/* Decode an 8-byte GDT entry into a segment (the selector is set apart). */
static void decode_descriptor(const uint8_t d[8], struct target_seg *seg)
{
	uint32_t limit = d[0] | (uint32_t)d[1] << 8 | (uint32_t)(d[6] & 0xf) << 16;

	seg->base = d[2] | (uint32_t)d[3] << 8 | (uint32_t)d[4] << 16 | (uint32_t)d[7] << 24;
	seg->type = d[5] & 0xf;
	seg->s = (d[5] >> 4) & 1;
	seg->dpl = (d[5] >> 5) & 3;
	seg->present = d[5] >> 7;
	seg->avl = (d[6] >> 4) & 1;
	seg->l = (d[6] >> 5) & 1;
	seg->db = (d[6] >> 6) & 1;
	seg->g = d[6] >> 7;
	/* G: the limit counts 4 KiB pages, so the last byte is limit*4K+4095. */
	seg->limit = seg->g ? (limit << 12) | 0xfff : limit;
	seg->unusable = 0;
}

/*
 * Protected mode: load a segment register the way a mov/ltr/lldt would,
 * from the GDT.  The descriptor cache is what the CPU uses, so writing
 * only the selector would change nothing a debugger user can see.
 */
static int load_segment(struct target *t, int cpu, struct target_regs *r, int segno,
			uint16_t sel, const char *name, struct why *w)
{
	struct target_seg seg;
	uint8_t desc[8];
	ssize_t n;

	if (sel & 4)
		return refuse(w, -EINVAL, "selector 0x%04x has TI=1: it refers to the LDT, which "
			      "kvmstub does not load segments from", sel);
	memset(&seg, 0, sizeof(seg));
	seg.selector = sel;
	if ((sel & ~3u) == 0) {
		/* A null selector: valid (and unusable) only in a data segment
		 * register or LDTR. */
		if (segno == SEG_CS || segno == SEG_SS || segno == SEG_TR)
			return refuse(w, -EINVAL, "%s cannot hold the null selector 0x%04x "
				      "(loading it faults: #GP)", name, sel);
		seg.unusable = 1;
		r->seg[segno] = seg;
		return 0;
	}
	if ((uint32_t)(sel | 7) > r->gdt.limit)
		return refuse(w, -EFAULT, "selector 0x%04x (GDT index %u) lies beyond the GDT "
			      "limit 0x%04x: loading it faults (#GP)", sel, sel >> 3, r->gdt.limit);
	n = t->ops->read_mem(t, cpu, TARGET_LINEAR, r->gdt.base + (sel & ~7u), desc, 8);
	if (n != 8)
		return refuse(w, -EFAULT, "cannot read GDT entry %u at 0x%08llx", sel >> 3,
			      (unsigned long long)(r->gdt.base + (sel & ~7u)));
	decode_descriptor(desc, &seg);
	if (segno == SEG_TR || segno == SEG_LDT) {
		if (seg.s)
			return refuse(w, -EINVAL, "selector 0x%04x is a code or data segment; %s "
				      "needs a %s descriptor", sel, name,
				      segno == SEG_TR ? "TSS" : "LDT");
		/* ltr marks the TSS busy: type 9 -> 11 (and 1 -> 3 for 16-bit). */
		if (segno == SEG_TR)
			seg.type |= 2;
	} else {
		if (!seg.s)
			return refuse(w, -EINVAL, "selector 0x%04x is a system descriptor, not a "
				      "code or data segment (loading it into %s faults: #GP)", sel,
				      name);
		if (segno == SEG_CS && !(seg.type & 8))
			return refuse(w, -EINVAL, "selector 0x%04x is a data segment; cs needs a "
				      "code segment", sel);
		/* The CPU sets the accessed bit on load; VM entry insists on it. */
		seg.type |= 1;
	}
	r->seg[segno] = seg;
	return 0;
}

static int write_selector(struct target *t, int cpu, struct target_regs *r, int segno,
			  uint64_t v, const char *name, struct why *w)
{
	if (v > 0xffff)
		return refuse(w, -EINVAL, "0x%llx does not fit in %s: a selector has 16 bits",
			      (unsigned long long)v, name);
	if (real_addressing(r)) {
		r->seg[segno].selector = (uint16_t)v;
		if (segno != SEG_TR && segno != SEG_LDT)
			r->seg[segno].base = v << 4;
		return 0;
	}
	return load_segment(t, cpu, r, segno, (uint16_t)v, name, w);
}

static int write_value(struct target *t, int cpu, struct target_regs *r,
		       const struct reg_desc *d, uint64_t v, struct why *w)
{
	switch (d->kind) {
	case RK_GPR:
		/* A 32-bit write keeps the upper half, as gdb shows only eax. */
		r->gpr[d->idx] = (r->gpr[d->idx] & ~regs__width_mask(d->bits)) | v;
		return 0;
	case RK_PC:
		return write_pc(r, v, w);
	case RK_FLAGS:
		r->rflags = (r->rflags & ~MASK32) | v | X86_RFLAGS_FIXED;
		return 0;
	case RK_SEL:
		return write_selector(t, cpu, r, d->idx, v, d->name, w);
	case RK_IP:
		r->rip = v;
		return 0;
	case RK_BASE:
		r->seg[d->idx].base = v;
		return 0;
	case RK_LIMIT:
		r->seg[d->idx].limit = (uint32_t)v;
		return 0;
	case RK_ATTR:
		regs__set_seg_attr(&r->seg[d->idx], v);
		return 0;
	case RK_CR:
		if (d->idx == 0)
			r->cr0 = v;
		else if (d->idx == 2)
			r->cr2 = v;
		else if (d->idx == 3)
			r->cr3 = v;
		else if (d->idx == 8)
			r->cr8 = v;
		else
			r->cr4 = v;
		return 0;
	case RK_EFER:
		r->efer = v;
		return 0;
	case RK_DT_BASE:
		if (d->idx)
			r->idt.base = v;
		else
			r->gdt.base = v;
		return 0;
	case RK_DT_LIMIT:
		if (v > 0xffff)
			return refuse(w, -EINVAL, "0x%llx does not fit in %s: a descriptor-table "
				      "limit has 16 bits", (unsigned long long)v, d->name);
		if (d->idx)
			r->idt.limit = (uint16_t)v;
		else
			r->gdt.limit = (uint16_t)v;
		return 0;
	default:
		return 0;
	}
}

static uint64_t le_value(const uint8_t *b, size_t len)
{
	uint64_t v = 0;

	for (size_t i = 0; i < len && i < 8; i++)
		v |= (uint64_t)b[i] << (8 * i);
	return v;
}

static int write_one(const struct regs_layout *L, struct target *t, int cpu,
		     struct target_regs *r, int regno, const uint8_t *val, size_t len,
		     struct why *w)
{
	const struct reg_desc *d = regs__desc(L, regno);
	struct target_regs tmp;
	int ret;

	if (!d)
		return refuse(w, -EINVAL, "no register number %d in the %s layout", regno,
			      regs_layout__name(L));
	if (len != d->bits / 8u)
		return refuse(w, -EINVAL, "%s has %u bytes, not %zu", d->name, d->bits / 8u, len);
	if (regs__kind_is_xstate(d->kind))
		return refuse(w, -EINVAL, "%s is in the extended state (x87, SSE, AVX): "
			      "regs_layout__write_fpu writes it", d->name);
	/* All or nothing: a failed segment load leaves r as it was. */
	tmp = *r;
	ret = write_value(t, cpu, &tmp, d, le_value(val, len), w);
	if (ret < 0)
		return ret;
	*r = tmp;
	return 0;
}

int regs_layout__write(const struct regs_layout *L, struct target *t, int cpu,
		       struct target_regs *r, int regno, const uint8_t *val, size_t len,
		       char *why, size_t why_len)
{
	struct why w = { why, why_len };

	if (why && why_len)
		why[0] = '\0';
	return write_one(L, t, cpu, r, regno, val, len, &w);
}

/*
 * 'G' order: control and descriptor-table registers first (they decide
 * how a selector loads), then selectors, then explicit bases and limits
 * (an explicit base beats the loaded descriptor), then the rest, then
 * ip, and the linear pc last (it is relative to the final CS).
 */
static int write_rank(const struct reg_desc *d)
{
	switch (d->kind) {
	case RK_CR: case RK_EFER: case RK_DT_BASE: case RK_DT_LIMIT: return 0;
	case RK_SEL: return 1;
	case RK_BASE: case RK_LIMIT: case RK_ATTR: return 2;
	case RK_IP: return 4;
	case RK_PC: return 5;
	default: return 3;
	}
}

int regs_layout__write_all(const struct regs_layout *L, struct target *t, int cpu,
			   struct target_regs *r, const uint8_t *buf, size_t len,
			   char *why, size_t why_len)
{
	struct target_regs orig = *r;
	struct why w = { why, why_len };
	size_t offsets[REGS_MAX];
	size_t off = 0;
	int ret;

	if (why && why_len)
		why[0] = '\0';
	L = regs__lay(L);
	if (len != (size_t)regs_layout__total_size(L))
		return refuse(&w, -EINVAL, "G carries %zu bytes; the %s layout has %d", len,
			      regs_layout__name(L), regs_layout__total_size(L));
	for (int i = 0; i < L->nr_g; i++) {
		offsets[i] = off;
		off += L->regs[i].bits / 8;
	}
	/*
	 * Only registers whose value changed are written: gdb sends the whole
	 * block to change one register, and reloading every selector would
	 * silently replace descriptor caches that differ from the GDT (as
	 * they do right after the switch to protected mode).
	 */
	for (int rank = 0; rank <= 5; rank++) {
		for (int i = 0; i < L->nr_g; i++) {
			const struct reg_desc *d = &L->regs[i];
			size_t size = d->bits / 8;
			uint64_t old;

			if (write_rank(d) != rank || regs_layout__get(L, &orig, i, &old) < 0)
				continue;
			if (le_value(buf + offsets[i], size) == old)
				continue;
			ret = write_one(L, t, cpu, r, i, buf + offsets[i], size, &w);
			if (ret < 0) {
				*r = orig;
				return ret;
			}
		}
	}
	return 0;
}

int regs__write(struct target *t, int cpu, struct target_regs *r, int regno,
		const uint8_t *val, size_t len)
{
	return regs_layout__write(NULL, t, cpu, r, regno, val, len, NULL, 0);
}

int regs__write_all(struct target *t, int cpu, struct target_regs *r,
		    const uint8_t *buf, size_t len)
{
	return regs_layout__write_all(NULL, t, cpu, r, buf, len, NULL, 0);
}
