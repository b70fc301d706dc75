/*
 * loader.c - read a guest image (raw firmware or ELF) and plan where its
 * bytes go in guest-physical memory.  The file is untrusted input: every
 * size and offset is checked before it is used, in 64-bit arithmetic that
 * cannot wrap, and nothing is ever read past the bytes actually in memory.
 *
 * Error codes: -errno from open/fstat/read (-ENOENT, -EACCES, -EISDIR...),
 * -EINVAL for an empty or non-regular file, -EFBIG for a file over the
 * limits, -ENOEXEC for an ELF file that is not a well-formed x86 executable.
 */
#include "loader.h"

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

/* One program header, whatever the file's class. */
struct phdr {
	uint32_t type;
	uint64_t offset, paddr, filesz, memsz;
};

__attribute__((format(printf, 4, 5)))
static int fail(int ret, char *err, size_t errlen, const char *fmt, ...)
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

static bool is_elf64(const struct image *img)
{
	return img->data[EI_CLASS] == ELFCLASS64;
}

/* Fixed-width little-endian loads: the file gives no alignment promise. */
static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* Field offsets come from <elf.h>'s structs; values are decoded as LE. */
#define EH32(img, f)	((img)->data + offsetof(Elf32_Ehdr, f))
#define EH64(img, f)	((img)->data + offsetof(Elf64_Ehdr, f))

static uint64_t elf_phoff(const struct image *img)
{
	return is_elf64(img) ? le64(EH64(img, e_phoff)) : le32(EH32(img, e_phoff));
}

static unsigned int elf_phnum(const struct image *img)
{
	return is_elf64(img) ? le16(EH64(img, e_phnum)) : le16(EH32(img, e_phnum));
}

/* Header i, which elf_check() proved lies inside the file. */
static void elf_phdr(const struct image *img, unsigned int i, struct phdr *ph)
{
	const uint8_t *p;

	if (is_elf64(img)) {
		p = img->data + elf_phoff(img) + (uint64_t)i * sizeof(Elf64_Phdr);
		ph->type = le32(p + offsetof(Elf64_Phdr, p_type));
		ph->offset = le64(p + offsetof(Elf64_Phdr, p_offset));
		ph->paddr = le64(p + offsetof(Elf64_Phdr, p_paddr));
		ph->filesz = le64(p + offsetof(Elf64_Phdr, p_filesz));
		ph->memsz = le64(p + offsetof(Elf64_Phdr, p_memsz));
	} else {
		p = img->data + elf_phoff(img) + (uint64_t)i * sizeof(Elf32_Phdr);
		ph->type = le32(p + offsetof(Elf32_Phdr, p_type));
		ph->offset = le32(p + offsetof(Elf32_Phdr, p_offset));
		ph->paddr = le32(p + offsetof(Elf32_Phdr, p_paddr));
		ph->filesz = le32(p + offsetof(Elf32_Phdr, p_filesz));
		ph->memsz = le32(p + offsetof(Elf32_Phdr, p_memsz));
	}
}

static int elf_check_ident(const char *path, const struct image *img, char *err, size_t errlen)
{
	const uint8_t *id = img->data;
	size_t need;
	uint16_t machine, type;

	if (img->size < EI_NIDENT)
		return fail(-ENOEXEC, err, errlen, "%s: truncated ELF file (%zu bytes)",
			    path, img->size);
	if (id[EI_CLASS] != ELFCLASS32 && id[EI_CLASS] != ELFCLASS64)
		return fail(-ENOEXEC, err, errlen,
			    "%s: not a 32-bit or 64-bit x86 ELF file (ELF class %u)",
			    path, id[EI_CLASS]);
	if (id[EI_DATA] != ELFDATA2LSB)
		return fail(-ENOEXEC, err, errlen,
			    "%s: not a 32-bit or 64-bit x86 ELF file (not little-endian)", path);
	if (id[EI_VERSION] != EV_CURRENT)
		return fail(-ENOEXEC, err, errlen, "%s: unknown ELF version %u",
			    path, id[EI_VERSION]);
	need = is_elf64(img) ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
	if (img->size < need)
		return fail(-ENOEXEC, err, errlen,
			    "%s: truncated ELF header (%zu bytes, need %zu)",
			    path, img->size, need);

	machine = le16(is_elf64(img) ? EH64(img, e_machine) : EH32(img, e_machine));
	if (machine != EM_386 && machine != EM_X86_64)
		return fail(-ENOEXEC, err, errlen,
			    "%s: not a 32-bit or 64-bit x86 ELF file (e_machine %u)",
			    path, machine);
	type = le16(is_elf64(img) ? EH64(img, e_type) : EH32(img, e_type));
	if (type == ET_REL)
		return fail(-ENOEXEC, err, errlen,
			    "%s: ELF relocatable object (ET_REL), not an executable: link it first",
			    path);
	if (type != ET_EXEC && type != ET_DYN)
		return fail(-ENOEXEC, err, errlen, "%s: ELF type %u is not an executable",
			    path, type);
	return 0;
}

