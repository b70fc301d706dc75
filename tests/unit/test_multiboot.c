/*
 * test_multiboot.c - the multiboot 1 and 2 protocols (kvm/boot/) on
 * kernels written at run time: where the bytes go, the entry state, and
 * the information structure's fields, read from the block the protocol
 * made (img->extra) at the addresses it gave the kernel.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../kvm/boot/boot.h"

struct fixture {
	char path[64], mod[64];
	char err[512];
	struct image img;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->path, sizeof(f->path), "/tmp/test_multiboot.XXXXXX");
	close(mkstemp(f->path));
	snprintf(f->mod, sizeof(f->mod), "/tmp/test_multiboot_mod.XXXXXX");
	close(mkstemp(f->mod));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	boot__close(&f->img);
	unlink(f->path);
	unlink(f->mod);
	free(f);
	return 0;
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static void write_file(const char *path, const void *buf, size_t len)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(buf, 1, len, fp), len);
	fclose(fp);
}

/* The byte at guest-physical gpa of the planned block (img->extra). */
static const uint8_t *at(const struct image *img, uint64_t gpa)
{
	const struct load_seg *s = &img->segs[img->nr_segs - 1];

	assert_ptr_equal(s->src, img->extra);
	assert_true(gpa >= s->gpa && gpa < s->gpa + s->filesz);
	return img->extra + (gpa - s->gpa);
}

static int plan(struct fixture *f, const struct boot_options *o)
{
	int r = boot__open(f->path, &f->img, f->err, sizeof(f->err));

	return r ? r : boot__plan(&f->img, o, f->err, sizeof(f->err));
}

/* A flat multiboot 1 kernel: the header at 0, loaded at 1 MiB. */
static void mb1_aout(uint8_t *k, size_t len, uint32_t bss_end)
{
	memset(k, 0x90, len);
	put32(k, 0x1BADB002);
	put32(k + 4, 0x00010003);
	put32(k + 8, (uint32_t)-(0x1BADB002 + 0x00010003));
	put32(k + 12, 0x100000);		/* header_addr */
	put32(k + 16, 0x100000);		/* load_addr */
	put32(k + 20, 0);			/* load_end_addr: the whole file */
	put32(k + 24, bss_end);
	put32(k + 28, 0x100020);		/* entry_addr */
}

static void test_mb1_aout(void **state)
{
	struct fixture *f = *state;
	const struct boot_module mods[1] = { { f->mod, "arg1 arg2" } };
	const struct boot_options o = { .mem_size = 32ull << 20, .append = "quiet",
					.modules = mods, .nr_modules = 1 };
	uint8_t k[256];
	const uint8_t *mbi, *mod;

	mb1_aout(k, sizeof(k), 0x102000);
	write_file(f->path, k, sizeof(k));
	write_file(f->mod, "MODULE", 6);
	assert_int_equal(plan(f, &o), 0);
	assert_ptr_equal(f->img.proto, &multiboot1_protocol);
	assert_int_equal(f->img.segs[0].gpa, 0x100000);
	assert_int_equal(f->img.segs[0].filesz, sizeof(k));
	assert_int_equal(f->img.segs[0].memsz, 0x2000);
	/* The entry: flat 32-bit protected mode, the magic, the information. */
	assert_true(f->img.start.pm32);
	assert_int_equal(f->img.start.ip, 0x100020);
	assert_int_equal(f->img.start.eax, 0x2BADB002);
	assert_int_equal(f->img.start.cs_sel, 0x08);
	assert_int_equal(f->img.start.ds_sel, 0x10);
	assert_int_equal(get32(at(&f->img, f->img.start.gdt_base) + 12), 0x00cf9a00);
	mbi = at(&f->img, f->img.start.ebx);
	assert_int_equal(get32(mbi) & 0x24d, 0x24d);	/* mem, cmdline, mods, mmap, name */
	assert_int_equal(get32(mbi + 4), 639);
	assert_int_equal(get32(mbi + 8), 31744);
	snprintf(f->err, sizeof(f->err), "%s quiet", f->path);	/* "IMAGE --append" */
	assert_string_equal((const char *)at(&f->img, get32(mbi + 16)), f->err);
	assert_int_equal(get32(mbi + 20), 1);
	mod = at(&f->img, get32(mbi + 24));
	assert_int_equal(get32(mod) % 4096, 0);		/* page-aligned (flags bit 0) */
	assert_true(get32(mod) >= 0x102000);		/* after the kernel's bss */
	assert_int_equal(get32(mod + 4) - get32(mod), 6);
	assert_memory_equal(at(&f->img, get32(mod)), "MODULE", 6);
	snprintf(f->err, sizeof(f->err), "%s arg1 arg2", f->mod);
	assert_string_equal((const char *)at(&f->img, get32(mod + 8)), f->err);
	assert_string_equal((const char *)at(&f->img, get32(mbi + 64)), "kvmstub");
	assert_non_null(strstr(f->img.report, "multiboot 1 kernel (a.out kludge), entry 0x100020, "
			       "1 module"));
}

