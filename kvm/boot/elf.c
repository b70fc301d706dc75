/*
 * elf.c - the ELF boot protocol (boot.h): an x86 ELF executable (32- or
 * 64-bit) placed by its PT_LOAD program headers' physical addresses, which
 * must load code where the CPU starts after reset.  Every size and offset
 * is checked before it is used, in 64-bit arithmetic that cannot wrap.
 */
#include "boot.h"

#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define fail boot__fail

/* One program header, whatever the file's class. */
struct phdr {
	uint32_t type;
	uint64_t offset, vaddr, paddr, filesz, memsz;
};


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
		ph->vaddr = le64(p + offsetof(Elf64_Phdr, p_vaddr));
		ph->paddr = le64(p + offsetof(Elf64_Phdr, p_paddr));
		ph->filesz = le64(p + offsetof(Elf64_Phdr, p_filesz));
		ph->memsz = le64(p + offsetof(Elf64_Phdr, p_memsz));
	} else {
		p = img->data + elf_phoff(img) + (uint64_t)i * sizeof(Elf32_Phdr);
		ph->type = le32(p + offsetof(Elf32_Phdr, p_type));
		ph->offset = le32(p + offsetof(Elf32_Phdr, p_offset));
		ph->vaddr = le32(p + offsetof(Elf32_Phdr, p_vaddr));
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

int elf__check(struct image *img, char *err, size_t errlen)
{
	const char *path = img->path;
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

static bool overlaps(const struct load_seg *a, const struct load_seg *b)
{
	/* Both end at most at 4 GiB (checked), so the sums cannot wrap. */
	return a->gpa < b->gpa + b->memsz && b->gpa < a->gpa + a->memsz;
}

int elf__plan(struct image *img, char *err, size_t errlen)
{
	unsigned int i, phnum = elf_phnum(img);
	struct load_seg *seg;
	struct phdr ph;
	int j;

	for (i = 0; i < phnum; i++) {
		elf_phdr(img, i, &ph);
		if (ph.type != PT_LOAD || ph.memsz == 0)
			continue;
		if (img->nr_segs == BOOT_MAX_SEGS)
			return fail(-EINVAL, err, errlen,
				    "ELF file has more than %d loadable segments", BOOT_MAX_SEGS);
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
	       (addr >= MEM_FW_TOP - BOOT_RAW_MAX && addr < MEM_FW_TOP);
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
	"; kvmstub boots raw firmware, an ELF file that loads code at the reset vector, or a " \
	"multiboot kernel (a multiboot 1 or 2 header in its first 8 or 32 KiB) at its entry point"

static int check_start(const struct image *img, uint64_t reset_fetch, char *err, size_t errlen)
{
	const char *path = img->path ? img->path : "image";
	const char *style = reset_fetch == BOOT_RESET_ARCH ? "architectural" : "legacy";
	char segs[160];

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


bool elf__is_elf(const struct image *img)
{
	return img->size >= SELFMAG && memcmp(img->data, ELFMAG, SELFMAG) == 0;
}

/* e_entry is a virtual address: where a PT_LOAD segment's virtual range
 * holds it, the same offset in its physical range (a higher-half kernel
 * links at 0xC0100000 and loads at 0x100000, as GRUB computes it). */
uint64_t elf__entry_phys(const struct image *img)
{
	unsigned int phnum = elf_phnum(img);
	struct phdr ph;

	for (unsigned int i = 0; i < phnum; i++) {
		elf_phdr(img, i, &ph);
		if (ph.type == PT_LOAD && img->entry >= ph.vaddr &&
		    img->entry - ph.vaddr < ph.memsz)
			return img->entry - ph.vaddr + ph.paddr;
	}
	return img->entry;
}

static int elf_plan(struct image *img, const struct boot_options *o, char *err, size_t errlen)
{
	if (o->load_set)
		return fail(-EINVAL, err, errlen,
			    "--load applies to raw images only; an ELF file is placed by its "
			    "program headers");
	return elf__plan(img, err, errlen);
}

static int elf_check_start(const struct image *img, const struct boot_options *o, char *err,
			   size_t errlen)
{
	return check_start(img, boot__reset_fetch(o), err, errlen);
}

const struct boot_protocol elf_protocol = {
	.name = "ELF",
	.detect = elf__is_elf,
	.check = elf__check,
	.plan = elf_plan,
	.check_start = elf_check_start,
	.entry = boot__reset_entry,
};