static int elf_check_phdrs(const char *path, const struct image *img, char *err, size_t errlen)
{
	uint64_t phoff = elf_phoff(img), limit;
	unsigned int i, phnum = elf_phnum(img);
	size_t entsz = is_elf64(img) ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	unsigned int phentsize;
	struct phdr ph;

	phentsize = le16(is_elf64(img) ? EH64(img, e_phentsize) : EH32(img, e_phentsize));
	if (phnum == 0)
		return fail(-ENOEXEC, err, errlen, "%s: ELF file has no program headers", path);
	if (phnum == PN_XNUM)
		return fail(-ENOEXEC, err, errlen,
			    "%s: ELF file uses extended program header numbering (unsupported)",
			    path);
	if (phentsize != entsz)
		return fail(-ENOEXEC, err, errlen,
			    "%s: ELF program header size is %u, expected %zu",
			    path, phentsize, entsz);
	/* phnum * entsz <= 65534 * 56: no overflow; phoff is checked first. */
	if (phoff > img->size || (uint64_t)phnum * entsz > img->size - phoff)
		return fail(-ENOEXEC, err, errlen,
			    "%s: ELF program headers (%u at offset 0x%" PRIx64
			    ") lie beyond the end of the file (%zu bytes)",
			    path, phnum, phoff, img->size);

	/* A 32-bit file describes a 32-bit physical address space. */
	limit = is_elf64(img) ? UINT64_MAX : UINT32_MAX;
	for (i = 0; i < phnum; i++) {
		elf_phdr(img, i, &ph);
		if (ph.type != PT_LOAD)
			continue;
		if (ph.offset > img->size || ph.filesz > img->size - ph.offset)
			return fail(-ENOEXEC, err, errlen,
				    "%s: ELF segment %u (offset 0x%" PRIx64 ", 0x%" PRIx64
				    " bytes) lies beyond the end of the file (%zu bytes)",
				    path, i, ph.offset, ph.filesz, img->size);
		if (ph.filesz > ph.memsz)
			return fail(-ENOEXEC, err, errlen,
				    "%s: ELF segment %u has p_filesz 0x%" PRIx64
				    " > p_memsz 0x%" PRIx64, path, i, ph.filesz, ph.memsz);
		if (ph.memsz && ph.memsz - 1 > limit - ph.paddr)
			return fail(-ENOEXEC, err, errlen,
				    "%s: ELF segment %u (paddr 0x%" PRIx64 ", 0x%" PRIx64
				    " bytes) overflows the address space",
				    path, i, ph.paddr, ph.memsz);
	}
	return 0;
}

/* The interpreter's path, if the segment holds a printable C string. */
static void elf_interp(struct image *img, const struct phdr *ph)
{
	size_t n;

	img->has_interp = true;
	if (ph->offset > img->size || ph->filesz > img->size - ph->offset ||
	    ph->filesz < 2 || ph->filesz > sizeof(img->interp))
		return;
	n = (size_t)ph->filesz - 1;
	if (img->data[ph->offset + n] != '\0')
		return;
	for (size_t i = 0; i < n; i++)
		if (img->data[ph->offset + i] < 0x20 || img->data[ph->offset + i] > 0x7e)
			return;
	memcpy(img->interp, img->data + ph->offset, n + 1);
}

