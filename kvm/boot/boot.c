/*
 * boot.c - the table of boot protocols (boot.h), and what every protocol
 * shares: planning, loading into guest memory, the reset vector.
 */
#include "boot.h"

#include <errno.h>
#include <stdio.h>

/* Asked in order: raw, last, takes whatever is left. */
static const struct boot_protocol *const protocols[] = {
	&multiboot1_protocol,
	&multiboot2_protocol,
	&bios_protocol,
	&elf_protocol,
	&raw_protocol,
};

const struct boot_protocol *boot__detect(const struct image *img)
{
	for (size_t i = 0; i < sizeof(protocols) / sizeof(protocols[0]); i++)
		if (protocols[i]->detect(img))
			return protocols[i];
	return &raw_protocol;
}

int boot__plan(struct image *img, const struct boot_options *o, char *err, size_t errlen)
{
	int ret;

	img->nr_segs = 0;
	if (!img->data || !img->size || !img->proto)
		return boot__fail(-EINVAL, err, errlen, "no image loaded");
	ret = img->proto->plan(img, o, err, errlen);
	if (ret == 0 && img->proto->check_start)
		ret = img->proto->check_start(img, o, err, errlen);
	if (ret)
		img->nr_segs = 0;
	return ret;
}

int boot__open(const char *path, struct image *img, char *err, size_t errlen)
{
	int ret = image__read(path, img, err, errlen);

	if (ret)
		return ret;
	img->proto = boot__detect(img);
	ret = img->proto->check ? img->proto->check(img, err, errlen) : 0;
	if (ret)
		image__free(img);
	return ret;
}

void boot__close(struct image *img)
{
	image__free(img);
}

void boot__entry(const struct image *img, const struct boot_options *o, struct cpu_entry *e)
{
	if (img && img->proto)
		img->proto->entry(img, o, e);
	else
		boot__reset_entry(img, o, e);
}

uint64_t boot__fw_size(const struct image *img)
{
	uint64_t size = MEM_FW_MIN;

	for (int i = 0; i < img->nr_segs; i++) {
		const struct load_seg *s = &img->segs[i];

		if (s->gpa >= MEM_RAM_MAX && s->gpa < MEM_FW_TOP) {
			uint64_t need = (MEM_FW_TOP - s->gpa + 0xfff) & ~0xfffull;

			if (need > size)
				size = need;
		}
	}
	return size > MEM_FW_MAX ? MEM_FW_MAX : size;
}

int boot__load(const struct image *img, struct memory *mem, char *err, size_t errlen)
{
	for (int i = 0; i < img->nr_segs; i++) {
		const struct load_seg *s = &img->segs[i];
		static const uint8_t zeroes[4096];
		size_t done;

		done = memory__write(mem, s->gpa, s->src ? s->src : img->data + s->offset,
				     s->filesz);
		for (size_t z = s->filesz; done == z && z < s->memsz; ) {
			size_t n = s->memsz - z < sizeof(zeroes) ? s->memsz - z : sizeof(zeroes);

			done += memory__write(mem, s->gpa + z, zeroes, n);
			z += n;
		}
		if (done < s->memsz) {
			char map[160];

			memory__describe(mem, map, sizeof(map));
			snprintf(err, errlen,
				 "image segment at 0x%llx-0x%llx is outside guest memory "
				 "(at 0x%llx); %s",
				 (unsigned long long)s->gpa,
				 (unsigned long long)(s->gpa + s->memsz - 1),
				 (unsigned long long)(s->gpa + done), map);
			return -EINVAL;
		}
	}
	return 0;
}
