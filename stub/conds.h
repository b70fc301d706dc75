/*
 * conds.h - the conditions gdb attached to its breakpoints (";X" lists of
 * Z0/Z1 packets), kept per breakpoint and evaluated when it is hit, so a
 * breakpoint whose conditions are all false never reaches gdb.
 *
 * A breakpoint with no entry here is reported at every hit.  That is also
 * what happens to a condition the daemon cannot evaluate (an opcode it
 * does not implement, a limit below exceeded, a full table): gdb
 * evaluates every breakpoint condition again itself when it is told of a
 * hit, so the breakpoint still stops exactly where it should, only more
 * slowly.
 */
#ifndef KVMSTUB_CONDS_H
#define KVMSTUB_CONDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent.h"
#include "target.h"

#define CONDS_MAX_BPS		32	/* breakpoints with conditions */
#define CONDS_MAX_PER_BP	8	/* conditions of one breakpoint */
#define CONDS_POOL		2048	/* bytecode bytes of one breakpoint's conditions */

/* One breakpoint's conditions: it stops when any of them is true. */
struct cond_bp {
	bool used;
	enum target_bp_kind kind;	/* BP_SOFTWARE or BP_HARDWARE */
	uint64_t addr;
	int nr;
	uint16_t off[CONDS_MAX_PER_BP], len[CONDS_MAX_PER_BP];
	uint8_t code[CONDS_POOL];
};

struct conds {
	struct cond_bp bp[CONDS_MAX_BPS];
	int nr_used;
};

void conds__clear(struct conds *c);

/*
 * Parse the condition list of a Z packet: what follows "Zt,addr,kind",
 * either nothing or ";X len,HEX" with more "X len,HEX" after it (gdb
 * writes them back to back; a ';' between them is accepted too).  Fills
 * out for kind and addr.  0 when every condition can be evaluated here
 * (out->nr is 0 for an empty list); -EOPNOTSUPP when the list is well
 * formed but one condition cannot be (why says which and why; register
 * numbers are those of layout, NULL: i386); -EINVAL
 * when the text is malformed.
 */
int conds__parse(const char *p, const char *end, enum target_bp_kind kind, uint64_t addr,
		 const struct regs_layout *layout, struct cond_bp *out, char *why, size_t why_len);

/* Keep bp's conditions, replacing any of the same breakpoint; a bp with
 * no condition just removes them.  0, or -ENOSPC when the table is full
 * (the breakpoint then has none: every hit is reported). */
int conds__store(struct conds *c, const struct cond_bp *bp);
void conds__remove(struct conds *c, enum target_bp_kind kind, uint64_t addr);
const struct cond_bp *conds__find(const struct conds *c, enum target_bp_kind kind,
				  uint64_t addr);

/* Whether the breakpoint stops: true when any condition is non-zero or
 * fails to evaluate (unreadable memory, division by zero: shown to the
 * user rather than hidden).  *err gets the first failure, or 0. */
bool conds__eval(const struct cond_bp *bp, struct agent_ctx *ctx, int *err);

#endif
