/*
 * watch.c - gdb's watchpoints (Z2 write, Z3 read, Z4 access), exact, of
 * any length, on every host, and never in the guest's way.
 *
 * Two mechanisms, chosen per watchpoint at insertion:
 *  - a debug register (RW = 01 write, 11 access; LEN 1, 2, 4 or 8 bytes,
 *    aligned), only when the start-up probe saw data breakpoints fire in
 *    every CPU mode; x86 has no read-only data breakpoint, so never Z3;
 *  - otherwise stepping: while such a watchpoint is inserted the guest is
 *    single-stepped, the watched memory left in normal service, and
 *    before each instruction the decoder (cpu/insn_access.c) says what it
 *    will read and write; after it, an access of a matching kind that
 *    overlaps a watched range, or watched bytes that changed, is a hit
 *    (watch_step.c).  The bytes catch what the decoder does not list:
 *    the frames an exception or interrupt pushes, an instruction it does
 *    not know, a write through another mapping of the same memory.
 *
 * Taking the watched pages out of KVM's memory slots, as kvmstub did
 * before, let the guest's accesses exit as MMIO at full speed, but changed
 * what the guest did: event delivery cannot push onto an absent or
 * read-only page (a triple fault, or a frame silently lost), KVM's
 * emulator carries out only the last MMIO write of an instruction (pusha,
 * enter, a far call or an int on a watched stack page lost the others),
 * and the CPU's own writes (accessed bits, page walks) failed.
 *
 * A watchpoint is reported after the instruction that made the access, as
 * x86 data breakpoints are.  Addresses: gdb's are linear; the watched
 * bytes are found through the paging in force at insertion (a later remap
 * is not followed), at every guest-physical view of them (the firmware
 * shows at 0xE0000 and below 4 GiB).
 */
#include "watch.h"

#include <errno.h>
#include <string.h>

#include "../host/log.h"

void watch__init(struct watch_manager *wm, const struct host_caps *caps, FILE *log)
{
	bool dr = true;

	memset(wm, 0, sizeof(*wm));
	for (int i = 0; i < PROBE_NR_MODES; i++)
		dr = dr && caps->hw_watch[i];
	wm->dr_ok = dr;
	wm->log = log;
}

const char *watch__describe(const struct watch_manager *wm)
{
	if (wm->dr_ok)
		return "watchpoints: debug registers for aligned 1/2/4/8-byte write and access "
		       "watchpoints, single-stepping with the accesses decoded for the others "
		       "(read, longer, beyond four)";
	return "watchpoints: single-stepping, each instruction's accesses decoded and the "
	       "watched bytes compared (debug-register watchpoints do not fire here)";
}

int watch__describe_each(const struct watch_manager *wm, char *buf, size_t len)
{
	static const char *const kinds[] = {
		[BP_WATCH_WRITE] = "write", [BP_WATCH_READ] = "read", [BP_WATCH_ACCESS] = "access",
	};
	size_t at = 0;

	for (int i = 0; i < wm->nr && at < len; i++) {
		const struct watch *w = &wm->ws[i];
		int n;

		if (w->use_dr)
			n = snprintf(buf + at, len - at,
				     "%s watchpoint at 0x%llx, %llu bytes: debug register DR%d\n",
				     kinds[w->kind], (unsigned long long)w->addr,
				     (unsigned long long)w->len, w->dr);
		else
			n = snprintf(buf + at, len - at,
				     "%s watchpoint at 0x%llx, %llu bytes: the guest is single-stepped "
				     "and each instruction's accesses compared (slow)\n",
				     kinds[w->kind], (unsigned long long)w->addr,
				     (unsigned long long)w->len);
		if (n < 0)
			break;
		at += (size_t)n;
	}
	return at < len ? (int)at : (int)len - 1;
}

int watch__nr_dr(const struct watch_manager *wm)
{
	int n = 0;

	for (int i = 0; i < wm->nr; i++)
		n += wm->ws[i].use_dr;
	return n;
}

bool watch__stepping(const struct watch_manager *wm)
{
	for (int i = 0; i < wm->nr; i++)
		if (!wm->ws[i].use_dr)
			return true;
	return false;
}