/* What the header and program headers say about what starts the file. */
static void elf_traits(struct image *img)
{
	unsigned int i, phnum = elf_phnum(img);
	struct phdr ph;

	img->entry = is_elf64(img) ? le64(EH64(img, e_entry)) : le32(EH32(img, e_entry));
	img->elf_type = le16(is_elf64(img) ? EH64(img, e_type) : EH32(img, e_type));
	for (i = 0; i < phnum; i++) {
		elf_phdr(img, i, &ph);
		if (ph.type == PT_INTERP && !img->has_interp)
			elf_interp(img, &ph);
		else if (ph.type == PT_TLS)
			img->tls = true;
	}
}

static int elf_check(const char *path, struct image *img, char *err, size_t errlen)
{
	int ret;

	ret = elf_check_ident(path, img, err, errlen);
	if (ret)
		return ret;
	ret = elf_check_phdrs(path, img, err, errlen);
	if (ret)
		return ret;
	elf_traits(img);
	return 0;
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
		return fail(-EFBIG, err, errlen,
			    "%s: ELF file is %" PRIu64 " bytes; at most %u bytes (%u MiB) are read",
			    path, size, LOADER_ELF_MAX, LOADER_ELF_MAX >> 20);
	return fail(-EFBIG, err, errlen,
		    "%s: image is %" PRIu64 " bytes; a raw image may be at most %u bytes "
		    "(%u MiB: the firmware window, at the top of 4 GiB)",
		    path, size, LOADER_RAW_MAX, LOADER_RAW_MAX >> 20);
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
		return fail(ret, err, errlen, "%s: %s", path, strerror(-ret));
	}
	if (S_ISDIR(st.st_mode))
		return fail(-EISDIR, err, errlen, "%s: %s", path, strerror(EISDIR));
	if (!S_ISREG(st.st_mode))
		return fail(-EINVAL, err, errlen, "%s: not a regular file", path);
	if (st.st_size <= 0)
		return fail(-EINVAL, err, errlen, "%s: empty image (0 bytes)", path);
	size = (uint64_t)st.st_size;

	/* Peek at the magic before allocating: the limits differ. */
	elf = size >= SELFMAG && read_exact(fd, magic, SELFMAG, 0) == 0 &&
	      is_elf(magic, SELFMAG);
	if (size > (elf ? LOADER_ELF_MAX : LOADER_RAW_MAX))
		return too_big(path, size, elf, err, errlen);

	img->data = malloc(size);
	if (!img->data)
		return fail(-ENOMEM, err, errlen, "%s: cannot allocate %" PRIu64 " bytes",
			    path, size);
	img->size = size;
	ret = read_exact(fd, img->data, size, 0);
	if (ret == -EIO)
		return fail(ret, err, errlen, "%s: file shrank while being read", path);
	if (ret)
		return fail(ret, err, errlen, "%s: read failed: %s", path, strerror(-ret));
	/* It may have changed between the peek and the read. */
	img->elf = is_elf(img->data, img->size);
	if (img->elf != elf)
		return fail(-EIO, err, errlen, "%s: file changed while being read", path);
	return 0;
}

int loader__open(const char *path, struct image *img, char *err, size_t errlen)
{
	int fd, ret;

	memset(img, 0, sizeof(*img));
	img->path = path;
	/* O_NONBLOCK: opening a FIFO must not hang; it is refused below. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		ret = -errno;
		return fail(ret, err, errlen, "%s: %s", path, strerror(-ret));
	}
	ret = read_file(path, fd, img, err, errlen);
	close(fd);
	if (!ret && img->elf)
		ret = elf_check(path, img, err, errlen);
	if (ret)
		loader__close(img);
	return ret;
}

static int plan_raw(struct image *img, bool load_set, uint64_t load_addr,
		    char *err, size_t errlen)
{
	struct load_seg *seg = &img->segs[0];

	if (!load_set) {
		/*
		 * Up to 128 KiB (the part also seen below 1 MiB) any size is
		 * firmware, down to a few hand-assembled bytes.  Beyond, real
		 * firmware is flash, whole 4 KiB sectors (QEMU's pflash wants
		 * the same, its -bios a multiple of 64 KiB): another size is
		 * most likely not firmware at all (a kernel, a disk image).
		 */
		if (img->size > MEM_FW_ALIAS_SIZE && img->size % LOADER_FW_SECTOR)
			return fail(-EINVAL, err, errlen,
				    "%s: %zu bytes is not a whole number of 4 KiB flash "
				    "sectors, as raw firmware over 128 KiB must be (QEMU's "
				    "pflash asks the same, its -bios a multiple of 64 KiB): "
				    "is it firmware?", img->path, img->size);
		seg->gpa = MEM_FW_TOP - img->size;
	} else {
		if (load_addr >= MEM_FW_TOP || img->size > MEM_FW_TOP - load_addr)
			return fail(-EINVAL, err, errlen,
				    "--load 0x%" PRIx64 ": a %zu-byte image there would end "
				    "past 4 GiB", load_addr, img->size);
		seg->gpa = load_addr;
	}
	seg->offset = 0;
	seg->filesz = img->size;
	seg->memsz = img->size;
	img->nr_segs = 1;
	return 0;
}

