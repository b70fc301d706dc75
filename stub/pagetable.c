/*
 * pagetable.c - "monitor pagetable": walk the whole page-table tree that
 * CR3 points at and list what is mapped, merged into ranges.
 *
 * A line is one run of pages whose linear addresses follow each other,
 * whose physical addresses follow each other too, with the same effective
 * permissions and page size:
 *
 *   0x0000000000000000-0x00000000003fffff -> 0x0000000000000000  rwx kernel  2 x 2 MiB
 *
 * Effective permissions combine every level of the walk the way the CPU
 * does: writable only if every entry has RW, user only if every entry has
 * US, not executable if any entry has NX (with EFER.NXE).
 *
 * The work is bounded: each table is read once, whole, and at most
 * PAGETABLE_MAX_TABLES tables are read; the list stops after
 * PAGETABLE_MAX_LINES ranges.  Either cut is said in the output.
 */
#include "pagetable.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include "sysview_priv.h"

#define PTE_P		(1ull << 0)
#define PTE_RW		(1ull << 1)
#define PTE_US		(1ull << 2)
#define PTE_PS		(1ull << 7)
#define PTE_NX		(1ull << 63)
#define ADDR_MASK_64	0x000ffffffffff000ull
#define X86_CR4_PSE	(1ull << 4)
#define X86_CR4_LA57	(1ull << 12)
#define X86_EFER_NXE	(1ull << 11)
#define TABLE_BYTES	4096

enum pt_format { PT_32, PT_PAE, PT_LONG4, PT_LONG5 };

struct pt_level {
	unsigned int shift;	/* lowest linear-address bit this level indexes */
	unsigned int entries;
	bool large_ok;		/* PS=1 maps a page at this level */
};

static const struct pt_level levels_32[] = { { 22, 1024, true }, { 12, 1024, false } };
static const struct pt_level levels_pae[] = {
	{ 30, 4, false }, { 21, 512, true }, { 12, 512, false },
};
static const struct pt_level levels_long4[] = {
	{ 39, 512, false }, { 30, 512, true }, { 21, 512, true }, { 12, 512, false },
};
static const struct pt_level levels_long5[] = {
	{ 48, 512, false }, { 39, 512, false }, { 30, 512, true }, { 21, 512, true },
	{ 12, 512, false },
};

/* Effective permissions of a mapping. */
struct pt_perm {
	bool rw, us, nx;
};

/* The range being merged, and the listing. */
struct pt_walk {
	struct target *t;
	int cpu;
	const struct target_regs *r;
	enum pt_format fmt;
	const struct pt_level *lv;
	int nr_levels;
	unsigned int esz;	/* entry size: 4 or 8 */
	bool nxe;
	int addr_digits;	/* 8 or 16 */

	int tables_read;
	bool tables_cut;	/* PAGETABLE_MAX_TABLES reached */
	int unreadable;		/* tables outside guest memory */

	bool have_run;
	uint64_t run_lin, run_phys, run_len;
	unsigned int run_shift;
	uint64_t run_pages;
	struct pt_perm run_perm;

	int lines;
	uint64_t more_ranges;	/* ranges past PAGETABLE_MAX_LINES */
	uint64_t mapped_bytes;
	struct sv_out *o;
};

static const char *size_name(unsigned int shift)
{
	switch (shift) {
	case 12: return "4 KiB";
	case 21: return "2 MiB";
	case 22: return "4 MiB";
	case 30: return "1 GiB";
	}
	return "?";
}

static void flush_run(struct pt_walk *w)
{
	struct pt_perm *p = &w->run_perm;
	int d = w->addr_digits;

	if (!w->have_run)
		return;
	w->have_run = false;
	if (w->lines >= PAGETABLE_MAX_LINES) {
		w->more_ranges++;
		return;
	}
	w->lines++;
	sysview__printf(w->o, "0x%0*" PRIx64 "-0x%0*" PRIx64 " -> 0x%0*" PRIx64
			"  r%c%c %-6s  %" PRIu64 " x %s\n",
			d, w->run_lin, d, w->run_lin + w->run_len - 1, d, w->run_phys,
			p->rw ? 'w' : '-', p->nx ? '-' : 'x', p->us ? "user" : "kernel",
			w->run_pages, size_name(w->run_shift));
}

