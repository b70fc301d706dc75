/*
 * test_boot.c - the boot protocols (kvm/boot/) on files written at run time into a
 * private temporary directory: raw firmware images, hand-built ELF32 and
 * ELF64 files, and hostile variants of them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <elf.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../kvm/boot/boot.h"

struct fixture {
	char dir[64];
	char path[128];		/* the last file written */
	char err[512];
	struct image img;
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_boot.XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	boot__close(&f->img);
	nftw(f->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static const char *write_file(struct fixture *f, const char *name, const void *buf, size_t len)
{
	FILE *fp;

	snprintf(f->path, sizeof(f->path), "%s/%s", f->dir, name);
	fp = fopen(f->path, "wb");
	assert_non_null(fp);
	if (len)
		assert_int_equal(fwrite(buf, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
	return f->path;
}

static const char *write_raw(struct fixture *f, const char *name, size_t len)
{
	uint8_t *buf = malloc(len ? len : 1);
	size_t i;

	assert_non_null(buf);
	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)(i * 7);
	if (len)
		buf[0] = 0xea;		/* not the ELF magic */
	write_file(f, name, buf, len);
	free(buf);
	return f->path;
}

static void assert_err(const struct fixture *f, const char *needle)
{
	if (!strstr(f->err, needle))
		fail_msg("message \"%s\" lacks \"%s\"", f->err, needle);
}

/* boot__open() of the last file written (f->path), into f->img. */
static int open_image(struct fixture *f)
{
	return boot__open(f->path, &f->img, f->err, sizeof(f->err));
}

/* boot__plan() of f->img: with_load, load_addr as kvmstub's --load, for
 * the reset style whose first fetch is at fetch. */
static int plan_for(struct fixture *f, bool with_load, uint64_t load_addr, uint64_t fetch)
{
	const struct boot_options o = {
		.load_set = with_load, .load_addr = load_addr, .reset_arch = fetch == BOOT_RESET_ARCH,
	};

	return boot__plan(&f->img, &o, f->err, sizeof(f->err));
}

static int plan(struct fixture *f, bool with_load, uint64_t load_addr)
{
	return plan_for(f, with_load, load_addr, BOOT_RESET_LEGACY);
}

/* The protocol's placement alone, without the start check. */
static int place(struct fixture *f)
{
	const struct boot_options o = { 0 };

	f->img.nr_segs = 0;
	return f->img.proto->plan(&f->img, &o, f->err, sizeof(f->err));
}

/* ---- raw images ---- */

static void test_raw_64k(void **state)
{
	struct fixture *f = *state;

	write_raw(f, "fw.bin", 64 << 10);
	assert_int_equal(open_image(f), 0);
	assert_ptr_equal(f->img.proto, &raw_protocol);
	assert_int_equal(f->img.size, 64 << 10);
	assert_int_equal(plan(f, false, 0), 0);
	assert_int_equal(f->img.nr_segs, 1);
	assert_int_equal(f->img.segs[0].gpa, 0xFFFF0000ull);
	assert_int_equal(f->img.segs[0].offset, 0);
	assert_int_equal(f->img.segs[0].filesz, 64 << 10);
	assert_int_equal(f->img.segs[0].memsz, 64 << 10);
	assert_int_equal(f->img.data[1], 7);
}

static void test_raw_limit(void **state)
{
	struct fixture *f = *state;

	/* 16 MiB: the whole window, from 0xFF000000 to 4 GiB. */
	assert_int_equal(BOOT_RAW_MAX, 16u << 20);
	write_raw(f, "max.bin", BOOT_RAW_MAX);
	assert_int_equal(open_image(f), 0);
	assert_int_equal(plan(f, false, 0), 0);
	assert_int_equal(f->img.segs[0].gpa, 0xFF000000ull);
	assert_int_equal(f->img.segs[0].memsz, 16u << 20);
	assert_int_equal(plan_for(f, false, 0, BOOT_RESET_ARCH), 0);
	boot__close(&f->img);

	/* OVMF's size. */
	write_raw(f, "ovmf.bin", 2u << 20);
	assert_int_equal(open_image(f), 0);
	assert_int_equal(plan(f, false, 0), 0);
	assert_int_equal(f->img.segs[0].gpa, 0xFFE00000ull);
	boot__close(&f->img);

	write_raw(f, "big.bin", BOOT_RAW_MAX + 1);
	assert_int_equal(open_image(f), -EFBIG);
	assert_err(f, f->path);
	assert_err(f, "image is 16777217 bytes; a raw image may be at most 16777216 bytes (16 MiB");
	assert_null(f->img.data);

	write_raw(f, "big.bin", BOOT_RAW_MAX + 4096);
	assert_int_equal(open_image(f), -EFBIG);
	assert_err(f, "image is 16781312 bytes");
}

/*
 * Up to 128 KiB any size is firmware (a few hand-made bytes end at the
 * reset vector); beyond, whole 4 KiB sectors, as QEMU's pflash wants.
 * --load places any size.
 */
static void test_raw_sizes(void **state)
{
	struct fixture *f = *state;
	static const size_t ok[] = { 1, 4, 100, 0x1000, 0x1FFFF, 0x20000, 0x21000, 0x37C000 };
	static const size_t bad[] = { 0x20001, 0x20FFF, 0x3FFFF, 0x37C001, (2u << 20) - 1 };

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		write_raw(f, "fw.bin", ok[i]);
		assert_int_equal(open_image(f), 0);
		if (plan(f, false, 0) != 0)
			fail_msg("%zu bytes refused: %s", ok[i], f->err);
		assert_int_equal(f->img.segs[0].gpa, 0x100000000ull - ok[i]);
		boot__close(&f->img);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char want[64];

		write_raw(f, "odd.bin", bad[i]);
		assert_int_equal(open_image(f), 0);
		assert_int_equal(plan(f, false, 0), -EINVAL);
		assert_int_equal(f->img.nr_segs, 0);
		snprintf(want, sizeof(want), "odd.bin: %zu bytes is not a whole number of 4 KiB",
			 bad[i]);
		assert_err(f, want);
		assert_err(f, "QEMU's pflash asks the same, its -bios a multiple of 64 KiB");
		/* Not firmware with --load: any size. */
		assert_int_equal(plan(f, true, 0x1000), 0);
		assert_int_equal(f->img.segs[0].gpa, 0x1000);
		boot__close(&f->img);
	}
}

static void test_empty(void **state)
{
	struct fixture *f = *state;

	write_raw(f, "empty.bin", 0);
	assert_int_equal(open_image(f), -EINVAL);
	assert_err(f, "empty.bin: empty image (0 bytes)");
}

static void test_missing(void **state)
{
	struct fixture *f = *state;

	snprintf(f->path, sizeof(f->path), "%s/guests/x.bin", f->dir);
	assert_int_equal(open_image(f), -ENOENT);
	assert_err(f, "guests/x.bin: No such file or directory");
	assert_int_equal(strncmp(f->err, f->dir, strlen(f->dir)), 0);
}

static void test_directory(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(boot__open(f->dir, &f->img, f->err, sizeof(f->err)), -EISDIR);
	assert_err(f, ": Is a directory");
	assert_int_equal(strncmp(f->err, f->dir, strlen(f->dir)), 0);
}

static void test_unreadable(void **state)
{
	struct fixture *f = *state;

	if (geteuid() == 0) {
		printf("SKIP: test_unreadable: running as root, where chmod 000 does not "
		       "cause EACCES\n");
		skip();
	}
	write_raw(f, "secret.bin", 16);
	assert_int_equal(chmod(f->path, 0), 0);
	assert_int_equal(open_image(f), -EACCES);
	assert_err(f, "secret.bin: Permission denied");
}

static void test_not_regular(void **state)
{
	struct fixture *f = *state;

	snprintf(f->path, sizeof(f->path), "%s/fifo", f->dir);
	assert_int_equal(mkfifo(f->path, 0600), 0);
	/* Must neither block on the FIFO nor accept it. */
	assert_int_equal(open_image(f), -EINVAL);
	assert_err(f, "fifo: not a regular file");
}

static void test_load_addr(void **state)
{
	struct fixture *f = *state;

	write_raw(f, "boot.bin", 512);
	assert_int_equal(open_image(f), 0);
	assert_int_equal(plan(f, true, 0x7c00), 0);
	assert_int_equal(f->img.nr_segs, 1);
	assert_int_equal(f->img.segs[0].gpa, 0x7c00);
	assert_int_equal(f->img.segs[0].memsz, 512);

	/* Exactly up to 4 GiB is fine, one byte more is not. */
	assert_int_equal(plan(f, true, 0xFFFFFE00ull), 0);
	assert_int_equal(f->img.segs[0].gpa, 0xFFFFFE00ull);
	assert_int_equal(plan(f, true, 0xFFFFFE01ull), -EINVAL);
	assert_err(f, "past 4 GiB");
	assert_int_equal(f->img.nr_segs, 0);
	assert_int_equal(plan(f, true, UINT64_MAX), -EINVAL);
	assert_int_equal(plan(f, true, UINT64_MAX - 100), -EINVAL);
	assert_int_equal(plan(f, true, 0x100000000ull), -EINVAL);
}

/* ---- ELF images, built by hand ---- */

#define ELF_PAYLOAD	0x200

struct elf32_file {
	Elf32_Ehdr eh;
	Elf32_Phdr ph[4];
	uint8_t payload[ELF_PAYLOAD];
};

struct elf64_file {
	Elf64_Ehdr eh;
	Elf64_Phdr ph[2];
	uint8_t payload[ELF_PAYLOAD];
};

static void elf_ident(unsigned char *id, int cls)
{
	memcpy(id, ELFMAG, SELFMAG);
	id[EI_CLASS] = (unsigned char)cls;
	id[EI_DATA] = ELFDATA2LSB;
	id[EI_VERSION] = EV_CURRENT;
}

/*
 * The ELF header of an executable for MACHINE, its NPH program headers
 * (PH, an array) at file offset PHOFF.  EH is an Elf32_Ehdr or an
 * Elf64_Ehdr: a macro, since the two have the same fields in other sizes.
 */
#define ELF_EXEC_HEADER(eh, cls, machine, ph, phoff, nph) do {	\
	elf_ident((eh).e_ident, (cls));				\
	(eh).e_type = ET_EXEC;					\
	(eh).e_machine = (machine);				\
	(eh).e_version = EV_CURRENT;				\
	(eh).e_phoff = (phoff);					\
	(eh).e_ehsize = sizeof(eh);				\
	(eh).e_phentsize = sizeof((ph)[0]);			\
	(eh).e_phnum = (nph);					\
} while (0)

