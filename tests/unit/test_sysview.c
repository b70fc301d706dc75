/*
 * test_sysview.c - stub/sysview*.c over the fake target: descriptor tables
 * and page tables written by hand into fake memory, decoded back.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../stub/sysview.h"
#include "fake_target.h"

#define MEM_SIZE	(4u << 20)
#define OUT_SIZE	(64 * 1024)

struct fixture {
	struct fake_target *ft;
	struct target *t;
	struct target_regs *r;
	struct target_ops ops;		/* a copy, to replace translate() */
	char out[OUT_SIZE];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->ft = fake_target__new(MEM_SIZE);
	if (!f->ft) {
		free(f);
		return -1;
	}
	f->t = &f->ft->target;
	f->r = &f->ft->regs[0];
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	fake_target__free(f->ft);
	free(f);
	return 0;
}

static void assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("output lacks \"%s\":\n%s", needle, hay);
}

static void assert_lacks(const char *hay, const char *needle)
{
	if (strstr(hay, needle))
		fail_msg("output has \"%s\":\n%s", needle, hay);
}

static void put32(struct fixture *f, uint64_t addr, uint32_t v)
{
	memcpy(f->ft->mem + addr, &v, sizeof(v));
}

static void put64(struct fixture *f, uint64_t addr, uint64_t v)
{
	memcpy(f->ft->mem + addr, &v, sizeof(v));
}

static int xlate(struct fixture *f, const char *arg)
{
	return sysview__show_xlate(f->t, 0, arg, f->out, sizeof(f->out));
}

/* monitor xlate ARG succeeds, and its output contains NEEDLE. */
static void xlate_has(struct fixture *f, const char *arg, const char *needle)
{
	int n = xlate(f, arg);

	if (n <= 0)
		fail_msg("xlate \"%s\" returned %d", arg, n);
	assert_contains(f->out, needle);
}

/* One of the sysview__show_* views of cpu 0 into f->out; it must succeed. */
static void show(struct fixture *f, int (*view)(struct target *, int, char *, size_t))
{
	int n = view(f->t, 0, f->out, sizeof(f->out));

	if (n <= 0)
		fail_msg("the view returned %d", n);
}

static void seg(struct target_seg *s, uint16_t sel, uint8_t type, bool db, bool l)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->limit = 0xffffffff;
	s->type = type;
	s->s = 1;
	s->present = 1;
	s->db = db;
	s->g = 1;
	s->l = l;
}

/* Flat 32-bit protected mode with a GDT at 0x800 (see below). */
#define GDT_BASE	0x800
static void enter_protected(struct fixture *f)
{
	int i;

	f->r->cr0 = 0x11;
	seg(&f->r->seg[SEG_CS], 0x08, 0xb, true, false);
	for (i = SEG_SS; i <= SEG_GS; i++)
		seg(&f->r->seg[i], 0x10, 0x3, true, false);
	f->r->rip = 0x1000;
	put64(f, GDT_BASE + 0x00, 0);
	put64(f, GDT_BASE + 0x08, 0x00cf9b000000ffffull);	/* flat code */
	put64(f, GDT_BASE + 0x10, 0x00cf93000000ffffull);	/* flat data */
	put64(f, GDT_BASE + 0x18, 0x0000890012340067ull);	/* 32-bit TSS at 0x1234 */
	put64(f, GDT_BASE + 0x20, 0x0000930100000fffull);	/* data, base 0x10000, 4 KiB */
	put64(f, GDT_BASE + 0x28, 0x00cf97000000ffffull);	/* expand-down data */
	f->r->gdt.base = GDT_BASE;
	f->r->gdt.limit = 6 * 8 - 1;
}

/* 64-bit mode over 4-level tables at 0x10000-0x13fff. */
static void enter_long(struct fixture *f)
{
	enter_protected(f);
	f->r->cr0 = 0x80000011;
	f->r->cr4 = 0x20;
	f->r->efer = 0x500;
	f->r->cr3 = 0x10000;
	seg(&f->r->seg[SEG_CS], 0x18, 0xb, false, true);
}

/* ---- mode ---- */

