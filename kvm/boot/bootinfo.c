/*
 * bootinfo.c - the block a boot loader puts after the kernel (bootinfo.h):
 * modules, command lines, the GDT and the boot information.  Every size is
 * checked against the RAM before anything is read or placed.
 */
#include "bootinfo.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define fail boot__fail
#define PAGE	0x1000ull
#define MIB	0x100000ull

uint32_t bootinfo__le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void bootinfo__put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);	/* x86: little-endian */
}

void bootinfo__put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

int bootinfo__plan_flat(struct image *img, size_t off, uint32_t header_addr, uint32_t load_addr,
			uint32_t load_end, uint32_t bss_end, const char *what, char *err,
			size_t errlen)
{
	struct load_seg *seg = &img->segs[0];
	uint64_t file_start, len;

	if (load_addr > header_addr || header_addr - load_addr > off)
		return fail(-ENOEXEC, err, errlen,
			    "%s: %s: load_addr 0x%x and header_addr 0x%x put the start of the "
			    "load before the start of the file (the header is at offset 0x%zx)",
			    img->path, what, load_addr, header_addr, off);
	file_start = off - (header_addr - load_addr);
	if (load_end && load_end <= load_addr)
		return fail(-ENOEXEC, err, errlen,
			    "%s: %s: load_end_addr 0x%x is not above load_addr 0x%x",
			    img->path, what, load_end, load_addr);
	len = load_end ? (uint64_t)load_end - load_addr : img->size - file_start;
	if (file_start + len > img->size)
		return fail(-ENOEXEC, err, errlen,
			    "%s: %s: load_end_addr 0x%x runs past the end of the file (%zu bytes "
			    "from offset 0x%" PRIx64 " are loaded at 0x%x)", img->path, what,
			    load_end, img->size, file_start, load_addr);
	if (bss_end && bss_end < load_addr + len)
		return fail(-ENOEXEC, err, errlen,
			    "%s: %s: bss_end_addr 0x%x lies below the end of the loaded bytes 0x%"
			    PRIx64, img->path, what, bss_end, load_addr + len);
	seg->gpa = load_addr;
	seg->offset = (size_t)file_start;
	seg->filesz = (size_t)len;
	seg->memsz = bss_end ? bss_end - load_addr : (size_t)len;
	img->nr_segs = 1;
	return 0;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

int bootinfo__memory_map(uint64_t ram_size, uint64_t fw_size, struct bootinfo_range *r, int max)
{
	struct bootinfo_range all[BOOTINFO_MAX_RANGES] = {
		{ 0, BOOTINFO_EBDA, BOOTINFO_RAM },
		{ BOOTINFO_EBDA, 0xA0000 - BOOTINFO_EBDA, BOOTINFO_RESERVED },
		{ MEM_FW_ALIAS_BASE, MEM_FW_ALIAS_SIZE, BOOTINFO_RESERVED },
		{ MIB, ram_size > MIB ? ram_size - MIB : 0, BOOTINFO_RAM },
		{ MEM_FW_TOP - fw_size, fw_size, BOOTINFO_RESERVED },
	};
	int n = 0;

	for (int i = 0; i < BOOTINFO_MAX_RANGES; i++)
		if (all[i].len && n < max)
			r[n++] = all[i];
	return n;
}

uint32_t bootinfo__mem_upper_kib(uint64_t ram_size)
{
	return ram_size > MIB ? (uint32_t)((ram_size - MIB) >> 10) : 0;
}

uint64_t bootinfo__alloc(struct bootinfo *b, size_t len, size_t align)
{
	size_t at = (size_t)(align_up(b->base + b->size, align) - b->base);

	if (at + len > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		uint8_t *p;

		while (cap < at + len)
			cap *= 2;
		p = realloc(b->buf, cap);
		if (!p)
			return 0;
		memset(p + b->cap, 0, cap - b->cap);
		b->buf = p;
		b->cap = cap;
	}
	b->size = at + len;
	return b->base + at;
}

void *bootinfo__at(struct bootinfo *b, uint64_t gpa)
{
	return b->buf + (gpa - b->base);
}

static uint64_t put_string(struct bootinfo *b, const char *a, const char *c)
{
	size_t la = strlen(a), lc = c ? strlen(c) : 0;
	uint64_t gpa = bootinfo__alloc(b, la + (c ? 1 + lc : 0) + 1, 1);
	char *p;

	if (!gpa)
		return 0;
	p = bootinfo__at(b, gpa);
	memcpy(p, a, la);
	if (c) {
		p[la] = ' ';
		memcpy(p + la + 1, c, lc);
	}
	return gpa;
}

/* The kernel's segments must be RAM the kernel may use. */
static int check_segments(const struct image *img, const struct boot_options *o,
			  const char *what, uint64_t *end, char *err, size_t errlen)
{
	*end = MIB;
	for (int i = 0; i < img->nr_segs; i++) {
		const struct load_seg *s = &img->segs[i];
		uint64_t last = s->gpa + s->memsz;

		if ((s->gpa < MEM_FW_ALIAS_BASE + MEM_FW_ALIAS_SIZE && last > MEM_FW_ALIAS_BASE) ||
		    last > o->mem_size)
			return fail(-EINVAL, err, errlen,
				    "%s: the %s kernel's segment at 0x%" PRIx64 "-0x%" PRIx64
				    " does not fit the memory: RAM is 0x0-0xdffff and 0x100000-0x%"
				    PRIx64 " (--memory %" PRIu64 "M)", img->path, what, s->gpa,
				    last - 1, o->mem_size - 1, o->mem_size >> 20);
		if (last > *end)
			*end = last;
	}
	return 0;
}

int bootinfo__begin(struct bootinfo *b, const struct image *img, const struct boot_options *o,
		    const char *what, char *err, size_t errlen)
{
	static const uint64_t gdt[3] = { 0, 0x00cf9a000000ffffull, 0x00cf92000000ffffull };
	uint64_t end;
	int ret;

	memset(b, 0, sizeof(*b));
	b->ram_size = o->mem_size;
	ret = check_segments(img, o, what, &end, err, errlen);
	if (ret)
		return ret;
	b->base = align_up(end, PAGE);
	if (o->nr_modules > BOOT_MAX_MODULES)
		return fail(-EINVAL, err, errlen, "--module: at most %d modules", BOOT_MAX_MODULES);
	for (int i = 0; i < o->nr_modules; i++) {
		const struct boot_module *m = &o->modules[i];
		uint64_t at = align_up(b->base + b->size, PAGE);
		uint8_t *data;
		size_t size;
		uint64_t gpa;

		ret = image__read_blob(m->path, "--module", at < o->mem_size ? o->mem_size - at : 0,
				       &data, &size, err, errlen);
		if (ret)
			return ret;
		gpa = bootinfo__alloc(b, size, PAGE);
		if (gpa)
			memcpy(bootinfo__at(b, gpa), data, size);
		free(data);
		if (!gpa)
			return fail(-ENOMEM, err, errlen, "--module %s: out of memory", m->path);
		b->mods[i].start = gpa;
		b->mods[i].end = gpa + size;
		b->nr_mods = i + 1;
	}
	/* The strings and the GDT follow the modules, on a page of their own. */
	bootinfo__alloc(b, 0, PAGE);
	for (int i = 0; i < b->nr_mods; i++)
		b->mods[i].string = put_string(b, o->modules[i].path, o->modules[i].args);
	b->cmdline = put_string(b, img->path, o->append);
	b->loader_name = put_string(b, BOOTINFO_LOADER_NAME, NULL);
	b->gdt = bootinfo__alloc(b, sizeof(gdt), 8);
	if (!b->cmdline || !b->loader_name || !b->gdt)
		return fail(-ENOMEM, err, errlen, "out of memory for the boot information");
	memcpy(bootinfo__at(b, b->gdt), gdt, sizeof(gdt));
	b->nr_map = bootinfo__memory_map(o->mem_size, boot__fw_size(img), b->map,
					 BOOTINFO_MAX_RANGES);
	return 0;
}

int bootinfo__end(struct bootinfo *b, struct image *img, const struct boot_options *o,
		  uint64_t entry, uint32_t magic, uint64_t info, const char *what, char *err,
		  size_t errlen)
{
	struct load_seg *seg;

	if (!info)
		return fail(-ENOMEM, err, errlen, "out of memory for the boot information");
	if (b->base + b->size > o->mem_size)
		return fail(-EINVAL, err, errlen,
			    "%s: the %s kernel (up to 0x%" PRIx64 "), its modules and the boot "
			    "information need memory up to 0x%" PRIx64 "; RAM ends at 0x%" PRIx64
			    " (--memory %" PRIu64 "M): give more --memory", img->path, what,
			    b->base - 1, b->base + b->size - 1, o->mem_size - 1, o->mem_size >> 20);
	if (img->nr_segs == BOOT_MAX_SEGS)
		return fail(-EINVAL, err, errlen, "%s: too many segments", img->path);
	seg = &img->segs[img->nr_segs++];
	seg->gpa = b->base;
	seg->offset = 0;
	seg->filesz = seg->memsz = b->size;
	seg->src = b->buf;
	free(img->extra);
	img->extra = b->buf;
	img->extra_size = b->size;
	b->buf = NULL;
	img->start = (struct cpu_entry){
		.pm32 = true, .cs_sel = BOOTINFO_CS, .ds_sel = BOOTINFO_DS,
		.ip = entry, .gdt_base = (uint32_t)b->gdt, .gdt_limit = 3 * 8 - 1,
		.eax = magic, .ebx = (uint32_t)info,
	};
	return 0;
}

void bootinfo__free(struct bootinfo *b)
{
	free(b->buf);
	b->buf = NULL;
}