static struct watch *find(struct watch_manager *wm, enum target_bp_kind kind, uint64_t addr,
			  uint64_t len)
{
	for (int i = 0; i < wm->nr; i++) {
		struct watch *w = &wm->ws[i];

		if (w->kind == kind && w->addr == addr && w->len == len)
			return w;
	}
	return NULL;
}

static int add_piece(struct watch *w, uint64_t gpa, uint64_t len)
{
	if (w->nr_pieces >= WATCH_MAX_PIECES)
		return -ENOSPC;
	w->pieces[w->nr_pieces++] = (struct watch_piece){ .gpa = gpa, .len = len };
	return 0;
}

/* The guest-physical pieces of [addr, addr + len): one per page and view.
 * -EFAULT when part of it is unmapped or no memory. */
static int translate(struct cpu *c, struct memory *mem, struct watch *w)
{
	uint64_t done = 0;

	while (done < w->len) {
		uint64_t lin = w->addr + done, gpa, aliases[MEM_MAX_VIEWS];
		uint64_t n = MEM_PAGE - (lin & (MEM_PAGE - 1));
		int na, r;

		if (n > w->len - done)
			n = w->len - done;
		r = cpu__translate(c, lin, &gpa);
		if (r < 0)
			return -EFAULT;
		na = memory__aliases(mem, gpa, aliases, MEM_MAX_VIEWS);
		if (na == 0)
			return -EFAULT;		/* no memory there: nothing to watch */
		for (int i = 0; i < na; i++) {
			r = add_piece(w, aliases[i], n);
			if (r < 0)
				return r;
		}
		done += n;
	}
	return 0;
}

static bool dr_fits(const struct watch_manager *wm, enum target_bp_kind kind, uint64_t addr,
		    uint64_t len, int hw_bps)
{
	if (!wm->dr_ok || kind == BP_WATCH_READ)
		return false;
	if (len != 1 && len != 2 && len != 4 && len != 8)
		return false;
	if (addr & (len - 1))
		return false;
	return hw_bps + watch__nr_dr(wm) < CPU_NR_DRS;
}

int watch__insert(struct watch_manager *wm, struct cpu *c, struct memory *mem,
		  enum target_bp_kind kind, uint64_t addr, uint64_t len, int hw_bps)
{
	struct watch *w;
	int r;

	if (kind != BP_WATCH_WRITE && kind != BP_WATCH_READ && kind != BP_WATCH_ACCESS)
		return -EOPNOTSUPP;
	if (len == 0 || len > WATCH_MAX_LEN || addr + len - 1 < addr)
		return -EINVAL;
	if (find(wm, kind, addr, len))
		return -EEXIST;
	if (wm->nr >= WATCH_MAX)
		return -ENOSPC;
	w = &wm->ws[wm->nr];
	memset(w, 0, sizeof(*w));
	w->kind = kind;
	w->addr = addr;
	w->len = len;
	w->dr = -1;
	if (dr_fits(wm, kind, addr, len, hw_bps)) {
		w->use_dr = true;
		wm->nr++;
		return 0;
	}
	r = translate(c, mem, w);
	if (r < 0) {
		log__say(wm->log, "watchpoint at 0x%llx, %llu bytes, refused: %s",
			 (unsigned long long)addr, (unsigned long long)len,
			 r == -EFAULT ? "no guest memory is mapped there" :
			 "it spans more pages than a watchpoint may");
		return -EINVAL;
	}
	wm->nr++;
	return 0;
}

int watch__remove(struct watch_manager *wm, enum target_bp_kind kind, uint64_t addr,
		  uint64_t len)
{
	struct watch *w = find(wm, kind, addr, len);

	if (kind != BP_WATCH_WRITE && kind != BP_WATCH_READ && kind != BP_WATCH_ACCESS)
		return -EOPNOTSUPP;
	if (!w)
		return -ENOENT;
	*w = wm->ws[--wm->nr];
	return 0;
}

void watch__remove_all(struct watch_manager *wm)
{
	wm->nr = 0;
}

const struct watch *watch__by_dr(const struct watch_manager *wm, uint64_t dr6)
{
	for (int i = 0; i < wm->nr; i++) {
		const struct watch *w = &wm->ws[i];

		if (w->dr >= 0 && (dr6 & (1ull << w->dr)))
			return w;
	}
	return NULL;
}