/* Long mode: bits above the top index copy its highest bit (canonical). */
static uint64_t canonical(const struct pt_walk *w, uint64_t lin)
{
	unsigned int bits;

	if (w->fmt == PT_LONG4)
		bits = 48;
	else if (w->fmt == PT_LONG5)
		bits = 57;
	else
		return lin;
	return (uint64_t)((int64_t)(lin << (64 - bits)) >> (64 - bits));
}

static void add_page(struct pt_walk *w, uint64_t lin, uint64_t phys, unsigned int shift,
		     const struct pt_perm *perm)
{
	uint64_t size = 1ull << shift;

	lin = canonical(w, lin);
	w->mapped_bytes += size;
	if (w->have_run && w->run_shift == shift && w->run_lin + w->run_len == lin &&
	    w->run_phys + w->run_len == phys && w->run_perm.rw == perm->rw &&
	    w->run_perm.us == perm->us && w->run_perm.nx == perm->nx) {
		w->run_len += size;
		w->run_pages++;
		return;
	}
	flush_run(w);
	w->have_run = true;
	w->run_lin = lin;
	w->run_phys = phys;
	w->run_len = size;
	w->run_shift = shift;
	w->run_pages = 1;
	w->run_perm = *perm;
}

static uint64_t entry_at(const struct pt_walk *w, const uint8_t *table, unsigned int i)
{
	uint64_t e = 0;

	memcpy(&e, table + (size_t)i * w->esz, w->esz);
	return e;
}

/* Physical address of the page a leaf entry maps (its offset bits clear). */
static uint64_t leaf_phys(const struct pt_walk *w, uint64_t e, unsigned int shift, bool large)
{
	if (w->esz == 4 && large)	/* PSE-36: PDE bits 13-20 are address bits 32-39 */
		return (e & 0xffc00000ull) | (e >> 13 & 0xff) << 32;
	if (w->esz == 4)
		return e & 0xfffff000ull;
	return e & ADDR_MASK_64 & ~((1ull << shift) - 1);
}

static void walk_table(struct pt_walk *w, uint64_t table_phys, int depth, uint64_t lin_base,
		       struct pt_perm perm)
{
	const struct pt_level *lv = &w->lv[depth];
	uint8_t table[TABLE_BYTES];
	size_t bytes = (size_t)lv->entries * w->esz;
	ssize_t n;

	if (w->tables_read >= PAGETABLE_MAX_TABLES) {
		w->tables_cut = true;
		return;
	}
	w->tables_read++;
	n = w->t->ops->read_mem(w->t, w->cpu, TARGET_PHYSICAL, table_phys, table, bytes);
	if (n != (ssize_t)bytes) {
		w->unreadable++;
		return;
	}
	for (unsigned int i = 0; i < lv->entries && !w->tables_cut; i++) {
		uint64_t e = entry_at(w, table, i);
		uint64_t lin = lin_base | (uint64_t)i << lv->shift;
		struct pt_perm p = perm;
		bool large;

		if (!(e & PTE_P))
			continue;
		/* PAE's PDPTEs have no RW/US/NX bits: they restrict nothing. */
		if (!(w->fmt == PT_PAE && depth == 0)) {
			p.rw = p.rw && (e & PTE_RW);
			p.us = p.us && (e & PTE_US);
			p.nx = p.nx || (w->nxe && w->esz == 8 && (e & PTE_NX));
		}
		large = lv->large_ok && (e & PTE_PS) &&
			(w->esz == 8 || (w->r->cr4 & X86_CR4_PSE));
		if (large || depth + 1 == w->nr_levels) {
			add_page(w, lin, leaf_phys(w, e, lv->shift, large), lv->shift, &p);
			continue;
		}
		walk_table(w, w->esz == 8 ? e & ADDR_MASK_64 : e & 0xfffff000ull, depth + 1, lin,
			   p);
	}
}

