/*
 * raw.c - raw firmware (boot.h): any image that no other protocol claims
 * is firmware, ending at 4 GiB (its last 128 KiB also seen below 1 MiB),
 * and the CPU starts at the reset vector; with --load ADDR it is one
 * segment at ADDR, started there in real mode.
 */
#include "boot.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#define fail boot__fail

static int raw_plan(struct image *img, const struct boot_options *o, char *err, size_t errlen)
{
	struct load_seg *seg = &img->segs[0];

	if (!o->load_set) {
		/*
		 * Up to 128 KiB (the part also seen below 1 MiB) any size is
		 * firmware, down to a few hand-assembled bytes.  Beyond, real
		 * firmware is flash, whole 4 KiB sectors (QEMU's pflash wants
		 * the same, its -bios a multiple of 64 KiB): another size is
		 * most likely not firmware at all (a kernel, a disk image).
		 */
		if (img->size > MEM_FW_ALIAS_SIZE && img->size % BOOT_FW_SECTOR)
			return fail(-EINVAL, err, errlen,
				    "%s: %zu bytes is not a whole number of 4 KiB flash "
				    "sectors, as raw firmware over 128 KiB must be (QEMU's "
				    "pflash asks the same, its -bios a multiple of 64 KiB): "
				    "is it firmware?", img->path, img->size);
		seg->gpa = MEM_FW_TOP - img->size;
	} else {
		if (o->load_addr >= MEM_FW_TOP || img->size > MEM_FW_TOP - o->load_addr)
			return fail(-EINVAL, err, errlen,
				    "--load 0x%" PRIx64 ": a %zu-byte image there would end "
				    "past 4 GiB", o->load_addr, img->size);
		seg->gpa = o->load_addr;
	}
	seg->offset = 0;
	seg->filesz = img->size;
	seg->memsz = img->size;
	img->nr_segs = 1;
	return 0;
}

/* With --load: real mode at the image, CS:IP with IP below 64 KiB. */
static void raw_entry(const struct image *img, const struct boot_options *o, struct cpu_entry *e)
{
	boot__reset_entry(img, o, e);
	if (o->load_set) {
		e->cs_sel = (uint16_t)((o->load_addr >> 4) & 0xF000);
		e->cs_base = (uint64_t)e->cs_sel << 4;
		e->ip = o->load_addr - e->cs_base;
	}
}

static bool raw_detect(const struct image *img)
{
	(void)img;
	return true;	/* whatever no other protocol claims */
}

const struct boot_protocol raw_protocol = {
	.name = "raw firmware",
	.detect = raw_detect,
	.plan = raw_plan,
	.entry = raw_entry,
};