static bool overlaps(const struct load_seg *a, const struct load_seg *b)
{
	/* Both end at most at 4 GiB (checked), so the sums cannot wrap. */
	return a->gpa < b->gpa + b->memsz && b->gpa < a->gpa + a->memsz;
}

static int plan_elf(struct image *img, char *err, size_t errlen)
{
	unsigned int i, phnum = elf_phnum(img);
	struct load_seg *seg;
	struct phdr ph;
	int j;

	for (i = 0; i < phnum; i++) {
		elf_phdr(img, i, &ph);
		if (ph.type != PT_LOAD || ph.memsz == 0)
			continue;
		if (img->nr_segs == LOADER_MAX_SEGS)
			return fail(-EINVAL, err, errlen,
				    "ELF file has more than %d loadable segments", LOADER_MAX_SEGS);
		if (ph.paddr >= MEM_FW_TOP || ph.memsz > MEM_FW_TOP - ph.paddr)
			return fail(-EINVAL, err, errlen,
				    "ELF segment %u (paddr 0x%" PRIx64 ", 0x%" PRIx64
				    " bytes) ends past 4 GiB", i, ph.paddr, ph.memsz);
		seg = &img->segs[img->nr_segs];
		seg->gpa = ph.paddr;
		seg->offset = (size_t)ph.offset;	/* <= img->size (checked) */
		seg->filesz = (size_t)ph.filesz;
		seg->memsz = (size_t)ph.memsz;		/* < 4 GiB here */
		for (j = 0; j < img->nr_segs; j++)
			if (overlaps(seg, &img->segs[j]))
				return fail(-EINVAL, err, errlen,
					    "ELF segment %u (paddr 0x%" PRIx64
					    ") overlaps another loadable segment", i, ph.paddr);
		img->nr_segs++;
	}
	if (img->nr_segs == 0)
		return fail(-EINVAL, err, errlen, "ELF file has no loadable segment (PT_LOAD)");
	return 0;
}

int loader__plan(struct image *img, bool load_set, uint64_t load_addr,
		 char *err, size_t errlen)
{
	int ret;

	img->nr_segs = 0;
	if (!img->data || !img->size)
		return fail(-EINVAL, err, errlen, "no image loaded");
	if (!img->elf)
		return plan_raw(img, load_set, load_addr, err, errlen);
	if (load_set)
		return fail(-EINVAL, err, errlen,
			    "--load applies to raw images only; an ELF file is placed by its "
			    "program headers");
	ret = plan_elf(img, err, errlen);
	if (ret)
		img->nr_segs = 0;
	return ret;
}

/* Does a planned segment load bytes of the file at gpa? */
static bool loads_file_at(const struct image *img, uint64_t gpa)
{
	for (int i = 0; i < img->nr_segs; i++) {
		const struct load_seg *s = &img->segs[i];

		if (gpa >= s->gpa && gpa - s->gpa < s->filesz)
			return true;
	}
	return false;
}