static void test_mode(void **state)
{
	struct fixture *f = *state;
	struct target_regs r = *f->r;

	assert_int_equal(sysview__mode(&r), MODE_REAL);
	r.cr0 = 0x11;
	assert_int_equal(sysview__mode(&r), MODE_PROTECTED);
	r.cr0 |= X86_CR0_PG;
	assert_int_equal(sysview__mode(&r), MODE_PAGED);
	r.efer = X86_EFER_LME | X86_EFER_LMA;
	assert_int_equal(sysview__mode(&r), MODE_LONG_COMPAT);
	r.seg[SEG_CS].l = 1;
	assert_int_equal(sysview__mode(&r), MODE_LONG);
	assert_string_equal(sysview__mode_name(MODE_REAL), "real");
	assert_string_equal(sysview__mode_name(MODE_PROTECTED), "protected");
	assert_string_equal(sysview__mode_name((enum cpu_mode)99), "unknown");

	show(f, sysview__show_mode);
	assert_contains(f->out, "mode: real (");
	assert_contains(f->out, "CR0:   0x00000010 (ET)\n");

	enter_protected(f);
	f->r->cr4 = 0x290;
	f->r->rflags = 0x246;
	show(f, sysview__show_mode);
	assert_contains(f->out, "mode: protected (32-bit, paging off)\nCPL: 0\n");
	assert_contains(f->out, "CR0:   0x00000011 (PE ET)\n");
	assert_contains(f->out, "CR4:   0x00000290 (PSE PGE OSFXSR)\n");
	assert_contains(f->out, "EFER:  0x00000000 ()\n");
	assert_contains(f->out, "RFLAGS: 0x00000246 (PF ZF IF)\n");
	assert_contains(f->out, "GDT:   base 0x00000800 limit 0x002f\n");

	enter_long(f);
	f->r->efer |= 0x800;
	show(f, sysview__show_mode);
	assert_contains(f->out, "mode: long (64-bit, 4-level paging)");
	assert_contains(f->out, "(PE ET PG)");
	assert_contains(f->out, "(LME LMA NXE)");
}

static void test_sregs(void **state)
{
	struct fixture *f = *state;

	show(f, sysview__show_sregs);
	assert_contains(f->out, "cs    0xf000   0x00000000000f0000 0x0000ffff code, exec/read, "
			"accessed");
	assert_contains(f->out, "ss    0x0000   0x0000000000000000 0x0000ffff data, read/write, "
			"accessed");
	assert_contains(f->out, "tr    0x0000");
	assert_contains(f->out, "32-bit TSS (busy)");
	assert_contains(f->out, "ldtr  0x0000");
	assert_contains(f->out, "real mode: base = selector * 16");

	enter_protected(f);
	show(f, sysview__show_sregs);
	assert_contains(f->out, "cs    0x0008   0x0000000000000000 0xffffffff code, exec/read, "
			"accessed      0   1 1   1 0\n");
	assert_lacks(f->out, "real mode");
}

/* ---- GDT ---- */

static void test_gdt_flat(void **state)
{
	struct fixture *f = *state;

	enter_protected(f);
	show(f, sysview__show_gdt);
	assert_contains(f->out, "GDT at 0x00000800, limit 0x002f: 6 descriptors\n");
	assert_contains(f->out, "    0 0x0000  null descriptor");
	assert_contains(f->out, "    1 0x0008  code, exec/read, accessed      base 0x00000000 "
			"limit 0xffffffff DPL 0 P 1 D/B 1 G 1 L 0\n");
	assert_contains(f->out, "    2 0x0010  data, read/write, accessed     base 0x00000000 "
			"limit 0xffffffff DPL 0 P 1 D/B 1 G 1 L 0\n");
	assert_contains(f->out, "    3 0x0018  32-bit TSS (available)         base 0x00001234 "
			"limit 0x00000067");
	assert_contains(f->out, "    4 0x0020  data, read/write, accessed     base 0x00010000 "
			"limit 0x00000fff DPL 0 P 1 D/B 0 G 0");
	assert_contains(f->out, "data, read/write, expand-down, accessed");
	assert_lacks(f->out, "truncated");
}

