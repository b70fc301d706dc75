/*
 * watch_step.c - watchpoints served by stepping (watch_step.h).  The guest
 * single-steps while one is inserted; around each instruction:
 *
 *  - before: the decoder lists what the instruction will read and write
 *    (linear ranges, from its bytes and the registers; descriptor tables
 *    and gates read through memory as gdb sees it), and the watched bytes
 *    are copied;
 *  - after: a hit is an access the decoder was sure of (not INSN_MAYBE)
 *    that overlaps a watched range, of the watchpoint's kind (a write for
 *    watch, a read for rwatch, either for awatch), or, for watch and
 *    awatch, watched bytes that changed when an event was delivered
 *    during the step (its frames) or the decoder does not know the
 *    instruction.
 *
 * Not reported: a write that leaves the bytes as they were and that the
 * decoder does not list (a frame pushed by an interrupt with the same
 * values), reads the decoder does not know of (an unknown instruction's),
 * what the CPU does for itself (a page walk setting accessed bits,
 * descriptor reads during event delivery), which x86 data breakpoints do
 * not report either, an access through another linear mapping of the
 * watched bytes with paging on (with paging off, the firmware's two views
 * are one), a write by another vCPU; and a read or write listed for an
 * instruction that faults before making it is reported.
 */
#include "watch_step.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int read_lin(void *ctx, uint64_t lin, void *buf, size_t len)
{
	const struct dview *d = ctx;

	return bp__access(d->bpm, d->cpu, d->mem, TARGET_LINEAR, lin, buf, len, false) ==
	       (ssize_t)len ? 0 : -EFAULT;
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

static size_t watched_bytes(const struct watch_manager *wm)
{
	size_t n = 0;

	for (int i = 0; i < wm->nr; i++)
		if (!wm->ws[i].use_dr)
			for (int p = 0; p < wm->ws[i].nr_pieces; p++)
				n += wm->ws[i].pieces[p].len;
	return n;
}

/* Each stepping watchpoint's bytes, piece by piece, into buf. */
static void copy_watched(const struct watch_manager *wm, const struct memory *mem, uint8_t *buf)
{
	for (int i = 0; i < wm->nr; i++) {
		const struct watch *w = &wm->ws[i];

		if (w->use_dr)
			continue;
		for (int p = 0; p < w->nr_pieces; p++) {
			memory__read(mem, w->pieces[p].gpa, buf, w->pieces[p].len);
			buf += w->pieces[p].len;
		}
	}
}

bool watch_step__before(const struct dview *d, struct watch_look *lk)
{
	const struct insn_mem via = { .read = read_lin, .ctx = (void *)d };
	const struct watch_manager *wm = d->wm;
	struct kvm_regs r;
	struct kvm_sregs s;
	uint8_t code[15];
	size_t need = watched_bytes(wm);
	uint64_t pc;
	ssize_t n;
	int len;

	lk->armed = true;
	lk->nacc = -1;
	if (need > lk->cap) {
		uint8_t *b = realloc(lk->bytes, need);

		if (!b) {
			lk->armed = false;
			return false;
		}
		lk->bytes = b;
		lk->cap = need;
	}
	copy_watched(wm, d->mem, lk->bytes);
	if (cpu__regs(d->cpu, &r) < 0 || cpu__sregs(d->cpu, &s) < 0 || cpu__pc(d->cpu, &pc) < 0)
		return false;
	n = bp__access(d->bpm, d->cpu, d->mem, TARGET_LINEAR, pc, code, sizeof(code), false);
	if (n <= 0)
		return false;
	lk->nacc = insn__accesses_mem(code, (size_t)n, &r, &s, &via, lk->acc, INSN_ACCESS_MAX,
				      &len);
	lk->len = lk->nacc >= 0 ? len : 0;
	lk->rip = r.rip;
	lk->rsp = r.rsp;
	lk->ss_base = s.ss.base;
	lk->paging = s.cr0 & X86_CR0_PG;
	/* A rep string's whole run is one access; the turns of a single step
	 * are fewer.  If it reaches a watched range, one turn at a time. */
	for (int a = 0; a < lk->nacc; a++) {
		for (int i = 0; i < wm->nr; i++) {
			const struct watch *w = &wm->ws[i];

			if (!w->use_dr && lk->acc[a].len > 16 &&
			    overlaps(lk->acc[a].lin, lk->acc[a].len, w->addr, w->len))
				return true;
		}
	}
	return false;
}

/* With paging off a linear address is physical: an access through the
 * other view of the firmware reaches the same bytes. */
static bool at_pieces(const struct watch *w, uint64_t lin, uint64_t len)
{
	uint64_t gpa = lin & 0xFFFFFFFFull;

	for (int p = 0; p < w->nr_pieces; p++)
		if (overlaps(gpa, len, w->pieces[p].gpa, w->pieces[p].len))
			return true;
	return false;
}

static bool kind_matches(enum target_bp_kind kind, uint8_t rw)
{
	switch (kind) {
	case BP_WATCH_WRITE:
		return rw & INSN_W;
	case BP_WATCH_READ:
		return rw & INSN_R;
	default:
		return rw & INSN_RW;
	}
}

bool watch_step__hit(const struct watch *w, const struct insn_access *a, bool paging)
{
	return !(a->rw & INSN_MAYBE) && kind_matches(w->kind, a->rw) &&
	       (overlaps(a->lin, a->len, w->addr, w->len) ||
		(!paging && at_pieces(w, a->lin, a->len)));
}

/*
 * Was an interrupt or exception delivered during the step?  Its frame is
 * on the stack, holding the instruction's own address (a fault, an
 * interrupt before it) or the next one's (a trap, an interrupt after it),
 * maybe above an error code.
 */
static bool delivered(const struct dview *d, const struct watch_look *lk)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	uint64_t top, mask, ipmask;
	int width;

	if (cpu__regs(d->cpu, &r) < 0 || cpu__sregs(d->cpu, &s) < 0 ||
	    (r.rsp == lk->rsp && s.ss.base == lk->ss_base))
		return false;
	width = !(s.cr0 & X86_CR0_PE) ? 2 : (s.efer & X86_EFER_LMA) ? 8 : 4;
	mask = width == 8 ? ~0ull : s.ss.db || width == 4 ? 0xFFFFFFFFull : 0xFFFFull;
	top = s.ss.base + (r.rsp & mask);
	ipmask = width == 8 ? ~0ull : (1ull << (8 * width)) - 1;

	for (int slot = 0; slot < 2; slot++) {
		uint64_t ip = 0;

		if (read_lin((void *)d, top + (uint64_t)(slot * width), &ip, (size_t)width) < 0)
			return false;
		if (ip == (lk->rip & ipmask) ||
		    (lk->len && ip == ((lk->rip + (uint64_t)lk->len) & ipmask)))
			return true;
	}
	return false;
}

