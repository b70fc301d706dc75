/*
 * multiboot1.c - the Multiboot 1 protocol (boot.h), as GRUB and QEMU's
 * -kernel start a kernel: the header (magic 0x1BADB002, flags, checksum)
 * in the first 8 KiB, 4-byte aligned; the kernel loaded by its ELF program
 * headers, or by the header's own addresses (flags bit 16, "the a.out
 * kludge") for a flat binary; the multiboot information after it
 * (bootinfo.c); the CPU in 32-bit protected mode at the entry point with
 * EAX = 0x2BADB002 and EBX = the information's address, flat CS and DS,
 * paging and interrupts off (A20 is always on here).
 *
 * The information: mem_lower/mem_upper (flags bit 0), the command line
 * "IMAGE --append" (bit 2), the modules (bit 3), the memory map (bit 6),
 * the boot loader's name (bit 9), and the 80x25 EGA text screen as the
 * framebuffer (bit 12).
 */
#include "bootinfo.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define fail boot__fail

#define MB1_MAGIC		0x1BADB002u
#define MB1_BOOT_MAGIC		0x2BADB002u
#define MB1_SEARCH		8192u
#define MB1_HDR_MIN		12u		/* magic, flags, checksum */
#define MB1_HDR_AOUT		32u		/* ... and the five addresses */
#define MB1_PAGE_ALIGN		(1u << 0)
#define MB1_MEMORY_INFO		(1u << 1)
#define MB1_VIDEO_MODE		(1u << 2)
#define MB1_AOUT_KLUDGE		(1u << 16)
#define MB1_KNOWN		(MB1_PAGE_ALIGN | MB1_MEMORY_INFO | MB1_VIDEO_MODE)

/* The information structure's fields (the specification's offsets). */
enum {
	MBI_FLAGS = 0, MBI_MEM_LOWER = 4, MBI_MEM_UPPER = 8, MBI_CMDLINE = 16,
	MBI_MODS_COUNT = 20, MBI_MODS_ADDR = 24, MBI_MMAP_LENGTH = 44, MBI_MMAP_ADDR = 48,
	MBI_LOADER_NAME = 64, MBI_FB_ADDR = 88, MBI_FB_PITCH = 96, MBI_FB_WIDTH = 100,
	MBI_FB_HEIGHT = 104, MBI_FB_BPP = 108, MBI_FB_TYPE = 109, MBI_SIZE = 116,
};
#define MBI_F_MEM		(1u << 0)
#define MBI_F_CMDLINE		(1u << 2)
#define MBI_F_MODS		(1u << 3)
#define MBI_F_MMAP		(1u << 6)
#define MBI_F_LOADER		(1u << 9)
#define MBI_F_FB		(1u << 12)

/* Where the header is: the first aligned magic in the first 8 KiB. */
static long find_header(const struct image *img)
{
	size_t end = img->size < MB1_SEARCH ? img->size : MB1_SEARCH;

	for (size_t off = 0; off + 4 <= end; off += 4)
		if (bootinfo__le32(img->data + off) == MB1_MAGIC)
			return (long)off;
	return -1;
}

static bool mb1_detect(const struct image *img)
{
	return find_header(img) >= 0;
}

static uint32_t hdr(const struct image *img, unsigned int field)
{
	return bootinfo__le32(img->data + find_header(img) + field);
}

static int mb1_check(struct image *img, char *err, size_t errlen)
{
	size_t off = (size_t)find_header(img), need = MB1_HDR_MIN;
	uint32_t flags;

	if (img->size - off < need)
		return fail(-ENOEXEC, err, errlen,
			    "%s: truncated multiboot header at offset 0x%zx: the file ends after "
			    "%zu of its %zu bytes (magic, flags, checksum)", img->path, off,
			    img->size - off, need);
	flags = hdr(img, 4);
	if ((uint32_t)(MB1_MAGIC + flags + hdr(img, 8)) != 0)
		return fail(-ENOEXEC, err, errlen,
			    "%s: multiboot header at offset 0x%zx: checksum 0x%08x is wrong "
			    "(magic + flags + checksum must be 0: expected 0x%08x)", img->path,
			    off, hdr(img, 8), (uint32_t)-(MB1_MAGIC + flags));
	if (flags & 0xFFFF & ~MB1_KNOWN)
		return fail(-ENOEXEC, err, errlen,
			    "%s: multiboot header flags 0x%08x ask for something kvmstub does not "
			    "know (bits 0-2 only: page-aligned modules, memory information, video "
			    "mode; a boot loader must refuse the others)", img->path, flags);
	if (flags & MB1_AOUT_KLUDGE) {
		need = MB1_HDR_AOUT;
		if (img->size - off < need)
			return fail(-ENOEXEC, err, errlen,
				    "%s: truncated multiboot header at offset 0x%zx: flags bit 16 "
				    "(the a.out kludge) needs %zu bytes of header, the file has %zu",
				    img->path, off, need, img->size - off);
		return 0;
	}
	if (!elf__is_elf(img))
		return fail(-ENOEXEC, err, errlen,
			    "%s: multiboot header at offset 0x%zx has flags bit 16 clear (no load "
			    "addresses in the header) and the file is not ELF: nothing says where "
			    "to load it", img->path, off);
	return elf__check(img, err, errlen);
}

