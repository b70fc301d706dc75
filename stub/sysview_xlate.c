/*
 * sysview_xlate.c - "xlate ADDR" and "xlate SEL:OFF": how the CPU turns an
 * address into a physical one, step by step.  Segmentation first (real
 * mode: segment * 16 + offset; protected mode: the selector's GDT
 * descriptor, its base and its limit check), then paging: the page tables
 * are walked here by reading guest-physical memory, level by level, and
 * the result is compared with the target's own translate().
 */
#include "sysview.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sysview_priv.h"

#define ARG_MAX_LEN	40		/* "0x" + 4 + ":" + "0x" + 16, with room */
#define HEX_MAX_DIGITS	16

#define PTE_P		(1ull << 0)
#define PTE_PS		(1ull << 7)
#define ADDR_MASK_64	0x000ffffffffff000ull	/* bits 12-51 of an 8-byte entry */
#define X86_CR4_PSE	(1ull << 4)
#define X86_CR4_LA57	(1ull << 12)

struct xlate_arg {
	bool has_sel;
	uint16_t sel;
	uint64_t off;
};

/* Strict hex: optional 0x, 1 to 16 digits, nothing else. */
static int parse_hex(const char *s, size_t len, uint64_t *v)
{
	size_t i;

	if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		len -= 2;
	}
	if (len == 0 || len > HEX_MAX_DIGITS)
		return -EINVAL;
	*v = 0;
	for (i = 0; i < len; i++) {
		char c = s[i];
		unsigned int d;

		if (c >= '0' && c <= '9')
			d = (unsigned int)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned int)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned int)(c - 'A' + 10);
		else
			return -EINVAL;
		*v = *v << 4 | d;
	}
	return 0;
}

static int parse_arg(const char *arg, struct xlate_arg *a)
{
	size_t len = strnlen(arg, ARG_MAX_LEN + 1);
	const char *colon;
	uint64_t sel;

	if (len == 0 || len > ARG_MAX_LEN)
		return -EINVAL;
	memset(a, 0, sizeof(*a));
	colon = memchr(arg, ':', len);
	if (!colon)
		return parse_hex(arg, len, &a->off);
	if (memchr(colon + 1, ':', len - (size_t)(colon + 1 - arg)))
		return -EINVAL;
	if (parse_hex(arg, (size_t)(colon - arg), &sel) || sel > 0xffff)
		return -EINVAL;
	a->has_sel = true;
	a->sel = (uint16_t)sel;
	return parse_hex(colon + 1, len - (size_t)(colon + 1 - arg), &a->off);
}

/* ---- segmentation ---- */

enum step { STEP_OK, STEP_STOP };

