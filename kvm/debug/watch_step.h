/*
 * watch_step.h - watchpoints served by stepping (watch_step.c): before a
 * stepped instruction, the memory it will access (cpu/insn_access.h) and
 * the watched bytes; after it, the watchpoint it hit.
 */
#ifndef KVMSTUB_WATCH_STEP_H
#define KVMSTUB_WATCH_STEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../cpu/insn_access.h"
#include "view.h"
#include "watch.h"

/* One vCPU's look at the watched memory around one instruction. */
struct watch_look {
	bool armed;			/* before() was done for the current run */
	struct insn_access acc[INSN_ACCESS_MAX];
	int nacc;			/* < 0: the decoder cannot say; only bytes count */
	int len;			/* the instruction's length, when known */
	uint64_t rip, rsp, ss_base;	/* before it */
	bool paging;			/* ... with paging on (else linear is physical) */
	uint8_t *bytes;			/* each stepping watchpoint's bytes before, in turn */
	size_t cap;
};

/* Before the instruction at the pc runs.  Returns true when it is a rep
 * string instruction whose turns reach a watched range: the caller then
 * runs it one turn at a time (step.c) and looks again, so that the hit is
 * reported after the turn that made it. */
bool watch_step__before(const struct dview *d, struct watch_look *lk);
/* After it ran: the first watchpoint it hit (an access of a matching
 * kind that overlaps a watched range, or watched bytes that changed), or
 * NULL.  Bytes that changed count when the decoder does not know the
 * instruction or an event was delivered during the step (its frame holds
 * the instruction's address); else they are the CPU's own (a page walk's
 * accessed bits), which x86 data breakpoints do not report either.
 * Disarms the look. */
const struct watch *watch_step__after(const struct dview *d, struct watch_look *lk);
/* Is access a one that hits w: sure (not INSN_MAYBE), of w's kind (a
 * write for watch, a read for rwatch, either for awatch), on w's linear
 * range (with paging off, on its guest-physical pieces too: the
 * firmware's two views are one)?  The record log's read watchpoints
 * (record/replay_reads.c) decide as the live ones do. */
bool watch_step__hit(const struct watch *w, const struct insn_access *a, bool paging);
void watch_step__free(struct watch_look *lk);

#endif
