/*
 * sysview.c - the CPU's system state in words a learner can follow: the
 * mode, the control registers with their flags named, the segment
 * registers' hidden parts, and the GDT and IDT decoded entry by entry.
 * Everything comes through t->ops (get_regs, read_mem); no KVM here.
 * Selector:offset translation lives in sysview_xlate.c.
 *
 * Output that does not fit in cap ends with SV_TRUNCATED (see
 * sysview_priv.h); only a cap too small for that marker is -ENOSPC.
 */
#include "sysview.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sysview_priv.h"

#define GDT_MAX_BYTES	0x10000		/* a 16-bit limit: 8192 descriptors */
#define IDT_VECTORS	256

/* ---- the bounded writer ---- */

int sysview__out_init(struct sv_out *o, char *buf, size_t cap)
{
	o->buf = buf;
	o->cap = cap;
	o->len = 0;
	o->full = false;
	if (cap)
		buf[0] = '\0';
	return cap < sizeof(SV_TRUNCATED) ? -ENOSPC : 0;
}

int sysview__begin(struct target *t, int cpu, struct target_regs *r, struct sv_out *o,
		   char *buf, size_t cap)
{
	int ret = sysview__out_init(o, buf, cap);

	if (ret)
		return ret;
	ret = t->ops->get_regs(t, cpu, r);
	return ret < 0 ? ret : 0;
}

void sysview__printf(struct sv_out *o, const char *fmt, ...)
{
	/* Room for the marker is kept back until the end. */
	size_t room = o->cap - sizeof(SV_TRUNCATED) - o->len;
	va_list ap;
	int n;

	if (o->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, room + 1, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n > room) {
		o->full = true;
		o->buf[o->len] = '\0';
		memcpy(o->buf + o->len, SV_TRUNCATED, sizeof(SV_TRUNCATED));
		o->len += sizeof(SV_TRUNCATED) - 1;
		return;
	}
	o->len += (size_t)n;
}

int sysview__out_end(struct sv_out *o)
{
	return (int)o->len;
}

/* ---- names ---- */

struct bit_name {
	uint8_t bit;
	const char *name;
};

static const struct bit_name cr0_bits[] = {
	{ 0, "PE" }, { 1, "MP" }, { 2, "EM" }, { 3, "TS" }, { 4, "ET" }, { 5, "NE" },
	{ 16, "WP" }, { 18, "AM" }, { 29, "NW" }, { 30, "CD" }, { 31, "PG" },
};

static const struct bit_name cr4_bits[] = {
	{ 0, "VME" }, { 1, "PVI" }, { 2, "TSD" }, { 3, "DE" }, { 4, "PSE" }, { 5, "PAE" },
	{ 6, "MCE" }, { 7, "PGE" }, { 8, "PCE" }, { 9, "OSFXSR" }, { 10, "OSXMMEXCPT" },
	{ 11, "UMIP" }, { 12, "LA57" }, { 13, "VMXE" }, { 16, "FSGSBASE" }, { 17, "PCIDE" },
	{ 18, "OSXSAVE" }, { 20, "SMEP" }, { 21, "SMAP" }, { 22, "PKE" },
};

static const struct bit_name efer_bits[] = {
	{ 0, "SCE" }, { 8, "LME" }, { 10, "LMA" }, { 11, "NXE" }, { 12, "SVME" },
};

static const struct bit_name rflags_bits[] = {
	{ 0, "CF" }, { 2, "PF" }, { 4, "AF" }, { 6, "ZF" }, { 7, "SF" }, { 8, "TF" },
	{ 9, "IF" }, { 10, "DF" }, { 11, "OF" }, { 14, "NT" }, { 16, "RF" }, { 17, "VM" },
	{ 18, "AC" },
};

/* Vectors 0-31 are the CPU's exceptions. */
static const char *const exception_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
	"#BR bound range", "#UD invalid opcode", "#NM device not available",
	"#DF double fault", "coprocessor segment overrun", "#TS invalid TSS",
	"#NP segment not present", "#SS stack fault", "#GP general protection",
	"#PF page fault", "reserved", "#MF x87 floating point", "#AC alignment check",
	"#MC machine check", "#XM SIMD floating point", "#VE virtualization",
	"#CP control protection", "reserved", "reserved", "reserved", "reserved",
	"reserved", "reserved", "#HV hypervisor injection", "#VC VMM communication",
	"#SX security", "reserved",
};

