/*
 * test_regs.c - the register layout: sizes, the 'g' encoding at the reset
 * vector, the linear-pc and segment write rules, 'G' round trips and the
 * target description.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../stub/regs.h"
#include "../../stub/rsp.h"
#include "fake_target.h"

#define NR_REGS		89	/* every register of the i386 layout */
#define NR_G		38	/* ... of them in the 'g' packet: up to cs_attr */
#define NR_LEGACY	63	/* ... described with x87 and SSE only */
#define REG_IP		16
#define REG_CS_BASE	17
#define REG_CR0		23
#define REG_CS_ATTR	37
#define REG_ST0		38
#define REG_XMM0	54
#define REG_MXCSR	62
#define GDT_BASE	0x1000

static int setup(void **state)
{
	struct fake_target *ft = fake_target__new(64 * 1024);

	if (!ft)
		return -1;
	*state = ft;
	return 0;
}

static int teardown(void **state)
{
	fake_target__free(*state);
	return 0;
}

/* Byte offset of register regno in the 'g' block. */
static size_t reg_offset(int regno)
{
	size_t off = 0;

	for (int i = 0; i < regno; i++)
		off += regs__size(i);
	return off;
}

static void put32(uint8_t *b, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}

static int write32(struct fake_target *ft, struct target_regs *r, int regno, uint32_t v)
{
	uint8_t b[4];

	put32(b, v);
	return regs__write(&ft->target, 0, r, regno, b, sizeof(b));
}

static void assert_seg_equal(const struct target_seg *a, const struct target_seg *b)
{
	assert_int_equal(a->base, b->base);
	assert_int_equal(a->limit, b->limit);
	assert_int_equal(a->selector, b->selector);
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->s, b->s);
	assert_int_equal(a->dpl, b->dpl);
	assert_int_equal(a->present, b->present);
	assert_int_equal(a->db, b->db);
	assert_int_equal(a->l, b->l);
	assert_int_equal(a->g, b->g);
	assert_int_equal(a->avl, b->avl);
	assert_int_equal(a->unusable, b->unusable);
}

static void assert_regs_equal(const struct target_regs *a, const struct target_regs *b)
{
	for (int i = 0; i < TARGET_NR_GPRS; i++)
		assert_int_equal(a->gpr[i], b->gpr[i]);
	assert_int_equal(a->rip, b->rip);
	assert_int_equal(a->rflags, b->rflags);
	for (int i = 0; i < TARGET_NR_SEGS; i++)
		assert_seg_equal(&a->seg[i], &b->seg[i]);
	assert_int_equal(a->gdt.base, b->gdt.base);
	assert_int_equal(a->gdt.limit, b->gdt.limit);
	assert_int_equal(a->idt.base, b->idt.base);
	assert_int_equal(a->idt.limit, b->idt.limit);
	assert_int_equal(a->cr0, b->cr0);
	assert_int_equal(a->cr2, b->cr2);
	assert_int_equal(a->cr3, b->cr3);
	assert_int_equal(a->cr4, b->cr4);
	assert_int_equal(a->efer, b->efer);
}

/* The size of i386 register regno, from gdb's features. */
static int i386_size(int i)
{
	if (i >= REG_ST0 && i < REG_ST0 + 8)
		return 10;		/* st0-7 */
	if (i >= REG_XMM0 && i < REG_XMM0 + 8)
		return 16;		/* xmm0-7 */
	if (i >= 63 && i <= 70)
		return 16;		/* ymm0h-7h */
	if (i >= 71 && i <= 78)
		return 8;		/* k0-7 */
	if (i >= 79 && i <= 86)
		return 32;		/* zmm0h-7h */
	if (i == 88)
		return 8;		/* xcr0 */
	return 4;
}

static void test_layout(void **state)
{
	static const struct { const char *name; int regno; } fixed[] = {
		{ "eax", 0 }, { "esp", 4 }, { "edi", 7 }, { "eip", 8 }, { "eflags", 9 },
		{ "cs", 10 }, { "gs", 15 },
		{ "ip", 16 }, { "cs_base", 17 }, { "gs_base", 22 }, { "cr0", 23 },
		{ "cr2", 24 }, { "cr3", 25 }, { "cr4", 26 }, { "efer", 27 },
		{ "gdtr_base", 28 }, { "gdtr_limit", 29 }, { "idtr_base", 30 },
		{ "idtr_limit", 31 }, { "tr", 32 }, { "ldtr", 33 }, { "cs_limit", 34 },
		{ "ss_limit", 35 }, { "ds_limit", 36 }, { "cs_attr", 37 },
		{ "st0", 38 }, { "st7", 45 }, { "fctrl", 46 }, { "fop", 53 }, { "xmm0", 54 },
		{ "xmm7", 61 }, { "mxcsr", 62 }, { "ymm0h", 63 }, { "ymm7h", 70 }, { "k0", 71 },
		{ "k7", 78 }, { "zmm0h", 79 }, { "zmm7h", 86 }, { "pkru", 87 }, { "xcr0", 88 },
	};
	int sum = 0;

	(void)state;
	assert_int_equal(regs__count(), NR_REGS);
	assert_int_equal(regs_layout__g_count(NULL), NR_G);
	for (int i = 0; i < NR_REGS; i++) {
		assert_int_equal(regs__size(i), i386_size(i));
		assert_int_equal(regs__find(regs__name(i)), i);
		/* The 'g' packet ends where the extended state begins. */
		assert_int_equal(regs_layout__is_xstate(NULL, i), i >= NR_G);
		if (i < NR_G)
			sum += i386_size(i);
	}
	assert_int_equal(regs__total_size(), sum);
	assert_int_equal(regs__size(NR_REGS), 0);
	assert_int_equal(regs__size(-1), 0);
	assert_null(regs__name(NR_REGS));
	assert_int_equal(regs__find("rax"), -1);
	assert_int_equal(regs__find(""), -1);
	assert_int_equal(REGS_PC, regs__find("eip"));
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		assert_int_equal(regs__find(fixed[i].name), fixed[i].regno);
}

