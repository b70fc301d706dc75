/*
 * multiboot2.c - the Multiboot 2 protocol (boot.h), as GRUB's multiboot2
 * command starts a kernel: the header (magic 0xE85250D6, architecture 0,
 * its length, checksum, then tags) in the first 32 KiB, 8-byte aligned;
 * the kernel loaded by its ELF program headers or by an address tag; the
 * information (tags, 8-byte aligned) after it; the CPU in 32-bit
 * protected mode with EAX = 0x36D76289 and EBX = the information's address.
 *
 * Header tags understood: information request (1), address (2), entry
 * address (3), console flags (4), framebuffer (5: only the EGA text
 * screen exists, so a required graphics mode is refused), module
 * alignment (6), relocatable (10: loaded where it is linked, which its
 * range allows).  The EFI tags (7, 8, 9) are refused unless optional.
 *
 * Information given: the command line (1), the boot loader's name (2),
 * modules (3), basic memory (4), the memory map (6), the framebuffer as
 * EGA text (8), the load base address (21).  An information request for
 * any other type that is not marked optional is an error naming it.
 */
#include "bootinfo.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define fail boot__fail

#define MB2_MAGIC		0xE85250D6u
#define MB2_BOOT_MAGIC		0x36D76289u
#define MB2_SEARCH		32768u
#define MB2_HDR			16u
#define MB2_TAG_OPTIONAL	1u

enum {	/* header tags */
	HT_END = 0, HT_INFO_REQ = 1, HT_ADDRESS = 2, HT_ENTRY = 3, HT_CONSOLE = 4,
	HT_FRAMEBUFFER = 5, HT_MODULE_ALIGN = 6, HT_EFI_BS = 7, HT_ENTRY_EFI32 = 8,
	HT_ENTRY_EFI64 = 9, HT_RELOCATABLE = 10,
};

enum {	/* information tags */
	IT_END = 0, IT_CMDLINE = 1, IT_LOADER = 2, IT_MODULE = 3, IT_BASIC_MEM = 4,
	IT_MMAP = 6, IT_FRAMEBUFFER = 8, IT_LOAD_BASE = 21,
};

/* What the header's tags say, after mb2_check proved them well formed. */
struct mb2_header {
	size_t off, len;
	bool address, entry_tag;
	uint32_t header_addr, load_addr, load_end, bss_end, entry;
};

static long find_header(const struct image *img)
{
	size_t end = img->size < MB2_SEARCH ? img->size : MB2_SEARCH;

	for (size_t off = 0; off + 4 <= end; off += 8)
		if (bootinfo__le32(img->data + off) == MB2_MAGIC)
			return (long)off;
	return -1;
}