/* Two PT_LOADs (0xF0000, and 0x100000 with bss), a PT_NOTE, an empty PT_LOAD. */
static void make_elf32(struct elf32_file *e)
{
	size_t pay = offsetof(struct elf32_file, payload);

	memset(e, 0, sizeof(*e));
	ELF_EXEC_HEADER(e->eh, ELFCLASS32, EM_386, e->ph, offsetof(struct elf32_file, ph), 4);
	e->eh.e_entry = 0xFFFF0;

	e->ph[0] = (Elf32_Phdr){ .p_type = PT_LOAD, .p_offset = pay, .p_vaddr = 0xF0000,
		.p_paddr = 0xF0000, .p_filesz = 0x100, .p_memsz = 0x100, .p_flags = PF_R | PF_X };
	e->ph[1] = (Elf32_Phdr){ .p_type = PT_NOTE, .p_offset = pay, .p_filesz = 4, .p_memsz = 4 };
	e->ph[2] = (Elf32_Phdr){ .p_type = PT_LOAD, .p_offset = pay + 0x100,
		.p_vaddr = 0xC0100000, .p_paddr = 0x100000, .p_filesz = 0x80, .p_memsz = 0x3000,
		.p_flags = PF_R | PF_W };
	e->ph[3] = (Elf32_Phdr){ .p_type = PT_LOAD, .p_offset = pay, .p_paddr = 0x500000 };
	memset(e->payload, 0x90, 0x100);
	memset(e->payload + 0x100, 0x55, 0x80);
}

