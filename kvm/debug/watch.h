/*
 * watch.h - the watchpoint manager (watch.c): gdb's Z2, Z3 and Z4, exact,
 * of any length: debug registers where the host fires them, else the guest
 * single-stepped with each instruction's accesses decoded (watch_step.c).
 */
#ifndef KVMSTUB_WATCH_H
#define KVMSTUB_WATCH_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../../stub/target.h"
#include "../cpu/cpu.h"
#include "../host/probe.h"
#include "../mem/memory.h"

#define WATCH_MAX		256
#define WATCH_MAX_LEN		(64ull << 10)	/* one watchpoint covers at most 64 KiB */
#define WATCH_MAX_PIECES	40	/* pages of one watchpoint, times their views */

/* A watched range's bytes on one guest-physical page. */
struct watch_piece {
	uint64_t gpa, len;
};

/* A watchpoint gdb asked for (Z2, Z3, Z4); see watch.c. */
struct watch {
	enum target_bp_kind kind;	/* BP_WATCH_WRITE, _READ or _ACCESS */
	uint64_t addr, len;		/* linear, as gdb inserted it */
	bool use_dr;			/* a debug register, else stepping */
	int dr;				/* debug register for this run, or -1 */
	struct watch_piece pieces[WATCH_MAX_PIECES];	/* stepping: where its bytes are */
	int nr_pieces;
};

struct watch_manager {
	struct watch ws[WATCH_MAX];
	int nr;
	bool dr_ok;			/* DR data breakpoints fired in every mode (probe) */
	FILE *log;
};

void watch__init(struct watch_manager *wm, const struct host_caps *caps, FILE *log);
const char *watch__describe(const struct watch_manager *wm);
/* One line per watchpoint: where it is and the mechanism serving it. */
int watch__describe_each(const struct watch_manager *wm, char *buf, size_t len);
/* Insert a watchpoint at a linear address, translated with c's paging
 * into mem's pieces.  hw_bps: Z1s holding a debug register (a
 * debug-register watchpoint must fit beside them).  -EINVAL when no
 * guest memory is mapped there. */
int watch__insert(struct watch_manager *wm, struct cpu *c, struct memory *mem,
		  enum target_bp_kind kind, uint64_t addr, uint64_t len, int hw_bps);
int watch__remove(struct watch_manager *wm, enum target_bp_kind kind, uint64_t addr,
		  uint64_t len);
void watch__remove_all(struct watch_manager *wm);
/* Debug registers the watchpoints hold (they count against Z1's four). */
int watch__nr_dr(const struct watch_manager *wm);
/* Whether a watchpoint is served by stepping: the guest single-steps. */
bool watch__stepping(const struct watch_manager *wm);
/* The watchpoint whose debug register fired (DR6), or NULL. */
const struct watch *watch__by_dr(const struct watch_manager *wm, uint64_t dr6);

#endif
