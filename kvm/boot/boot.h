/*
 * boot.h - boot protocols: how an image gets into guest memory and where
 * the first vCPU starts.  A protocol detects the images it starts, checks
 * their format, plans where their bytes go (segments) and says where the
 * CPU begins.  image.c reads the file (and holds what every protocol
 * uses), elf.c and raw.c are the protocols, boot.c on top holds their
 * table and opens, plans and loads an image through it.  Pure: no KVM; load copies the plan into guest memory.
 *
 *  - elf.c: an x86 ELF executable placed by its PT_LOAD physical
 *    addresses, which must load code at the reset vector;
 *  - raw.c: anything else is raw firmware (at most 16 MiB) ending at
 *    4 GiB, its last 128 KiB also below 1 MiB; up to 128 KiB any size,
 *    larger in whole 4 KiB flash sectors; with --load ADDR one segment
 *    at ADDR of any size, started there.
 *
 * A new protocol is one file (its struct boot_protocol) and one line in
 * boot.c's table, before raw, which takes whatever is left.
 */
#ifndef KVMSTUB_BOOT_H
#define KVMSTUB_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../cpu/cpu.h"
#include "../mem/memory.h"

#define BOOT_RAW_MAX		((unsigned int)MEM_FW_MAX)	/* the firmware window's largest size */
#define BOOT_ELF_MAX		(64u << 20)
#define BOOT_MAX_SEGS		16
#define BOOT_FW_SECTOR		0x1000u		/* firmware over 128 KiB: whole 4 KiB sectors */
/* The physical address of the CPU's first instruction fetch, per reset style. */
#define BOOT_RESET_LEGACY	0xFFFF0ull	/* CS base 0xF0000, IP 0xFFF0 */
#define BOOT_RESET_ARCH		0xFFFFFFF0ull	/* CS base 0xFFFF0000, IP 0xFFF0 */

#define BOOT_MAX_MODULES	32

/* A boot module (--module FILE[,ARGS]): a file the boot loader places in
 * memory for the kernel, with a command line of its own. */
struct boot_module {
	const char *path;
	const char *args;		/* NULL: none */
};

/* What the command line says about starting the image. */
struct boot_options {
	bool load_set;			/* --load ADDR (raw images) */
	uint64_t load_addr;
	bool reset_arch;		/* --reset architectural: first fetch at 0xFFFFFFF0 */
	uint64_t mem_size;		/* --memory: RAM from 0 (the boot information tells it) */
	const char *append;		/* --append: the kernel's command line, or NULL */
	const struct boot_module *modules;	/* --module, in order */
	int nr_modules;
	/* Booting a disk through a BIOS (bios.c): the drive whose sector 0
	 * starts, NULL when an image is booted. */
	const char *boot_drive_path;
	bool boot_floppy;		/* ... it is --floppy (DL 0x00), else --disk (0x80) */
};

struct load_seg {
	uint64_t gpa;			/* guest-physical destination */
	size_t offset;			/* in the file */
	size_t filesz;			/* bytes copied from the file */
	size_t memsz;			/* >= filesz; the rest is zero-filled */
	const uint8_t *src;		/* NULL: the file's bytes at offset; else these
					 * (boot information the protocol made) */
};

struct boot_protocol;

struct image {
	const char *path;		/* boot__open's path (the caller's string): messages */
	uint8_t *data;			/* the whole file, malloc'd */
	size_t size;
	const struct boot_protocol *proto;	/* the protocol that starts it */
	uint64_t entry;			/* ELF e_entry (informational) */
	/* ELF: what the file says about what starts it. */
	uint16_t elf_type;		/* ET_EXEC or ET_DYN */
	bool tls;			/* PT_TLS: thread-local storage, set up by an OS */
	bool has_interp;		/* PT_INTERP: a dynamically linked program */
	char interp[64];		/* ... its interpreter's path, when printable */
	struct load_seg segs[BOOT_MAX_SEGS];
	int nr_segs;
	/* What the protocol made for the kernel (modules, boot information),
	 * malloc'd, loaded by a segment whose src points into it. */
	uint8_t *extra;
	size_t extra_size;
	/* A protocol that starts a kernel: how it starts, for the start-up
	 * message ("multiboot 2 kernel, entry 0x100020, 2 modules"), and the
	 * first vCPU's state. */
	char report[256];
	struct cpu_entry start;
};