const struct watch *watch_step__after(const struct dview *d, struct watch_look *lk)
{
	const struct watch_manager *wm = d->wm;
	const uint8_t *before = lk->bytes;
	bool bytes_count;

	if (!lk->armed)
		return NULL;
	lk->armed = false;
	bytes_count = lk->nacc < 0 || delivered(d, lk);
	for (int i = 0; i < wm->nr; i++) {
		const struct watch *w = &wm->ws[i];
		bool hit = false;

		if (w->use_dr)
			continue;
		for (int a = 0; a < lk->nacc && !hit; a++)
			hit = watch_step__hit(w, &lk->acc[a], lk->paging);
		for (int p = 0; p < w->nr_pieces; p++) {
			const struct watch_piece *pc = &w->pieces[p];
			uint8_t now[256];

			for (uint64_t at = 0; !hit && bytes_count && w->kind != BP_WATCH_READ && at < pc->len;
			     at += sizeof(now)) {
				size_t k = pc->len - at < sizeof(now) ? (size_t)(pc->len - at) :
					   sizeof(now);

				memory__read(d->mem, pc->gpa + at, now, k);
				hit = memcmp(now, before + at, k) != 0;
			}
			before += pc->len;
		}
		if (hit)
			return w;
	}
	return NULL;
}

void watch_step__free(struct watch_look *lk)
{
	free(lk->bytes);
	memset(lk, 0, sizeof(*lk));
}