static const char *const mode_names[] = {
	[MODE_REAL]		= "real",
	[MODE_PROTECTED]	= "protected",
	[MODE_PAGED]		= "paged",
	[MODE_LONG_COMPAT]	= "long compatibility",
	[MODE_LONG]		= "long",
};

static void print_flags(struct sv_out *o, const char *reg, uint64_t v,
			const struct bit_name *bits, size_t n)
{
	char names[160];
	size_t i, len = 0;

	names[0] = '\0';
	for (i = 0; i < n; i++) {
		if (!(v >> bits[i].bit & 1))
			continue;
		len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s",
					len ? " " : "", bits[i].name);
		if (len >= sizeof(names))
			break;
	}
	sysview__printf(o, "%-6s 0x%08" PRIx64 " (%s)\n", reg, v, names);
}

const char *sysview__mode_name(enum cpu_mode m)
{
	if ((unsigned int)m >= sizeof(mode_names) / sizeof(mode_names[0]))
		return "unknown";
	return mode_names[m];
}

enum cpu_mode sysview__mode(const struct target_regs *r)
{
	if (!(r->cr0 & X86_CR0_PE))
		return MODE_REAL;
	if (r->efer & X86_EFER_LMA)
		return r->seg[SEG_CS].l ? MODE_LONG : MODE_LONG_COMPAT;
	if (r->cr0 & X86_CR0_PG)
		return MODE_PAGED;
	return MODE_PROTECTED;
}

/* ---- descriptors ---- */

void sysview__decode_desc(uint64_t raw, struct sv_desc *d)
{
	uint32_t lo = (uint32_t)raw, hi = (uint32_t)(raw >> 32);
	uint32_t limit = (lo & 0xffff) | (hi & 0xf0000);

	d->base = (lo >> 16) | (hi & 0xff) << 16 | (hi & 0xff000000);
	d->type = hi >> 8 & 0xf;
	d->s = hi >> 12 & 1;
	d->dpl = hi >> 13 & 3;
	d->p = hi >> 15 & 1;
	d->avl = hi >> 20 & 1;
	d->l = hi >> 21 & 1;
	d->db = hi >> 22 & 1;
	d->g = hi >> 23 & 1;
	d->limit = d->g ? limit << 12 | 0xfff : limit;
	d->gate_sel = (uint16_t)(lo >> 16);
	d->gate_off = (lo & 0xffff) | (hi & 0xffff0000);
}

bool sysview__is_gate(uint8_t s, uint8_t type)
{
	return !s && (type == 4 || type == 5 || type == 6 || type == 7 || type >= 0xc);
}

static const char *system_type(uint8_t type, bool long_mode)
{
	static const char *const legacy[16] = {
		"reserved", "16-bit TSS (available)", "LDT", "16-bit TSS (busy)",
		"16-bit call gate", "task gate", "16-bit interrupt gate", "16-bit trap gate",
		"reserved", "32-bit TSS (available)", "reserved", "32-bit TSS (busy)",
		"32-bit call gate", "reserved", "32-bit interrupt gate", "32-bit trap gate",
	};
	static const char *const lm[16] = {
		"reserved", "reserved", "LDT", "reserved", "reserved", "reserved", "reserved",
		"reserved", "reserved", "64-bit TSS (available)", "reserved",
		"64-bit TSS (busy)", "64-bit call gate", "reserved", "64-bit interrupt gate",
		"64-bit trap gate",
	};

	return (long_mode ? lm : legacy)[type & 0xf];
}

const char *sysview__type_name(char *buf, size_t len, uint8_t s, uint8_t type, bool long_mode)
{
	if (!s) {
		snprintf(buf, len, "%s", system_type(type, long_mode));
	} else if (type & 8) {
		snprintf(buf, len, "code, %s%s%s", type & 2 ? "exec/read" : "exec-only",
			 type & 4 ? ", conforming" : "", type & 1 ? ", accessed" : "");
	} else {
		snprintf(buf, len, "data, %s%s%s", type & 2 ? "read/write" : "read-only",
			 type & 4 ? ", expand-down" : "", type & 1 ? ", accessed" : "");
	}
	return buf;
}

/* ---- mode ---- */

