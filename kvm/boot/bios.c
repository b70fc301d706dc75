/*
 * bios.c - booting a disk as a PC does (boot.h): the image is a BIOS,
 * kvmstub's own (bios/bios.S, built into the daemon) or --bios FILE,
 * placed as raw firmware (raw.c); the CPU starts at its reset vector, and
 * the BIOS loads sector 0 of the boot drive to 0000:7C00 and jumps there
 * with DL = the drive (0x00 for --floppy, 0x80 for --disk).  Before the
 * guest runs, the boot drive's sector 0 is checked here for the boot
 * signature 0x55 0xAA at bytes 510-511, so that an image that cannot boot
 * is an error at start, not a BIOS message later.
 */
#include "boot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define fail boot__fail

/* The built-in BIOS, bios/bios.bin assembled into the daemon (bios_blob.S). */
extern const uint8_t kvmstub_bios[], kvmstub_bios_end[];

#define SECTOR		512

static bool bios_detect(const struct image *img)
{
	(void)img;
	return false;		/* chosen by the command line, never by content */
}

static int check_boot_sector(const struct image *img, const struct boot_options *o, char *err,
			     size_t errlen)
{
	const char *what = o->boot_floppy ? "--floppy" : "--disk";
	uint8_t sector[SECTOR];
	ssize_t n;
	int fd, ret;

	(void)img;
	if (!o->boot_drive_path)
		return fail(-EINVAL, err, errlen, "a BIOS boots a disk: give --disk FILE or "
			    "--floppy FILE");
	fd = open(o->boot_drive_path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		ret = -errno;
		return fail(ret, err, errlen, "%s %s: %s", what, o->boot_drive_path,
			    strerror(-ret));
	}
	n = pread(fd, sector, SECTOR, 0);
	ret = -errno;
	close(fd);
	if (n < 0)
		return fail(ret, err, errlen, "%s %s: cannot read sector 0: %s", what,
			    o->boot_drive_path, strerror(-ret));
	if (n < SECTOR)
		return fail(-ENOEXEC, err, errlen, "%s %s: %zd bytes, less than the 512-byte boot "
			    "sector", what, o->boot_drive_path, n);
	if (sector[510] != 0x55 || sector[511] != 0xAA)
		return fail(-ENOEXEC, err, errlen,
			    "%s %s: sector 0 is not a boot sector: bytes 510-511 are 0x%02x 0x%02x, "
			    "not the boot signature 0x55 0xaa", what, o->boot_drive_path,
			    sector[510], sector[511]);
	return 0;
}

static int bios_plan(struct image *img, const struct boot_options *o, char *err, size_t errlen)
{
	int ret;

	if (o->load_set)
		return fail(-EINVAL, err, errlen, "--load applies to raw images only, not to a BIOS");
	ret = raw_protocol.plan(img, o, err, errlen);
	if (ret)
		return ret;
	snprintf(img->report, sizeof(img->report), "boot sector of %s %s (drive 0x%02x), "
		 "loaded to 0000:7c00 by %s", o->boot_floppy ? "--floppy" : "--disk",
		 o->boot_drive_path ? o->boot_drive_path : "(none)", o->boot_floppy ? 0 : 0x80,
		 img->path);
	return 0;
}

int boot__open_bios(const char *path, struct image *img, char *err, size_t errlen)
{
	int ret;

	if (path)
		ret = image__read(path, img, err, errlen);
	else
		ret = image__from_memory("the built-in BIOS (guests/bios/bios.elf)", kvmstub_bios,
					 (size_t)(kvmstub_bios_end - kvmstub_bios), img, err, errlen);
	if (ret)
		return ret;
	img->proto = &bios_protocol;
	return 0;
}

const struct boot_protocol bios_protocol = {
	.name = "BIOS booting a disk",
	.detect = bios_detect,
	.plan = bios_plan,
	.check_start = check_boot_sector,
	.entry = boot__reset_entry,
};
