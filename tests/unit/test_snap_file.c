/*
 * test_snap_file.c - snapshots without KVM: the pages images share
 * (kvm/snap/pages.c), the file format (snap_file.c) written and read back
 * the same, and a file refused with its reason when it is of another
 * image, RAM size or number of vCPUs, damaged, cut short or no snapshot;
 * CRC-32 against zlib's known value.  The machine's side:
 * tests/e2e/snapshot.sh.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../kvm/snap/crc32.h"
#include "../../kvm/snap/pages.h"
#include "../../kvm/snap/snap.h"

#define PAGES	8

/* A memory of PAGES pages of RAM (no firmware), without KVM. */
struct fixture {
	struct memory mem;
	struct bp_manager bpm;
	uint8_t *ram;
	char path[64];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->ram = calloc(PAGES, MEM_PAGE);
	f->mem.ram = f->ram;
	f->mem.ram_size = PAGES * MEM_PAGE;
	f->mem.ram_pages = PAGES;
	f->mem.nr_pages = PAGES;
	pthread_mutex_init(&f->mem.lock, NULL);
	snprintf(f->path, sizeof(f->path), "/tmp/test_snap_file.XXXXXX");
	close(mkstemp(f->path));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	unlink(f->path);
	pthread_mutex_destroy(&f->mem.lock);
	free(f->ram);
	free(f);
	return 0;
}

static void test_crc32(void **state)
{
	(void)state;
	assert_int_equal(crc32__update(0, "123456789", 9), 0xCBF43926u);
	/* In pieces, the same. */
	assert_int_equal(crc32__update(crc32__update(0, "1234", 4), "56789", 5), 0xCBF43926u);
	assert_int_equal(crc32__update(0, "", 0), 0);
}

static void test_pages_shared(void **state)
{
	struct fixture *f = *state;
	struct mem_image a = { 0 }, b = { 0 };
	uint64_t dirty = 0, copied, own, nonzero;
	struct mem_image *both[2] = { &a, &b };

	assert_int_equal(mem_image__init(&a, PAGES), 0);
	f->ram[0 * MEM_PAGE + 5] = 1;
	f->ram[3 * MEM_PAGE + 7] = 2;
	dirty = (1u << PAGES) - 1;		/* the first time: every page */
	assert_int_equal(mem_image__sync(&a, &dirty, &f->mem, &f->bpm, &copied), 0);
	assert_int_equal(copied, 2);		/* the zero pages cost nothing */
	assert_int_equal(dirty, 0);
	assert_null(a.pg[1]);
	/* The next image shares everything; a page written with the same
	 * bytes stays shared, one with new bytes is copied. */
	assert_int_equal(mem_image__clone(&b, &a), 0);
	f->ram[3 * MEM_PAGE + 7] = 2;
	f->ram[4 * MEM_PAGE] = 9;
	dirty = 1u << 3 | 1u << 4;
	assert_int_equal(mem_image__sync(&b, &dirty, &f->mem, &f->bpm, &copied), 0);
	assert_int_equal(copied, 1);
	assert_ptr_equal(a.pg[3], b.pg[3]);
	assert_ptr_equal(a.pg[0], b.pg[0]);
	assert_int_equal(mem_image__distinct(both, 2), 3);
	mem_image__count(&b, NULL, &own, &nonzero);
	assert_int_equal(nonzero, 3);
	assert_int_equal(own, 1);		/* page 4 */
	mem_image__count(&b, &a, &own, &nonzero);	/* a's shares not counted */
	assert_int_equal(own, 3);
	/* Put a back: page 4 to zeroes again, the others as they are. */
	mem_image__put(&a, 4, &f->mem, &f->bpm);
	assert_int_equal(f->ram[4 * MEM_PAGE], 0);
	mem_image__free(&a);
	assert_int_equal(b.pg[0]->refs, 1);	/* b keeps what a shared */
	assert_int_equal(b.pg[0]->data[5], 1);
	mem_image__free(&b);
}

/* A snapshot of two vCPUs, two devices and PAGES pages, by hand. */
static struct snapshot *make(struct fixture *f, const struct snap_id *id)
{
	struct snapshot *s = calloc(1, sizeof(*s));
	uint64_t dirty = (1u << PAGES) - 1, copied;

