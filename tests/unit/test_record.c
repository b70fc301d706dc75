/*
 * test_record.c - the record log (kvm/record/record.c) without KVM: a
 * vCPU whose registers come from its cache, memory of a few pages whose
 * writes are announced as the daemon's (memory__touched, which every
 * dirty-log user sees).  Each note becomes an entry of what changed; the
 * entries undone newest first give back every register and byte of the
 * start, redone oldest first those of the end; our int3 bytes stay out
 * of the log; the limit drops the oldest and says so once; a device's
 * state is undone with the port I/O that changed it, and what it did by
 * itself is an entry of its own.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../kvm/record/record.h"
#include "device_fixture.h"

#define PAGES	8

struct fixture {
	struct memory mem;
	struct bp_manager bpm;
	struct watch_manager wm;
	struct cpu cpu;
	struct host_caps caps;
	struct recorder rec;
	uint8_t *ram;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char msg[256];

	f->ram = calloc(PAGES, MEM_PAGE);
	f->mem.ram = f->ram;
	f->mem.ram_size = PAGES * MEM_PAGE;
	f->mem.ram_pages = PAGES;
	f->mem.nr_pages = PAGES;
	pthread_mutex_init(&f->mem.lock, NULL);
	bp__init(&f->bpm, &f->caps, NULL);
	f->cpu.fd = -1;
	f->cpu.regs_cached = f->cpu.sregs_cached = true;
	f->cpu.regs_cache.rip = 0xfff0;
	f->cpu.sregs_cache.cs.base = 0xf0000;
	memset(f->ram + 2 * MEM_PAGE, 0x11, MEM_PAGE);
	record__init(&f->rec, &f->mem, &f->bpm, &f->wm, NULL, -1, NULL);
	assert_int_equal(record__start(&f->rec, &f->cpu, msg, sizeof(msg)), 0);
	assert_true(f->rec.on);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	record__free(&f->rec);
	pthread_mutex_destroy(&f->mem.lock);
	free(f->ram);
	free(f);
	return 0;
}

/* The guest's write of n bytes at gpa (seen as the dirty log would). */
static void poke(struct fixture *f, uint64_t gpa, uint8_t val, size_t n)
{
	memset(f->ram + gpa, val, n);
	memory__touched(&f->mem, f->ram + gpa, n);
}

/* Three instructions, an edit between them; undone and redone. */
static void test_undo_redo(void **state)
{
	struct fixture *f = *state;
	struct kvm_regs r0 = f->cpu.regs_cache, r3;
	struct kvm_sregs s0 = f->cpu.sregs_cache, s3;
	uint8_t *start = malloc(PAGES * MEM_PAGE), *end = malloc(PAGES * MEM_PAGE);

	memcpy(start, f->ram, PAGES * MEM_PAGE);
	f->cpu.regs_cache.rip += 2;
	f->cpu.regs_cache.rax = 7;
	poke(f, 2 * MEM_PAGE + 100, 0x22, 4);
	assert_int_equal(record__note(&f->rec, &f->cpu, REC_INSN), 0);
	f->cpu.regs_cache.rbx = 0xdead;		/* gdb's set $ebx */
	assert_int_equal(record__note(&f->rec, &f->cpu, REC_EDIT), 0);
	f->cpu.regs_cache.rip += 3;
	f->cpu.sregs_cache.cr0 |= 1;		/* into protected mode */
	poke(f, 5 * MEM_PAGE + 4090, 0x33, 6);	/* across a page's end */
	poke(f, 2 * MEM_PAGE + 3000, 0x44, 1);
	assert_int_equal(record__note(&f->rec, &f->cpu, REC_INSN), 0);
	assert_int_equal(record__note(&f->rec, &f->cpu, REC_INSN), 0);	/* nothing changed */
	f->cpu.regs_cache.rip += 1;
	assert_int_equal(record__note(&f->rec, &f->cpu, REC_INSN), 0);
	assert_int_equal(f->rec.count, 4);
	assert_int_equal(f->rec.insns, 3);
	assert_int_equal(f->rec.pos, 4);
	memcpy(end, f->ram, PAGES * MEM_PAGE);
	r3 = f->rec.cur_regs;
	s3 = f->rec.cur_sregs;

	for (uint64_t k = f->rec.count; k-- > 0;)
		record__apply(&f->rec, record__entry(&f->rec, k), &f->rec.cur_regs,
			      &f->rec.cur_sregs);
	assert_memory_equal(&f->rec.cur_regs, &r0, sizeof(r0));
	assert_memory_equal(&f->rec.cur_sregs, &s0, sizeof(s0));
	assert_memory_equal(f->ram, start, PAGES * MEM_PAGE);
	assert_memory_equal(f->rec.shadow, start, PAGES * MEM_PAGE);
	for (uint64_t k = 0; k < f->rec.count; k++)
		record__apply(&f->rec, record__entry(&f->rec, k), &f->rec.cur_regs,
			      &f->rec.cur_sregs);
	assert_memory_equal(&f->rec.cur_regs, &r3, sizeof(r3));
	assert_memory_equal(&f->rec.cur_sregs, &s3, sizeof(s3));
	assert_memory_equal(f->ram, end, PAGES * MEM_PAGE);
	free(start);
	free(end);
}