static int protected_linear(struct target *t, int cpu, const struct target_regs *r,
			    const struct xlate_arg *a, struct sv_out *o, uint64_t *lin)
{
	unsigned int idx = a->sel >> 3;
	uint64_t raw, top;
	struct sv_desc d;
	char type[48];
	bool ok;

	if (a->sel & 4) {
		sysview__printf(o, "selector 0x%04x has TI=1: it refers to the LDT, which xlate "
				"does not decode (not supported)\n", a->sel);
		return STEP_STOP;
	}
	if (idx == 0) {
		sysview__printf(o, "selector 0x%04x is the null selector: an access through it "
				"faults (#GP)\n", a->sel);
		return STEP_STOP;
	}
	if ((uint32_t)idx * 8 + 7 > r->gdt.limit) {
		sysview__printf(o, "selector 0x%04x (GDT index %u) lies beyond the GDT limit "
				"0x%04x: loading it faults (#GP)\n", a->sel, idx, r->gdt.limit);
		return STEP_STOP;
	}
	if (t->ops->read_mem(t, cpu, TARGET_LINEAR, r->gdt.base + idx * 8, &raw, 8) != 8) {
		sysview__printf(o, "cannot read GDT entry %u at 0x%08" PRIx64 "\n", idx,
				r->gdt.base + idx * 8);
		return -EFAULT;
	}
	sysview__decode_desc(raw, &d);
	sysview__type_name(type, sizeof(type), d.s, d.type, false);
	sysview__printf(o, "selector 0x%04x: GDT index %u, RPL %u -> %s, base 0x%08" PRIx64
			", limit 0x%08x, DPL %u%s\n", a->sel, idx, a->sel & 3, type, d.base,
			d.limit, d.dpl, d.p ? "" : ", NOT PRESENT (loading it faults: #NP)");
	if (!d.s) {
		sysview__printf(o, "that is a system descriptor, not a code or data segment\n");
		return STEP_STOP;
	}
	if (a->off > 0xffffffffull) {
		sysview__printf(o, "offset 0x%" PRIx64 " does not fit in 32 bits\n", a->off);
		return STEP_STOP;
	}
	/* Expand-down data segments allow the offsets ABOVE the limit. */
	top = d.db ? 0xffffffffull : 0xffffull;
	if (!(d.type & 8) && (d.type & 4))
		ok = a->off > d.limit && a->off <= top;
	else
		ok = a->off <= d.limit;
	if (ok)
		sysview__printf(o, "offset 0x%08" PRIx64 " is within the segment's limit\n",
				a->off);
	else
		sysview__printf(o, "offset 0x%08" PRIx64 " is outside the segment's limit "
				"0x%08x: an access there faults (#GP, or #SS through ss)\n",
				a->off, d.limit);
	*lin = (d.base + a->off) & 0xffffffffull;
	sysview__printf(o, "linear 0x%08" PRIx64 " (base 0x%08" PRIx64 " + offset 0x%08" PRIx64
			")\n", *lin, d.base, a->off);
	return STEP_OK;
}

static int to_linear(struct target *t, int cpu, const struct target_regs *r, enum cpu_mode m,
		     const struct xlate_arg *a, struct sv_out *o, uint64_t *lin)
{
	if (!a->has_sel) {
		*lin = a->off;
		sysview__printf(o, "linear 0x%08" PRIx64 "\n", *lin);
		return STEP_OK;
	}
	switch (m) {
	case MODE_REAL:
		if (a->off > 0xffff) {
			sysview__printf(o, "offset 0x%" PRIx64 " does not fit in a real-mode "
					"16-bit offset\n", a->off);
			return STEP_STOP;
		}
		*lin = (uint64_t)a->sel * 16 + a->off;
		sysview__printf(o, "%04x:%04" PRIx64 " -> linear 0x%08" PRIx64 " (0x%x * 16 + 0x%"
				PRIx64 ")\n", a->sel, a->off, *lin, a->sel, a->off);
		return STEP_OK;
	case MODE_LONG:
		*lin = a->off;
		sysview__printf(o, "64-bit mode: segment bases are 0 (fs and gs aside) and limits "
				"are not checked, so linear = offset = 0x%016" PRIx64 "\n", *lin);
		return STEP_OK;
	default:
		return protected_linear(t, cpu, r, a, o, lin);
	}
}

/* ---- paging ---- */

struct walk_level {
	const char *name;
	unsigned int shift;		/* lowest linear-address bit of the index */
	unsigned int bits;		/* index width */
	bool large_ok;			/* PS=1 maps a page here */
};

static const struct walk_level walk_32[] = {
	{ "PDE", 22, 10, true }, { "PTE", 12, 10, false },
};
static const struct walk_level walk_pae[] = {
	{ "PDPTE", 30, 2, false }, { "PDE", 21, 9, true }, { "PTE", 12, 9, false },
};
static const struct walk_level walk_4[] = {
	{ "PML4E", 39, 9, false }, { "PDPTE", 30, 9, true }, { "PDE", 21, 9, true },
	{ "PTE", 12, 9, false },
};
static const struct walk_level walk_5[] = {
	{ "PML5E", 48, 9, false }, { "PML4E", 39, 9, false }, { "PDPTE", 30, 9, true },
	{ "PDE", 21, 9, true }, { "PTE", 12, 9, false },
};

