/*
 * pages.h - guest memory kept by snapshots (pages.c): an image is one
 * pointer per page of guest memory (memory.h numbers them), each to a
 * shared, counted copy of the page as the guest sees it, or NULL for a
 * page of zeroes.  Images share every page they have in common: taking a
 * new image from an old one copies only the pages written since.
 */
#ifndef KVMSTUB_PAGES_H
#define KVMSTUB_PAGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../debug/breakpoints.h"
#include "../mem/memory.h"

struct snap_page {
	uint32_t refs;
	uint32_t seen;			/* mem_image__count's mark */
	uint8_t data[MEM_PAGE];
};

struct mem_image {
	uint64_t nr;			/* pages (memory's nr_pages) */
	struct snap_page **pg;		/* NULL: all zeroes */
};

/* nr pages, all zero.  0 or -ENOMEM. */
int mem_image__init(struct mem_image *im, uint64_t nr);
void mem_image__free(struct mem_image *im);
/* dst (freed first) shares every page of src.  0 or -ENOMEM. */
int mem_image__clone(struct mem_image *dst, const struct mem_image *src);
/* Page i of im from guest memory as gdb sees it (our int3s hidden): kept
 * when it holds the same bytes, else a new copy (NULL for zeroes).
 * 1 when a page was copied, 0 when not, -ENOMEM. */
int mem_image__take(struct mem_image *im, uint64_t i, struct memory *mem,
		    const struct bp_manager *bpm);
/* Every page of dirty (nr bits) taken so; *copied counts the new pages.
 * 0 or -ENOMEM (im then holds what it could take; the rest stay dirty in
 * dirty). */
int mem_image__sync(struct mem_image *im, uint64_t *dirty, struct memory *mem,
		    const struct bp_manager *bpm, uint64_t *copied);
/* Page i of im into guest memory (under our int3s, which stay). */
void mem_image__put(const struct mem_image *im, uint64_t i, struct memory *mem,
		    struct bp_manager *bpm);
/* Page i as bytes (NULL: zeroes). */
static inline const uint8_t *mem_image__data(const struct mem_image *im, uint64_t i)
{
	return im->pg[i] ? im->pg[i]->data : NULL;
}
/* Pages of im no other image shares but also (NULL: none), and pages that
 * are not zero. */
void mem_image__count(const struct mem_image *im, const struct mem_image *also, uint64_t *own,
		      uint64_t *nonzero);
/* Pages of the images ims[0 .. n-1] together, each shared page once. */
uint64_t mem_image__distinct(struct mem_image *const *ims, int n);
/* Page p's reference, shared with im (for a new image built page by page). */
void mem_image__share(struct mem_image *im, uint64_t i, struct snap_page *p);
/* A new page of these bytes (NULL for zeroes, *err -ENOMEM when out of memory). */
struct snap_page *mem_image__page(const uint8_t *bytes, int *err);

#endif