static void test_gdt_long_mode_tss(void **state)
{
	struct fixture *f = *state;

	enter_long(f);
	/* A 16-byte 64-bit TSS descriptor in slots 3-4, base 0xffff800000001234. */
	put64(f, GDT_BASE + 0x18, 0x0000890012340067ull);
	put64(f, GDT_BASE + 0x20, 0x00000000ffff8000ull);
	put64(f, GDT_BASE + 0x28, 0x00af9b000000ffffull);	/* 64-bit code */
	show(f, sysview__show_gdt);
	assert_contains(f->out, "    3 0x0018  64-bit TSS (available)         base "
			"0xffff800000001234");
	assert_lacks(f->out, "    4 0x0020");
	assert_contains(f->out, "    5 0x0028  code, exec/read, accessed      base 0x00000000 "
			"limit 0xffffffff DPL 0 P 1 D/B 0 G 1 L 1\n");
}

/* The reset GDT limit is 0xffff: 64 KiB, far more than this memory. */
static void test_gdt_huge_limit(void **state)
{
	struct fixture *f = *state;
	struct fake_target *small = fake_target__new(0x1000);
	struct target_regs *r;
	uint64_t code = 0x00cf9b000000ffffull;

	assert_non_null(small);
	r = &small->regs[0];
	r->cr0 = 0x11;
	r->gdt.base = 0x800;
	r->gdt.limit = 0xffff;
	memcpy(small->mem + 0x808, &code, 8);
	memcpy(small->mem + 0xff8, &code, 8);	/* the last readable slot */
	assert_true(sysview__show_gdt(&small->target, 0, f->out, sizeof(f->out)) > 0);
	assert_contains(f->out, "limit 0xffff: 8192 descriptors\n");
	assert_contains(f->out, "only 2048 of 65536 bytes are readable");
	assert_contains(f->out, "    1 0x0008  code");
	assert_contains(f->out, "  255 0x07f8  code");
	assert_contains(f->out, "... 253 null descriptors not shown\n");

	/* Entirely outside memory. */
	r->gdt.base = 0x10000000;
	assert_true(sysview__show_gdt(&small->target, 0, f->out, sizeof(f->out)) > 0);
	assert_contains(f->out, "only 0 of 65536 bytes are readable");
	/* Near the top of the address space. */
	r->gdt.base = UINT64_MAX - 4;
	assert_true(sysview__show_gdt(&small->target, 0, f->out, sizeof(f->out)) > 0);
	fake_target__free(small);
}

/* ---- IDT ---- */

static uint64_t gate32(uint16_t sel, uint32_t off, uint8_t type, uint8_t dpl)
{
	return (off & 0xffffull) | (uint64_t)sel << 16 |
	       (uint64_t)(0x80 | dpl << 5 | type) << 40 | (uint64_t)(off >> 16) << 48;
}

static void test_idt_protected(void **state)
{
	struct fixture *f = *state;

	enter_protected(f);
	f->r->idt.base = 0x2000;
	f->r->idt.limit = 0x7ff;
	put64(f, 0x2000 + 0 * 8, gate32(0x08, 0x3000, 0xe, 0));
	put64(f, 0x2000 + 14 * 8, gate32(0x08, 0x12345678, 0xf, 0));
	put64(f, 0x2000 + 0x80 * 8, gate32(0x08, 0x4000, 0xe, 3));
	show(f, sysview__show_idt);
	assert_contains(f->out, "IDT at 0x00002000, limit 0x07ff: 256 8-byte gates\n");
	assert_contains(f->out, "  0x00 #DE divide error");
	assert_contains(f->out, "32-bit interrupt gate  0008:00003000  DPL 0\n");
	assert_contains(f->out, "  0x0e #PF page fault");
	assert_contains(f->out, "32-bit trap gate       0008:12345678  DPL 0\n");
	assert_contains(f->out, "  0x80 ");
	assert_contains(f->out, "0008:00004000  DPL 3\n");
	assert_contains(f->out, "... 253 not-present gates not shown\n");
	assert_lacks(f->out, "0x03 #BP");

	/* A short IDT: the rest would fault. */
	f->r->idt.limit = 0x7f;
	show(f, sysview__show_idt);
	assert_contains(f->out, "16 8-byte gates");
	assert_contains(f->out, "vectors 0x10-0xff are beyond the limit");
}