static void make_elf64(struct elf64_file *e)
{
	memset(e, 0, sizeof(*e));
	ELF_EXEC_HEADER(e->eh, ELFCLASS64, EM_X86_64, e->ph, offsetof(struct elf64_file, ph), 2);
	e->eh.e_entry = 0x200010;
	e->ph[0] = (Elf64_Phdr){ .p_type = PT_GNU_STACK };
	e->ph[1] = (Elf64_Phdr){ .p_type = PT_LOAD,
		.p_offset = offsetof(struct elf64_file, payload),
		.p_vaddr = 0xffffffff80200000ull, .p_paddr = 0x200000, .p_filesz = ELF_PAYLOAD,
		.p_memsz = 0x10000, .p_flags = PF_R | PF_X };
}

static int open_elf32(struct fixture *f, const struct elf32_file *e, size_t len)
{
	write_file(f, "k32.elf", e, len);
	return open_image(f);
}

/* The whole ELF32 file e is refused when opened, with NEEDLE in the message. */
static void assert_elf32_refused(struct fixture *f, const struct elf32_file *e,
				 const char *needle)
{
	assert_int_equal(open_elf32(f, e, sizeof(*e)), -ENOEXEC);
	assert_err(f, needle);
}

static void test_elf32(void **state)
{
	struct fixture *f = *state;
	struct elf32_file e;
	const size_t pay = offsetof(struct elf32_file, payload);

	make_elf32(&e);
	assert_int_equal(open_elf32(f, &e, sizeof(e)), 0);
	assert_ptr_equal(f->img.proto, &elf_protocol);
	assert_int_equal(f->img.entry, 0xFFFF0);
	/* Where the bytes go (nothing at the reset vector: the start check
	 * of boot__plan refuses it, test_start_* below). */
	assert_int_equal(place(f), 0);
	assert_int_equal(f->img.nr_segs, 2);
	assert_int_equal(f->img.segs[0].gpa, 0xF0000);
	assert_int_equal(f->img.segs[0].offset, pay);
	assert_int_equal(f->img.segs[0].filesz, 0x100);
	assert_int_equal(f->img.segs[0].memsz, 0x100);
	assert_int_equal(f->img.segs[1].gpa, 0x100000);
	assert_int_equal(f->img.segs[1].offset, pay + 0x100);
	assert_int_equal(f->img.segs[1].filesz, 0x80);
	assert_int_equal(f->img.segs[1].memsz, 0x3000);
	assert_int_equal(f->img.data[f->img.segs[1].offset], 0x55);

	/* --load means nothing for an ELF file: say so rather than ignore it. */
	assert_int_equal(plan(f, true, 0x1000), -EINVAL);
	assert_err(f, "--load applies to raw images only");
}

