/*
 * load.c - an image's planned segments into guest memory, and the size of
 * the firmware window it needs (loader.h).
 */
#include "loader.h"

#include <errno.h>
#include <stdio.h>

uint64_t loader__fw_size(const struct image *img)
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

int loader__load(const struct image *img, struct memory *mem, char *err, size_t errlen)
{
	for (int i = 0; i < img->nr_segs; i++) {
		const struct load_seg *s = &img->segs[i];
		static const uint8_t zeroes[4096];
		size_t done;

		done = memory__write(mem, s->gpa, img->data + s->offset, s->filesz);
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