static const char *mode_detail(const struct target_regs *r, enum cpu_mode m)
{
	switch (m) {
	case MODE_REAL:
		return "16-bit, linear = segment * 16 + offset, no protection";
	case MODE_PROTECTED:
		return r->seg[SEG_CS].db ? "32-bit, paging off" : "16-bit code segment, paging off";
	case MODE_PAGED:
		if (r->cr4 & X86_CR4_PAE)
			return r->seg[SEG_CS].db ? "32-bit, paging on: PAE, 3 levels"
						 : "16-bit code segment, paging on: PAE";
		return r->seg[SEG_CS].db ? "32-bit, paging on: 2 levels of 32-bit tables"
					 : "16-bit code segment, paging on";
	case MODE_LONG_COMPAT:
		return "32/16-bit code under 64-bit paging";
	case MODE_LONG:
		return r->cr4 & (1ull << 12) ? "64-bit, 5-level paging" : "64-bit, 4-level paging";
	}
	return "";
}

int sysview__show_mode(struct target *t, int cpu, char *out, size_t cap)
{
	struct target_regs r;
	enum cpu_mode m;
	struct sv_out o;
	int ret;

	ret = sysview__begin(t, cpu, &r, &o, out, cap);
	if (ret)
		return ret;
	m = sysview__mode(&r);
	sysview__printf(&o, "mode: %s (%s)\n", sysview__mode_name(m), mode_detail(&r, m));
	/* CPL is the RPL of CS once protection is on; real mode is ring 0. */
	sysview__printf(&o, "CPL: %u\n", m == MODE_REAL ? 0 : r.seg[SEG_CS].selector & 3);
	print_flags(&o, "CR0:", r.cr0, cr0_bits, sizeof(cr0_bits) / sizeof(cr0_bits[0]));
	sysview__printf(&o, "CR2:   0x%08" PRIx64 " (last page-fault address)\n", r.cr2);
	sysview__printf(&o, "CR3:   0x%08" PRIx64 " (page-table root%s)\n", r.cr3,
			r.cr0 & X86_CR0_PG ? "" : ", unused: paging off");
	print_flags(&o, "CR4:", r.cr4, cr4_bits, sizeof(cr4_bits) / sizeof(cr4_bits[0]));
	print_flags(&o, "EFER:", r.efer, efer_bits, sizeof(efer_bits) / sizeof(efer_bits[0]));
	print_flags(&o, "RFLAGS:", r.rflags, rflags_bits,
		    sizeof(rflags_bits) / sizeof(rflags_bits[0]));
	sysview__printf(&o, "GDT:   base 0x%08" PRIx64 " limit 0x%04x\n", r.gdt.base, r.gdt.limit);
	sysview__printf(&o, "IDT:   base 0x%08" PRIx64 " limit 0x%04x%s\n", r.idt.base,
			r.idt.limit, m == MODE_REAL ? " (the real-mode IVT)" : "");
	return sysview__out_end(&o);
}

/* ---- segment registers ---- */

static const char *const seg_names[TARGET_NR_SEGS] = {
	"cs", "ss", "ds", "es", "fs", "gs", "tr", "ldtr",
};

int sysview__show_sregs(struct target *t, int cpu, char *out, size_t cap)
{
	struct target_regs r;
	struct sv_out o;
	char type[48];
	bool lm;
	int ret, i;

	ret = sysview__begin(t, cpu, &r, &o, out, cap);
	if (ret)
		return ret;
	lm = r.efer & X86_EFER_LMA;
	sysview__printf(&o, "%-5s %-8s %-18s %-10s %-30s %-3s %-1s %-3s %-1s %s\n",
			"seg", "selector", "base", "limit", "type", "DPL", "P", "D/B", "G", "L");
	for (i = 0; i < TARGET_NR_SEGS; i++) {
		const struct target_seg *s = &r.seg[i];

		if (s->unusable && i != SEG_CS)
			snprintf(type, sizeof(type), "unusable (null selector)");
		else
			sysview__type_name(type, sizeof(type), s->s, s->type, lm);
		sysview__printf(&o, "%-5s 0x%04x   0x%016" PRIx64 " 0x%08x %-30s %-3u %-1u %-3u "
				"%-1u %u\n", seg_names[i], s->selector, s->base, s->limit, type,
				s->dpl, s->present, s->db, s->g, s->l);
	}
	if (sysview__mode(&r) == MODE_REAL)
		sysview__printf(&o, "(real mode: base = selector * 16; limits and types are the "
				"hidden cache from the last load)\n");
	return sysview__out_end(&o);
}

