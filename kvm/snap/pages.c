/*
 * pages.c - snapshots' pages of guest memory (pages.h): shared, counted
 * copies of 4 KiB pages, and images that point at them.
 *
 * Taking an image from the last one: a page the dirty log says was not
 * written is shared as it is; a written page is compared with the copy it
 * had (a write may leave the bytes as they were) and copied only when it
 * differs.  So a second snapshot of a 16 MiB guest costs the pages its
 * guest changed, not 16 MiB.  Pages of zeroes are NULL: a guest's unused
 * RAM costs nothing.  Copies are of memory as gdb sees it, our int3s
 * hidden (bp__shadow_read), and go back under them (bp__shadow_write).
 */
#include "pages.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool is_zero(const uint8_t *p)
{
	static const uint8_t zero[64];

	for (size_t off = 0; off < MEM_PAGE; off += sizeof(zero))
		if (memcmp(p + off, zero, sizeof(zero)))
			return false;
	return true;
}

static void drop(struct snap_page *p)
{
	if (p && --p->refs == 0)
		free(p);
}

int mem_image__init(struct mem_image *im, uint64_t nr)
{
	im->pg = calloc(nr ? nr : 1, sizeof(im->pg[0]));
	im->nr = im->pg ? nr : 0;
	return im->pg ? 0 : -ENOMEM;
}

void mem_image__free(struct mem_image *im)
{
	for (uint64_t i = 0; im->pg && i < im->nr; i++)
		drop(im->pg[i]);
	free(im->pg);
	im->pg = NULL;
	im->nr = 0;
}

int mem_image__clone(struct mem_image *dst, const struct mem_image *src)
{
	struct mem_image n;

	if (mem_image__init(&n, src->nr) < 0)
		return -ENOMEM;
	for (uint64_t i = 0; i < src->nr; i++) {
		n.pg[i] = src->pg[i];
		if (n.pg[i])
			n.pg[i]->refs++;
	}
	mem_image__free(dst);
	*dst = n;
	return 0;
}

struct snap_page *mem_image__page(const uint8_t *bytes, int *err)
{
	struct snap_page *p;

	*err = 0;
	if (is_zero(bytes))
		return NULL;
	p = malloc(sizeof(*p));
	if (!p) {
		*err = -ENOMEM;
		return NULL;
	}
	p->refs = 1;
	p->seen = 0;
	memcpy(p->data, bytes, MEM_PAGE);
	return p;
}

void mem_image__share(struct mem_image *im, uint64_t i, struct snap_page *p)
{
	if (p)
		p->refs++;
	drop(im->pg[i]);
	im->pg[i] = p;
}

int mem_image__take(struct mem_image *im, uint64_t i, struct memory *mem,
		    const struct bp_manager *bpm)
{
	const uint8_t *host = memory__page(mem, i);
	uint8_t buf[MEM_PAGE];
	struct snap_page *p;
	int err;

	if (!host || i >= im->nr)
		return 0;
	memcpy(buf, host, MEM_PAGE);
	bp__shadow_read(bpm, host, buf, MEM_PAGE);
	if (im->pg[i] ? !memcmp(im->pg[i]->data, buf, MEM_PAGE) : is_zero(buf))
		return 0;
	p = mem_image__page(buf, &err);
	if (err < 0)
		return err;
	drop(im->pg[i]);
	im->pg[i] = p;
	return p ? 1 : 0;
}

int mem_image__sync(struct mem_image *im, uint64_t *dirty, struct memory *mem,
		    const struct bp_manager *bpm, uint64_t *copied)
{
	*copied = 0;
	for (uint64_t w = 0; w < (im->nr + 63) / 64; w++) {
		while (dirty[w]) {
			uint64_t i = w * 64 + (uint64_t)__builtin_ctzll(dirty[w]);
			int r = i < im->nr ? mem_image__take(im, i, mem, bpm) : 0;

			if (r < 0)
				return r;
			*copied += (uint64_t)r;
			dirty[w] &= dirty[w] - 1;
		}
	}
	return 0;
}

void mem_image__put(const struct mem_image *im, uint64_t i, struct memory *mem,
		    struct bp_manager *bpm)
{
	static const uint8_t zero[MEM_PAGE];
	uint8_t *host = memory__page(mem, i);

	if (!host || i >= im->nr)
		return;
	bp__shadow_write(bpm, host, im->pg[i] ? im->pg[i]->data : zero, MEM_PAGE);
	memory__touched(mem, host, MEM_PAGE);
}

void mem_image__count(const struct mem_image *im, const struct mem_image *also, uint64_t *own,
		      uint64_t *nonzero)
{
	*own = *nonzero = 0;
	for (uint64_t i = 0; i < im->nr; i++) {
		const struct snap_page *p = im->pg[i];

		if (!p)
			continue;
		(*nonzero)++;
		*own += p->refs - (also && i < also->nr && also->pg[i] == p) == 1;
	}
}

uint64_t mem_image__distinct(struct mem_image *const *ims, int n)
{
	uint64_t total = 0;

	for (int k = 0; k < n; k++)
		for (uint64_t i = 0; i < ims[k]->nr; i++)
			if (ims[k]->pg[i])
				ims[k]->pg[i]->seen = 0;
	for (int k = 0; k < n; k++) {
		for (uint64_t i = 0; i < ims[k]->nr; i++) {
			struct snap_page *p = ims[k]->pg[i];

			if (p && !p->seen) {
				p->seen = 1;
				total++;
			}
		}
	}
	return total;
}
