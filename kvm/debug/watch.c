/*
 * watch.c - gdb's watchpoints (Z2 write, Z3 read, Z4 access), exact, of
 * any length, on every host.
 *
 * Two mechanisms, chosen per watchpoint at insertion:
 *  - a debug register (RW = 01 write, 11 access; LEN 1, 2, 4 or 8 bytes,
 *    aligned), only when the start-up probe saw data breakpoints fire in
 *    every CPU mode; x86 has no read-only data breakpoint, so never Z3;
 *  - otherwise memory slots: the watched range's guest-physical pages are
 *    taken out of normal service.  For a write watchpoint the page gets a
 *    KVM_MEM_READONLY slot of its own (guest writes exit as MMIO, reads run
 *    at full speed); for a read or access watchpoint the page leaves the
 *    slots (every access exits as MMIO).  On each such exit the daemon
 *    performs the access itself on the guest's memory, which stays mapped
 *    on the host side, and stops when the access overlaps a watched range
 *    of a matching kind.
 *
 * A watchpoint is reported after the instruction that made the access, as
 * x86 data breakpoints are: KVM exits for an MMIO read before the
 * instruction completes, so the run loop finishes the instruction first
 * (KVM_RUN with immediate_exit set) and reports the stop with the pc
 * after it (watch__stop).
 *
 * Addresses: gdb's are linear.  They are translated with the paging in
 * force at insertion (a later remap is not followed), and every
 * guest-physical view of the same bytes is watched (the firmware shows at
 * 0xE0000 and below 4 GiB).
 *
 * The limit: a page from which the guest fetches instructions cannot leave
 * the slots (KVM cannot fetch from MMIO), so a read or access watchpoint
 * on a page that holds code, or that the CPU reads by itself (page tables,
 * GDT, IDT), ends in an emulation failure.  Insertion refuses a page that
 * holds the current pc; later, the failure is reported as such.  Write
 * watchpoints on code pages work: a read-only page still runs.
 */
#include "watch.h"

#include <errno.h>
#include <string.h>

#include "../host/log.h"

static enum mem_page_mode page_mode(const struct watch_manager *wm, const struct watch *w);

void watch__init(struct watch_manager *wm, const struct host_caps *caps, FILE *log)
{
	bool dr = true;

	memset(wm, 0, sizeof(*wm));
	for (int i = 0; i < PROBE_NR_MODES; i++)
		dr = dr && caps->hw_watch[i];
	wm->dr_ok = dr;
	wm->readonly_ok = caps->readonly_mem;
	wm->log = log;
}

const char *watch__describe(const struct watch_manager *wm)
{
	if (wm->dr_ok)
		return "watchpoints: debug registers for aligned 1/2/4/8-byte write and access "
		       "watchpoints, memory slots for the others (read, longer, beyond four)";
	if (wm->readonly_ok)
		return "watchpoints: memory slots (read-only pages for write watchpoints, "
		       "absent pages for read/access; debug-register watchpoints do not fire here)";
	return "watchpoints: memory slots (absent pages; no KVM_CAP_READONLY_MEM)";
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
				     "%s watchpoint at 0x%llx, %llu bytes: memory slots, page 0x%llx %s\n",
				     kinds[w->kind], (unsigned long long)w->addr,
				     (unsigned long long)w->len,
				     (unsigned long long)(w->pieces[0].gpa & ~(MEM_PAGE - 1)),
				     page_mode(wm, w) == MEM_PAGE_READONLY ? "read-only" : "absent");
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

/* Add a page to the sorted set; an absent page wins over a read-only one. */
static int add_page(struct mem_page *pages, int *n, uint64_t gpa, enum mem_page_mode mode)
{
	int i;

	for (i = 0; i < *n && pages[i].gpa < gpa; i++)
		;
	if (i < *n && pages[i].gpa == gpa) {
		if (mode == MEM_PAGE_ABSENT)
			pages[i].mode = MEM_PAGE_ABSENT;
		return 0;
	}
	if (*n >= WATCH_MAX_PAGES)
		return -ENOSPC;
	memmove(&pages[i + 1], &pages[i], (size_t)(*n - i) * sizeof(pages[0]));
	pages[i] = (struct mem_page){ .gpa = gpa, .mode = mode };
	(*n)++;
	return 0;
}

static enum mem_page_mode page_mode(const struct watch_manager *wm, const struct watch *w)
{
	return w->kind == BP_WATCH_WRITE && wm->readonly_ok ? MEM_PAGE_READONLY : MEM_PAGE_ABSENT;
}

