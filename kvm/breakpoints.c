/*
 * breakpoints.c - the breakpoint manager: gdb's Z0 and Z1 served by what
 * this host's KVM really does (measured by the probe at start-up).
 *
 * Z1 (hardware) breakpoints are the four debug registers DR0-DR3, execute
 * kind, and a fifth is refused.  Z0 (software) breakpoints are
 *  - an int3 byte (0xCC) in guest memory, when KVM intercepts int3 with
 *    KVM_GUESTDBG_USE_SW_BP in every CPU mode (hosts with VMX/SVM);
 *  - otherwise a debug register that no Z1 uses, and when there are more
 *    Z0s than free registers, single-stepping while comparing the pc with
 *    each breakpoint address (slow, so only while such breakpoints exist).
 * The debug registers are handed out again at each resume (bp__assign):
 * Z1s first, so a Z1 is never refused because Z0s hold registers.  Debug
 * registers are per vCPU: every vCPU arms the same ones.
 *
 * The manager is changed by the main thread while the vCPUs are parked and
 * only read by the vCPU threads while they run.
 */
#include <errno.h>
#include <string.h>

#include "machine_priv.h"

#define INT3		0xCC
#define DR7_FIXED	0x400ull	/* bit 10 reads as 1 */

void bp__init(struct bp_manager *bpm, const struct host_caps *caps)
{
	bool all = true;

	memset(bpm, 0, sizeof(*bpm));
	for (int i = 0; i < PROBE_NR_MODES; i++)
		all = all && caps->sw_bp_intercepted[i];
	bpm->use_int3 = all;
	bpm->blockirq = caps->blockirq;
}

const char *bp__describe_sw(const struct bp_manager *bpm)
{
	if (bpm->use_int3)
		return "software breakpoints: int3 (intercepted with KVM_GUESTDBG_USE_SW_BP)";
	return "software breakpoints: debug registers, then single-step compare "
	       "(int3 not intercepted on this host)";
}

struct bp *bp__find_at(struct bp_manager *bpm, uint64_t addr)
{
	for (int i = 0; i < bpm->nr; i++)
		if (bpm->bps[i].addr == addr)
			return &bpm->bps[i];
	return NULL;
}

static struct bp *find(struct bp_manager *bpm, enum target_bp_kind kind, uint64_t addr)
{
	for (int i = 0; i < bpm->nr; i++)
		if (bpm->bps[i].kind == kind && bpm->bps[i].addr == addr)
			return &bpm->bps[i];
	return NULL;
}

static int count(const struct bp_manager *bpm, enum target_bp_kind kind)
{
	int n = 0;

	for (int i = 0; i < bpm->nr; i++)
		n += bpm->bps[i].kind == kind;
	return n;
}

/* Write the int3 for a Z0 at a linear address, saving the byte under it. */
static int place_int3(struct machine *m, struct bp *bp)
{
	uint64_t gpa;
	uint8_t *host;

	if (cpu_state__translate(&m->vcpus[0], bp->addr, &gpa) < 0)
		return -EINVAL;
	host = memory__host(&m->mem, gpa, NULL);
	if (!host)
		return -EINVAL;
	/* Another Z0 may already sit on the same byte through an alias. */
	for (int i = 0; i < m->bpm.nr; i++) {
		struct bp *o = &m->bpm.bps[i];

		if (o != bp && o->placed && o->host == host) {
			bp->orig = o->orig;
			bp->host = host;
			bp->placed = true;
			return 0;
		}
	}
	bp->host = host;
	bp->orig = *host;
	*host = INT3;
	bp->placed = true;
	return 0;
}

static void unplace_int3(struct bp_manager *bpm, struct bp *bp)
{
	if (!bp->placed)
		return;
	bp->placed = false;
	for (int i = 0; i < bpm->nr; i++)
		if (bpm->bps[i].placed && bpm->bps[i].host == bp->host)
			return;		/* still needed by an alias */
	/* Only undo our own byte: the guest may have overwritten it since. */
	if (*bp->host == INT3)
		*bp->host = bp->orig;
}

