/*
 * loader.h - reading and checking a guest image (raw or ELF) and planning
 * where its bytes go in guest-physical memory.  Pure: no KVM.  The memory
 * layer (memory.c) copies the planned segments into guest memory.
 *
 * A raw image (at most 256 KiB) is firmware: without --load it is planned as
 * one segment ending at 4 GiB (gpa 0x100000000 - size); the memory layer
 * aliases the last 128 KiB of that firmware window below 1 MiB (ending at
 * 0xFFFFF), so a 64 KiB image also occupies 0xF0000-0xFFFFF.  With --load
 * ADDR it is one segment at ADDR.  An ELF image (by its magic) is planned
 * by its PT_LOAD program headers' physical addresses.
 */
#ifndef KVMSTUB_LOADER_H
#define KVMSTUB_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOADER_RAW_MAX		(256u << 10)
#define LOADER_ELF_MAX		(64u << 20)
#define LOADER_MAX_SEGS		16
#define LOADER_FW_TOP		0x100000000ull	/* firmware ends at 4 GiB */

struct load_seg {
	uint64_t gpa;		/* guest-physical destination */
	size_t offset;		/* in the file */
	size_t filesz;		/* bytes copied from the file */
	size_t memsz;		/* >= filesz; the rest is zero-filled */
};

struct image {
	uint8_t *data;		/* the whole file, malloc'd */
	size_t size;
	bool elf;
	uint64_t entry;		/* ELF e_entry (informational) */
	struct load_seg segs[LOADER_MAX_SEGS];
	int nr_segs;
};

/* Read and check the file.  -errno with a message in err naming the file:
 * "guests/x.bin: No such file or directory", "...: empty image",
 * "...: image is 300000 bytes; a raw image may be at most 262144 bytes
 * (256 KiB)", "...: not a 32-bit or 64-bit x86 ELF file", ... */
int loader__open(const char *path, struct image *img, char *err, size_t errlen);
/* Fill img->segs (see above). -EINVAL with a message when --load does not
 * fit below 4 GiB, an ELF has no loadable segment, too many, or overflow. */
int loader__plan(struct image *img, bool load_set, uint64_t load_addr,
		 char *err, size_t errlen);
void loader__close(struct image *img);

#endif