struct boot_protocol {
	const char *name;		/* "raw firmware", "ELF" */
	/* Whether this protocol starts the image, by its content. */
	bool (*detect)(const struct image *img);
	/* Optional: the format checked when the file is opened. */
	int (*check)(struct image *img, char *err, size_t errlen);
	/* Plan the segments. */
	int (*plan)(struct image *img, const struct boot_options *o, char *err, size_t errlen);
	/* Optional: can the CPU start the planned image?  -ENOEXEC with a
	 * message saying what the file looks like and what kvmstub boots. */
	int (*check_start)(const struct image *img, const struct boot_options *o, char *err,
			   size_t errlen);
	/* Where the first vCPU starts at power-on. */
	void (*entry)(const struct image *img, const struct boot_options *o, struct cpu_entry *e);
};

extern const struct boot_protocol multiboot1_protocol;	/* multiboot1.c */
extern const struct boot_protocol multiboot2_protocol;	/* multiboot2.c */
extern const struct boot_protocol bios_protocol;	/* bios.c */
extern const struct boot_protocol elf_protocol;		/* elf.c */
extern const struct boot_protocol raw_protocol;		/* raw.c */

/* Read the file and check it as its protocol wants.  -errno with a message
 * naming the file ("guests/x.bin: No such file or directory", "...: empty
 * image", "...: image is 16777217 bytes; a raw image may be at most ...",
 * "...: not a 32-bit or 64-bit x86 ELF file"...).  path must outlive img. */
int boot__open(const char *path, struct image *img, char *err, size_t errlen);
/* A BIOS that boots a disk (bios.c): the file at path, or with path NULL
 * kvmstub's own; -errno with a message. */
int boot__open_bios(const char *path, struct image *img, char *err, size_t errlen);
/* The segments, by the image's protocol, and its start checked: -EINVAL
 * or -ENOEXEC with a message when the image does not fit or the CPU
 * cannot start it. */
int boot__plan(struct image *img, const struct boot_options *o, char *err, size_t errlen);
/* The planned segments into guest memory (zero-filled past their file
 * bytes); a message naming the segment and the map when one lies outside. */
int boot__load(const struct image *img, struct memory *mem, char *err, size_t errlen);
/* Where the first vCPU starts; without an image, the reset vector. */
void boot__entry(const struct image *img, const struct boot_options *o, struct cpu_entry *e);
/* The firmware window an image needs: at least 128 KiB (the part seen
 * below 1 MiB), more for a raw image or an ELF segment above 3 GiB. */
uint64_t boot__fw_size(const struct image *img);
void boot__close(struct image *img);

/* boot.c: the first protocol of the table that detects img. */
const struct boot_protocol *boot__detect(const struct image *img);
/* image.c, below the protocols: the file into img (no protocol yet), and
 * freed; the reset vector's fetch address and entry for the options; a
 * message. */
int image__read(const char *path, struct image *img, char *err, size_t errlen);
void image__free(struct image *img);
uint64_t boot__reset_fetch(const struct boot_options *o);
void boot__reset_entry(const struct image *img, const struct boot_options *o, struct cpu_entry *e);
int boot__fail(int ret, char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A whole file of at most max bytes (a boot module) into *data, malloc'd;
 * what names it in messages is what. */
int image__read_blob(const char *path, const char *what, uint64_t max, uint8_t **data,
		     size_t *size, char *err, size_t errlen);
/* The image from memory (the built-in BIOS): copied, named name. */
int image__from_memory(const char *name, const uint8_t *data, size_t size, struct image *img,
		       char *err, size_t errlen);

/* elf.c, for the protocols that load an ELF kernel: the file's checks,
 * its PT_LOAD segments planned, and its entry point as a physical address
 * (e_entry, moved from the virtual to the physical address of the segment
 * that holds it). */
bool elf__is_elf(const struct image *img);
int elf__check(struct image *img, char *err, size_t errlen);
int elf__plan(struct image *img, char *err, size_t errlen);
uint64_t elf__entry_phys(const struct image *img);

#endif