static void entry_flags(char *buf, size_t len, uint64_t e, bool wide)
{
	static const struct { uint8_t bit; const char *name; } names[] = {
		{ 0, "P" }, { 1, "RW" }, { 2, "US" }, { 3, "PWT" }, { 4, "PCD" }, { 5, "A" },
		{ 6, "D" }, { 7, "PS" }, { 8, "G" }, { 63, "NX" },
	};
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof(names) / sizeof(names[0]) && n < len; i++) {
		if (names[i].bit == 63 && !wide)
			continue;
		if (e >> names[i].bit & 1)
			n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? " " : "",
					      names[i].name);
	}
}

static const char *page_size_name(unsigned int shift)
{
	switch (shift) {
	case 12: return "4 KiB";
	case 21: return "2 MiB";
	case 22: return "4 MiB";
	case 30: return "1 GiB";
	}
	return "?";
}

/* Walk the tables; true and *phys when mapped. */
static bool walk(struct target *t, int cpu, const struct target_regs *r, uint64_t lin,
		 struct sv_out *o, uint64_t *phys)
{
	const struct walk_level *lv;
	size_t nr, i, esz;
	uint64_t table, e = 0, mask;
	char flags[48];

	if (r->efer & X86_EFER_LMA) {
		bool five = r->cr4 & X86_CR4_LA57;

		lv = five ? walk_5 : walk_4;
		nr = five ? 5 : 4;
		esz = 8;
		table = r->cr3 & ADDR_MASK_64;
		sysview__printf(o, "paging: %d-level, CR3 0x%08" PRIx64 "\n", five ? 5 : 4, r->cr3);
	} else if (r->cr4 & X86_CR4_PAE) {
		lv = walk_pae;
		nr = 3;
		esz = 8;
		table = r->cr3 & 0xffffffe0ull;
		sysview__printf(o, "paging: PAE (3 levels), CR3 0x%08" PRIx64 "\n", r->cr3);
	} else {
		lv = walk_32;
		nr = 2;
		esz = 4;
		table = r->cr3 & 0xfffff000ull;
		sysview__printf(o, "paging: 32-bit (2 levels%s), CR3 0x%08" PRIx64 "\n",
				r->cr4 & X86_CR4_PSE ? ", 4 MiB pages allowed" : "", r->cr3);
	}
	for (i = 0; i < nr; i++) {
		uint64_t idx = lin >> lv[i].shift & ((1ull << lv[i].bits) - 1);
		uint64_t addr = table + idx * esz;
		bool large;

		e = 0;
		if (t->ops->read_mem(t, cpu, TARGET_PHYSICAL, addr, &e, esz) != (ssize_t)esz) {
			sysview__printf(o, "  %-5s [%3" PRIu64 "] at 0x%08" PRIx64 ": cannot read "
					"it (outside guest memory)\n", lv[i].name, idx, addr);
			return false;
		}
		entry_flags(flags, sizeof(flags), e, esz == 8);
		sysview__printf(o, "  %-5s [%3" PRIu64 "] at 0x%08" PRIx64 " = 0x%0*" PRIx64
				"  %s\n", lv[i].name, idx, addr, (int)esz * 2, e,
				e & PTE_P ? flags : "not present");
		if (!(e & PTE_P)) {
			sysview__printf(o, "not mapped: an access faults (#PF)\n");
			return false;
		}
		/* 4 MiB pages need CR4.PSE; 2 MiB and 1 GiB pages do not. */
		large = lv[i].large_ok && (e & PTE_PS) &&
			(esz == 8 || (r->cr4 & X86_CR4_PSE));
		if (large || i + 1 == nr) {
			mask = (1ull << lv[i].shift) - 1;
			if (esz == 4 && large)	/* PSE-36: PDE bits 13-20 are address 32-39 */
				*phys = (e & 0xffc00000ull) | (e >> 13 & 0xff) << 32;
			else if (esz == 4)
				*phys = e & 0xfffff000ull;
			else
				*phys = e & ADDR_MASK_64 & ~mask;
			*phys |= lin & mask;
			sysview__printf(o, "physical 0x%08" PRIx64 " (%s page at 0x%08" PRIx64
					" + offset 0x%" PRIx64 ")\n", *phys,
					page_size_name(lv[i].shift), *phys & ~mask, lin & mask);
			return true;
		}
		table = esz == 8 ? e & ADDR_MASK_64 : e & 0xfffff000ull;
	}
	return false;
}