	snprintf(s->name, sizeof(s->name), "boot");
	s->id = *id;
	s->when = 1234567;
	s->nr_cpus = 2;
	s->cpus = calloc(2, sizeof(s->cpus[0]));
	for (int i = 0; i < 2; i++) {
		struct cpu_state *c = &s->cpus[i].st;

		c->regs.rip = 0xfff0 + (uint64_t)i;
		c->regs.rax = 0x1111 * (uint64_t)(i + 1);
		c->sregs.cs.base = 0xf0000;
		c->sregs.cr0 = 0x60000010;
		c->regs_ok = c->xsave_ok = c->events_ok = true;
		c->xsave.region[7] = 0x77;
		c->msrs = calloc(1, sizeof(*c->msrs) + 3 * sizeof(c->msrs->entries[0]));
		c->msrs->nmsrs = 3;
		for (int k = 0; k < 3; k++)
			c->msrs->entries[k] = (struct kvm_msr_entry){ .index = 0x10u + (uint32_t)k,
								      .data = 100u + (uint64_t)k };
	}
	s->cpus[1].guest_tf = true;
	s->cpus[1].owed.inject_db = true;
	s->nr_devs = 2;
	s->devs = calloc(2, sizeof(s->devs[0]));
	snprintf(s->devs[0].name, sizeof(s->devs[0].name), "serial (COM1)");
	s->devs[0].len = 5;
	s->devs[0].data = malloc(5);
	memcpy(s->devs[0].data, "uart!", 5);
	snprintf(s->devs[1].name, sizeof(s->devs[1].name), "exit port");
	mem_image__init(&s->mem, PAGES);
	memset(f->ram, 0, PAGES * MEM_PAGE);
	f->ram[2 * MEM_PAGE + 100] = 0xAB;
	f->ram[6 * MEM_PAGE + 4095] = 0xCD;
	mem_image__sync(&s->mem, &dirty, &f->mem, &f->bpm, &copied);
	return s;
}

static const struct snap_id the_id = {
	.ram_size = PAGES * MEM_PAGE, .fw_size = 0, .nr_cpus = 2, .image = "counter.bin",
	.image_size = 65536, .image_crc = 0x12345678,
};

static void test_file_round_trip(void **state)
{
	struct fixture *f = *state;
	struct snapshot *s = make(f, &the_id), *r;
	char msg[512];

	assert_int_equal(snap__file_write(s, f->path, msg, sizeof(msg)), 0);
	assert_int_equal(snap__file_read(f->path, &the_id, &r, msg, sizeof(msg)), 0);
	assert_string_equal(r->name, "boot");
	assert_int_equal(r->when, 1234567);
	assert_int_equal(r->nr_cpus, 2);
	for (int i = 0; i < 2; i++) {
		assert_memory_equal(&r->cpus[i].st.regs, &s->cpus[i].st.regs, sizeof(struct kvm_regs));
		assert_memory_equal(&r->cpus[i].st.sregs, &s->cpus[i].st.sregs,
				    sizeof(struct kvm_sregs));
		assert_memory_equal(&r->cpus[i].st.xsave, &s->cpus[i].st.xsave,
				    sizeof(struct kvm_xsave));
		assert_int_equal(r->cpus[i].st.msrs->nmsrs, 3);
		assert_int_equal(r->cpus[i].st.msrs->entries[2].data, 102);
		assert_true(r->cpus[i].st.regs_ok && r->cpus[i].st.xsave_ok);
		assert_false(r->cpus[i].st.fpu_ok || r->cpus[i].st.lapic_ok);
	}
	assert_true(r->cpus[1].guest_tf && r->cpus[1].owed.inject_db);
	assert_false(r->cpus[0].guest_tf || r->cpus[1].owed.inject_bp);
	assert_int_equal(r->nr_devs, 2);
	assert_string_equal(r->devs[0].name, "serial (COM1)");
	assert_int_equal(r->devs[0].len, 5);
	assert_memory_equal(r->devs[0].data, "uart!", 5);
	assert_int_equal(r->devs[1].len, 0);
	for (uint64_t i = 0; i < PAGES; i++) {
		const uint8_t *a = mem_image__data(&s->mem, i), *b = mem_image__data(&r->mem, i);

		assert_true((a == NULL) == (b == NULL));
		if (a)
			assert_memory_equal(a, b, MEM_PAGE);
	}
	assert_null(r->mem.pg[0]);
	assert_int_equal(r->mem.pg[6]->data[4095], 0xCD);
	snap__destroy(r);
	snap__destroy(s);
}

