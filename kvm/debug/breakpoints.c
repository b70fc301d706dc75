/*
 * breakpoints.c - the breakpoint manager: gdb's Z0 and Z1 served by what
 * this host's KVM really does (measured by the probe at start-up).
 *
 * Z1 (hardware) breakpoints are the four debug registers DR0-DR3, execute
 * kind, as many as are free; beyond them a Z1 is served as a Z0 without a
 * debug register would be (an int3 where the host stops at one, else
 * single-stepping and comparing the pc), so gdb may insert as many as the
 * user sets (it makes every breakpoint in firmware a Z1: the memory map
 * says ROM).  Z0 (software) breakpoints are
 *  - an int3 byte (0xCC) in guest memory, when KVM intercepts int3 with
 *    KVM_GUESTDBG_USE_SW_BP in every CPU mode (hosts with VMX/SVM);
 *  - otherwise a debug register that no Z1 uses, and when there are more
 *    Z0s than free registers, single-stepping while comparing the pc with
 *    each breakpoint address (slow, so only while such breakpoints exist).
 * The debug registers are handed out again at each resume (dregs.c):
 * Z1s first, so a Z1 is never refused because Z0s hold registers.  Debug
 * registers are per vCPU: every vCPU arms the same ones.
 *
 * monitor sw-break (bp__set_sw_mech) overrides that choice: `dr` never
 * writes an int3; `int3` writes one wherever this host stops at it, which
 * includes hosts that do not intercept int3 but fail to emulate it with the
 * RIP at the int3 (run_loop.c, KVM_EXIT_INTERNAL_ERROR).  Where the host
 * does neither in the CPU mode vCPU 0 is in when gdb inserts the breakpoint
 * (real mode on nested kvm-pvm: the int3 would go to the guest's IVT), that
 * breakpoint takes a debug register instead.  gdb inserts its breakpoints
 * again at every resume, so they become int3s once the CPU has left real
 * mode.  An int3 placed in protected mode that the guest then executes
 * back in real mode reaches the guest: that is the price of forcing int3.
 *
 * Guests own their memory.  The 0xCC of a placed breakpoint is "ours" only
 * while the byte is still 0xCC: a guest that copies or rewrites code over
 * it has removed it.  Such a breakpoint no longer stops (there is no int3
 * to hit), memory reads show the guest's byte, and removing it restores
 * nothing.  The one case this cannot tell apart: a guest that writes 0xCC
 * itself over our int3 (its int3 is then taken for ours).
 *
 * The manager is changed by the main thread while the vCPUs are parked and
 * only read by the vCPU threads while they run.
 */
#include "breakpoints.h"

#include <errno.h>
#include <string.h>

#include "../host/log.h"

#define INT3		0xCC

void bp__init(struct bp_manager *bpm, const struct host_caps *caps, FILE *log)
{
	bool all = true;

	memset(bpm, 0, sizeof(*bpm));
	for (int i = 0; i < PROBE_NR_MODES; i++) {
		all = all && caps->sw_bp_intercepted[i];
		bpm->int3_stops[i] = caps->sw_bp_intercepted[i] || caps->int3_emulation_exit[i];
	}
	bpm->use_int3 = all;
	bpm->sw_mech = BP_SW_AUTO;
	bpm->log = log;
}