int bp__insert(struct machine *m, enum target_bp_kind kind, uint64_t addr, uint64_t len)
{
	struct bp_manager *bpm = &m->bpm;
	struct bp *bp;
	int r;

	if (kind != BP_SOFTWARE && kind != BP_HARDWARE)
		return -EOPNOTSUPP;	/* watchpoints: not yet */
	if (len > 1)
		return -EINVAL;
	if (find(bpm, kind, addr))
		return -EEXIST;
	/* Refused before anything changes: the four inserted stay as they are. */
	if (kind == BP_HARDWARE && count(bpm, BP_HARDWARE) + watch__nr_dr(&m->wm) >= BP_NR_DRS)
		return -ENOSPC;
	if (bpm->nr >= BP_MAX)
		return -ENOSPC;
	bp = &bpm->bps[bpm->nr];
	memset(bp, 0, sizeof(*bp));
	bp->kind = kind;
	bp->addr = addr;
	bp->dr = -1;
	if (kind == BP_SOFTWARE && bpm->use_int3) {
		bpm->nr++;	/* visible to place_int3's alias search */
		r = place_int3(m, bp);
		if (r < 0) {
			bpm->nr--;
			return r;
		}
		return 0;
	}
	bpm->nr++;
	return 0;
}

int bp__remove(struct machine *m, enum target_bp_kind kind, uint64_t addr, uint64_t len)
{
	struct bp_manager *bpm = &m->bpm;
	struct bp *bp;

	(void)len;
	if (kind != BP_SOFTWARE && kind != BP_HARDWARE)
		return -EOPNOTSUPP;
	bp = find(bpm, kind, addr);
	if (!bp)
		return -ENOENT;
	unplace_int3(bpm, bp);
	*bp = bpm->bps[--bpm->nr];
	return 0;
}

void bp__remove_all(struct machine *m)
{
	struct bp_manager *bpm = &m->bpm;

	while (bpm->nr > 0) {
		struct bp *bp = &bpm->bps[bpm->nr - 1];

		unplace_int3(bpm, bp);
		bpm->nr--;
	}
}

/* True when Z0s must be served by stepping and comparing the pc. */
static bool need_compare(const struct bp_manager *bpm)
{
	return !bpm->use_int3 && bpm->nr > BP_NR_DRS;
}

void bp__assign(struct bp_manager *bpm, struct watch_manager *wm)
{
	int next_dr = 0;

	for (int i = 0; i < bpm->nr; i++)
		bpm->bps[i].dr = -1;
	/* Z1s first, then debug-register watchpoints, then the Z0s that have no int3. */
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1)
			watch__assign(wm, &next_dr);
		for (int i = 0; i < bpm->nr && next_dr < BP_NR_DRS; i++) {
			struct bp *bp = &bpm->bps[i];

			if (bp->kind != (pass == 0 ? BP_HARDWARE : BP_SOFTWARE) || bp->placed)
				continue;
			bp->dr = next_dr++;
		}
	}
}

bool bp__arm(struct bp_manager *bpm, struct watch_manager *wm, bool step,
	     struct kvm_guest_debug *dbg)
{
	bool compare = need_compare(bpm);

	memset(dbg, 0, sizeof(*dbg));
	dbg->control = KVM_GUESTDBG_ENABLE;
	for (int i = 0; i < bpm->nr; i++)
		if (bpm->bps[i].placed)
			dbg->control |= KVM_GUESTDBG_USE_SW_BP;
	/* Debug-register watchpoints fire during steps too. */
	watch__arm(wm, dbg);
	if (step || compare) {
		/* Every stop at a breakpoint is found by comparing the pc. */
		dbg->control |= KVM_GUESTDBG_SINGLESTEP;
		if (bpm->blockirq && !bpm->step_irq)
			dbg->control |= KVM_GUESTDBG_BLOCKIRQ;
		return compare;
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
	return false;
}

struct bp *bp__by_dr(struct bp_manager *bpm, uint64_t dr6)
{
	for (int i = 0; i < bpm->nr; i++) {
		struct bp *bp = &bpm->bps[i];

		if (bp->dr >= 0 && (dr6 & (1ull << bp->dr)))
			return bp;
	}
	return NULL;
}

void bp__shadow_read(const struct bp_manager *bpm, const uint8_t *host, uint8_t *buf,
		     size_t len)
{
	for (int i = 0; i < bpm->nr; i++) {
		const struct bp *bp = &bpm->bps[i];

		if (bp->placed && bp->host >= host && bp->host < host + len)
			buf[bp->host - host] = bp->orig;
	}
}

void bp__shadow_write(struct bp_manager *bpm, uint8_t *host, const uint8_t *buf, size_t len)
{
	memcpy(host, buf, len);
	for (int i = 0; i < bpm->nr; i++) {
		struct bp *bp = &bpm->bps[i];

		if (bp->placed && bp->host >= host && bp->host < host + len) {
			bp->orig = buf[bp->host - host];
			*bp->host = INT3;
		}
	}
}