static int read_fails(struct fixture *f, const struct snap_id *id, const char *why)
{
	struct snapshot *r = NULL;
	char msg[512] = "";
	int ret = snap__file_read(f->path, id, &r, msg, sizeof(msg));

	assert_null(r);
	if (!strstr(msg, why))
		fail_msg("expected '%s' in: %s", why, msg);
	return ret;
}

static void test_file_refused(void **state)
{
	struct fixture *f = *state;
	struct snapshot *s = make(f, &the_id);
	struct snap_id other = the_id;
	char msg[512];
	long size;
	FILE *fp;

	assert_int_equal(snap__file_write(s, f->path, msg, sizeof(msg)), 0);
	snap__destroy(s);
	snprintf(other.image, sizeof(other.image), "protected.bin");
	assert_int_equal(read_fails(f, &other, "was taken of the image counter.bin (65536 bytes, "
				    "CRC-32 0x12345678); this machine runs the image protected.bin"),
			 -EINVAL);
	other = the_id;
	other.image_crc ^= 1;		/* the same name, other bytes */
	read_fails(f, &other, "this machine runs the image counter.bin (65536 bytes, CRC-32 0x12345679)");
	other = the_id;
	other.ram_size = 2 * MEM_PAGE * PAGES;
	read_fails(f, &other, "of RAM; this one has 64K (start kvmstub with --memory 32K)");
	other = the_id;
	other.nr_cpus = 1;
	read_fails(f, &other, "with 2 vCPUs; this one has 1 (start kvmstub with --smp 2)");
	/* One byte changed in a page: the checksum says so. */
	fp = fopen(f->path, "r+b");
	fseek(fp, 0, SEEK_END);
	size = ftell(fp);
	fseek(fp, size - 12 - 100, SEEK_SET);
	fputc(0x5A, fp);
	fclose(fp);
	read_fails(f, &the_id, "is damaged: its checksum does not match");
	assert_int_equal(truncate(f->path, size / 2), 0);
	read_fails(f, &the_id, "is cut short");
	assert_int_equal(truncate(f->path, 10), 0);
	read_fails(f, &the_id, "is not a kvmstub snapshot (shorter than its header)");
	fp = fopen(f->path, "wb");
	for (int i = 0; i < 1000; i++)
		fputs("not a snapshot ", fp);
	fclose(fp);
	read_fails(f, &the_id, "is not a kvmstub snapshot (it does not start with \"KVMSNAP\")");
	assert_int_equal(snap__file_read("/nonexistent/x.kvmsnap", &the_id, &s, msg, sizeof(msg)),
			 -ENOENT);
	assert_non_null(strstr(msg, "cannot open /nonexistent/x.kvmsnap"));
}

static void test_names(void **state)
{
	char msg[256];

	(void)state;
	assert_true(snap__name_ok("boot-1.ok_2", msg, sizeof(msg)));
	assert_false(snap__name_ok("", msg, sizeof(msg)));
	assert_false(snap__name_ok(".hidden", msg, sizeof(msg)));
	assert_false(snap__name_ok("../etc/passwd", msg, sizeof(msg)));
	assert_false(snap__name_ok("a/b", msg, sizeof(msg)));
	assert_non_null(strstr(msg, "it names a file"));
	assert_false(snap__name_ok("a b", msg, sizeof(msg)));
	assert_false(snap__name_ok("0123456789012345678901234567890123456789012345678901234567890123",
				   msg, sizeof(msg)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32),
		cmocka_unit_test_setup_teardown(test_pages_shared, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_refused, setup, teardown),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