/* Memory written in the past by someone else (KVM_TRANSLATE's accessed
 * bits) is put back as the log says it was. */
static void test_settle_in_the_past(void **state)
{
	struct fixture *f = *state;

	f->cpu.regs_cache.rip += 2;
	poke(f, 3 * MEM_PAGE, 0x55, 8);
	assert_int_equal(record__note(&f->rec, &f->cpu, REC_INSN), 0);
	record__apply(&f->rec, record__entry(&f->rec, 0), &f->rec.cur_regs, &f->rec.cur_sregs);
	f->rec.pos = 0;
	assert_int_equal(f->ram[3 * MEM_PAGE], 0);
	poke(f, 3 * MEM_PAGE + 16, 0x20, 1);	/* a stray write, in the past */
	record__settle(&f->rec, &f->cpu);
	assert_int_equal(f->ram[3 * MEM_PAGE + 16], 0);
	record__apply(&f->rec, record__entry(&f->rec, 0), &f->rec.cur_regs, &f->rec.cur_sregs);
	f->rec.pos = 1;
	assert_int_equal(f->ram[3 * MEM_PAGE], 0x55);
	assert_int_equal(f->ram[3 * MEM_PAGE + 16], 0);
}

/* The limit: the oldest go, counted, told once. */
static void test_limit(void **state)
{
	struct fixture *f = *state;
	char msg[256];

	assert_int_equal(record__limit(&f->rec, 0, false, msg, sizeof(msg)), -EINVAL);
	assert_int_equal(record__limit(&f->rec, 3, false, msg, sizeof(msg)), 0);
	for (int i = 0; i < 10; i++) {
		f->cpu.regs_cache.rip += 1;
		poke(f, (uint64_t)i * 8, (uint8_t)(i + 1), 8);
		assert_int_equal(record__note(&f->rec, &f->cpu, REC_INSN), 0);
	}
	assert_int_equal(f->rec.insns, 3);
	assert_int_equal(f->rec.count, 3);
	assert_int_equal(f->rec.dropped, 7);
	record__tell(&f->rec, msg, sizeof(msg));
	assert_non_null(strstr(msg, "the oldest instructions are dropped"));
	record__tell(&f->rec, msg, sizeof(msg));
	assert_string_equal(msg, "");
	record__status(&f->rec, msg, sizeof(msg));
	assert_non_null(strstr(msg, "7 of the oldest dropped"));
	/* What is kept still undoes to the state three instructions back. */
	for (uint64_t k = f->rec.count; k-- > 0;)
		record__apply(&f->rec, record__entry(&f->rec, k), &f->rec.cur_regs,
			      &f->rec.cur_sregs);
	assert_int_equal(f->rec.cur_regs.rip, 0xfff0 + 7);
	assert_int_equal(f->ram[7 * 8], 0);
	assert_int_equal(f->ram[6 * 8], 7);
}