/* The a.out kludge: the header's physical addresses say what goes where. */
static int plan_aout(struct image *img, uint64_t *entry, char *err, size_t errlen)
{
	const struct load_seg *seg = &img->segs[0];
	int ret;

	ret = bootinfo__plan_flat(img, (size_t)find_header(img), hdr(img, 12), hdr(img, 16),
				  hdr(img, 20), hdr(img, 24), "multiboot header", err, errlen);
	if (ret)
		return ret;
	*entry = hdr(img, 28);
	if (*entry < seg->gpa || *entry - seg->gpa >= seg->memsz)
		return fail(-ENOEXEC, err, errlen,
			    "%s: multiboot header: entry_addr 0x%" PRIx64 " lies outside the "
			    "loaded kernel 0x%" PRIx64 "-0x%" PRIx64, img->path, *entry, seg->gpa,
			    seg->gpa + seg->memsz - 1);
	return 0;
}

#define put32 bootinfo__put32
#define put64 bootinfo__put64

/* The information structure, its memory map and module list, in b. */
static uint64_t build_mbi(struct bootinfo *b)
{
	uint64_t mmap = bootinfo__alloc(b, (size_t)b->nr_map * 24, 4);
	uint64_t mods = bootinfo__alloc(b, (size_t)b->nr_mods * 16, 4);
	uint64_t info = bootinfo__alloc(b, MBI_SIZE, 8);
	uint8_t *p;

	if (!mmap || !mods || !info)
		return 0;
	for (int i = 0; i < b->nr_map; i++) {
		p = (uint8_t *)bootinfo__at(b, mmap) + i * 24;
		put32(p, 20);			/* size of the entry, without this field */
		put64(p + 4, b->map[i].base);
		put64(p + 12, b->map[i].len);
		put32(p + 20, b->map[i].type);
	}
	for (int i = 0; i < b->nr_mods; i++) {
		p = (uint8_t *)bootinfo__at(b, mods) + i * 16;
		put32(p, (uint32_t)b->mods[i].start);
		put32(p + 4, (uint32_t)b->mods[i].end);
		put32(p + 8, (uint32_t)b->mods[i].string);
	}
	p = bootinfo__at(b, info);
	put32(p + MBI_FLAGS, MBI_F_MEM | MBI_F_CMDLINE | MBI_F_MODS | MBI_F_MMAP |
	      MBI_F_LOADER | MBI_F_FB);
	put32(p + MBI_MEM_LOWER, BOOTINFO_LOW_KIB);
	put32(p + MBI_MEM_UPPER, bootinfo__mem_upper_kib(b->ram_size));
	put32(p + MBI_CMDLINE, (uint32_t)b->cmdline);
	put32(p + MBI_MODS_COUNT, (uint32_t)b->nr_mods);
	put32(p + MBI_MODS_ADDR, (uint32_t)mods);
	put32(p + MBI_MMAP_LENGTH, (uint32_t)b->nr_map * 24);
	put32(p + MBI_MMAP_ADDR, (uint32_t)mmap);
	put32(p + MBI_LOADER_NAME, (uint32_t)b->loader_name);
	put64(p + MBI_FB_ADDR, 0xB8000);		/* EGA text: 80x25, 2 bytes a cell */
	put32(p + MBI_FB_PITCH, 160);
	put32(p + MBI_FB_WIDTH, 80);
	put32(p + MBI_FB_HEIGHT, 25);
	p[MBI_FB_BPP] = 16;
	p[MBI_FB_TYPE] = 2;
	return info;
}

static int mb1_plan(struct image *img, const struct boot_options *o, char *err, size_t errlen)
{
	bool aout = hdr(img, 4) & MB1_AOUT_KLUDGE;
	struct bootinfo b;
	uint64_t entry = 0, info;
	int ret;

	if (o->load_set)
		return fail(-EINVAL, err, errlen,
			    "--load applies to raw images only; a multiboot kernel says itself "
			    "where it loads");
	ret = aout ? plan_aout(img, &entry, err, errlen) : elf__plan(img, err, errlen);
	if (ret)
		return ret;
	if (!aout)
		entry = elf__entry_phys(img);
	if (entry >= MEM_FW_TOP)
		return fail(-ENOEXEC, err, errlen, "%s: the entry point 0x%" PRIx64 " lies above "
			    "4 GiB, beyond 32-bit protected mode", img->path, entry);
	ret = bootinfo__begin(&b, img, o, "multiboot", err, errlen);
	if (ret == 0) {
		info = build_mbi(&b);
		ret = bootinfo__end(&b, img, o, entry, MB1_BOOT_MAGIC, info, "multiboot", err,
				    errlen);
	}
	if (ret == 0)
		snprintf(img->report, sizeof(img->report),
			 "multiboot 1 kernel (%s), entry 0x%" PRIx64 ", %d module%s, information "
			 "at 0x%" PRIx64, aout ? "a.out kludge" : "ELF", entry, b.nr_mods,
			 b.nr_mods == 1 ? "" : "s", info);
	bootinfo__free(&b);
	return ret;
}

static void mb1_entry(const struct image *img, const struct boot_options *o, struct cpu_entry *e)
{
	(void)o;
	*e = img->start;
}

const struct boot_protocol multiboot1_protocol = {
	.name = "multiboot 1 kernel",
	.detect = mb1_detect,
	.check = mb1_check,
	.plan = mb1_plan,
	.entry = mb1_entry,
};