/* ---- GDT ---- */

/* hi: bits 64-95 of a 16-byte long-mode system descriptor (wide). */
static void print_desc(struct sv_out *o, unsigned int idx, uint64_t raw, uint64_t hi,
		       bool wide, bool lm)
{
	struct sv_desc d;
	char type[48];

	sysview__decode_desc(raw, &d);
	sysview__type_name(type, sizeof(type), d.s, d.type, lm);
	if (sysview__is_gate(d.s, d.type)) {
		if (wide)
			d.gate_off |= hi << 32;
		sysview__printf(o, "%5u 0x%04x  %-30s -> %04x:%08" PRIx64 "  DPL %u P %u\n",
				idx, idx * 8, type, d.gate_sel, d.gate_off, d.dpl, d.p);
		return;
	}
	if (wide)
		d.base |= hi << 32;
	sysview__printf(o, "%5u 0x%04x  %-30s base 0x%08" PRIx64 " limit 0x%08x DPL %u P %u "
			"D/B %u G %u L %u\n", idx, idx * 8, type, d.base, d.limit, d.dpl, d.p,
			d.db, d.g, d.l);
}

int sysview__show_gdt(struct target *t, int cpu, char *out, size_t cap)
{
	static const uint8_t zero[8];
	struct target_regs r;
	uint8_t *buf;
	size_t size, nr, i, nulls = 0;
	struct sv_out o;
	ssize_t got;
	bool lm;
	int ret;

	ret = sysview__begin(t, cpu, &r, &o, out, cap);
	if (ret)
		return ret;
	lm = r.efer & X86_EFER_LMA;
	size = (size_t)r.gdt.limit + 1;		/* <= 64 KiB by its type */
	buf = malloc(GDT_MAX_BYTES);
	if (!buf)
		return -ENOMEM;
	got = t->ops->read_mem(t, cpu, TARGET_LINEAR, r.gdt.base, buf, size);
	if (got < 0) {
		free(buf);
		return (int)got;
	}
	if ((size_t)got > size)		/* a target that over-reports */
		got = (ssize_t)size;
	nr = (size_t)got / 8;
	sysview__printf(&o, "GDT at 0x%08" PRIx64 ", limit 0x%04x: %zu descriptors\n",
			r.gdt.base, r.gdt.limit, size / 8);
	if ((size_t)got < size)
		sysview__printf(&o, "(only %zd of %zu bytes are readable; showing those)\n",
				got, size);
	if (sysview__mode(&r) == MODE_REAL)
		sysview__printf(&o, "(real mode: the GDT is only used once CR0.PE is set)\n");
	sysview__printf(&o, "%5s %-6s  %s\n", "index", "sel", "descriptor");
	for (i = 0; i < nr; i++) {
		uint64_t raw, hi = 0;
		struct sv_desc d;
		bool wide;

		memcpy(&raw, buf + i * 8, 8);
		if (i == 0) {
			sysview__printf(&o, "%5u 0x%04x  null descriptor (selector 0 is "
					"unusable)\n", 0, 0);
			continue;
		}
		if (memcmp(buf + i * 8, zero, 8) == 0) {
			nulls++;
			continue;
		}
		/* In long mode, TSS and LDT descriptors take two slots. */
		sysview__decode_desc(raw, &d);
		wide = lm && !d.s && (d.type == 2 || d.type == 9 || d.type == 0xb ||
				     d.type == 0xc) && i + 1 < nr;
		if (wide)
			memcpy(&hi, buf + (i + 1) * 8, 4);
		print_desc(&o, (unsigned int)i, raw, hi, wide, lm);
		if (wide)
			i++;
	}
	free(buf);
	if (nulls)
		sysview__printf(&o, "... %zu null descriptors not shown\n", nulls);
	return sysview__out_end(&o);
}

/* ---- IDT ---- */

static void vector_name(char *buf, size_t len, unsigned int v)
{
	snprintf(buf, len, "%s", v < 32 ? exception_names[v] : "");
}

