/*
 * test_pagetable.c - "monitor pagetable": page tables built in the fake
 * target's memory (long mode 4-level, PAE, 32-bit), merged ranges and
 * permissions, paging off, and the bounds (lines, tables, output size).
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

#include "../../stub/pagetable.h"
#include "fake_target.h"

#define MEM_SIZE	(256 * 1024)
#define P		0x001ull
#define RW		0x002ull
#define US		0x004ull
#define PS		0x080ull
#define NX		(1ull << 63)

static char out[64 * 1024];

static int setup(void **state)
{
	struct fake_target *ft = fake_target__new(MEM_SIZE);

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

static void put64(struct fake_target *ft, uint64_t addr, uint64_t v)
{
	memcpy(ft->mem + addr, &v, 8);
}

static void put32(struct fake_target *ft, uint64_t addr, uint32_t v)
{
	memcpy(ft->mem + addr, &v, 4);
}

static int show(struct fake_target *ft)
{
	return pagetable__show(&ft->target, 0, out, sizeof(out));
}

static int count_lines(const char *s, const char *needle)
{
	int n = 0;

	for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static void long_mode(struct fake_target *ft, uint64_t cr3)
{
	struct target_regs *r = &ft->regs[0];

	r->cr0 = X86_CR0_PE | X86_CR0_PG;
	r->cr4 = X86_CR4_PAE;
	r->efer = X86_EFER_LME | X86_EFER_LMA;
	r->cr3 = cr3;
	r->seg[SEG_CS].l = 1;
}

/* The paging guest's map: 0-4 MiB identity in 2 MiB pages, 0x400000 ->
 * 0x200000 read-only, 0x600000 not mapped. */
static void build_paging_guest(struct fake_target *ft)
{
	put64(ft, 0x1000, 0x2000 | P | RW);			/* PML4[0] */
	put64(ft, 0x2000, 0x3000 | P | RW);			/* PDPT[0] */
	put64(ft, 0x3000 + 0 * 8, 0x000000 | P | RW | PS);	/* PD[0] */
	put64(ft, 0x3000 + 1 * 8, 0x200000 | P | RW | PS);	/* PD[1] */
	put64(ft, 0x3000 + 2 * 8, 0x4000 | P | RW);		/* PD[2] -> PT */
	put64(ft, 0x4000, 0x200000 | P);			/* PT[0] */
	long_mode(ft, 0x1000);
}

static void test_paging_off(void **state)
{
	struct fake_target *ft = *state;
	int len = show(ft);

	assert_true(len > 0);
	assert_non_null(strstr(out, "paging is off"));
	ft->regs[0].cr0 = X86_CR0_PE;
	assert_true(show(ft) > 0);
	assert_non_null(strstr(out, "paging is off"));
}

static void test_long_mode_merged(void **state)
{
	struct fake_target *ft = *state;
	int len;

	build_paging_guest(ft);
	len = show(ft);
	assert_int_equal(len, (int)strlen(out));
	assert_non_null(strstr(out, "4-level paging"));
	assert_non_null(strstr(out, "0x0000000000000000-0x00000000003fffff -> 0x0000000000000000"
				    "  rwx kernel  2 x 2 MiB\n"));
	assert_non_null(strstr(out, "0x0000000000400000-0x0000000000400fff -> 0x0000000000200000"
				    "  r-x kernel  1 x 4 KiB\n"));
	assert_null(strstr(out, "0x0000000000600000"));
	assert_non_null(strstr(out, "2 ranges, 4 MiB 4 KiB mapped; 4 tables read\n"));
	assert_null(strstr(out, "INCOMPLETE"));
}

static void test_long_mode_permissions(void **state)
{
	struct fake_target *ft = *state;

	build_paging_guest(ft);
	ft->regs[0].efer |= 1ull << 11;				/* NXE */
	/* A user, writable, no-execute page after the remapped one, and the
	 * next physical page: contiguous, but different permissions. */
	put64(ft, 0x4000 + 8, 0x201000 | P | RW | US | NX);
	/* US in the PT alone does not make it user: the upper levels say
	 * kernel.  Give the whole path US. */
	put64(ft, 0x1000, 0x2000 | P | RW | US);
	put64(ft, 0x2000, 0x3000 | P | RW | US);
	put64(ft, 0x3000 + 2 * 8, 0x4000 | P | RW | US);
	assert_true(show(ft) > 0);
	assert_non_null(strstr(out, ", NX on"));
	assert_non_null(strstr(out, "0x0000000000400000-0x0000000000400fff -> 0x0000000000200000"
				    "  r-x kernel  1 x 4 KiB\n"));
	assert_non_null(strstr(out, "0x0000000000401000-0x0000000000401fff -> 0x0000000000201000"
				    "  rw- user    1 x 4 KiB\n"));
	/* Read-only in the PD makes every page below read-only. */
	put64(ft, 0x3000 + 2 * 8, 0x4000 | P | US);
	assert_true(show(ft) > 0);
	assert_non_null(strstr(out, "0x0000000000401000-0x0000000000401fff -> 0x0000000000201000"
				    "  r-- user    1 x 4 KiB\n"));
}

static void test_long_mode_high_half(void **state)
{
	struct fake_target *ft = *state;

	build_paging_guest(ft);
	/* PML4[511] -> the same PDPT: linear 0xffffff8000000000 (canonical). */
	put64(ft, 0x1000 + 511 * 8, 0x2000 | P | RW);
	assert_true(show(ft) > 0);
	assert_non_null(strstr(out, "0xffffff8000000000-0xffffff80003fffff -> 0x0000000000000000"));
	assert_non_null(strstr(out, "4 ranges"));
}