static void test_idt_long(void **state)
{
	struct fixture *f = *state;

	enter_long(f);
	f->r->idt.base = 0x3000;
	f->r->idt.limit = 0xfff;
	put64(f, 0x3000 + 3 * 16, gate32(0x18, 0x80001000, 0xe, 3) | 1ull << 32);	/* IST 1 */
	put64(f, 0x3000 + 3 * 16 + 8, 0xffffffffull);
	show(f, sysview__show_idt);
	assert_contains(f->out, "256 16-byte gates");
	assert_contains(f->out, "  0x03 #BP breakpoint");
	assert_contains(f->out, "64-bit interrupt gate  0018:ffffffff80001000  DPL 3 IST 1\n");
	assert_contains(f->out, "... 255 not-present gates not shown\n");
}

static void test_ivt(void **state)
{
	struct fixture *f = *state;

	f->r->idt.base = 0;
	f->r->idt.limit = 0x3ff;
	put32(f, 0x10 * 4, 0xc0001234);
	put32(f, 0x08 * 4, 0xf000fea5);
	show(f, sysview__show_idt);
	assert_contains(f->out, "IVT (real mode) at 0x00000000, limit 0x03ff: 256 vectors");
	assert_contains(f->out, "  0x10 ");
	assert_contains(f->out, "c000:1234 -> 0xc1234\n");
	assert_contains(f->out, "  0x08 #DF double fault");
	assert_contains(f->out, "f000:fea5 -> 0xffea5\n");
	assert_contains(f->out, "  0xff ");

	/* The reset limit 0xffff still shows 256 vectors. */
	f->r->idt.limit = 0xffff;
	show(f, sysview__show_idt);
	assert_contains(f->out, "256 vectors");
}

/* ---- xlate ---- */

static void test_xlate_real(void **state)
{
	struct fixture *f = *state;

	xlate_has(f, "0xdead:0xbeef", "dead:beef -> linear 0x000ea9bf (0xdead * 16 + 0xbeef)\n");
	assert_contains(f->out, "physical 0x000ea9bf (paging off");
	xlate_has(f, "f000:fff0", "f000:fff0 -> linear 0x000ffff0 (0xf000 * 16 + 0xfff0)\n");
	xlate_has(f, "ffff:ffff", "linear 0x0010ffef");
	xlate_has(f, "b8000", "linear 0x000b8000\n");
	xlate_has(f, "f000:10000", "does not fit in a real-mode 16-bit offset");
	/* Paging off: 32-bit linear addresses; 2^32 is none, 2^32 - 1 is one. */
	xlate_has(f, "100000000", "0x100000000 is beyond 4 GiB: with paging off");
	assert_null(strstr(f->out, "physical"));
	xlate_has(f, "ffffffff", "physical 0xffffffff (paging off: physical = linear)");
}

static void test_xlate_malformed(void **state)
{
	struct fixture *f = *state;
	static const char *const bad[] = {
		"", "zz", "1:2:3", "12345678901234567", "0x12345678901234567", ":", "f000:",
		":10", "10000:0", "0x", "-1", " 10", "10 ", "0x:0x", "1:2:", "12g",
		"0000000000000000000000000000000000000000000000001",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (xlate(f, bad[i]) != -EINVAL)
			fail_msg("\"%s\" was accepted", bad[i]);
		assert_contains(f->out, "cannot parse");
	}
	/* 16 digits are fine. */
	assert_true(xlate(f, "0xffffffffffffffff") > 0);
	assert_true(xlate(f, "FFFF:0X10") > 0);
}