static int show_ivt(struct target *t, int cpu, const struct target_regs *r, struct sv_out *o)
{
	uint8_t buf[IDT_VECTORS * 4];
	size_t size = (size_t)r->idt.limit + 1, nr, v;
	char name[40];
	ssize_t got;

	if (size > sizeof(buf))
		size = sizeof(buf);
	got = t->ops->read_mem(t, cpu, TARGET_LINEAR, r->idt.base, buf, size);
	if (got < 0)
		return (int)got;
	if ((size_t)got > size)
		got = (ssize_t)size;
	nr = (size_t)got / 4;
	sysview__printf(o, "IVT (real mode) at 0x%08" PRIx64 ", limit 0x%04x: %zu vectors, "
			"each segment:offset (linear = segment * 16 + offset)\n",
			r->idt.base, r->idt.limit, size / 4);
	if ((size_t)got < size)
		sysview__printf(o, "(only %zd of %zu bytes are readable)\n", got, size);
	for (v = 0; v < nr; v++) {
		uint16_t off = (uint16_t)(buf[v * 4] | buf[v * 4 + 1] << 8);
		uint16_t seg = (uint16_t)(buf[v * 4 + 2] | buf[v * 4 + 3] << 8);

		vector_name(name, sizeof(name), (unsigned int)v);
		sysview__printf(o, "  0x%02zx %-28s %04x:%04x -> 0x%05x\n", v, name, seg, off,
				(unsigned int)seg * 16 + off);
	}
	return 0;
}

static int show_gates(struct target *t, int cpu, const struct target_regs *r, struct sv_out *o,
		      bool lm)
{
	uint8_t buf[IDT_VECTORS * 16];
	size_t esz = lm ? 16 : 8, size = (size_t)r->idt.limit + 1, nr, v, absent = 0;
	char name[40], type[48];
	ssize_t got;

	if (size > IDT_VECTORS * esz)
		size = IDT_VECTORS * esz;
	got = t->ops->read_mem(t, cpu, TARGET_LINEAR, r->idt.base, buf, size);
	if (got < 0)
		return (int)got;
	if ((size_t)got > size)
		got = (ssize_t)size;
	nr = (size_t)got / esz;
	sysview__printf(o, "IDT at 0x%08" PRIx64 ", limit 0x%04x: %zu %zu-byte gates\n",
			r->idt.base, r->idt.limit, size / esz, esz);
	if ((size_t)got < size)
		sysview__printf(o, "(only %zd of %zu bytes are readable)\n", got, size);
	for (v = 0; v < nr; v++) {
		uint64_t raw, off;
		uint32_t high = 0;
		struct sv_desc d;

		memcpy(&raw, buf + v * esz, 8);
		sysview__decode_desc(raw, &d);
		if (!d.p) {
			absent++;
			continue;
		}
		off = d.gate_off;
		if (lm) {
			memcpy(&high, buf + v * esz + 8, 4);
			off |= (uint64_t)high << 32;
		}
		vector_name(name, sizeof(name), (unsigned int)v);
		sysview__type_name(type, sizeof(type), d.s, d.type, lm);
		if (d.s || !sysview__is_gate(d.s, d.type)) {
			sysview__printf(o, "  0x%02zx %-28s not a gate (%s)\n", v, name, type);
		} else if (d.type == 5) {
			sysview__printf(o, "  0x%02zx %-28s %-22s TSS %04x  DPL %u\n", v, name,
					type, d.gate_sel, d.dpl);
		} else {
			sysview__printf(o, "  0x%02zx %-28s %-22s %04x:%0*" PRIx64 "  DPL %u",
					v, name, type, d.gate_sel, lm ? 16 : 8, off, d.dpl);
			if (lm && (raw >> 32 & 7))
				sysview__printf(o, " IST %u", (unsigned int)(raw >> 32 & 7));
			sysview__printf(o, "\n");
		}
	}
	if (absent)
		sysview__printf(o, "... %zu not-present gates not shown\n", absent);
	if (nr < IDT_VECTORS && (size_t)got == size)
		sysview__printf(o, "(vectors 0x%02zx-0xff are beyond the limit: they would "
				"fault)\n", nr);
	return 0;
}

int sysview__show_idt(struct target *t, int cpu, char *out, size_t cap)
{
	struct target_regs r;
	struct sv_out o;
	int ret;

	ret = sysview__begin(t, cpu, &r, &o, out, cap);
	if (ret)
		return ret;
	if (sysview__mode(&r) == MODE_REAL)
		ret = show_ivt(t, cpu, &r, &o);
	else
		ret = show_gates(t, cpu, &r, &o, r.efer & X86_EFER_LMA);
	if (ret < 0)
		return ret;
	return sysview__out_end(&o);
}
