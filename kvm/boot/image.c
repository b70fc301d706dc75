/*
 * image.c - reading a guest image (boot.h), and what every protocol uses:
 * the message helper, the reset vector.  The file is untrusted input: its size is checked before it is
 * read, and nothing is read past the bytes actually in memory.
 *
 * Error codes: -errno from open/fstat/read (-ENOENT, -EACCES, -EISDIR...),
 * -EINVAL for an empty or non-regular file, -EFBIG for a file over the
 * limits, -ENOEXEC for a file its protocol finds malformed.
 */
#include "boot.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int boot__fail(int ret, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

static bool is_elf(const uint8_t *data, size_t size)
{
	return size >= SELFMAG && memcmp(data, ELFMAG, SELFMAG) == 0;
}

/* Exactly len bytes at offset, or -errno (-EIO when the file shrank). */
static int read_exact(int fd, uint8_t *buf, size_t len, off_t offset)
{
	ssize_t n;

	while (len) {
		n = pread(fd, buf, len, offset);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		buf += n;
		len -= (size_t)n;
		offset += n;
	}
	return 0;
}

static int too_big(const char *path, uint64_t size, bool elf, char *err, size_t errlen)
{
	if (elf)
		return boot__fail(-EFBIG, err, errlen,
			    "%s: ELF file is %" PRIu64 " bytes; at most %u bytes (%u MiB) are read",
			    path, size, BOOT_ELF_MAX, BOOT_ELF_MAX >> 20);
	return boot__fail(-EFBIG, err, errlen,
		    "%s: image is %" PRIu64 " bytes; a raw image may be at most %u bytes "
		    "(%u MiB: the firmware window, at the top of 4 GiB)",
		    path, size, BOOT_RAW_MAX, BOOT_RAW_MAX >> 20);
}

/* Read the whole file into img; the size limit depends on the magic. */
static int read_file(const char *path, int fd, struct image *img, char *err, size_t errlen)
{
	uint8_t magic[SELFMAG];
	struct stat st;
	uint64_t size;
	bool elf;
	int ret;

	if (fstat(fd, &st) < 0) {
		ret = -errno;
		return boot__fail(ret, err, errlen, "%s: %s", path, strerror(-ret));
	}
	if (S_ISDIR(st.st_mode))
		return boot__fail(-EISDIR, err, errlen, "%s: %s", path, strerror(EISDIR));
	if (!S_ISREG(st.st_mode))
		return boot__fail(-EINVAL, err, errlen, "%s: not a regular file", path);
	if (st.st_size <= 0)
		return boot__fail(-EINVAL, err, errlen, "%s: empty image (0 bytes)", path);
	size = (uint64_t)st.st_size;

	/* Peek at the magic before allocating: the limits differ. */
	elf = size >= SELFMAG && read_exact(fd, magic, SELFMAG, 0) == 0 &&
	      is_elf(magic, SELFMAG);
	if (size > (elf ? BOOT_ELF_MAX : BOOT_RAW_MAX))
		return too_big(path, size, elf, err, errlen);

	img->data = malloc(size);
	if (!img->data)
		return boot__fail(-ENOMEM, err, errlen, "%s: cannot allocate %" PRIu64 " bytes",
			    path, size);
	img->size = size;
	ret = read_exact(fd, img->data, size, 0);
	if (ret == -EIO)
		return boot__fail(ret, err, errlen, "%s: file shrank while being read", path);
	if (ret)
		return boot__fail(ret, err, errlen, "%s: read failed: %s", path, strerror(-ret));
	/* It may have changed between the peek and the read. */
	if (is_elf(img->data, img->size) != elf)
		return boot__fail(-EIO, err, errlen, "%s: file changed while being read", path);
	return 0;
}

int image__read(const char *path, struct image *img, char *err, size_t errlen)
{
	int fd, ret;

	memset(img, 0, sizeof(*img));
	img->path = path;
	/* O_NONBLOCK: opening a FIFO must not hang; it is refused below. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		ret = -errno;
		return boot__fail(ret, err, errlen, "%s: %s", path, strerror(-ret));
	}
	ret = read_file(path, fd, img, err, errlen);
	close(fd);
	if (ret)
		image__free(img);
	return ret;
}

void image__free(struct image *img)
{
	free(img->data);
	free(img->extra);
	memset(img, 0, sizeof(*img));
}

int image__from_memory(const char *name, const uint8_t *data, size_t size, struct image *img,
		       char *err, size_t errlen)
{
	memset(img, 0, sizeof(*img));
	img->path = name;
	img->data = malloc(size ? size : 1);
	if (!img->data)
		return boot__fail(-ENOMEM, err, errlen, "%s: cannot allocate %zu bytes", name, size);
	memcpy(img->data, data, size);
	img->size = size;
	return 0;
}

int image__read_blob(const char *path, const char *what, uint64_t max, uint8_t **data,
		     size_t *size, char *err, size_t errlen)
{
	struct stat st;
	int fd, ret;

	*data = NULL;
	*size = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		ret = -errno;
		return boot__fail(ret, err, errlen, "%s %s: %s", what, path, strerror(-ret));
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		ret = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		close(fd);
		return boot__fail(ret, err, errlen, "%s %s: %s", what, path,
				  ret == -EISDIR ? strerror(EISDIR) : "not a regular file");
	}
	if ((uint64_t)st.st_size > max) {
		close(fd);
		return boot__fail(-EFBIG, err, errlen,
				  "%s %s: %" PRIu64 " bytes do not fit the memory left for it "
				  "(%" PRIu64 " bytes)", what, path, (uint64_t)st.st_size, max);
	}
	*size = (size_t)st.st_size;
	*data = malloc(*size ? *size : 1);
	if (!*data) {
		close(fd);
		return boot__fail(-ENOMEM, err, errlen, "%s %s: cannot allocate %zu bytes", what,
				  path, *size);
	}
	ret = read_exact(fd, *data, *size, 0);
	close(fd);
	if (ret) {
		free(*data);
		*data = NULL;
		return boot__fail(ret, err, errlen, "%s %s: %s", what, path,
				  ret == -EIO ? "file shrank while being read" : strerror(-ret));
	}
	return 0;
}

uint64_t boot__reset_fetch(const struct boot_options *o)
{
	return o->reset_arch ? BOOT_RESET_ARCH : BOOT_RESET_LEGACY;
}

/* The reset vector: CS f000 with its base at 0xF0000 (legacy) or
 * 0xFFFF0000 (architectural), IP 0xFFF0. */
void boot__reset_entry(const struct image *img, const struct boot_options *o, struct cpu_entry *e)
{
	(void)img;
	e->cs_sel = 0xF000;
	e->cs_base = o->reset_arch ? 0xFFFF0000 : 0xF0000;
	e->ip = 0xFFF0;
}