static void zero_sector(int s, uint8_t sector[512])
{
	(void)s;
	memset(sector, 0, 512);
}

/* COM1's scratch register (the serial device's part of the log): set by
 * port I/O, set again by "itself" (as input arriving would change it),
 * then by port I/O again.  The change of its own is an entry before the
 * second I/O; undone, the device is put back as it was at each point. */
static void test_device_parts(void **state)
{
	struct fixture *f = *state;
	struct dev_fixture *d = calloc(1, sizeof(*d));
	char msg[256];
	uint64_t dev_at = UINT64_MAX;

	dev_fixture__open(d, "test_record", PAGES * MEM_PAGE, zero_sector);
	record__free(&f->rec);
	record__init(&f->rec, &f->mem, &f->bpm, &f->wm, &d->d, -1, NULL);
	assert_int_equal(record__start(&f->rec, &f->cpu, msg, sizeof(msg)), 0);
	record__hint(&f->rec, REC_HINT_IO, &f->cpu);
	dev_fixture__outb(d, 0x3ff, 0x5a);
	f->cpu.regs_cache.rip += 1;
	assert_int_equal(record__note(&f->rec, &f->cpu, REC_INSN), 0);
	assert_int_equal(f->rec.count, 1);
	dev_fixture__outb(d, 0x3ff, 0x77);	/* not announced: its own change */
	record__hint(&f->rec, REC_HINT_IO, &f->cpu);
	dev_fixture__outb(d, 0x3ff, 0x99);
	f->cpu.regs_cache.rip += 1;
	assert_int_equal(record__note(&f->rec, &f->cpu, REC_INSN), 0);
	for (uint64_t k = 1; k + 1 < f->rec.count; k++)
		if (record__entry(&f->rec, k)->kind == REC_DEV)
			dev_at = k;
	assert_true(dev_at != UINT64_MAX);
	assert_int_equal(record__entry(&f->rec, f->rec.count - 1)->kind, REC_INSN);
	assert_int_equal(f->rec.insns, 2);

	/* All undone: the register as at the start (0), in the device too. */
	for (uint64_t k = f->rec.count; k-- > 0;)
		record__apply(&f->rec, record__entry(&f->rec, k), &f->rec.cur_regs,
			      &f->rec.cur_sregs);
	assert_int_equal(dev_fixture__in(d, 0x3ff, 1), 0x99);	/* not put back yet */
	assert_int_equal(record__load_parts(&f->rec, &f->cpu, true, msg, sizeof(msg)), 0);
	assert_int_equal(dev_fixture__in(d, 0x3ff, 1), 0);
	/* Redone to just after its own change: 0x77. */
	for (uint64_t k = 0; k <= dev_at; k++)
		record__apply(&f->rec, record__entry(&f->rec, k), &f->rec.cur_regs,
			      &f->rec.cur_sregs);
	assert_int_equal(record__load_parts(&f->rec, &f->cpu, true, msg, sizeof(msg)), 0);
	assert_int_equal(dev_fixture__in(d, 0x3ff, 1), 0x77);
	/* Without devices (a move in the past): they stay. */
	record__apply(&f->rec, record__entry(&f->rec, f->rec.count - 1), &f->rec.cur_regs,
		      &f->rec.cur_sregs);
	assert_int_equal(record__load_parts(&f->rec, &f->cpu, false, msg, sizeof(msg)), 0);
	assert_int_equal(dev_fixture__in(d, 0x3ff, 1), 0x77);
	record__free(&f->rec);
	dev_fixture__close(d);
	free(d);
}