/* What each part of the extended state brings into the description. */
static void test_described(void **state)
{
	const struct regs_layout *L = regs__layout(REGS_ARCH_X86_64);
	const uint32_t legacy = TARGET_XF_X87 | TARGET_XF_SSE;
	int n;

	(void)state;
	/* The core, x87 included, and the system registers always. */
	for (int i = 0; i < REG_XMM0; i++)
		assert_true(regs_layout__described(NULL, i, 0));
	assert_false(regs_layout__described(NULL, REG_XMM0, 0));
	assert_true(regs_layout__described(NULL, REG_XMM0, legacy));
	assert_false(regs_layout__described(NULL, regs__find("ymm0h"), legacy));
	assert_true(regs_layout__described(NULL, regs__find("ymm0h"), legacy | TARGET_XF_AVX));
	assert_false(regs_layout__described(NULL, regs__find("k0"), legacy | TARGET_XF_AVX));
	assert_true(regs_layout__described(NULL, regs__find("zmm7h"), legacy | TARGET_XF_AVX512));
	assert_false(regs_layout__described(NULL, regs__find("pkru"), legacy | TARGET_XF_AVX512));
	assert_true(regs_layout__described(NULL, regs__find("pkru"), TARGET_XF_PKRU));
	assert_false(regs_layout__described(NULL, regs__find("xcr0"), ~TARGET_XF_XCR0));
	assert_true(regs_layout__described(NULL, regs__find("xcr0"), TARGET_XF_XCR0));
	assert_false(regs_layout__described(NULL, NR_REGS, ~0u));
	/* x86-64: xmm16-31 and their upper parts come with AVX-512. */
	assert_false(regs_layout__described(L, regs_layout__find(L, "xmm16"), legacy | TARGET_XF_AVX));
	assert_true(regs_layout__described(L, regs_layout__find(L, "xmm31"), TARGET_XF_AVX512));
	assert_true(regs_layout__described(L, regs_layout__find(L, "ymm31h"), TARGET_XF_AVX512));
	assert_true(regs_layout__described(L, regs_layout__find(L, "ymm15h"), TARGET_XF_AVX));
	n = 0;
	for (int i = 0; i < regs_layout__count(L); i++)
		n += regs_layout__described(L, i, legacy);
	assert_int_equal(n, 47 + 16 + 17);	/* core+system, x87, xmm0-15 + mxcsr */
}

static void test_encode_reset(void **state)
{
	struct fake_target *ft = *state;
	struct target_regs r;
	char g[2048], one[64];
	uint64_t v;
	size_t len;

	assert_int_equal(ft->target.ops->get_regs(&ft->target, 0, &r), 0);
	len = regs__encode_all(&r, g, sizeof(g));
	assert_int_equal(len, 2 * (size_t)regs__total_size());
	assert_int_equal(strlen(g), len);

	/* eip is the LINEAR pc 0xffff0; ip is the raw 0xfff0. */
	assert_memory_equal(g + 2 * reg_offset(8), "f0ff0f00", 8);
	assert_memory_equal(g + 2 * reg_offset(REG_IP), "f0ff0000", 8);
	assert_memory_equal(g + 2 * reg_offset(10), "00f00000", 8);	/* cs */
	assert_memory_equal(g + 2 * reg_offset(REG_CS_BASE), "00000f00", 8);
	assert_memory_equal(g + 2 * reg_offset(9), "02000000", 8);	/* eflags */
	assert_memory_equal(g + 2 * reg_offset(REG_CR0), "10000000", 8);

	/* The block ends with cs_attr, before the extended state, and
	 * every byte of it is known. */
	assert_int_equal(len, 2 * reg_offset(NR_G));
	assert_null(memchr(g, 'x', len));

	assert_int_equal(regs__encode(&r, 8, one), 8);
	assert_string_equal(one, "f0ff0f00");
	/* Without the target's state (regs_layout__encode_fpu), unavailable. */
	assert_int_equal(regs__encode(&r, REG_ST0, one), 20);
	assert_string_equal(one, "xxxxxxxxxxxxxxxxxxxx");
	assert_int_equal(regs__encode(&r, NR_REGS, one), 0);

	assert_int_equal(regs__get(&r, 8, &v), 0);
	assert_int_equal(v, 0xffff0);
	assert_int_equal(regs__linear_pc(&r), 0xffff0);
	assert_int_equal(regs__get(&r, REG_ST0, &v), -ENOENT);
	assert_int_equal(regs__get(&r, REG_MXCSR, &v), -ENOENT);
	assert_int_equal(regs__get(&r, NR_REGS, &v), -ENOENT);

	/* Too small for the block and its NUL. */
	assert_int_equal(regs__encode_all(&r, g, 2 * regs__total_size()), 0);
}

