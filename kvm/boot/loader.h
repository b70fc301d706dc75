/*
 * loader.h - reading and checking a guest image (raw or ELF) and planning
 * where its bytes go in guest-physical memory.  Pure: no KVM.  The memory
 * layer (memory.c) copies the planned segments into guest memory.
 *
 * A raw image (at most 16 MiB) is firmware: without --load it is planned as
 * one segment ending at 4 GiB (gpa 0x100000000 - size); the memory layer
 * aliases the last 128 KiB of that firmware window below 1 MiB (ending at
 * 0xFFFFF), so a 64 KiB image also occupies 0xF0000-0xFFFFF.  Up to 128 KiB
 * it may have any size; a larger one is flash, whole 4 KiB sectors.  With
 * --load ADDR it is one segment at ADDR, of any size.  An ELF image (by its
 * magic) is planned by its PT_LOAD program headers' physical addresses, and
 * must load code where the CPU starts (loader__check_start).
 */
#ifndef KVMSTUB_LOADER_H
#define KVMSTUB_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../mem/memory.h"

#define LOADER_RAW_MAX		((unsigned int)MEM_FW_MAX)	/* the firmware window's largest size */
#define LOADER_ELF_MAX		(64u << 20)
#define LOADER_MAX_SEGS		16
#define LOADER_FW_SECTOR	0x1000u		/* firmware over 128 KiB: whole 4 KiB sectors */
/* The physical address of the CPU's first instruction fetch, per reset style. */
#define LOADER_RESET_LEGACY	0xFFFF0ull	/* CS base 0xF0000, IP 0xFFF0 */
#define LOADER_RESET_ARCH	0xFFFFFFF0ull	/* CS base 0xFFFF0000, IP 0xFFF0 */

struct load_seg {
	uint64_t gpa;		/* guest-physical destination */
	size_t offset;		/* in the file */
	size_t filesz;		/* bytes copied from the file */
	size_t memsz;		/* >= filesz; the rest is zero-filled */
};

struct image {
	const char *path;	/* loader__open's path (the caller's string): messages */
	uint8_t *data;		/* the whole file, malloc'd */
	size_t size;
	bool elf;
	uint64_t entry;		/* ELF e_entry (informational) */
	/* ELF: what the file says about what starts it (loader__check_start). */
	uint16_t elf_type;	/* ET_EXEC or ET_DYN */
	bool tls;		/* PT_TLS: thread-local storage, set up by an OS */
	bool has_interp;	/* PT_INTERP: a dynamically linked program */
	char interp[64];	/* ... its interpreter's path, when printable */
	struct load_seg segs[LOADER_MAX_SEGS];
	int nr_segs;
};

/* Read and check the file.  -errno with a message in err naming the file:
 * "guests/x.bin: No such file or directory", "...: empty image",
 * "...: image is 16777217 bytes; a raw image may be at most 16777216 bytes
 * (16 MiB) ...", "...: not a 32-bit or 64-bit x86 ELF file", ...  path must
 * outlive img (img->path points to it). */
int loader__open(const char *path, struct image *img, char *err, size_t errlen);
/* Fill img->segs (see above). -EINVAL with a message when --load does not
 * fit below 4 GiB, raw firmware over 128 KiB is not whole 4 KiB sectors,
 * an ELF has no loadable segment, too many, or overflow. */
int loader__plan(struct image *img, bool load_set, uint64_t load_addr,
		 char *err, size_t errlen);
/* After loader__plan: can the CPU start the image from reset, whose first
 * fetch is at reset_fetch (LOADER_RESET_LEGACY or _ARCH)?  A raw image
 * can.  An ELF file can when a segment loads bytes of the file there or
 * at its other view (the firmware is seen both below 1 MiB and below
 * 4 GiB).  Else -ENOEXEC with a message saying what the file looks like
 * (a dynamically linked program, position-independent code, a kernel or
 * program entered far from the reset vector) and what kvmstub can boot. */
int loader__check_start(const struct image *img, uint64_t reset_fetch,
			char *err, size_t errlen);
void loader__close(struct image *img);

/* load.c: the planned segments into guest memory (zero-filled past their
 * file bytes); a message naming the segment and the map when one lies
 * outside it. */
int loader__load(const struct image *img, struct memory *mem, char *err, size_t errlen);
/* The firmware window an image needs: at least 128 KiB (the part seen
 * below 1 MiB), more for a raw image or an ELF segment above 3 GiB. */
uint64_t loader__fw_size(const struct image *img);

#endif
