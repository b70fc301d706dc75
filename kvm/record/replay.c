/*
 * replay.c - moving in the record log (record.h): back (gdb's bs, bc)
 * and forward while in the past (s, c, range steps replay the log).
 *
 * A move works on the recorder's copy of the registers and on guest
 * memory directly, entry by entry, and sets the vCPU's registers once at
 * its end: a reverse-continue across a million instructions is a million
 * XORs, not a million ioctls.
 *
 * Where a move stops, as gdb expects of a reverse-executing target:
 *   back, a step: one instruction undone (edits between runs undone with
 *     it); a continue: at a breakpoint's address (the state before the
 *     instruction there ran), or with the state before an instruction
 *     that wrote watched memory (gdb shows the value it had) or read it
 *     (rwatch, awatch: replay_reads.c decodes each instruction crossed),
 *     or at the start of the log (replaylog:begin).
 *   forward, in the past: the same, after each instruction redone; a
 *     watchpoint after the access.  At the end of the log the guest
 *     goes live: the rest of a continue (or a step not yet begun) runs in
 *     KVM.
 */
#include "record.h"

#include <errno.h>
#include <string.h>

#include "../host/ioctl.h"

#define POLL_EVERY	65536	/* entries between two looks at stop_asked */

/* Does entry e write the bytes of a watchpoint gdb asked about writes to? */
static const struct watch *watched(const struct recorder *r, const struct rec_hdr *e,
				   const uint64_t *wpage, const uint64_t *woff, int nw)
{
	const uint8_t *p = (const uint8_t *)e + sizeof(*e);

	if (!e->nspans || !nw)
		return NULL;
	p += 8 * ((size_t)__builtin_popcount(e->rmask) + (size_t)__builtin_popcountll(e->smask));
	for (uint16_t s = 0; s < e->nspans; s++) {
		struct rec_span sp;

		memcpy(&sp, p, sizeof(sp));
		p += sizeof(sp) + sp.len;
		for (int k = 0; k < nw; k++) {
			const struct watch *w = &r->wm->ws[k];

			if (wpage[k] == sp.page && woff[k] < (uint64_t)sp.off + sp.len &&
			    (uint64_t)sp.off < woff[k] + w->len)
				return w;
		}
	}
	return NULL;
}

/* Where each write watchpoint's first byte is (its page number and
 * offset), translated with c's paging now; UINT64_MAX where unmapped. */
static int watch_places(const struct recorder *r, struct cpu *c, uint64_t *wpage,
			uint64_t *woff)
{
	int n = r->wm->nr;

	for (int k = 0; k < n; k++) {
		const struct watch *w = &r->wm->ws[k];
		uint64_t phys;
		uint8_t *host;

		wpage[k] = UINT64_MAX;
		if (w->kind == BP_WATCH_READ || cpu__translate(c, w->addr, &phys) < 0)
			continue;
		host = memory__host(r->mem, phys, NULL);
		if (!host)
			continue;
		wpage[k] = memory__page_index(r->mem, host);
		woff[k] = phys & (MEM_PAGE - 1);
	}
	return n;
}

static void set_cpu(struct recorder *r, struct cpu *c, struct rec_result *res)
{
	struct kvm_sregs s = r->cur_sregs;
	int ret;

	/* A bit there would make KVM inject that interrupt. */
	memset(s.interrupt_bitmap, 0, sizeof(s.interrupt_bitmap));
	cpu__cache_drop(c);
	ret = KVM_IOCTL(c->fd, KVM_SET_SREGS, &s);
	if (ret == 0)
		ret = cpu__set_kregs(c, &r->cur_regs);
	if (ret == 0 && r->fpu_on)
		ret = cpu__fpu_set(c, &r->cur_fpu);
	if (ret < 0) {
		res->end = REC_END_FAULT;
		snprintf(res->msg, sizeof(res->msg), "the registers of the recorded state could not "
			 "be set: %s", strerror(-ret));
		return;
	}
	/* The MSRs, the local APIC and the irqchip as they were there. */
	if (record__load_parts(r, c, false, res->msg, sizeof(res->msg)) < 0)
		res->end = REC_END_FAULT;
}

void record__move(struct recorder *r, struct cpu *c, const struct target_resume *how,
		  bool (*stop_asked)(void *ctx), void *ctx, struct rec_result *res)
{
	uint64_t wpage[WATCH_MAX], woff[WATCH_MAX];
	int nw;
	uint64_t n = 0;
	bool reads;

	record__settle(r, c);
	nw = watch_places(r, c, wpage, woff);
	reads = record__reads_wanted(r);

	memset(res, 0, sizeof(*res));
	for (;;) {
		const struct rec_hdr *e;
		const struct watch *rd = NULL;	/* a read watchpoint e's instruction hit */
		uint64_t pc;

		if (stop_asked && ++n % POLL_EVERY == 0 && stop_asked(ctx)) {
			res->end = REC_END_INTERRUPT;
			break;
		}
		if (how->reverse) {
			if (r->pos == 0) {
				res->end = REC_END_BEGIN;
				break;
			}
			e = record__entry(r, --r->pos);
			record__apply(r, e, &r->cur_regs, &r->cur_sregs);
			if (reads)	/* with the state before it, undone */
				rd = record__reads(r, e, res);
		} else {
			if (r->pos == r->count) {
				res->end = REC_END_LIVE;
				break;
			}
			e = record__entry(r, r->pos++);
			if (reads)	/* with the state before it, not yet redone */
				rd = record__reads(r, e, res);
			record__apply(r, e, &r->cur_regs, &r->cur_sregs);
		}
		if (e->kind != REC_INSN)
			continue;	/* an edit, the devices' own changes */
		res->moved = true;
		if (how->kind == RESUME_STEP) {
			/* Back: the edits before this instruction go with it. */
			while (how->reverse && r->pos > 0 &&
			       record__entry(r, r->pos - 1)->kind == REC_EDIT)
				record__apply(r, record__entry(r, --r->pos), &r->cur_regs,
					      &r->cur_sregs);
			res->end = REC_END_STEP;
			break;
		}
		res->watch = rd ? rd : watched(r, e, wpage, woff, nw);
		if (res->watch) {
			res->end = REC_END_WATCH;
			break;
		}
		pc = record__pc(&r->cur_regs, &r->cur_sregs);
		if (how->kind == RESUME_RANGE && (pc < how->range_start || pc >= how->range_end)) {
			res->end = REC_END_STEP;
			break;
		}
		res->bp = bp__find_at(r->bpm, pc);
		if (res->bp) {
			res->end = REC_END_BP;
			break;
		}
	}
	set_cpu(r, c, res);
}