static void test_pc_write_real(void **state)
{
	struct fake_target *ft = *state;
	struct target_regs r = ft->regs[0], before;

	/* Inside CS's 64 KiB: CS stays. */
	assert_int_equal(write32(ft, &r, REGS_PC, 0xffff5), 0);
	assert_int_equal(r.rip, 0xfff5);
	assert_int_equal(r.seg[SEG_CS].selector, 0xf000);
	assert_int_equal(r.seg[SEG_CS].base, 0xf0000);
	assert_int_equal(regs__linear_pc(&r), 0xffff5);

	/* Outside: CS moves to the 64 KiB-aligned segment. */
	assert_int_equal(write32(ft, &r, REGS_PC, 0x7c00), 0);
	assert_int_equal(r.seg[SEG_CS].selector, 0);
	assert_int_equal(r.seg[SEG_CS].base, 0);
	assert_int_equal(r.rip, 0x7c00);
	assert_int_equal(r.seg[SEG_CS].limit, 0xffff);

	assert_int_equal(write32(ft, &r, REGS_PC, 0x9f000), 0);
	assert_int_equal(r.seg[SEG_CS].selector, 0x9000);
	assert_int_equal(r.rip, 0xf000);

	/* The high memory area is FFFF:xxxx. */
	assert_int_equal(write32(ft, &r, REGS_PC, 0x100010), 0);
	assert_int_equal(r.seg[SEG_CS].selector, 0xffff);
	assert_int_equal(r.rip, 0x20);

	/* Not reachable in real mode: refused, nothing changed. */
	before = r;
	assert_int_equal(write32(ft, &r, REGS_PC, 0x200000), -EINVAL);
	assert_regs_equal(&r, &before);

	/* ip sets the raw IP. */
	assert_int_equal(write32(ft, &r, regs__find("ip"), 0x1234), 0);
	assert_int_equal(r.rip, 0x1234);
	assert_int_equal(regs__linear_pc(&r), 0xffff0 + 0x1234);
}

static void test_selector_write_real(void **state)
{
	struct fake_target *ft = *state;
	struct target_regs r = ft->regs[0];

	assert_int_equal(write32(ft, &r, regs__find("ds"), 0x1234), 0);
	assert_int_equal(r.seg[SEG_DS].selector, 0x1234);
	assert_int_equal(r.seg[SEG_DS].base, 0x12340);
	assert_int_equal(r.seg[SEG_DS].limit, 0xffff);

	assert_int_equal(write32(ft, &r, regs__find("cs"), 0x07c0), 0);
	assert_int_equal(r.seg[SEG_CS].base, 0x7c00);
	assert_int_equal(regs__linear_pc(&r), 0x7c00 + 0xfff0);

	assert_int_equal(write32(ft, &r, regs__find("es"), 0x10000), -EINVAL);

	/* Bases, limits and system registers are set directly. */
	assert_int_equal(write32(ft, &r, regs__find("fs_base"), 0xabcdef), 0);
	assert_int_equal(r.seg[SEG_FS].base, 0xabcdef);
	assert_int_equal(write32(ft, &r, regs__find("ss_limit"), 0xfffff), 0);
	assert_int_equal(r.seg[SEG_SS].limit, 0xfffff);
	assert_int_equal(write32(ft, &r, regs__find("cr3"), 0x5000), 0);
	assert_int_equal(r.cr3, 0x5000);
	assert_int_equal(write32(ft, &r, regs__find("gdtr_limit"), 0x17), 0);
	assert_int_equal(r.gdt.limit, 0x17);
	assert_int_equal(write32(ft, &r, regs__find("idtr_limit"), 0x10000), -EINVAL);
	assert_int_equal(write32(ft, &r, regs__find("eax"), 0xdeadbeef), 0);
	assert_int_equal(r.gpr[GPR_AX], 0xdeadbeef);
}

static void put_desc(struct fake_target *ft, int index, uint32_t base, uint32_t limit,
		     uint8_t access, uint8_t flags)
{
	uint8_t *d = ft->mem + GDT_BASE + 8 * index;

	d[0] = limit & 0xff;
	d[1] = (limit >> 8) & 0xff;
	d[2] = base & 0xff;
	d[3] = (base >> 8) & 0xff;
	d[4] = (base >> 16) & 0xff;
	d[5] = access;
	d[6] = (uint8_t)((flags << 4) | ((limit >> 16) & 0xf));
	d[7] = (base >> 24) & 0xff;
}

/* A GDT: null, flat code 0x08, flat data 0x10, 16-bit data at 0x12345
 * (0x18), a TSS (0x20); CR0.PE set. */
static void enter_protected(struct fake_target *ft, struct target_regs *r)
{
	put_desc(ft, 1, 0, 0xfffff, 0x9a, 0xc);
	put_desc(ft, 2, 0, 0xfffff, 0x92, 0xc);
	put_desc(ft, 3, 0x12345, 0xffff, 0x92, 0x0);
	put_desc(ft, 4, 0x3000, 0x67, 0x89, 0x0);
	*r = ft->regs[0];
	r->gdt.base = GDT_BASE;
	r->gdt.limit = 5 * 8 - 1;
	r->cr0 |= X86_CR0_PE;
}