/* "4 MiB 4 KiB": the total mapped, in its largest whole units. */
static void print_bytes(struct sv_out *o, uint64_t n)
{
	static const struct { unsigned int shift; const char *unit; } units[] = {
		{ 40, "TiB" }, { 30, "GiB" }, { 20, "MiB" }, { 10, "KiB" },
	};
	bool any = false;

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		uint64_t v = n >> units[i].shift;

		if (i > 0)
			v &= 1023;
		if (v) {
			sysview__printf(o, "%s%" PRIu64 " %s", any ? " " : "", v, units[i].unit);
			any = true;
		}
	}
	if (!any)
		sysview__printf(o, "0 KiB");
}

static void setup_format(struct pt_walk *w, uint64_t *root)
{
	const struct target_regs *r = w->r;

	if (r->efer & X86_EFER_LMA) {
		bool five = r->cr4 & X86_CR4_LA57;

		w->fmt = five ? PT_LONG5 : PT_LONG4;
		w->lv = five ? levels_long5 : levels_long4;
		w->nr_levels = five ? 5 : 4;
		w->esz = 8;
		w->addr_digits = 16;
		*root = r->cr3 & ADDR_MASK_64;
	} else if (r->cr4 & X86_CR4_PAE) {
		w->fmt = PT_PAE;
		w->lv = levels_pae;
		w->nr_levels = 3;
		w->esz = 8;
		w->addr_digits = 8;
		*root = r->cr3 & 0xffffffe0ull;
	} else {
		w->fmt = PT_32;
		w->lv = levels_32;
		w->nr_levels = 2;
		w->esz = 4;
		w->addr_digits = 8;
		*root = r->cr3 & 0xfffff000ull;
	}
	w->nxe = (r->efer & X86_EFER_NXE) && w->esz == 8;
}

static const char *const format_names[] = {
	[PT_32] = "32-bit paging (2 levels: page directory, page table)",
	[PT_PAE] = "PAE paging (3 levels: PDPT, page directory, page table)",
	[PT_LONG4] = "4-level paging (PML4, PDPT, page directory, page table)",
	[PT_LONG5] = "5-level paging (PML5, PML4, PDPT, page directory, page table)",
};

int pagetable__show(struct target *t, int cpu, char *out, size_t cap)
{
	struct pt_perm all = { .rw = true, .us = true, .nx = false };
	struct target_regs r;
	struct pt_walk w;
	struct sv_out o;
	uint64_t root;
	int ret;

	ret = sysview__begin(t, cpu, &r, &o, out, cap);
	if (ret)
		return ret;
	if (!(r.cr0 & X86_CR0_PE) || !(r.cr0 & X86_CR0_PG)) {
		sysview__printf(&o, "paging is off (CR0.PG = 0): linear addresses are physical "
				"addresses, there are no page tables to show\n");
		return sysview__out_end(&o);
	}
	memset(&w, 0, sizeof(w));
	w.t = t;
	w.cpu = cpu;
	w.r = &r;
	w.o = &o;
	setup_format(&w, &root);
	sysview__printf(&o, "%s, CR3 0x%08" PRIx64 "%s\n", format_names[w.fmt], r.cr3,
			w.nxe ? ", NX on" : "");
	sysview__printf(&o, "%-*s    %-*s  perm        pages\n", 2 * w.addr_digits + 5,
			"linear", w.addr_digits + 2, "physical");
	walk_table(&w, root, 0, 0, all);
	flush_run(&w);
	if (w.lines == 0 && !w.tables_cut)
		sysview__printf(&o, "(nothing is mapped)\n");
	if (w.more_ranges)
		sysview__printf(&o, "... and %" PRIu64 " more ranges (the list stops at %d)\n",
				w.more_ranges, PAGETABLE_MAX_LINES);
	sysview__printf(&o, "%d range%s, ", w.lines + (int)w.more_ranges,
			w.lines + w.more_ranges == 1 ? "" : "s");
	print_bytes(&o, w.mapped_bytes);
	sysview__printf(&o, " mapped; %d table%s read\n", w.tables_read,
			w.tables_read == 1 ? "" : "s");
	if (w.unreadable)
		sysview__printf(&o, "warning: %d table%s outside guest memory could not be read\n",
				w.unreadable, w.unreadable == 1 ? "" : "s");
	if (w.tables_cut)
		sysview__printf(&o, "walk stopped after %d tables: the list above is INCOMPLETE\n",
				PAGETABLE_MAX_TABLES);
	return sysview__out_end(&o);
}