/* One 8-byte (or 4-byte) page-table entry, in the log's memory. */
static void pte(struct fixture *f, uint64_t gpa, uint64_t val, size_t n)
{
	memcpy(f->rec.shadow + gpa, &val, n);
}

static uint64_t walk(struct fixture *f, const struct kvm_sregs *s, uint64_t lin)
{
	uint64_t phys = 0xBAD;

	if (record__walk(&f->rec, s, lin, &phys) < 0)
		return 0xFA17;
	return phys;
}

/* The read watchpoints' page walk (replay_reads.c) reads the tables as
 * the log has them (the shadow, not guest memory): 4-level with 4 KiB,
 * 2 MiB and 1 GiB pages, PAE, 32-bit with 4 MiB pages, paging off. */
static void test_walk(void **state)
{
	struct fixture *f = *state;
	struct kvm_sregs s = { 0 };

	f->mem.views[0] = (struct mem_slot){ .gpa = 0, .size = PAGES * MEM_PAGE, .host = f->ram };
	f->mem.nr_views = 1;
	assert_int_equal(walk(f, &s, 0x1234567ABull), 0x234567AB);	/* paging off */
	/* Long mode: PML4 0x1000, PDPT 0x2000, PD 0x3000, PT 0x4000. */
	pte(f, 0x1000, 0x2000 | 1, 8);
	pte(f, 0x2000, 0x3000 | 1, 8);
	pte(f, 0x2000 + 8, 0x40000000 | 0x81, 8);	/* 1 GiB */
	pte(f, 0x3000, 0x0 | 0x83, 8);			/* 2 MiB, identity */
	pte(f, 0x3000 + 2 * 8, 0x4000 | 3, 8);
	pte(f, 0x4000, 0x5000 | 1 | (1ull << 63), 8);	/* NX is not an address bit */
	s.cr0 = X86_CR0_PE | X86_CR0_PG;
	s.cr4 = 1ull << 5;
	s.efer = X86_EFER_LMA;
	s.cr3 = 0x1000;
	assert_int_equal(walk(f, &s, 0x400123), 0x5123);
	assert_int_equal(walk(f, &s, 0x1234), 0x1234);
	assert_int_equal(walk(f, &s, 0x40000ABC), 0x40000ABC);
	assert_int_equal(walk(f, &s, 0x200000), 0xFA17);	/* PD[1] not present */
	assert_int_equal(walk(f, &s, 0x401000), 0xFA17);	/* PT[1] not present */
	memset(f->ram + 0x4000, 0, 8);		/* guest memory is not what is read */
	assert_int_equal(walk(f, &s, 0x400010), 0x5010);
	/* PAE: four PDPTEs at CR3 (32-byte aligned), then the same PD. */
	s.efer = 0;
	s.cr3 = 0x6020;
	pte(f, 0x6020, 0x3000 | 1, 8);
	assert_int_equal(walk(f, &s, 0x400010), 0x5010);
	assert_int_equal(walk(f, &s, 0x40000000), 0xFA17);	/* PDPTE 1 not present */
	/* 32-bit: PD 0x6000, PT 0x7000; a 4 MiB page with CR4.PSE. */
	s.cr4 = 1ull << 4;
	s.cr3 = 0x6000;
	pte(f, 0x6000 + 1 * 4, 0x7000 | 1, 4);
	pte(f, 0x7000 + 3 * 4, 0x2000 | 1, 4);
	pte(f, 0x6000 + 2 * 4, 0x00800000 | 0x81, 4);
	assert_int_equal(walk(f, &s, 0x403456), 0x2456);
	assert_int_equal(walk(f, &s, 0x80ABCD), 0x80ABCD);
	assert_int_equal(walk(f, &s, 0xC00000), 0xFA17);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_undo_redo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_settle_in_the_past, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_parts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walk, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