static void test_selector_load_protected(void **state)
{
	struct fake_target *ft = *state;
	struct target_regs r, before;

	enter_protected(ft, &r);
	assert_int_equal(write32(ft, &r, regs__find("cs"), 0x08), 0);
	assert_int_equal(r.seg[SEG_CS].selector, 0x08);
	assert_int_equal(r.seg[SEG_CS].base, 0);
	assert_int_equal(r.seg[SEG_CS].limit, 0xffffffff);
	assert_int_equal(r.seg[SEG_CS].type, 0xb);
	assert_int_equal(r.seg[SEG_CS].s, 1);
	assert_int_equal(r.seg[SEG_CS].present, 1);
	assert_int_equal(r.seg[SEG_CS].db, 1);
	assert_int_equal(r.seg[SEG_CS].g, 1);
	assert_int_equal(r.seg[SEG_CS].unusable, 0);

	assert_int_equal(write32(ft, &r, regs__find("ds"), 0x18), 0);
	assert_int_equal(r.seg[SEG_DS].base, 0x12345);
	assert_int_equal(r.seg[SEG_DS].limit, 0xffff);
	assert_int_equal(r.seg[SEG_DS].type, 0x3);
	assert_int_equal(r.seg[SEG_DS].db, 0);

	assert_int_equal(write32(ft, &r, regs__find("tr"), 0x20), 0);
	assert_int_equal(r.seg[SEG_TR].base, 0x3000);
	assert_int_equal(r.seg[SEG_TR].type, 0xb);	/* marked busy, as ltr does */

	/* A null data selector makes the segment unusable. */
	assert_int_equal(write32(ft, &r, regs__find("es"), 0), 0);
	assert_int_equal(r.seg[SEG_ES].unusable, 1);

	/* Protected mode pc: rip = linear - CS.base, CS stays. */
	assert_int_equal(write32(ft, &r, REGS_PC, 0x100000), 0);
	assert_int_equal(r.rip, 0x100000);
	assert_int_equal(r.seg[SEG_CS].selector, 0x08);

	before = r;
	assert_int_equal(write32(ft, &r, regs__find("cs"), 0x28), -EFAULT);	/* past the limit */
	assert_int_equal(write32(ft, &r, regs__find("ds"), 0x0c), -EINVAL);	/* LDT */
	assert_int_equal(write32(ft, &r, regs__find("cs"), 0), -EINVAL);	/* null CS */
	assert_int_equal(write32(ft, &r, regs__find("cs"), 0x10), -EINVAL);	/* data in CS */
	assert_int_equal(write32(ft, &r, regs__find("ds"), 0x20), -EINVAL);	/* TSS in DS */
	r.gdt.base = 0xfffffff0;	/* not in memory */
	assert_int_equal(write32(ft, &r, regs__find("ss"), 0x10), -EFAULT);
	r.gdt.base = GDT_BASE;
	assert_regs_equal(&r, &before);
}

/* A refused write says why, in words a user can act on. */
static void why(struct fake_target *ft, struct target_regs *r, const char *reg, uint32_t v,
		int want, const char *reason)
{
	char buf[REGS_WHY_SIZE];
	uint8_t b[4];

	put32(b, v);
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(regs_layout__write(NULL, &ft->target, 0, r, regs__find(reg), b, 4, buf,
					    sizeof(buf)), want);
	if (!strstr(buf, reason))
		fail_msg("set $%s = 0x%x: '%s' does not say '%s'", reg, v, buf, reason);
}

