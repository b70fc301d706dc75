/*
 * pagetable.h - "monitor pagetable": every mapped linear range of the
 * current page tables, merged into lines a person can read.
 */
#ifndef KVMSTUB_PAGETABLE_H
#define KVMSTUB_PAGETABLE_H

#include <stddef.h>

#include "target.h"

/* Bounds: tables read per walk, and ranges listed. */
#define PAGETABLE_MAX_TABLES	1024
#define PAGETABLE_MAX_LINES	64

/*
 * Walk CR3's tables of vCPU cpu (4-level or 5-level long mode, PAE, or
 * 32-bit paging) through t->ops->read_mem(TARGET_PHYSICAL) and write the
 * mapped ranges into out: contiguous linear pages with contiguous
 * physical addresses, the same permissions and the same page size make
 * one line.  Says so when paging is off, and when the walk or the list
 * was cut short by the bounds above.  Returns the length, or -errno.
 */
int pagetable__show(struct target *t, int cpu, char *out, size_t cap);

#endif