/* The firmware's last 128 KiB are seen twice: the other address of gpa there. */
static uint64_t fw_other_view(uint64_t gpa)
{
	const uint64_t top = MEM_FW_TOP - MEM_FW_ALIAS_SIZE;

	if (gpa >= MEM_FW_ALIAS_BASE && gpa - MEM_FW_ALIAS_BASE < MEM_FW_ALIAS_SIZE)
		return top + (gpa - MEM_FW_ALIAS_BASE);
	if (gpa >= top && gpa < MEM_FW_TOP)
		return MEM_FW_ALIAS_BASE + (gpa - top);
	return gpa;
}

/* Near the reset vector: in either view of the largest firmware window. */
static bool near_reset(uint64_t addr)
{
	return (addr >= MEM_FW_ALIAS_BASE && addr < MEM_FW_ALIAS_BASE + MEM_FW_ALIAS_SIZE) ||
	       (addr >= MEM_FW_TOP - LOADER_RAW_MAX && addr < MEM_FW_TOP);
}

/* "0xf0000-0xf00ff, 0x100000-0x102fff, ..." into buf: where the planned segments go. */
static void describe_segs(const struct image *img, char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = '\0';
	for (int i = 0; i < img->nr_segs && at < len; i++) {
		const struct load_seg *s = &img->segs[i];
		int n;

		if (i == 3) {
			snprintf(buf + at, len - at, ", ...");
			return;
		}
		n = snprintf(buf + at, len - at, "%s0x%" PRIx64 "-0x%" PRIx64, i ? ", " : "",
			     s->gpa, s->gpa + (s->memsz ? s->memsz - 1 : 0));
		if (n < 0)
			return;
		at += (size_t)n;
	}
}

#define START_TAIL \
	"; kvmstub boots raw firmware, or an ELF file that loads code at the reset vector; " \
	"starting an ELF file at its entry point (a boot protocol such as multiboot) is " \
	"not supported yet"

int loader__check_start(const struct image *img, uint64_t reset_fetch, char *err, size_t errlen)
{
	const char *path = img->path ? img->path : "image";
	const char *style = reset_fetch == LOADER_RESET_ARCH ? "architectural" : "legacy";
	char segs[160];

	if (!img->elf)
		return 0;
	/* Even where its segments reach the reset vector: it cannot run alone. */
	if (img->has_interp)
		return fail(-ENOEXEC, err, errlen,
			    "%s: a dynamically linked program (its interpreter is %s), which runs "
			    "under an operating system, not on a bare machine" START_TAIL,
			    path, img->interp[0] ? img->interp : "named in PT_INTERP");
	if (loads_file_at(img, reset_fetch) || loads_file_at(img, fw_other_view(reset_fetch)))
		return 0;
	if (img->elf_type == ET_DYN)
		return fail(-ENOEXEC, err, errlen,
			    "%s: position-independent code (ELF type ET_DYN: a shared library or "
			    "a PIE program, placed by an operating system's loader) that loads "
			    "nothing at the reset vector 0x%" PRIx64 " (--reset %s)" START_TAIL,
			    path, reset_fetch, style);
	if (img->tls)
		return fail(-ENOEXEC, err, errlen,
			    "%s: a program for an operating system (it has thread-local storage, "
			    "PT_TLS), with entry point 0x%" PRIx64 " and nothing loaded at the "
			    "reset vector 0x%" PRIx64 " (--reset %s)" START_TAIL,
			    path, img->entry, reset_fetch, style);
	describe_segs(img, segs, sizeof(segs));
	if (!near_reset(img->entry))
		return fail(-ENOEXEC, err, errlen,
			    "%s: nothing is loaded at the reset vector 0x%" PRIx64 " (--reset %s), "
			    "where the CPU starts (the segments load %s), and the entry point 0x%"
			    PRIx64 " is far from it: a kernel that a boot loader starts, or a "
			    "program for an operating system" START_TAIL,
			    path, reset_fetch, style, segs, img->entry);
	return fail(-ENOEXEC, err, errlen,
		    "%s: nothing is loaded at the reset vector 0x%" PRIx64 " (--reset %s), "
		    "where the CPU starts (the segments load %s): link 16 bytes of code there, "
		    "a jump to the entry point 0x%" PRIx64 START_TAIL,
		    path, reset_fetch, style, segs, img->entry);
}

void loader__close(struct image *img)
{
	free(img->data);
	memset(img, 0, sizeof(*img));
}