static void test_elf64(void **state)
{
	struct fixture *f = *state;
	struct elf64_file e;

	make_elf64(&e);
	write_file(f, "k64.elf", &e, sizeof(e));
	assert_int_equal(open_image(f), 0);
	assert_ptr_equal(f->img.proto, &elf_protocol);
	assert_int_equal(f->img.entry, 0x200010);
	assert_int_equal(place(f), 0);
	assert_int_equal(f->img.nr_segs, 1);
	assert_int_equal(f->img.segs[0].gpa, 0x200000);
	assert_int_equal(f->img.segs[0].offset, offsetof(struct elf64_file, payload));
	assert_int_equal(f->img.segs[0].filesz, ELF_PAYLOAD);
	assert_int_equal(f->img.segs[0].memsz, 0x10000);

	/* Above 4 GiB is refused by the plan. */
	boot__close(&f->img);
	e.ph[1].p_paddr = 0x100000000ull;
	write_file(f, "k64.elf", &e, sizeof(e));
	assert_int_equal(open_image(f), 0);
	assert_int_equal(plan(f, false, 0), -EINVAL);
	assert_err(f, "past 4 GiB");

	/* paddr + memsz wrapping around 2^64 is refused when opening. */
	boot__close(&f->img);
	e.ph[1].p_paddr = UINT64_MAX - 0x100;
	write_file(f, "k64.elf", &e, sizeof(e));
	assert_int_equal(open_image(f), -ENOEXEC);
	assert_err(f, "overflows");
}