static void test_mb1_bad(void **state)
{
	struct fixture *f = *state;
	const struct boot_options o = { .mem_size = 16ull << 20 };
	uint8_t k[256];

	mb1_aout(k, sizeof(k), 0);
	put32(k + 28, 0x200000);		/* the entry outside the kernel */
	write_file(f->path, k, sizeof(k));
	assert_int_equal(plan(f, &o), -ENOEXEC);
	assert_non_null(strstr(f->err, "entry_addr 0x200000 lies outside the loaded kernel"));
	boot__close(&f->img);
	mb1_aout(k, sizeof(k), 0x2000000);	/* bss to 32 MiB: more than the RAM */
	write_file(f->path, k, sizeof(k));
	assert_int_equal(plan(f, &o), -EINVAL);
	assert_non_null(strstr(f->err, "does not fit the memory"));
	boot__close(&f->img);
	/* A magic number at an unaligned offset is no header: raw firmware. */
	memset(k, 0, sizeof(k));
	put32(k + 2, 0x1BADB002);
	write_file(f->path, k, sizeof(k));
	assert_int_equal(boot__open(f->path, &f->img, f->err, sizeof(f->err)), 0);
	assert_ptr_equal(f->img.proto, &raw_protocol);
}

/* A multiboot 2 kernel with an address and an entry tag. */
static size_t mb2_kernel(uint8_t *k, size_t len, bool ask_acpi, bool optional)
{
	uint8_t *p = k + 16;
	uint32_t hlen;

	memset(k, 0x90, len);
	put32(p, 1 | (optional ? 1u << 16 : 0));	/* information request */
	put32(p + 4, 16);
	put32(p + 8, 6);				/* the memory map */
	put32(p + 12, ask_acpi ? 15 : 4);
	p += 16;
	put32(p, 2);					/* address */
	put32(p + 4, 24);
	put32(p + 8, 0x100000);				/* header_addr */
	put32(p + 12, 0x100000);			/* load_addr */
	put32(p + 16, 0);
	put32(p + 20, 0);
	p += 24;
	put32(p, 3);					/* entry address */
	put32(p + 4, 12);
	put32(p + 8, 0x100080);
	p += 16;
	put32(p, 0);					/* end */
	put32(p + 4, 8);
	p += 8;
	hlen = (uint32_t)(p - k);
	put32(k, 0xE85250D6);
	put32(k + 4, 0);
	put32(k + 8, hlen);
	put32(k + 12, (uint32_t)-(0xE85250D6 + hlen));
	return len;
}

static void test_mb2(void **state)
{
	struct fixture *f = *state;
	const struct boot_options o = { .mem_size = 16ull << 20, .append = "x" };
	uint8_t k[512];
	const uint8_t *info;
	uint32_t total, seen = 0;

	write_file(f->path, k, mb2_kernel(k, sizeof(k), false, false));
	assert_int_equal(plan(f, &o), 0);
	assert_ptr_equal(f->img.proto, &multiboot2_protocol);
	assert_int_equal(f->img.start.eax, 0x36D76289);
	assert_int_equal(f->img.start.ip, 0x100080);
	assert_int_equal(f->img.start.ebx % 8, 0);
	info = at(&f->img, f->img.start.ebx);
	total = get32(info);
	for (uint32_t off = 8; off < total; ) {
		uint32_t type = get32(info + off), size = get32(info + off + 4);

		assert_true(size >= 8 && off + size <= total);
		if (type < 32)
			seen |= 1u << type;
		if (type == 4) {
			assert_int_equal(get32(info + off + 8), 639);
			assert_int_equal(get32(info + off + 12), 15360);
		}
		if (type == 0)
			break;
		off += (size + 7) & ~7u;
	}
	/* cmdline, loader name, basic memory, memory map, framebuffer, end */
	assert_int_equal(seen & 0x157, 0x157);
}

static void test_mb2_requests(void **state)
{
	struct fixture *f = *state;
	const struct boot_options o = { .mem_size = 16ull << 20 };
	uint8_t k[512];

	write_file(f->path, k, mb2_kernel(k, sizeof(k), true, false));
	assert_int_equal(plan(f, &o), -ENOEXEC);
	assert_non_null(strstr(f->err, "asks for tag type 15 (ACPI 2.0 RSDP), which kvmstub cannot give"));
	boot__close(&f->img);
	write_file(f->path, k, mb2_kernel(k, sizeof(k), true, true));
	assert_int_equal(plan(f, &o), 0);		/* optional: fine without */
	boot__close(&f->img);
	/* A tag's size that runs past header_length. */
	mb2_kernel(k, sizeof(k), false, false);
	put32(k + 16 + 4, 400);
	write_file(f->path, k, sizeof(k));
	assert_int_equal(plan(f, &o), -ENOEXEC);
	assert_non_null(strstr(f->err, "runs past the header's end"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mb1_aout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mb1_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mb2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mb2_requests, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