/* The watched pages of every memory-slot watchpoint (skip: one left out). */
static int collect(const struct watch_manager *wm, const struct watch *skip,
		   struct mem_page *pages, int *n)
{
	*n = 0;
	for (int i = 0; i < wm->nr; i++) {
		const struct watch *w = &wm->ws[i];

		if (w == skip || w->use_dr)
			continue;
		for (int p = 0; p < w->nr_pieces; p++) {
			int r = add_page(pages, n, w->pieces[p].gpa & ~(MEM_PAGE - 1),
					 page_mode(wm, w));

			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int rebuild(struct watch_manager *wm, struct memory *mem, const struct watch *skip)
{
	struct mem_page pages[WATCH_MAX_PAGES];
	char err[160];
	int n, r;

	r = collect(wm, skip, pages, &n);
	if (r == 0)
		r = memory__set_pages(mem, pages, n, err, sizeof(err));
	else
		snprintf(err, sizeof(err), "more than %d watched pages", WATCH_MAX_PAGES);
	if (r < 0)
		log__say(wm->log, "watchpoints: %s", err);
	return r;
}

static int add_piece(struct watch *w, uint64_t gpa, uint64_t len)
{
	if (w->nr_pieces >= WATCH_MAX_PIECES)
		return -ENOSPC;
	w->pieces[w->nr_pieces++] = (struct watch_piece){ .gpa = gpa, .len = len };
	return 0;
}

/* The guest-physical pieces of [addr, addr + len): one per page and view. */
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
			return -EINVAL;
		na = memory__aliases(mem, gpa, aliases, MEM_MAX_VIEWS);
		if (na == 0)
			return -EINVAL;		/* no memory there: nothing to watch */
		for (int i = 0; i < na; i++) {
			r = add_piece(w, aliases[i], n);
			if (r < 0)
				return r;
		}
		done += n;
	}
	return 0;
}

/* Whether the page of the current pc is among w's pages. */
static bool covers_pc(struct cpu *c, const struct watch *w)
{
	uint64_t pc, gpa;

	if (cpu__pc(c, &pc) < 0 || cpu__translate(c, pc, &gpa) < 0)
		return false;
	for (int p = 0; p < w->nr_pieces; p++)
		if ((w->pieces[p].gpa & ~(MEM_PAGE - 1)) == (gpa & ~(MEM_PAGE - 1)))
			return true;
	return false;
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
	if (r < 0)
		return r;
	if (page_mode(wm, w) == MEM_PAGE_ABSENT && covers_pc(c, w)) {
		log__say(wm->log, "watchpoint at 0x%llx refused: its page holds the current pc, and "
			     "a page the guest executes from cannot be taken out of the memory "
			     "slots (a write watchpoint there works)", (unsigned long long)addr);
		return -EINVAL;
	}
	wm->nr++;
	r = rebuild(wm, mem, NULL);
	if (r < 0) {
		wm->nr--;
		rebuild(wm, mem, NULL);
	}
	return r;
}

int watch__remove(struct watch_manager *wm, struct memory *mem, enum target_bp_kind kind,
		  uint64_t addr, uint64_t len)
{
	struct watch *w = find(wm, kind, addr, len);
	bool slots;

	if (kind != BP_WATCH_WRITE && kind != BP_WATCH_READ && kind != BP_WATCH_ACCESS)
		return -EOPNOTSUPP;
	if (!w)
		return -ENOENT;
	slots = !w->use_dr;
	*w = wm->ws[--wm->nr];
	return slots ? rebuild(wm, mem, NULL) : 0;
}

void watch__remove_all(struct watch_manager *wm, struct memory *mem)
{
	wm->nr = 0;
	rebuild(wm, mem, NULL);
}

/* ---- debug registers ---- */

const struct watch *watch__by_dr(const struct watch_manager *wm, uint64_t dr6)
{
	for (int i = 0; i < wm->nr; i++) {
		const struct watch *w = &wm->ws[i];

		if (w->dr >= 0 && (dr6 & (1ull << w->dr)))
			return w;
	}
	return NULL;
}

/* ---- memory slots ---- */

/* The first watchpoint that the access [gpa, gpa + len) triggers. */
static const struct watch *match(const struct watch_manager *wm, uint64_t gpa, uint64_t len,
				 bool write)
{
	for (int i = 0; i < wm->nr; i++) {
		const struct watch *w = &wm->ws[i];

		if (w->use_dr || (w->kind == BP_WATCH_WRITE && !write) ||
		    (w->kind == BP_WATCH_READ && write))
			continue;
		for (int p = 0; p < w->nr_pieces; p++) {
			const struct watch_piece *pc = &w->pieces[p];

			if (gpa < pc->gpa + pc->len && pc->gpa < gpa + len)
				return w;
		}
	}
	return NULL;
}

/* Do the guest's access on its memory; false when no memory is there. */
static bool serve(struct memory *mem, struct kvm_run *run)
{
	uint32_t len = run->mmio.len > 8 ? 8 : run->mmio.len;
	uint64_t avail;
	uint8_t *host = memory__host(mem, run->mmio.phys_addr, &avail);

	if (!host || avail < len)
		return false;
	if (run->mmio.is_write)
		memcpy(host, run->mmio.data, len);
	else
		memcpy(run->mmio.data, host, len);
	return true;
}

bool watch__mmio(const struct watch_manager *wm, struct memory *mem, struct kvm_run *run,
		 const struct watch **hit)
{
	*hit = NULL;
	if (!serve(mem, run))
		return false;
	*hit = match(wm, run->mmio.phys_addr, run->mmio.len, run->mmio.is_write);
	return true;
}

bool watch__absent_page(const struct watch_manager *wm, uint64_t gpa, uint64_t *page)
{
	struct mem_page pages[WATCH_MAX_PAGES];
	int n;

	if (collect(wm, NULL, pages, &n) < 0)
		return false;
	for (int i = 0; i < n; i++) {
		if (pages[i].mode == MEM_PAGE_ABSENT && pages[i].gpa == (gpa & ~(MEM_PAGE - 1))) {
			*page = pages[i].gpa;
			return true;
		}
	}
	return false;
}