static bool mb2_detect(const struct image *img)
{
	return find_header(img) >= 0;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static const char *info_name(uint32_t type)
{
	static const char *const names[] = {
		[1] = "command line", [2] = "boot loader name", [3] = "modules",
		[4] = "basic memory information", [5] = "BIOS boot device", [6] = "memory map",
		[7] = "VBE information", [8] = "framebuffer", [9] = "ELF sections",
		[10] = "APM table", [11] = "EFI 32-bit system table",
		[12] = "EFI 64-bit system table", [13] = "SMBIOS tables", [14] = "ACPI 1.0 RSDP",
		[15] = "ACPI 2.0 RSDP", [16] = "network information", [17] = "EFI memory map",
		[18] = "EFI boot services not terminated", [19] = "EFI 32-bit image handle",
		[20] = "EFI 64-bit image handle", [21] = "load base address",
	};

	return type < sizeof(names) / sizeof(names[0]) && names[type] ? names[type] : "unknown";
}

static bool info_given(uint32_t type)
{
	return type == IT_END || type == IT_CMDLINE || type == IT_LOADER || type == IT_MODULE ||
	       type == IT_BASIC_MEM || type == IT_MMAP || type == IT_FRAMEBUFFER ||
	       type == IT_LOAD_BASE;
}

/* One header tag at p (size bytes, inside the header); 0 or an error. */
static int check_tag(const struct image *img, const uint8_t *p, uint32_t size,
		     struct mb2_header *h, char *err, size_t errlen)
{
	uint16_t type = le16(p), flags = le16(p + 2);
	bool optional = flags & MB2_TAG_OPTIONAL;
	size_t at = (size_t)(p - img->data);

	switch (type) {
	case HT_INFO_REQ:
		for (uint32_t i = 8; i + 4 <= size; i += 4) {
			uint32_t want = bootinfo__le32(p + i);

			if (!info_given(want) && !optional)
				return fail(-ENOEXEC, err, errlen,
					    "%s: the multiboot 2 header's information request (offset "
					    "0x%zx) asks for tag type %u (%s), which kvmstub cannot "
					    "give; mark the request optional (flags bit 0) or drop it",
					    img->path, at, want, info_name(want));
		}
		return 0;
	case HT_ADDRESS:
		if (size < 24)
			break;
		h->address = true;
		h->header_addr = bootinfo__le32(p + 8);
		h->load_addr = bootinfo__le32(p + 12);
		h->load_end = bootinfo__le32(p + 16);
		h->bss_end = bootinfo__le32(p + 20);
		return 0;
	case HT_ENTRY:
		if (size < 12)
			break;
		h->entry_tag = true;
		h->entry = bootinfo__le32(p + 8);
		return 0;
	case HT_CONSOLE:
	case HT_MODULE_ALIGN:
	case HT_RELOCATABLE:
		return 0;
	case HT_FRAMEBUFFER:
		if (size < 20)
			break;
		if (!optional && (bootinfo__le32(p + 8) || bootinfo__le32(p + 12) ||
				  bootinfo__le32(p + 16)))
			return fail(-ENOEXEC, err, errlen,
				    "%s: the multiboot 2 header's framebuffer tag (offset 0x%zx) "
				    "requires a %ux%ux%u graphics mode; kvmstub has only the 80x25 "
				    "EGA text screen: mark the tag optional (flags bit 0) or ask for "
				    "0x0x0", img->path, at, bootinfo__le32(p + 8),
				    bootinfo__le32(p + 12), bootinfo__le32(p + 16));
		return 0;
	default:
		if (optional)
			return 0;
		return fail(-ENOEXEC, err, errlen,
			    "%s: the multiboot 2 header's tag type %u at offset 0x%zx is required "
			    "(flags bit 0 clear) and kvmstub does not %s", img->path, type, at,
			    type >= HT_EFI_BS && type <= HT_ENTRY_EFI64 ?
				"boot EFI (tags 7, 8, 9)" : "know it");
	}
	return fail(-ENOEXEC, err, errlen,
		    "%s: the multiboot 2 header's tag type %u at offset 0x%zx is %u bytes, too "
		    "short for its fields", img->path, type, at, size);
}

static int parse_header(const struct image *img, struct mb2_header *h, char *err, size_t errlen)
{
	size_t off = (size_t)find_header(img), len, at;
	uint32_t arch, sum;

	memset(h, 0, sizeof(*h));
	h->off = off;
	if (img->size - off < MB2_HDR)
		return fail(-ENOEXEC, err, errlen,
			    "%s: truncated multiboot 2 header at offset 0x%zx: the file ends after "
			    "%zu of its first %u bytes", img->path, off, img->size - off, MB2_HDR);
	arch = bootinfo__le32(img->data + off + 4);
	len = bootinfo__le32(img->data + off + 8);
	sum = bootinfo__le32(img->data + off + 12);
	if ((uint32_t)(MB2_MAGIC + arch + (uint32_t)len + sum) != 0)
		return fail(-ENOEXEC, err, errlen,
			    "%s: multiboot 2 header at offset 0x%zx: checksum 0x%08x is wrong "
			    "(magic + architecture + header_length + checksum must be 0)",
			    img->path, off, sum);
	if (arch != 0)
		return fail(-ENOEXEC, err, errlen,
			    "%s: multiboot 2 header at offset 0x%zx: architecture %u is not i386 "
			    "(0)", img->path, off, arch);
	if (len < MB2_HDR + 8 || len > img->size - off)
		return fail(-ENOEXEC, err, errlen,
			    "%s: multiboot 2 header at offset 0x%zx: header_length %zu runs past "
			    "the end of the file (%zu bytes) or leaves no room for the end tag",
			    img->path, off, len, img->size);
	h->len = len;
	for (at = off + MB2_HDR; ; ) {
		const uint8_t *p = img->data + at;
		uint32_t size;
		int ret;

		if (off + len - at < 8)
			return fail(-ENOEXEC, err, errlen,
				    "%s: multiboot 2 header: no end tag (type 0) before header_length "
				    "%zu ends", img->path, len);
		size = bootinfo__le32(p + 4);
		if (size < 8 || size > off + len - at)
			return fail(-ENOEXEC, err, errlen,
				    "%s: multiboot 2 header tag type %u at offset 0x%zx: its size %u "
				    "runs past the header's end (header_length %zu)", img->path,
				    le16(p), at, size, len);
		if (le16(p) == HT_END)
			return 0;
		ret = check_tag(img, p, size, h, err, errlen);
		if (ret)
			return ret;
		at += (size + 7) & ~7u;
	}
}

static int mb2_check(struct image *img, char *err, size_t errlen)
{
	struct mb2_header h;
	int ret = parse_header(img, &h, err, errlen);

	if (ret)
		return ret;
	if (h.address)
		return 0;
	if (!elf__is_elf(img))
		return fail(-ENOEXEC, err, errlen,
			    "%s: the multiboot 2 header has no address tag (type 2) and the file "
			    "is not ELF: nothing says where to load it", img->path);
	return elf__check(img, err, errlen);
}

static int plan_address(struct image *img, const struct mb2_header *h, char *err, size_t errlen)
{
	if (h->header_addr == 0xFFFFFFFFu || h->load_addr == 0xFFFFFFFFu)
		return fail(-ENOEXEC, err, errlen,
			    "%s: multiboot 2 address tag: header_addr or load_addr 0xffffffff "
			    "(place it anywhere) is not supported; give the addresses", img->path);
	return bootinfo__plan_flat(img, h->off, h->header_addr, h->load_addr, h->load_end,
				   h->bss_end, "multiboot 2 address tag", err, errlen);
}

/* One information tag of size bytes (its header included), 8-aligned. */
static uint8_t *tag(struct bootinfo *b, uint32_t type, uint32_t size)
{
	uint64_t gpa = bootinfo__alloc(b, size, 8);
	uint8_t *p;

	if (!gpa)
		return NULL;
	p = bootinfo__at(b, gpa);
	memcpy(p, &type, 4);
	memcpy(p + 4, &size, 4);
	return p;
}

#define put32 bootinfo__put32
#define put64 bootinfo__put64

/* A string tag: str is a string bootinfo__alloc placed (the buffer may
 * move as the tag is made: its address stays). */
static uint8_t *string_tag(struct bootinfo *b, uint32_t type, uint64_t str, uint32_t head)
{
	size_t n = strlen(bootinfo__at(b, str)) + 1;
	uint8_t *p = tag(b, type, head + (uint32_t)n);

	if (p)
		memcpy(p + head, bootinfo__at(b, str), n);
	return p;
}

/* The information: total_size, reserved, the tags, the end tag. */
static uint64_t build_mbi(struct bootinfo *b, uint64_t load_base)
{
	uint64_t info = bootinfo__alloc(b, 8, 8);
	uint8_t *p;
	bool ok = info != 0;

	ok = ok && string_tag(b, IT_CMDLINE, b->cmdline, 8);
	ok = ok && string_tag(b, IT_LOADER, b->loader_name, 8);
	for (int i = 0; ok && i < b->nr_mods; i++) {
		p = string_tag(b, IT_MODULE, b->mods[i].string, 16);
		if ((ok = p != NULL)) {
			put32(p + 8, (uint32_t)b->mods[i].start);
			put32(p + 12, (uint32_t)b->mods[i].end);
		}
	}
	p = ok ? tag(b, IT_BASIC_MEM, 16) : NULL;
	if ((ok = p != NULL)) {
		put32(p + 8, BOOTINFO_LOW_KIB);
		put32(p + 12, bootinfo__mem_upper_kib(b->ram_size));
	}
	p = ok ? tag(b, IT_MMAP, 16 + 24 * (uint32_t)b->nr_map) : NULL;
	if ((ok = p != NULL)) {
		put32(p + 8, 24);		/* entry_size */
		put32(p + 12, 0);		/* entry_version */
		for (int i = 0; i < b->nr_map; i++) {
			put64(p + 16 + 24 * i, b->map[i].base);
			put64(p + 24 + 24 * i, b->map[i].len);
			put32(p + 32 + 24 * i, b->map[i].type);
		}
	}
	p = ok ? tag(b, IT_FRAMEBUFFER, 32) : NULL;
	if ((ok = p != NULL)) {
		put64(p + 8, 0xB8000);		/* EGA text: 80x25, 2 bytes a cell */
		put32(p + 16, 160);
		put32(p + 20, 80);
		put32(p + 24, 25);
		p[28] = 16;
		p[29] = 2;
	}
	p = ok ? tag(b, IT_LOAD_BASE, 12) : NULL;
	if ((ok = p != NULL))
		put32(p + 8, (uint32_t)load_base);
	ok = ok && tag(b, IT_END, 8) != NULL;
	if (!ok)
		return 0;
	put32(bootinfo__at(b, info), (uint32_t)(b->base + b->size - info));
	return info;
}

static int mb2_plan(struct image *img, const struct boot_options *o, char *err, size_t errlen)
{
	struct mb2_header h;
	struct bootinfo b;
	uint64_t entry, info, load_base = UINT64_MAX;
	int ret;

	if (o->load_set)
		return fail(-EINVAL, err, errlen,
			    "--load applies to raw images only; a multiboot 2 kernel says itself "
			    "where it loads");
	ret = parse_header(img, &h, err, errlen);
	if (ret == 0)
		ret = h.address ? plan_address(img, &h, err, errlen) : elf__plan(img, err, errlen);
	if (ret)
		return ret;
	if (h.entry_tag)
		entry = h.entry;
	else if (elf__is_elf(img))
		entry = elf__entry_phys(img);
	else
		return fail(-ENOEXEC, err, errlen,
			    "%s: the multiboot 2 header has an address tag but no entry address "
			    "tag (type 3), and the file is not ELF: nothing says where to start",
			    img->path);
	if (entry >= MEM_FW_TOP)
		return fail(-ENOEXEC, err, errlen, "%s: the entry point 0x%" PRIx64 " lies above "
			    "4 GiB, beyond 32-bit protected mode", img->path, entry);
	for (int i = 0; i < img->nr_segs; i++)
		if (img->segs[i].gpa < load_base)
			load_base = img->segs[i].gpa;
	ret = bootinfo__begin(&b, img, o, "multiboot 2", err, errlen);
	if (ret == 0) {
		info = build_mbi(&b, load_base);
		ret = bootinfo__end(&b, img, o, entry, MB2_BOOT_MAGIC, info, "multiboot 2", err,
				    errlen);
	}
	if (ret == 0)
		snprintf(img->report, sizeof(img->report),
			 "multiboot 2 kernel (%s), entry 0x%" PRIx64 ", %d module%s, information "
			 "at 0x%" PRIx64, h.address ? "address tag" : "ELF", entry, b.nr_mods,
			 b.nr_mods == 1 ? "" : "s", info);
	bootinfo__free(&b);
	return ret;
}

static void mb2_entry(const struct image *img, const struct boot_options *o, struct cpu_entry *e)
{
	(void)o;
	*e = img->start;
}

const struct boot_protocol multiboot2_protocol = {
	.name = "multiboot 2 kernel",
	.detect = mb2_detect,
	.check = mb2_check,
	.plan = mb2_plan,
	.entry = mb2_entry,
};