static void test_xlate_protected(void **state)
{
	struct fixture *f = *state;

	enter_protected(f);
	xlate_has(f, "0x10:0x1234", "selector 0x0010: GDT index 2, RPL 0 -> data, read/write, "
			"accessed, base 0x00000000, limit 0xffffffff, DPL 0\n");
	assert_contains(f->out, "is within the segment's limit");
	assert_contains(f->out, "linear 0x00001234 (base 0x00000000 + offset 0x00001234)\n");
	assert_contains(f->out, "physical 0x00001234 (paging off");

	xlate_has(f, "20:100", "linear 0x00010100");
	xlate_has(f, "20:2000", "outside the segment's limit 0x00000fff");
	assert_true(xlate(f, "0x28:0x10") > 0);	/* expand-down: low offsets fault */
	assert_contains(f->out, "outside the segment's limit");

	xlate_has(f, "0x0c:0", "LDT");
	assert_contains(f->out, "not supported");
	xlate_has(f, "0:5", "null selector");
	xlate_has(f, "0x80:0", "beyond the GDT limit 0x002f");
	xlate_has(f, "0x18:0", "system descriptor");
	xlate_has(f, "8:100000000", "does not fit in 32 bits");
}

/* The 4-level tables: PML4 0x10000, PDPT 0x11000, PD 0x12000, PT 0x13000. */
static int xlate_translate(struct target *t, int cpu, uint64_t linear, uint64_t *phys)
{
	(void)t;
	(void)cpu;
	if (linear == 0x8080604567ull) {
		*phys = 0x200567;
		return 0;
	}
	return -EFAULT;
}

static void test_xlate_long(void **state)
{
	struct fixture *f = *state;

	enter_long(f);
	f->ops = *f->t->ops;
	f->ops.translate = xlate_translate;
	f->t->ops = &f->ops;
	put64(f, 0x10000 + 1 * 8, 0x11000 | 0x7);		/* P RW US */
	put64(f, 0x11000 + 2 * 8, 0x12000 | 0x3);
	put64(f, 0x11000 + 3 * 8, 0x40000000 | 0x83);		/* 1 GiB page */
	put64(f, 0x12000 + 3 * 8, 0x13000 | 0x23);		/* accessed */
	put64(f, 0x12000 + 5 * 8, 0x400000 | 0x83 | 1ull << 63);	/* 2 MiB, NX */
	put64(f, 0x13000 + 4 * 8, 0x200000 | 0x63);		/* dirty */

	/* 1<<39 | 2<<30 | 3<<21 | 4<<12 | 0x567 */
	xlate_has(f, "0x8080604567", "linear 0x8080604567\n");
	assert_contains(f->out, "paging: 4-level, CR3 0x00010000\n");
	assert_contains(f->out, "  PML4E [  1] at 0x00010008 = 0x0000000000011007  P RW US\n");
	assert_contains(f->out, "  PDPTE [  2] at 0x00011010 = 0x0000000000012003  P RW\n");
	assert_contains(f->out, "  PDE   [  3] at 0x00012018 = 0x0000000000013023  P RW A\n");
	assert_contains(f->out, "  PTE   [  4] at 0x00013020 = 0x0000000000200063  P RW A D\n");
	assert_contains(f->out, "physical 0x00200567 (4 KiB page at 0x00200000 + offset 0x567)\n");
	assert_contains(f->out, "the target's own translation agrees");

	xlate_has(f, "0x8080a12345", "P RW PS NX\n");
	assert_contains(f->out, "physical 0x00412345 (2 MiB page at 0x00400000");
	assert_contains(f->out, "note: the target's own translation says not mapped");

	xlate_has(f, "0x80c0001234", "physical 0x40001234 (1 GiB page at 0x40000000");

	xlate_has(f, "0x10000001000",
		  "  PML4E [  2] at 0x00010010 = 0x0000000000000000  not present\n");
	assert_contains(f->out, "not mapped");

	xlate_has(f, "0x0000800000000000", "not canonical");
	xlate_has(f, "0xffff800000000000", "PML4E [256]");

	/* A selector in 64-bit mode: no segmentation. */
	xlate_has(f, "0x10:0x8080604567", "64-bit mode");
	assert_contains(f->out, "physical 0x00200567");

	/* A table outside memory. */
	f->r->cr3 = 0x7ffff000;
	xlate_has(f, "0x1000", "cannot read it (outside guest memory)");
}