static bool canonical(uint64_t lin, bool five)
{
	unsigned int bits = five ? 57 : 48;
	int64_t s = (int64_t)(lin << (64 - bits)) >> (64 - bits);

	return (uint64_t)s == lin;
}

static void to_physical(struct target *t, int cpu, const struct target_regs *r, uint64_t lin,
			struct sv_out *o)
{
	uint64_t walked = 0, phys = 0;
	bool mapped;
	int ret;

	if (!(r->cr0 & X86_CR0_PG) || !(r->cr0 & X86_CR0_PE)) {
		/* Without paging a linear address has 32 bits (20, plus the
		 * A20 carry, in real mode): nothing above 4 GiB is one. */
		if (lin > 0xffffffffull)
			sysview__printf(o, "0x%" PRIx64 " is beyond 4 GiB: with paging off, linear "
					"addresses have 32 bits, so no access reaches it\n", lin);
		else
			sysview__printf(o, "physical 0x%08" PRIx64 " (paging off: physical = "
					"linear)\n", lin);
		return;
	}
	if (r->efer & X86_EFER_LMA) {
		if (!canonical(lin, r->cr4 & X86_CR4_LA57)) {
			sysview__printf(o, "0x%016" PRIx64 " is not canonical (bits above 47 must "
					"copy bit 47): an access faults (#GP)\n", lin);
			return;
		}
	} else if (lin > 0xffffffffull) {
		sysview__printf(o, "0x%" PRIx64 " is beyond 4 GiB: outside a 32-bit linear "
				"address space\n", lin);
		return;
	}
	mapped = walk(t, cpu, r, lin, o, &walked);
	ret = t->ops->translate(t, cpu, lin, &phys);
	if (ret == 0 && mapped && phys == walked)
		sysview__printf(o, "(the target's own translation agrees)\n");
	else if (ret == 0)
		sysview__printf(o, "note: the target's own translation gives 0x%08" PRIx64 "\n",
				phys);
	else if (ret == -EFAULT && mapped)
		sysview__printf(o, "note: the target's own translation says not mapped\n");
}

int sysview__show_xlate(struct target *t, int cpu, const char *arg, char *out, size_t cap)
{
	struct target_regs r;
	struct xlate_arg a;
	uint64_t lin = 0;
	struct sv_out o;
	int ret;

	ret = sysview__out_init(&o, out, cap);
	if (ret)
		return ret;
	if (!arg || parse_arg(arg, &a)) {
		sysview__printf(&o, "xlate: cannot parse \"%.*s\": use ADDR (linear, hex) or "
				"SEL:OFF (hex), e.g. f000:fff0 or 0x8:0x1000\n", ARG_MAX_LEN,
				arg ? arg : "");
		return -EINVAL;
	}
	ret = t->ops->get_regs(t, cpu, &r);
	if (ret < 0)
		return ret;
	ret = to_linear(t, cpu, &r, sysview__mode(&r), &a, &o, &lin);
	if (ret < 0)
		return ret;
	if (ret == STEP_OK)
		to_physical(t, cpu, &r, lin, &o);
	return sysview__out_end(&o);
}