static void test_elf_phdrs_beyond_file(void **state)
{
	struct fixture *f = *state;
	struct elf32_file e;

	make_elf32(&e);
	e.eh.e_phoff = sizeof(e) - sizeof(Elf32_Phdr);	/* 4 headers, room for 1 */
	assert_elf32_refused(f, &e, "k32.elf: ELF program headers");
	assert_err(f, "beyond the end of the file");

	make_elf32(&e);
	e.eh.e_phoff = 0xFFFFFFF0u;
	assert_elf32_refused(f, &e, "beyond the end of the file");

	make_elf32(&e);
	e.eh.e_phnum = 0xFFFE;
	assert_elf32_refused(f, &e, "beyond the end of the file");

	make_elf32(&e);
	e.eh.e_phentsize = 16;
	assert_elf32_refused(f, &e, "program header size is 16");
}

static void test_elf_truncated(void **state)
{
	struct fixture *f = *state;
	struct elf32_file e;

	make_elf32(&e);
	assert_int_equal(open_elf32(f, &e, 10), -ENOEXEC);
	assert_err(f, "truncated ELF file (10 bytes)");
	assert_int_equal(open_elf32(f, &e, sizeof(Elf32_Ehdr) - 1), -ENOEXEC);
	assert_err(f, "truncated ELF header");
	/* Headers complete, segment data cut off. */
	assert_int_equal(open_elf32(f, &e, offsetof(struct elf32_file, payload) + 0x10), -ENOEXEC);
	assert_err(f, "ELF segment 0");
	assert_err(f, "beyond the end of the file");
	/* Just the magic: an ELF file, too short to be one. */
	assert_int_equal(open_elf32(f, &e, 4), -ENOEXEC);
	assert_err(f, "truncated");
}

static void test_elf_wrong_machine(void **state)
{
	struct fixture *f = *state;
	struct elf32_file e;

	make_elf32(&e);
	e.eh.e_machine = EM_ARM;
	assert_elf32_refused(f, &e, "k32.elf: not a 32-bit or 64-bit x86 ELF file");

	make_elf32(&e);
	e.eh.e_ident[EI_DATA] = ELFDATA2MSB;
	assert_elf32_refused(f, &e, "not little-endian");

	make_elf32(&e);
	e.eh.e_ident[EI_CLASS] = 7;
	assert_elf32_refused(f, &e, "not a 32-bit or 64-bit x86 ELF file");

	make_elf32(&e);
	e.eh.e_type = ET_REL;
	assert_elf32_refused(f, &e, "link it first");
}

static void test_elf_bad_segments(void **state)
{
	struct fixture *f = *state;
	struct elf32_file e;

	make_elf32(&e);
	e.ph[2].p_filesz = 0x4000;	/* > memsz 0x3000, and beyond the file */
	e.ph[2].p_offset = 0;
	assert_int_equal(open_elf32(f, &e, sizeof(e)), -ENOEXEC);
	e.ph[2].p_filesz = 0x100;
	e.ph[2].p_memsz = 0x80;
	assert_elf32_refused(f, &e, "p_filesz 0x100 > p_memsz 0x80");

	make_elf32(&e);
	e.ph[0].p_paddr = 0xFFFFF000u;
	e.ph[0].p_memsz = 0x2000;	/* wraps the 32-bit address space */
	assert_elf32_refused(f, &e, "overflows");

	make_elf32(&e);
	e.ph[0].p_offset = 0xFFFFFF80u;	/* offset + filesz wraps */
	assert_elf32_refused(f, &e, "beyond the end of the file");

	make_elf32(&e);
	e.ph[2].p_paddr = 0xF0080;	/* overlaps segment 0 */
	assert_int_equal(open_elf32(f, &e, sizeof(e)), 0);
	assert_int_equal(plan(f, false, 0), -EINVAL);
	assert_err(f, "overlaps");
	assert_int_equal(f->img.nr_segs, 0);
	boot__close(&f->img);

	make_elf32(&e);
	e.ph[0].p_type = PT_NULL;
	e.ph[2].p_type = PT_NOTE;
	assert_int_equal(open_elf32(f, &e, sizeof(e)), 0);
	assert_int_equal(plan(f, false, 0), -EINVAL);
	assert_err(f, "no loadable segment");
}