static void test_pae(void **state)
{
	struct fake_target *ft = *state;
	struct target_regs *r = &ft->regs[0];

	put64(ft, 0x1000, 0x2000 | P);				/* PDPTE[0]: no RW bit */
	put64(ft, 0x2000, 0x000000 | P | RW | PS);		/* PD[0]: 2 MiB */
	put64(ft, 0x2000 + 8, 0x3000 | P | RW);			/* PD[1] -> PT */
	for (int i = 0; i < 16; i++)				/* 0x200000.. -> 0x10000.. */
		put64(ft, 0x3000 + 8 * (uint64_t)i, (0x10000 + 0x1000 * (uint64_t)i) | P | RW);
	r->cr0 = X86_CR0_PE | X86_CR0_PG;
	r->cr4 = X86_CR4_PAE;
	r->cr3 = 0x1000;
	assert_true(show(ft) > 0);
	assert_non_null(strstr(out, "PAE paging"));
	assert_non_null(strstr(out, "0x00000000-0x001fffff -> 0x00000000  rwx kernel  1 x 2 MiB\n"));
	assert_non_null(strstr(out, "0x00200000-0x0020ffff -> 0x00010000  rwx kernel  16 x 4 KiB\n"));
}

static void test_32bit(void **state)
{
	struct fake_target *ft = *state;
	struct target_regs *r = &ft->regs[0];

	/* paging32.S's map: PD[0] -> identity PT, PD[1] -> PT with one page. */
	put32(ft, 0x10000, 0x11000 | P | RW);
	put32(ft, 0x10004, 0x12000 | P | RW);
	for (uint32_t i = 0; i < 1024; i++)
		put32(ft, 0x11000 + 4 * i, (i << 12) | P | RW);
	put32(ft, 0x12000, 0x200000 | P);
	r->cr0 = X86_CR0_PE | X86_CR0_PG;
	r->cr3 = 0x10000;
	assert_true(show(ft) > 0);
	assert_non_null(strstr(out, "32-bit paging"));
	assert_non_null(strstr(out, "0x00000000-0x003fffff -> 0x00000000  rwx kernel  1024 x 4 KiB\n"));
	assert_non_null(strstr(out, "0x00400000-0x00400fff -> 0x00200000  r-x kernel  1 x 4 KiB\n"));
	/* A 4 MiB page needs CR4.PSE; without it PS is ignored in a PDE. */
	put32(ft, 0x10008, 0x00800000 | P | RW | PS);
	r->cr4 = 1ull << 4;
	assert_true(show(ft) > 0);
	assert_non_null(strstr(out, "0x00800000-0x00bfffff -> 0x00800000  rwx kernel  1 x 4 MiB\n"));
}

static void test_line_cap(void **state)
{
	struct fake_target *ft = *state;
	char needle[32];

	put64(ft, 0x1000, 0x2000 | P | RW);
	put64(ft, 0x2000, 0x3000 | P | RW);
	put64(ft, 0x3000, 0x4000 | P | RW);
	/* 512 pages, alternately writable: nothing merges. */
	for (uint64_t i = 0; i < 512; i++)
		put64(ft, 0x4000 + 8 * i, (i << 12) | P | (i & 1 ? RW : 0));
	long_mode(ft, 0x1000);
	assert_true(show(ft) > 0);
	assert_int_equal(count_lines(out, " -> "), PAGETABLE_MAX_LINES);
	snprintf(needle, sizeof(needle), "... and %d more ranges", 512 - PAGETABLE_MAX_LINES);
	assert_non_null(strstr(out, needle));
	assert_non_null(strstr(out, "512 ranges, 2 MiB mapped"));
}

static void test_table_cap(void **state)
{
	struct fake_target *ft = *state;

	/* Every PML4 entry points at the PML4 itself: a loop the walk must
	 * not follow forever (512^3 tables). */
	for (uint64_t i = 0; i < 512; i++)
		put64(ft, 0x1000 + 8 * i, 0x1000 | P | RW);
	long_mode(ft, 0x1000);
	assert_true(show(ft) > 0);
	assert_non_null(strstr(out, "walk stopped after"));
	assert_non_null(strstr(out, "INCOMPLETE"));
}

static void test_unreadable_table(void **state)
{
	struct fake_target *ft = *state;

	put64(ft, 0x1000, 0x2000 | P | RW);
	put64(ft, 0x2000, 0x40000000 | P | RW);		/* a PD far outside memory */
	long_mode(ft, 0x1000);
	assert_true(show(ft) > 0);
	assert_non_null(strstr(out, "(nothing is mapped)"));
	assert_non_null(strstr(out, "1 table outside guest memory"));
}

static void test_small_buffer(void **state)
{
	struct fake_target *ft = *state;
	char small[128];
	int len;

	build_paging_guest(ft);
	len = pagetable__show(&ft->target, 0, small, sizeof(small));
	assert_true(len > 0 && (size_t)len < sizeof(small));
	assert_non_null(strstr(small, "(output truncated)"));
	assert_int_equal(pagetable__show(&ft->target, 0, small, 4), -ENOSPC);
	assert_int_equal(pagetable__show(&ft->target, 7, out, sizeof(out)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_paging_off, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_mode_merged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_mode_permissions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_mode_high_half, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pae, setup, teardown),
		cmocka_unit_test_setup_teardown(test_32bit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_line_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreadable_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_small_buffer, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