const char *bp__describe_sw(const struct bp_manager *bpm)
{
	if (bpm->sw_mech == BP_SW_DR)
		return "software breakpoints: debug registers, then single-step compare "
		       "(monitor sw-break dr)";
	if (bpm->sw_mech == BP_SW_INT3 && !bpm->int3_stops[PROBE_REAL])
		return "software breakpoints: int3 (monitor sw-break int3); those inserted "
		       "in real mode use debug registers (an int3 there reaches the guest's IVT)";
	if (bpm->sw_mech == BP_SW_INT3)
		return "software breakpoints: int3 (monitor sw-break int3)";
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

int bp__nr_dr(const struct bp_manager *bpm)
{
	int n = 0;

	for (int i = 0; i < bpm->nr; i++)
		n += bpm->bps[i].kind == BP_HARDWARE && !bpm->bps[i].placed;
	return n;
}

int bp__set_sw_mech(struct bp_manager *bpm, enum bp_sw_mech mech)
{
	bool any = false;

	/* Placed int3s and debug-register Z0s cannot change places under gdb. */
	if (count(bpm, BP_SOFTWARE) > 0)
		return -EBUSY;
	for (int i = 0; i < PROBE_NR_MODES; i++)
		any = any || bpm->int3_stops[i];
	if (mech == BP_SW_INT3 && !any)
		return -EOPNOTSUPP;
	bpm->sw_mech = mech;
	return 0;
}

bool bp__ours(const struct bp *bp)
{
	return bp->placed && *bp->host == INT3;
}

bool bp__lift(struct bp *bp)
{
	if (!bp__ours(bp))
		return false;
	*bp->host = bp->orig;
	return true;
}

void bp__unlift(struct bp *bp)
{
	/* The instruction stepped may have rewritten its own first byte. */
	if (*bp->host == bp->orig)
		*bp->host = INT3;
}

/* Is a new Z0 an int3?  The probe's choice, or monitor sw-break's. */
static bool want_int3(struct bp_manager *bpm, struct cpu *c)
{
	struct kvm_sregs s;
	enum probe_mode mode;

	if (bpm->sw_mech == BP_SW_AUTO)
		return bpm->use_int3;
	if (bpm->sw_mech == BP_SW_DR || cpu__sregs(c, &s) < 0)
		return false;
	if (!(s.cr0 & X86_CR0_PE))
		mode = PROBE_REAL;
	else if (s.efer & X86_EFER_LMA)
		mode = PROBE_LONG;
	else
		mode = PROBE_PROTECTED;
	if (bpm->int3_stops[mode])
		return true;
	log__say(bpm->log, "sw-break int3: vCPU 0 is in %s mode, where this host does not stop "
		     "at an int3; the breakpoint uses a debug register",
		     mode == PROBE_REAL ? "real" : mode == PROBE_LONG ? "long" : "protected");
	return false;
}

/* Write the int3 for a Z0 at a linear address, saving the byte under it. */
static int place_int3(struct bp_manager *bpm, struct cpu *c, struct memory *mem, struct bp *bp)
{
	uint64_t gpa;
	uint8_t *host;

	if (cpu__translate(c, bp->addr, &gpa) < 0)
		return -EINVAL;
	host = memory__host(mem, gpa, NULL);
	if (!host)
		return -EINVAL;
	/* Another Z0 may already sit on the same byte through an alias. */
	for (int i = 0; i < bpm->nr; i++) {
		struct bp *o = &bpm->bps[i];

		if (o != bp && bp__ours(o) && o->host == host) {
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
	/* An alias the guest wrote over is armed again, on the new byte. */
	for (int i = 0; i < bpm->nr; i++)
		if (bpm->bps[i].placed && bpm->bps[i].host == host)
			bpm->bps[i].orig = bp->orig;
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

int bp__insert(struct bp_manager *bpm, struct cpu *c, struct memory *mem,
	       enum target_bp_kind kind, uint64_t addr, uint64_t len, int dr_taken)
{
	struct bp *bp;
	int r;

	if (kind != BP_SOFTWARE && kind != BP_HARDWARE)
		return -EOPNOTSUPP;	/* watchpoints: not yet */
	if (len > 1)
		return -EINVAL;
	if (find(bpm, kind, addr))
		return -EEXIST;
	if (bpm->nr >= BP_MAX)
		return -ENOSPC;
	bp = &bpm->bps[bpm->nr];
	memset(bp, 0, sizeof(*bp));
	bp->kind = kind;
	bp->addr = addr;
	bp->dr = -1;
	/* A Z1 with no debug register left is served as a Z0 would be. */
	if ((kind == BP_SOFTWARE ||
	     bp__nr_dr(bpm) + dr_taken >= BP_NR_DRS) && want_int3(bpm, c)) {
		bpm->nr++;	/* visible to place_int3's alias search */
		r = place_int3(bpm, c, mem, bp);
		if (r < 0) {
			bpm->nr--;
			return r;
		}
		return 0;
	}
	bpm->nr++;
	return 0;
}

int bp__remove(struct bp_manager *bpm, enum target_bp_kind kind, uint64_t addr, uint64_t len)
{
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

void bp__remove_all(struct bp_manager *bpm)
{

	while (bpm->nr > 0) {
		struct bp *bp = &bpm->bps[bpm->nr - 1];

		unplace_int3(bpm, bp);
		bpm->nr--;
	}
}

/* The first breakpoint served by stepping and comparing the pc: neither
 * an int3 nor given a debug register by bp__assign; NULL if none. */
const struct bp *bp__compared(const struct bp_manager *bpm)
{
	for (int i = 0; i < bpm->nr; i++) {
		const struct bp *bp = &bpm->bps[i];

		if (!bp->placed && bp->dr < 0)
			return bp;
	}
	return NULL;
}

bool bp__compare(const struct bp_manager *bpm)
{
	return bp__compared(bpm) != NULL;
}

int bp__describe_each(const struct bp_manager *bpm, char *buf, size_t len)
{
	size_t at = 0;

	for (int i = 0; i < bpm->nr && at < len; i++) {
		const struct bp *bp = &bpm->bps[i];
		int n;

		if (bp->placed)
			n = snprintf(buf + at, len - at, "breakpoint at 0x%llx (%s): an int3 byte\n",
				     (unsigned long long)bp->addr,
				     bp->kind == BP_HARDWARE ? "hbreak" : "break");
		else if (bp->dr >= 0)
			n = snprintf(buf + at, len - at,
				     "breakpoint at 0x%llx (%s): debug register DR%d\n",
				     (unsigned long long)bp->addr,
				     bp->kind == BP_HARDWARE ? "hbreak" : "break", bp->dr);
		else
			n = snprintf(buf + at, len - at,
				     "breakpoint at 0x%llx (%s): no debug register left, the guest "
				     "is single-stepped and the pc compared (slow)\n",
				     (unsigned long long)bp->addr,
				     bp->kind == BP_HARDWARE ? "hbreak" : "break");
		if (n < 0)
			break;
		at += (size_t)n;
	}
	return at < len ? (int)at : (int)len - 1;
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

		/* Only a 0xCC that is still ours: else the guest's own byte. */
		if (bp->placed && bp->host >= host && bp->host < host + len &&
		    buf[bp->host - host] == INT3)
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

static void shadow_read(void *ctx, const uint8_t *host, uint8_t *buf, size_t n)
{
	memcpy(buf, host, n);
	bp__shadow_read(ctx, host, buf, n);
}

static void shadow_write(void *ctx, uint8_t *host, const uint8_t *buf, size_t n)
{
	bp__shadow_write(ctx, host, buf, n);
}

ssize_t bp__access(struct bp_manager *bpm, struct cpu *c, struct memory *mem,
		   enum target_space space, uint64_t addr, void *buf, size_t len, bool write)
{
	const struct cpu_copy copy = { .read = shadow_read, .write = shadow_write, .ctx = bpm };

	return cpu__access(c, mem, space, addr, buf, len, write, &copy);
}

bool bp__can_pass(const struct bp_manager *bpm, const struct target_resume *how, int nr_vcpus)
{
	return how->kind == RESUME_CONTINUE && !(bpm->use_int3 && !how->alone && nr_vcpus > 1);
}