static void test_elf_too_many_segments(void **state)
{
	struct fixture *f = *state;
	enum { N = BOOT_MAX_SEGS + 1 };
	struct {
		Elf32_Ehdr eh;
		Elf32_Phdr ph[N];
	} e;
	int i;

	memset(&e, 0, sizeof(e));
	ELF_EXEC_HEADER(e.eh, ELFCLASS32, EM_386, e.ph, sizeof(e.eh), N);
	for (i = 0; i < N; i++)
		e.ph[i] = (Elf32_Phdr){ .p_type = PT_LOAD, .p_paddr = 0x100000 + i * 0x1000u,
					.p_memsz = 0x1000 };
	write_file(f, "many.elf", &e, sizeof(e));
	assert_int_equal(open_image(f), 0);
	assert_int_equal(plan(f, false, 0), -EINVAL);
	assert_err(f, "more than 16 loadable segments");
	assert_int_equal(f->img.nr_segs, 0);
}

/* ---- can the CPU start it: code at the reset vector (issue 17) ---- */

/* The plan of f->img (which checks the start) for the reset style whose
 * first fetch is at fetch. */
static int check_start(struct fixture *f, uint64_t fetch)
{
	return plan_for(f, false, 0, fetch);
}

/* Open the ELF32 file e and plan it for the reset style of fetch. */
static int start_elf32(struct fixture *f, const struct elf32_file *e, uint64_t fetch)
{
	boot__close(&f->img);
	memset(f->err, 0, sizeof(f->err));
	assert_int_equal(open_elf32(f, e, sizeof(*e)), 0);
	return check_start(f, fetch);
}

/* What every refusal says kvmstub can boot. */
static void assert_boot_advice(const struct fixture *f)
{
	assert_err(f, "kvmstub boots raw firmware, an ELF file that loads code at the "
		   "reset vector, or a multiboot kernel (a multiboot 1 or 2 header in its first "
		   "8 or 32 KiB) at its entry point");
}

static void test_start_raw(void **state)
{
	struct fixture *f = *state;

	write_raw(f, "tiny.bin", 4);
	assert_int_equal(open_image(f), 0);
	assert_int_equal(plan(f, false, 0), 0);
	assert_int_equal(check_start(f, BOOT_RESET_LEGACY), 0);
	assert_int_equal(check_start(f, BOOT_RESET_ARCH), 0);
	assert_int_equal(plan(f, true, 0x7c00), 0);
	assert_int_equal(check_start(f, BOOT_RESET_LEGACY), 0);
}

/* A segment with file bytes at the reset vector, in either view of the firmware. */
static void test_start_covered(void **state)
{
	struct fixture *f = *state;
	static const uint32_t at[] = { 0xFFF00, 0xFFFF0, 0xFFFFFF00u, 0xFFFFFFF0u };
	struct elf32_file e;

	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		make_elf32(&e);
		e.ph[0].p_paddr = at[i];
		e.ph[0].p_filesz = e.ph[0].p_memsz = 0x100 - (at[i] & 0xff);
		assert_int_equal(start_elf32(f, &e, BOOT_RESET_LEGACY), 0);
		assert_int_equal(check_start(f, BOOT_RESET_ARCH), 0);
	}
	/* Position-independent, but it does load code there: it can start. */
	e.eh.e_type = ET_DYN;
	assert_int_equal(start_elf32(f, &e, BOOT_RESET_LEGACY), 0);
}

