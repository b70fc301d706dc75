/*
 * bootinfo.h - what the boot loaders of boot/ (multiboot 1 and 2) hand a
 * kernel besides its own bytes (bootinfo.c): the PC's memory map as
 * kvmstub's machine has it, the boot modules read from their files, a
 * flat GDT, and the boot information, all laid out in one block of RAM
 * after the kernel, page-aligned, as QEMU's -kernel lays them out.
 *
 * The memory map (the BIOS's E820 reports the same, bios/bios.S):
 *
 *   0x0       - 0x9FBFF     available (mem_lower 639 KiB)
 *   0x9FC00   - 0x9FFFF     reserved (the extended BIOS data area)
 *   0xE0000   - 0xFFFFF     reserved (the firmware's last 128 KiB)
 *   0x100000  - RAM's end   available (mem_upper: KiB above 1 MiB)
 *   4 GiB - the firmware window - 4 GiB   reserved
 */
#ifndef KVMSTUB_BOOTINFO_H
#define KVMSTUB_BOOTINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot.h"

#define BOOTINFO_LOW_KIB	639u		/* conventional memory below the EBDA */
#define BOOTINFO_EBDA		0x9FC00ull
#define BOOTINFO_MAX_RANGES	5
#define BOOTINFO_LOADER_NAME	"kvmstub"
/* The flat GDT the kernel starts with: code 0x08, data 0x10 (as GRUB's). */
#define BOOTINFO_CS		0x08
#define BOOTINFO_DS		0x10

enum { BOOTINFO_RAM = 1, BOOTINFO_RESERVED = 2 };	/* E820 and multiboot types */

struct bootinfo_range {
	uint64_t base, len;
	uint32_t type;
};

/* A module as placed: guest-physical [start, end), its command line. */
struct bootinfo_mod {
	uint64_t start, end;
	uint64_t string;		/* guest-physical address of "FILE ARGS" */
};

/* The block after the kernel, built up: buf holds size bytes for gpa base.. */
struct bootinfo {
	uint8_t *buf;
	size_t size, cap;
	uint64_t base;
	uint64_t ram_size;
	struct bootinfo_mod mods[BOOT_MAX_MODULES];
	int nr_mods;
	uint64_t cmdline;		/* "IMAGE APPEND" */
	uint64_t loader_name;
	uint64_t gdt;
	struct bootinfo_range map[BOOTINFO_MAX_RANGES];
	int nr_map;
};

/* The map above for ram_size bytes of RAM; returns how many ranges. */
int bootinfo__memory_map(uint64_t ram_size, uint64_t fw_size, struct bootinfo_range *r, int max);
uint32_t bootinfo__mem_upper_kib(uint64_t ram_size);
/* Check that the kernel's planned segments lie in RAM (not in the
 * firmware below 1 MiB, not past --memory), read the modules into a new
 * block after them, and put the command line, the loader's name and the
 * GDT there.  what names the protocol in messages. */
int bootinfo__begin(struct bootinfo *b, const struct image *img, const struct boot_options *o,
		    const char *what, char *err, size_t errlen);
/* Room for len bytes aligned to align, zeroed: its guest-physical
 * address (0 when out of memory: bootinfo__end says so). */
uint64_t bootinfo__alloc(struct bootinfo *b, size_t len, size_t align);
/* The host pointer of a guest-physical address bootinfo__alloc gave. */
void *bootinfo__at(struct bootinfo *b, uint64_t gpa);
/* The block into img as one more segment (and img->extra), checked
 * against the memory; the pm32 entry at entry with EAX magic, EBX info. */
int bootinfo__end(struct bootinfo *b, struct image *img, const struct boot_options *o,
		  uint64_t entry, uint32_t magic, uint64_t info, const char *what, char *err,
		  size_t errlen);
void bootinfo__free(struct bootinfo *b);
/* Little-endian loads from the image (no alignment promise), and stores
 * into the information. */
uint32_t bootinfo__le32(const uint8_t *p);
void bootinfo__put32(uint8_t *p, uint32_t v);
void bootinfo__put64(uint8_t *p, uint64_t v);
/* A flat kernel placed by its header's physical addresses (multiboot 1's
 * a.out kludge, multiboot 2's address tag): the header at file offset off
 * is at header_addr; the file from load_addr's offset on (to load_end,
 * 0: the end of the file) is loaded at load_addr, zeroed to bss_end (0:
 * none).  One segment, or -ENOEXEC naming the field that does not fit;
 * what names the header in messages. */
int bootinfo__plan_flat(struct image *img, size_t off, uint32_t header_addr, uint32_t load_addr,
			uint32_t load_end, uint32_t bss_end, const char *what, char *err,
			size_t errlen);

#endif
