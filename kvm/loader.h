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
 * magic) is planned by its PT_LOAD program headers' physical addresses.
 */
#ifndef KVMSTUB_LOADER_H
#define KVMSTUB_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOADER_RAW_MAX		(16u << 20)	/* the firmware window's largest size */
#define LOADER_ELF_MAX		(64u << 20)
#define LOADER_MAX_SEGS		16
#define LOADER_FW_TOP		0x100000000ull	/* firmware ends at 4 GiB */
#define LOADER_FW_ALIAS_BASE	0xE0000ull	/* its last 128 KiB are also here, */
#define LOADER_FW_ALIAS_SIZE	0x20000ull	/* ... ending at 1 MiB */
#define LOADER_FW_SECTOR	0x1000u		/* firmware over 128 KiB: whole 4 KiB sectors */
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
void loader__close(struct image *img);

#endif