static void test_xlate_paging32(void **state)
{
	struct fixture *f = *state;

	enter_protected(f);
	f->r->cr0 |= X86_CR0_PG;
	f->r->cr3 = 0x20000;
	f->r->cr4 = 0x10;				/* PSE */
	put32(f, 0x20000 + 1 * 4, 0x21000 | 0x3);	/* 0x00400000-0x007fffff: 4 KiB pages */
	put32(f, 0x21000 + 2 * 4, 0x300000 | 0x3);
	put32(f, 0x20000 + 2 * 4, 0x00c00000 | 0x83);	/* 0x00800000: a 4 MiB page */

	xlate_has(f, "0x402abc", "paging: 32-bit (2 levels, 4 MiB pages allowed)");
	assert_contains(f->out, "  PDE   [  1] at 0x00020004 = 0x00021003  P RW\n");
	assert_contains(f->out, "  PTE   [  2] at 0x00021008 = 0x00300003  P RW\n");
	assert_contains(f->out, "physical 0x00300abc (4 KiB page");
	xlate_has(f, "0x812345", "physical 0x00c12345 (4 MiB page at 0x00c00000");
	assert_true(xlate(f, "0x10:0x812345") > 0);	/* flat segment, then paging */
	assert_contains(f->out, "physical 0x00c12345");
	xlate_has(f, "0x100000000", "beyond 4 GiB");

	/* PAE: PDPT at 0x22000 (32-byte aligned), PD 0x23000, PT 0x24000. */
	f->r->cr4 = 0x20;
	f->r->cr3 = 0x22000;
	put64(f, 0x22000 + 1 * 8, 0x23000 | 0x1);
	put64(f, 0x23000 + 2 * 8, 0x24000 | 0x3);
	put64(f, 0x24000 + 3 * 8, 0x305000 | 0x3);
	/* 1<<30 | 2<<21 | 3<<12 | 0x10 */
	xlate_has(f, "0x40403010", "paging: PAE (3 levels)");
	assert_contains(f->out, "  PDPTE [  1] at 0x00022008");
	assert_contains(f->out, "physical 0x00305010 (4 KiB page");
}

/* ---- bounded output ---- */

static void test_small_buffers(void **state)
{
	struct fixture *f = *state;
	char small[300];
	int n;

	memset(small, 0x55, sizeof(small));
	f->r->idt.limit = 0x3ff;
	n = sysview__show_idt(f->t, 0, small, 200);
	assert_true(n > 0 && n < 200);
	assert_int_equal((size_t)n, strlen(small));
	assert_non_null(strstr(small, "... (output truncated)\n"));
	assert_int_equal((unsigned char)small[200], 0x55);

	memset(small, 0x55, sizeof(small));
	assert_int_equal(sysview__show_mode(f->t, 0, small, 10), -ENOSPC);
	assert_int_equal((unsigned char)small[10], 0x55);
	assert_int_equal(sysview__show_xlate(f->t, 0, "zz", small, 0), -ENOSPC);
	/* Only the marker fits. */
	assert_int_equal(sysview__show_gdt(f->t, 0, small, 24), 23);
	assert_string_equal(small, "... (output truncated)\n");

	/* Every cap from tiny to ample: never writes past it, always a string. */
	for (size_t cap = 1; cap < sizeof(small) - 1; cap += 7) {
		memset(small, 0x55, sizeof(small));
		n = sysview__show_sregs(f->t, 0, small, cap);
		if (n >= 0)
			assert_int_equal((size_t)n, strlen(small));
		assert_int_equal((unsigned char)small[cap], 0x55);
	}
}

/* An invalid cpu is the target's error, passed through. */
static void test_bad_cpu(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(sysview__show_mode(f->t, 7, f->out, sizeof(f->out)), -EINVAL);
	assert_int_equal(sysview__show_gdt(f->t, -1, f->out, sizeof(f->out)), -EINVAL);
	assert_int_equal(xlate(f, "zz"), -EINVAL);
}

#define TEST(fn)	cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_mode),
		TEST(test_sregs),
		TEST(test_gdt_flat),
		TEST(test_gdt_long_mode_tss),
		TEST(test_gdt_huge_limit),
		TEST(test_idt_protected),
		TEST(test_idt_long),
		TEST(test_ivt),
		TEST(test_xlate_real),
		TEST(test_xlate_malformed),
		TEST(test_xlate_protected),
		TEST(test_xlate_long),
		TEST(test_xlate_paging32),
		TEST(test_small_buffers),
		TEST(test_bad_cpu),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