static void test_start_not_covered(void **state)
{
	struct fixture *f = *state;
	struct elf32_file e;

	/* make_elf32 loads 0xf0000-0xf00ff: the reset vector is left empty. */
	make_elf32(&e);
	assert_int_equal(start_elf32(f, &e, BOOT_RESET_LEGACY), -ENOEXEC);
	assert_err(f, "k32.elf: nothing is loaded at the reset vector 0xffff0 (--reset legacy), "
		   "where the CPU starts (the segments load 0xf0000-0xf00ff, 0x100000-0x102fff)"
		   ": link 16 bytes of code there, a jump to the entry point 0xffff0");
	assert_boot_advice(f);
	assert_int_equal(check_start(f, BOOT_RESET_ARCH), -ENOEXEC);
	assert_err(f, "at the reset vector 0xfffffff0 (--reset architectural)");

	/* One byte short of the reset vector, in either view. */
	make_elf32(&e);
	e.ph[0].p_paddr = 0xFFFE0;
	e.ph[0].p_filesz = e.ph[0].p_memsz = 0x10;
	assert_int_equal(start_elf32(f, &e, BOOT_RESET_LEGACY), -ENOEXEC);
	e.ph[0].p_paddr = 0xFFFFFFF1u;
	e.ph[0].p_filesz = e.ph[0].p_memsz = 0xF;
	assert_int_equal(start_elf32(f, &e, BOOT_RESET_ARCH), -ENOEXEC);
	assert_err(f, "0xfffffff1-0xffffffff");

	/* Zeroes (p_memsz beyond p_filesz) are not code. */
	make_elf32(&e);
	e.ph[0].p_paddr = 0xFFF00;
	e.ph[0].p_filesz = 0xF0;
	e.ph[0].p_memsz = 0x100;
	assert_int_equal(start_elf32(f, &e, BOOT_RESET_LEGACY), -ENOEXEC);
	assert_err(f, "nothing is loaded at the reset vector");

	/* A kernel linked at 1 MiB, entered there (multiboot's shape). */
	make_elf32(&e);
	e.ph[0].p_paddr = 0x100000;
	e.ph[2].p_paddr = 0x200000;
	e.eh.e_entry = 0x10000c;
	assert_int_equal(start_elf32(f, &e, BOOT_RESET_LEGACY), -ENOEXEC);
	assert_err(f, "k32.elf: nothing is loaded at the reset vector 0xffff0 (--reset legacy), "
		   "where the CPU starts (the segments load 0x100000-0x1000ff, 0x200000-0x202fff), "
		   "and the entry point 0x10000c is far from it: a kernel that a boot loader "
		   "starts, or a program for an operating system");
	assert_boot_advice(f);
}

/* Programs for an operating system, each said to be one. */
static void test_start_userspace(void **state)
{
	struct fixture *f = *state;
	const size_t pay = offsetof(struct elf32_file, payload);
	static const char interp[] = "/lib/ld-linux.so.2";
	struct elf32_file e;

	/* Dynamically linked: refused even though its code covers the reset vector. */
	make_elf32(&e);
	e.eh.e_type = ET_DYN;
	e.ph[0].p_paddr = 0xFFF00;
	e.ph[1] = (Elf32_Phdr){ .p_type = PT_INTERP, .p_offset = pay + 0x180,
				.p_filesz = sizeof(interp), .p_memsz = sizeof(interp) };
	memcpy(e.payload + 0x180, interp, sizeof(interp));
	assert_int_equal(start_elf32(f, &e, BOOT_RESET_LEGACY), -ENOEXEC);
	assert_err(f, "k32.elf: a dynamically linked program (its interpreter is "
		   "/lib/ld-linux.so.2), which runs under an operating system, not on a bare "
		   "machine");
	assert_boot_advice(f);

	/* An interpreter path that is not a printable C string is not printed. */
	e.payload[0x180 + sizeof(interp) - 1] = 'x';
	assert_int_equal(start_elf32(f, &e, BOOT_RESET_LEGACY), -ENOEXEC);
	assert_err(f, "a dynamically linked program (its interpreter is named in PT_INTERP)");
	e.payload[0x180 + sizeof(interp) - 1] = '\0';
	e.payload[0x181] = '\n';
	assert_int_equal(start_elf32(f, &e, BOOT_RESET_LEGACY), -ENOEXEC);
	assert_err(f, "named in PT_INTERP");
	e.ph[1].p_offset = 0xFFFFFF00u;		/* beyond the file: never read */
	assert_int_equal(start_elf32(f, &e, BOOT_RESET_LEGACY), -ENOEXEC);
	assert_err(f, "named in PT_INTERP");

	/* A static PIE (ET_DYN, no interpreter) loaded at 0. */
	make_elf32(&e);
	e.eh.e_type = ET_DYN;
	e.ph[0].p_paddr = 0;
	e.eh.e_entry = 0x40;
	assert_int_equal(start_elf32(f, &e, BOOT_RESET_ARCH), -ENOEXEC);
	assert_err(f, "k32.elf: position-independent code (ELF type ET_DYN: a shared library "
		   "or a PIE program, placed by an operating system's loader) that loads "
		   "nothing at the reset vector 0xfffffff0 (--reset architectural)");
	assert_boot_advice(f);

	/* A static program: thread-local storage is an operating system's. */
	make_elf32(&e);
	e.ph[0].p_paddr = 0x8048000;
	e.eh.e_entry = 0x8048010;
	e.ph[1].p_type = PT_TLS;
	assert_int_equal(start_elf32(f, &e, BOOT_RESET_LEGACY), -ENOEXEC);
	assert_err(f, "k32.elf: a program for an operating system (it has thread-local storage, "
		   "PT_TLS), with entry point 0x8048010 and nothing loaded at the reset vector "
		   "0xffff0 (--reset legacy)");
	assert_boot_advice(f);
}

