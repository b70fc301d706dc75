/*
 * dregs.c - the debug registers DR0-DR3 shared out at each resume
 * (dregs.h): debug-register watchpoints first, as they have no other way
 * to fire, then the Z1s, then the Z0s that have no int3; a breakpoint
 * left without one is compared by pc (breakpoints.c).  Then, before each
 * run, KVM's kvm_guest_debug from the assignment.
 */
#include "dregs.h"

#include <string.h>

#define DR7_FIXED	0x400ull	/* bit 10 reads as 1 */

void dregs__assign(struct bp_manager *bpm, struct watch_manager *wm)
{
	int next_dr = 0;

	for (int i = 0; i < wm->nr; i++) {
		struct watch *w = &wm->ws[i];

		w->dr = -1;
		if (w->use_dr && next_dr < BP_NR_DRS)
			w->dr = next_dr++;
	}
	for (int i = 0; i < bpm->nr; i++)
		bpm->bps[i].dr = -1;
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < bpm->nr && next_dr < BP_NR_DRS; i++) {
			struct bp *bp = &bpm->bps[i];

			if (bp->kind != (pass == 0 ? BP_HARDWARE : BP_SOFTWARE) || bp->placed)
				continue;
			bp->dr = next_dr++;
		}
	}
}

static void arm_watches(const struct watch_manager *wm, struct kvm_guest_debug *dbg)
{
	for (int i = 0; i < wm->nr; i++) {
		const struct watch *w = &wm->ws[i];
		uint64_t rw, lenbits;
		int dr = w->dr;

		if (dr < 0)
			continue;
		rw = w->kind == BP_WATCH_WRITE ? 1 : 3;
		/* LEN: 00 one byte, 01 two, 11 four, 10 eight. */
		lenbits = w->len == 1 ? 0 : w->len == 2 ? 1 : w->len == 8 ? 2 : 3;
		dbg->arch.debugreg[dr] = w->addr;
		dbg->arch.debugreg[7] |= (1ull << (2 * dr)) |
					 ((rw | lenbits << 2) << (16 + 4 * dr)) | DR7_FIXED;
		dbg->control |= KVM_GUESTDBG_USE_HW_BP;
	}
}

void dregs__arm(const struct bp_manager *bpm, const struct watch_manager *wm, bool step,
		struct kvm_guest_debug *dbg)
{
	memset(dbg, 0, sizeof(*dbg));
	dbg->control = KVM_GUESTDBG_ENABLE;
	for (int i = 0; i < bpm->nr; i++)
		if (bpm->bps[i].placed)
			dbg->control |= KVM_GUESTDBG_USE_SW_BP;
	arm_watches(wm, dbg);
	if (step) {
		/* Every stop at a breakpoint is found by comparing the pc. */
		dbg->control |= KVM_GUESTDBG_SINGLESTEP;
		return;
	}
	for (int i = 0; i < bpm->nr; i++) {
		const struct bp *bp = &bpm->bps[i];

		if (bp->dr < 0)
			continue;
		dbg->arch.debugreg[bp->dr] = bp->addr;
		/* L bit; R/W = 00 (execute) and LEN = 00 (1 byte) */
		dbg->arch.debugreg[7] |= 1ull << (2 * bp->dr) | DR7_FIXED;
		dbg->control |= KVM_GUESTDBG_USE_HW_BP;
	}
}

bool dregs__add_exec(struct kvm_guest_debug *dbg, uint64_t lin)
{
	for (int i = 0; i < BP_NR_DRS; i++) {
		if (dbg->arch.debugreg[7] & (3ull << (2 * i))) {
			if (dbg->arch.debugreg[i] == lin &&
			    !(dbg->arch.debugreg[7] & (0xFull << (16 + 4 * i))))
				return true;	/* already an execute breakpoint there */
			continue;
		}
		dbg->arch.debugreg[i] = lin;
		dbg->arch.debugreg[7] |= 1ull << (2 * i) | DR7_FIXED;	/* L, R/W 00, LEN 00 */
		dbg->control |= KVM_GUESTDBG_USE_HW_BP;
		return true;
	}
	return false;
}