static void test_write_refused_why(void **state)
{
	struct fake_target *ft = *state;
	struct target_regs r;
	char buf[REGS_WHY_SIZE];
	uint8_t b[4] = { 0 };

	enter_protected(ft, &r);
	r.gdt.limit = 0x17;	/* null, code, data */
	why(ft, &r, "ds", 0x18, -EFAULT,
	    "selector 0x0018 (GDT index 3) lies beyond the GDT limit 0x0017");
	why(ft, &r, "cs", 0x10, -EINVAL, "selector 0x0010 is a data segment; cs needs a code segment");
	why(ft, &r, "ss", 0, -EINVAL, "ss cannot hold the null selector 0x0000");
	why(ft, &r, "es", 0x0c, -EINVAL, "TI=1");
	why(ft, &r, "fs", 0x10000, -EINVAL, "a selector has 16 bits");
	r.gdt.limit = 5 * 8 - 1;
	why(ft, &r, "gs", 0x20, -EINVAL, "selector 0x0020 is a system descriptor");
	why(ft, &r, "tr", 0x10, -EINVAL, "tr needs a TSS descriptor");
	why(ft, &r, "gdtr_limit", 0x10000, -EINVAL, "limit has 16 bits");
	/* Real mode: beyond ffff:ffff. */
	r = ft->regs[0];
	why(ft, &r, "eip", 0x200000, -EINVAL, "out of reach in real mode");
	/* A write that succeeds leaves it empty. */
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(regs_layout__write(NULL, &ft->target, 0, &r, 0, b, 4, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
}

static void test_write_bad(void **state)
{
	struct fake_target *ft = *state;
	struct target_regs r = ft->regs[0], before = r;
	uint8_t b[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

	assert_int_equal(regs__write(&ft->target, 0, &r, 0, b, 2), -EINVAL);
	assert_int_equal(regs__write(&ft->target, 0, &r, 0, b, 8), -EINVAL);
	assert_int_equal(regs__write(&ft->target, 0, &r, REG_ST0, b, 4), -EINVAL);
	assert_int_equal(regs__write(&ft->target, 0, &r, NR_REGS, b, 4), -EINVAL);
	assert_int_equal(regs__write(&ft->target, 0, &r, -1, b, 4), -EINVAL);
	/* The extended state is not in struct target_regs: refused here,
	 * regs_layout__write_fpu writes it. */
	assert_int_equal(regs__write(&ft->target, 0, &r, REG_ST0, b, 10), -EINVAL);
	assert_int_equal(regs__write(&ft->target, 0, &r, REG_XMM0, b, 16), -EINVAL);
	assert_int_equal(regs__write(&ft->target, 0, &r, REG_MXCSR, b, 4), -EINVAL);
	assert_regs_equal(&r, &before);
}

/* The 'g' hex back to raw bytes, unavailable bytes as zero. */
static void g_to_raw(const char *g, uint8_t *raw, size_t len)
{
	char hex[2048];

	assert_true(2 * len < sizeof(hex));
	for (size_t i = 0; i < 2 * len; i++)
		hex[i] = g[i] == 'x' ? '0' : g[i];
	assert_true(rsp__hex_decode(raw, hex, len));
}

static void test_write_all(void **state)
{
	struct fake_target *ft = *state;
	struct target_regs r = ft->regs[0], before;
	size_t total = regs__total_size();
	uint8_t raw[1024];
	char g[2048];

	r.gpr[GPR_AX] = 0x11223344;
	r.gpr[GPR_SP] = 0x7000;
	r.seg[SEG_DS].base = 0x4321;	/* a cache that differs from selector*16 */
	before = r;
	assert_true(regs__encode_all(&r, g, sizeof(g)) > 0);
	g_to_raw(g, raw, total);
	assert_int_equal(regs__write_all(&ft->target, 0, &r, raw, total), 0);
	assert_regs_equal(&r, &before);

	/* One changed register changes one register. */
	put32(raw + reg_offset(regs__find("ebx")), 0xcafe);
	assert_int_equal(regs__write_all(&ft->target, 0, &r, raw, total), 0);
	assert_int_equal(r.gpr[GPR_BX], 0xcafe);
	r.gpr[GPR_BX] = before.gpr[GPR_BX];
	assert_regs_equal(&r, &before);

	/* A changed ip with the old eip: ip wins (eip did not change). */
	put32(raw + reg_offset(REG_IP), 0x100);
	assert_int_equal(regs__write_all(&ft->target, 0, &r, raw, total), 0);
	assert_int_equal(r.rip, 0x100);
	assert_int_equal(r.seg[SEG_CS].selector, 0xf000);

	assert_int_equal(regs__write_all(&ft->target, 0, &r, raw, total - 1), -EINVAL);
	assert_int_equal(regs__write_all(&ft->target, 0, &r, raw, total + 1), -EINVAL);
}

static void test_write_all_fails_whole(void **state)
{
	struct fake_target *ft = *state;
	struct target_regs r, before;
	size_t total = regs__total_size();
	uint8_t raw[1024];
	char g[2048];

	enter_protected(ft, &r);
	before = r;
	assert_true(regs__encode_all(&r, g, sizeof(g)) > 0);
	g_to_raw(g, raw, total);
	put32(raw + reg_offset(0), 0x55);		/* eax: fine */
	put32(raw + reg_offset(12), 0x40);		/* ds: beyond the GDT */
	assert_int_equal(regs__write_all(&ft->target, 0, &r, raw, total), -EFAULT);
	assert_regs_equal(&r, &before);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static bool predefined(const char *type)
{
	static const char *const types[] = {
		"int", "int32", "uint32", "code_ptr", "data_ptr", "i387_ext",
		"int8", "int16", "int64", "uint64", "uint128", "ieee_single", "ieee_double",
	};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(type, types[i]) == 0)
			return true;
	return false;
}

/* Every type a <reg>, <field> or <vector> uses is predefined or defined
 * earlier in the document. */
static void check_types_defined_first(const char *xml)
{
	for (const char *p = strstr(xml, " type=\""); p; p = strstr(p + 1, " type=\"")) {
		char type[64], id[80];
		const char *end = strchr(p + 7, '"');
		const char *def;

		assert_non_null(end);
		assert_true((size_t)(end - (p + 7)) < sizeof(type));
		memcpy(type, p + 7, end - (p + 7));
		type[end - (p + 7)] = '\0';
		if (predefined(type))
			continue;
		snprintf(id, sizeof(id), "id=\"%s\"", type);
		def = strstr(xml, id);
		if (!def || def > p)
			fail_msg("type %s used before its definition", type);
	}
}

static void test_target_xml(void **state)
{
	struct fake_target *ft = *state;
	struct target_regs r = ft->regs[0];
	static char xml[16384];
	char needle[64], small[64];
	const char *p;
	size_t len;
	int regnum = 0;

	len = regs__target_xml(&r, xml, sizeof(xml));
	assert_true(len > 0 && len < sizeof(xml));
	assert_int_equal(strlen(xml), len);
	assert_true(strncmp(xml, "<?xml version=\"1.0\"?>", 21) == 0);
	assert_non_null(strstr(xml, "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">"));
	assert_non_null(strstr(xml, "<architecture>i8086</architecture>"));
	assert_int_equal(count(xml, "<feature "), 3);
	assert_int_equal(count(xml, "</feature>"), 3);
	assert_int_equal(count(xml, "<target "), 1);
	assert_int_equal(count(xml, "</target>"), 1);
	assert_non_null(strstr(xml, "<feature name=\"org.gnu.gdb.i386.core\">"));
	assert_non_null(strstr(xml, "<feature name=\"org.gnu.gdb.i386.sse\">"));
	assert_int_equal(count(xml, "<"), count(xml, ">"));
	for (int i = 0; i < NR_REGS; i++) {
		char bits[64];

		snprintf(needle, sizeof(needle), "<reg name=\"%s\" ", regs__name(i));
		assert_int_equal(count(xml, needle), i < NR_LEGACY);
		if (i >= NR_LEGACY)
			continue;
		snprintf(bits, sizeof(bits), " bitsize=\"%d\" ", 8 * regs__size(i));
		p = strstr(xml, needle);
		assert_true(strstr(p, bits) == p + strlen(needle) - 1);
		snprintf(bits, sizeof(bits), " regnum=\"%d\" ", i);
		assert_non_null(strstr(p, bits));
		assert_true(strstr(p, bits) < strstr(p, "/>"));
	}
	/* Each register once; the x87 ones in the core feature, which is
	 * not split: its end comes after fop, before the SSE feature. */
	for (p = strstr(xml, "regnum=\""); p; p = strstr(p + 1, "regnum=\""))
		regnum++;
	assert_int_equal(regnum, NR_LEGACY);
	assert_true(strstr(xml, "name=\"fop\"") < strstr(xml, "</feature>"));
	assert_true(strstr(xml, "name=\"ip\"") > strstr(xml, "org.kvmstub.x86.system"));
	check_types_defined_first(xml);

	r.cr0 |= X86_CR0_PE;
	r.seg[SEG_CS].db = 1;		/* after the far jump to a 32-bit CS */
	assert_int_equal(regs__target_xml(&r, xml, sizeof(xml)), len - 1);
	assert_non_null(strstr(xml, "<architecture>i386</architecture>"));

	/* The NUL must fit too. */
	assert_int_equal(regs__target_xml(&r, xml, len - 1), 0);
	assert_int_equal(regs__target_xml(&r, xml, len), len - 1);
	assert_int_equal(regs__target_xml(&r, small, sizeof(small)), 0);
	assert_int_equal(regs__target_xml(&r, small, 0), 0);
}

/* Between setting CR0.PE and the far jump the CPU still runs 16-bit code:
 * CS's D/B bit, shown as $cs_attr, and the description's architecture say so. */
static void test_cs_attr(void **state)
{
	struct fake_target *ft = *state;
	struct target_regs r = ft->regs[0];
	char xml[16384];
	uint64_t v;
	uint8_t w[4] = { 0x9b, 0x40, 0, 0 };	/* code, exec/read, accessed, P, D/B */

	assert_int_equal(regs__get(&r, REG_CS_ATTR, &v), 0);
	assert_int_equal(v & 0x4000, 0);
	r.cr0 |= X86_CR0_PE;
	assert_true(regs__target_xml(&r, xml, sizeof(xml)) > 0);
	assert_non_null(strstr(xml, "<architecture>i8086</architecture>"));
	assert_int_equal(regs__write(&ft->target, 0, &r, REG_CS_ATTR, w, 4), 0);
	assert_int_equal(r.seg[SEG_CS].db, 1);
	assert_int_equal(r.seg[SEG_CS].type, 0xb);
	assert_int_equal(r.seg[SEG_CS].present, 1);
	assert_int_equal(regs__get(&r, REG_CS_ATTR, &v), 0);
	assert_int_equal(v, 0x409b);
	assert_true(regs__target_xml(&r, xml, sizeof(xml)) > 0);
	assert_non_null(strstr(xml, "<architecture>i386</architecture>"));
}

static void test_eflags_str(void **state)
{
	char buf[128];

	(void)state;
	assert_int_equal(regs__eflags_str(0x2, buf, sizeof(buf)), 3);
	assert_string_equal(buf, "[ ]");
	regs__eflags_str(0x246, buf, sizeof(buf));
	assert_string_equal(buf, "[ PF ZF IF ]");
	regs__eflags_str(0x200001, buf, sizeof(buf));
	assert_string_equal(buf, "[ CF ID ]");
	assert_int_equal(regs__eflags_str(0x246, buf, 5), 0);
}

/* ---- the x86-64 layout (--arch x86-64) ---- */

#define NR_REGS64	170	/* every register of the x86-64 layout */
#define NR_G64		47	/* ... in the 'g' packet: up to cs_attr */
#define NR_LEGACY64	80	/* ... described with x87 and SSE only */

static void long_mode_regs(struct target_regs *r)
{
	memset(r, 0, sizeof(*r));
	r->cr0 = X86_CR0_PE | X86_CR0_PG | 0x10;
	r->cr4 = X86_CR4_PAE;
	r->efer = X86_EFER_LME | X86_EFER_LMA;
	r->cr3 = 0x10000;
	r->rflags = 0x86;
	r->seg[SEG_CS].selector = 0x18;
	r->seg[SEG_CS].l = 1;
	r->seg[SEG_CS].base = 0x12340000;	/* ignored in 64-bit mode */
	r->seg[SEG_CS].type = 0xb;
	r->seg[SEG_CS].s = 1;
	r->seg[SEG_CS].present = 1;
	r->rip = 0xffffffff80001000ull;
}

static void test_layout64(void **state)
{
	const struct regs_layout *L = regs__layout(REGS_ARCH_X86_64);
	static const struct { const char *name; int regno, size; } fixed[] = {
		{ "rax", 0, 8 }, { "rbx", 1, 8 }, { "rcx", 2, 8 }, { "rdx", 3, 8 },
		{ "rsi", 4, 8 }, { "rdi", 5, 8 }, { "rbp", 6, 8 }, { "rsp", 7, 8 },
		{ "r8", 8, 8 }, { "r15", 15, 8 }, { "rip", 16, 8 }, { "eflags", 17, 4 },
		{ "cs", 18, 4 }, { "gs", 23, 4 },
		{ "ip", 24, 8 }, { "fs_base", 29, 8 }, { "cr0", 31, 8 }, { "cr8", 35, 8 },
		{ "efer", 36, 8 }, { "gdtr_limit", 38, 4 }, { "ds_limit", 45, 4 },
		{ "cs_attr", 46, 4 },
		{ "st0", 47, 10 }, { "fop", 62, 4 }, { "xmm0", 63, 16 }, { "xmm15", 78, 16 },
		{ "mxcsr", 79, 4 }, { "ymm0h", 80, 16 }, { "ymm15h", 95, 16 },
		{ "xmm16", 96, 16 }, { "xmm31", 111, 16 }, { "ymm16h", 112, 16 },
		{ "ymm31h", 127, 16 }, { "k0", 128, 8 }, { "k7", 135, 8 }, { "zmm0h", 136, 32 },
		{ "zmm31h", 167, 32 }, { "pkru", 168, 4 }, { "xcr0", 169, 8 },
	};
	enum regs_arch a;
	int sum = 0;

	(void)state;
	assert_int_equal(regs_layout__count(L), NR_REGS64);
	assert_string_equal(regs_layout__name(L), "x86-64");
	assert_int_equal(regs_layout__pc(L), REGS64_PC);
	assert_int_equal(regs_layout__find(L, "rip"), REGS64_PC);
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		assert_int_equal(regs_layout__find(L, fixed[i].name), fixed[i].regno);
		assert_int_equal(regs_layout__size(L, fixed[i].regno), fixed[i].size);
	}
	for (int i = 0; i < NR_REGS64; i++) {
		if (i < NR_G64)
			sum += regs_layout__size(L, i);
		assert_int_equal(regs_layout__find(L, regs_layout__reg_name(L, i)), i);
		assert_int_equal(regs_layout__is_xstate(L, i), i >= NR_G64);
	}
	assert_int_equal(regs_layout__g_count(L), NR_G64);
	assert_int_equal(regs_layout__total_size(L), sum);
	assert_int_equal(regs_layout__size(L, NR_REGS64), 0);
	assert_null(regs_layout__reg_name(L, -1));
	assert_int_equal(regs_layout__find(L, "eax"), -1);

	/* NULL and REGS_ARCH_I386 are the old layout, unchanged. */
	assert_int_equal(regs_layout__count(NULL), NR_REGS);
	assert_int_equal(regs_layout__count(regs__layout(REGS_ARCH_I386)), NR_REGS);
	assert_int_equal(regs_layout__pc(NULL), REGS_PC);
	assert_string_equal(regs_layout__name(NULL), "i386");

	assert_int_equal(regs__arch_parse("x86-64", &a), 0);
	assert_int_equal(a, REGS_ARCH_X86_64);
	assert_int_equal(regs__arch_parse("i386:x86-64", &a), 0);
	assert_int_equal(a, REGS_ARCH_X86_64);
	assert_int_equal(regs__arch_parse("i386", &a), 0);
	assert_int_equal(a, REGS_ARCH_I386);
	assert_int_equal(regs__arch_parse("x86", &a), -EINVAL);
	assert_int_equal(regs__arch_parse("", &a), -EINVAL);
}

static void test_encode64(void **state)
{
	const struct regs_layout *L = regs__layout(REGS_ARCH_X86_64);
	struct fake_target *ft = *state;
	struct target_regs r;
	static char g[4096];
	char one[40];
	uint64_t v;

	long_mode_regs(&r);
	r.gpr[GPR_AX] = 0x1122334455667788ull;
	r.gpr[GPR_R15] = 0xfedcba9876543210ull;
	/* 64-bit mode: the pc is RIP itself, CS.base does not count. */
	assert_int_equal(regs__linear_pc(&r), 0xffffffff80001000ull);
	assert_int_equal(regs_layout__get(L, &r, REGS64_PC, &v), 0);
	assert_int_equal(v, 0xffffffff80001000ull);
	assert_int_equal(regs_layout__encode(L, &r, 0, one), 16);
	assert_string_equal(one, "8877665544332211");
	assert_int_equal(regs_layout__encode(L, &r, 15, one), 16);
	assert_string_equal(one, "1032547698badcfe");
	assert_int_equal(regs_layout__encode(L, &r, REGS64_PC, one), 16);
	assert_string_equal(one, "00100080ffffffff");
	assert_int_equal(regs_layout__encode(L, &r, 17, one), 8);	/* eflags */
	assert_string_equal(one, "86000000");
	assert_int_equal(regs_layout__encode(L, &r, 63, one), 32);	/* xmm0 */
	assert_string_equal(one, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	assert_int_equal(regs_layout__get(L, &r, regs_layout__find(L, "efer"), &v), 0);
	assert_int_equal(v, 0x500);
	/* The i386 layout shows the same state cut to 32 bits. */
	assert_int_equal(regs__get(&r, REGS_PC, &v), 0);
	assert_int_equal(v, 0x80001000);
	assert_int_equal(regs__get(&r, 0, &v), 0);
	assert_int_equal(v, 0x55667788);

	/* Compatibility mode (CS.L = 0) and real mode: CS.base + IP. */
	r.seg[SEG_CS].l = 0;
	r.rip = 0x100;
	assert_int_equal(regs__linear_pc(&r), 0x12340100);
	r = ft->regs[0];	/* reset state: f000:fff0 */
	assert_int_equal(regs_layout__get(L, &r, REGS64_PC, &v), 0);
	assert_int_equal(v, 0xffff0);

	assert_int_equal(regs_layout__encode_all(L, &r, g, sizeof(g)),
			 2 * (size_t)regs_layout__total_size(L));
	assert_int_equal(regs_layout__encode_all(L, &r, g, 2 * regs_layout__total_size(L)), 0);
}

static void test_write64(void **state)
{
	const struct regs_layout *L = regs__layout(REGS_ARCH_X86_64);
	struct fake_target *ft = *state;
	struct target_regs r, before;
	uint8_t b[8], raw[1024];
	static char g[4096];
	size_t total = (size_t)regs_layout__total_size(L);

	long_mode_regs(&r);
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(0xa0 + i);
	/* A 64-bit register is written whole. */
	r.gpr[GPR_BX] = ~0ull;
	assert_int_equal(regs_layout__write(L, &ft->target, 0, &r, 1, b, 8, NULL, 0), 0);
	assert_int_equal(r.gpr[GPR_BX], 0xa7a6a5a4a3a2a1a0ull);
	assert_int_equal(regs_layout__write(L, &ft->target, 0, &r, 1, b, 4, NULL, 0), -EINVAL);
	/* The pc in 64-bit mode: RIP = the value, CS untouched. */
	assert_int_equal(regs_layout__write(L, &ft->target, 0, &r, REGS64_PC, b, 8, NULL, 0), 0);
	assert_int_equal(r.rip, 0xa7a6a5a4a3a2a1a0ull);
	assert_int_equal(r.seg[SEG_CS].selector, 0x18);
	assert_int_equal(r.seg[SEG_CS].base, 0x12340000);
	/* cr8 exists only in this layout. */
	assert_int_equal(regs_layout__write(L, &ft->target, 0, &r,
					    regs_layout__find(L, "cr8"), b, 8, NULL, 0), 0);
	assert_int_equal(r.cr8, 0xa7a6a5a4a3a2a1a0ull);

	/* 'G' with the 'g' block unchanged changes nothing; one changed
	 * register changes exactly that one. */
	before = r;
	assert_true(regs_layout__encode_all(L, &r, g, sizeof(g)) > 0);
	for (size_t i = 0; i < 2 * total; i++)
		if (g[i] == 'x')
			g[i] = '0';
	assert_true(rsp__hex_decode(raw, g, total));
	assert_int_equal(regs_layout__write_all(L, &ft->target, 0, &r, raw, total, NULL, 0), 0);
	assert_memory_equal(&r, &before, sizeof(r));
	raw[8 * 14] = 0x42;	/* r14, byte 0 */
	assert_int_equal(regs_layout__write_all(L, &ft->target, 0, &r, raw, total, NULL, 0), 0);
	assert_int_equal(r.gpr[GPR_R14], 0x42);
	assert_int_equal(regs_layout__write_all(L, &ft->target, 0, &r, raw, total - 1, NULL, 0), -EINVAL);
}

static void test_target_xml64(void **state)
{
	const struct regs_layout *L = regs__layout(REGS_ARCH_X86_64);
	struct fake_target *ft = *state;
	struct target_regs r = ft->regs[0];	/* real mode: still x86-64 */
	static char xml[32768];
	char needle[96];
	const char *p;
	int regnum = 0;
	size_t len;

	len = regs_layout__target_xml(L, &r, TARGET_XF_X87 | TARGET_XF_SSE, xml, sizeof(xml));
	assert_true(len > 0 && len < sizeof(xml));
	assert_non_null(strstr(xml, "<architecture>i386:x86-64</architecture>"));
	assert_int_equal(count(xml, "<feature "), 3);
	assert_non_null(strstr(xml, "<flags id=\"i386_eflags\" size=\"4\">"));
	assert_non_null(strstr(xml, "<flags id=\"kvmstub_cr0\" size=\"8\">"));
	assert_non_null(strstr(xml, "<flags id=\"kvmstub_efer\" size=\"8\">"));
	assert_non_null(strstr(xml, "<reg name=\"rip\" bitsize=\"64\" type=\"code_ptr\" "
				    "regnum=\"16\""));
	assert_non_null(strstr(xml, "<reg name=\"xmm15\" bitsize=\"128\""));
	for (int i = 0; i < NR_REGS64; i++) {
		snprintf(needle, sizeof(needle), "<reg name=\"%s\" bitsize=\"%d\" ",
			 regs_layout__reg_name(L, i), 8 * regs_layout__size(L, i));
		assert_int_equal(count(xml, needle), i < NR_LEGACY64);
	}
	for (p = strstr(xml, "regnum=\""); p; p = strstr(p + 1, "regnum=\""))
		regnum++;
	assert_int_equal(regnum, NR_LEGACY64);
	check_types_defined_first(xml);
	long_mode_regs(&r);
	assert_int_equal(regs_layout__target_xml(L, &r, TARGET_XF_X87 | TARGET_XF_SSE, xml,
						 sizeof(xml)), len);
	assert_int_equal(regs_layout__target_xml(L, &r, TARGET_XF_X87 | TARGET_XF_SSE, xml, len), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_layout64),
		cmocka_unit_test(test_described),
		cmocka_unit_test_setup_teardown(test_encode64, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write64, setup, teardown),
		cmocka_unit_test_setup_teardown(test_target_xml64, setup, teardown),
		cmocka_unit_test_setup_teardown(test_encode_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pc_write_real, setup, teardown),
		cmocka_unit_test_setup_teardown(test_selector_write_real, setup, teardown),
		cmocka_unit_test_setup_teardown(test_selector_load_protected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_refused_why, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_all_fails_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(test_target_xml, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cs_attr, setup, teardown),
		cmocka_unit_test(test_eflags_str),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