/*
 * Hostile files: a valid ELF with random bytes in its headers.  Whatever
 * open and plan say, they must not crash or read out of bounds (run under
 * SANITIZE=1 to check the latter), and every accepted segment must lie
 * inside the file and below 4 GiB.
 */
static void test_elf_mutations(void **state)
{
	struct fixture *f = *state;
	struct elf32_file e32;
	struct elf64_file e64;
	unsigned int seed = 12345;
	int i, j, k, accepted = 0;

	for (i = 0; i < 400; i++) {
		uint8_t *p;
		size_t hdr, len;

		if (i & 1) {
			make_elf64(&e64);
			p = (uint8_t *)&e64;
			hdr = offsetof(struct elf64_file, payload);
			len = sizeof(e64);
		} else {
			make_elf32(&e32);
			p = (uint8_t *)&e32;
			hdr = offsetof(struct elf32_file, payload);
			len = sizeof(e32);
		}
		for (j = 0; j < 1 + i % 4; j++)
			p[SELFMAG + rand_r(&seed) % (hdr - SELFMAG)] = (uint8_t)rand_r(&seed);
		len -= (size_t)(rand_r(&seed) % 3 == 0 ? rand_r(&seed) % len : 0);
		write_file(f, "fuzz.elf", p, len);
		if (open_image(f) != 0)
			continue;
		if (plan(f, false, 0) == 0) {
			accepted++;
			for (k = 0; k < f->img.nr_segs; k++) {
				const struct load_seg *s = &f->img.segs[k];

				assert_true(s->offset <= f->img.size);
				assert_true(s->filesz <= f->img.size - s->offset);
				assert_true(s->filesz <= s->memsz);
				assert_true(s->gpa + s->memsz <= MEM_FW_TOP);
			}
			/* Whatever it says, it says it within bounds. */
			if (check_start(f, BOOT_RESET_LEGACY) != 0)
				assert_true(strlen(f->err) > 0);
		}
		boot__close(&f->img);
	}
	assert_true(accepted > 0);
}

#define TEST(fn)	cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_raw_64k),
		TEST(test_raw_limit),
		TEST(test_raw_sizes),
		TEST(test_empty),
		TEST(test_missing),
		TEST(test_directory),
		TEST(test_unreadable),
		TEST(test_not_regular),
		TEST(test_load_addr),
		TEST(test_elf32),
		TEST(test_elf64),
		TEST(test_elf_phdrs_beyond_file),
		TEST(test_elf_truncated),
		TEST(test_elf_wrong_machine),
		TEST(test_elf_bad_segments),
		TEST(test_elf_too_many_segments),
		TEST(test_start_raw),
		TEST(test_start_covered),
		TEST(test_start_not_covered),
		TEST(test_start_userspace),
		TEST(test_elf_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
