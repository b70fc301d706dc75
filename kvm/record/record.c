/*
 * record.c - the recorder's log (record.h): taking an entry after each
 * instruction, the limits that drop the oldest, on, off and status.
 *
 * An entry is a header, the XOR of each changed 64-bit word of kvm_regs
 * and kvm_sregs, then the spans of memory that changed, each with the
 * XOR of its old and new bytes.  Memory is found changed by KVM's dirty
 * log of all of memory (memory__log_all, MEM_DIRTY_RECORD) and compared
 * with the shadow, the recorder's copy of all of memory as gdb sees it
 * (our int3s hidden); the shadow then holds the new bytes.  Entries are
 * padded to 8 bytes; off[] points at each; the dropped oldest entries'
 * room is taken back when it is more than half of the buffer.
 */
#include "record.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "../cpu/insn.h"
#include "../cpu/power_on.h"
#include "../host/log.h"

#define SPAN_GAP	8	/* changed bytes this close are one span */
#define ALIGN8(n)	(((n) + 7) & ~(size_t)7)

static int scratch_room(struct recorder *r, size_t at, size_t n);

/* n bytes as "N bytes", "N KiB" or "N MiB" when it is a whole number of them. */
static const char *size_str(uint64_t n, char *buf, size_t len)
{
	if (n >= (1ull << 20) && n % (1ull << 20) == 0)
		snprintf(buf, len, "%llu MiB", (unsigned long long)(n >> 20));
	else if (n >= 1024 && n % 1024 == 0)
		snprintf(buf, len, "%llu KiB", (unsigned long long)(n >> 10));
	else
		snprintf(buf, len, "%llu bytes", (unsigned long long)n);
	return buf;
}

void record__init(struct recorder *r, struct memory *mem, struct bp_manager *bpm,
		  struct watch_manager *wm, struct devices *devs, int kvm_fd, FILE *log)
{
	memset(r, 0, sizeof(*r));
	r->mem = mem;
	r->bpm = bpm;
	r->wm = wm;
	r->devs = devs;
	r->kvm_fd = kvm_fd;
	r->apic_base_at = -1;
	r->log = log;
	r->limit_insns = REC_DEFAULT_INSNS;
	r->limit_bytes = REC_DEFAULT_BYTES;
}

/*
 * The log's two arrays are mappings of their own, grown with mremap: no
 * copy as they double, and what they take is what the address space
 * counts (a bound on it, ulimit -v, stops recording at once).
 */
static void *grow(void *p, size_t old, size_t len)
{
	void *q = p ? mremap(p, old, len, MREMAP_MAYMOVE) :
		      mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return q == MAP_FAILED ? NULL : q;
}

static void forget_log(struct recorder *r)
{
	if (r->buf)
		munmap(r->buf, r->cap);
	if (r->off)
		munmap(r->off, r->off_cap * sizeof(uint64_t));
	r->buf = NULL;
	r->off = NULL;
	r->used = r->cap = 0;
	r->head = r->count = r->off_cap = r->pos = r->insns = 0;
	r->dropped = 0;
	r->tell_drop = false;
}

static void free_parts(struct recorder *r)
{
	for (int i = 0; i < r->nparts; i++)
		free(r->parts[i].end);	/* the four copies are one allocation */
	r->nparts = 0;
	free(r->msrs);
	r->msrs = NULL;
	r->apic_base_at = -1;
	r->lapic_live = false;
}

static void release(struct recorder *r)
{
	char err[160];

	free_parts(r);
	if (r->shadow)
		memory__log_all(r->mem, MEM_DIRTY_RECORD, false, err, sizeof(err));
	forget_log(r);
	free(r->shadow);
	free(r->dirty);
	free(r->scratch);
	r->shadow = r->scratch = NULL;
	r->dirty = NULL;
	r->scratch_cap = 0;
	r->on = false;
}

void record__free(struct recorder *r)
{
	release(r);
}

/* The shadow made true from memory as it is now (gdb's view). */
static void fill_shadow(struct recorder *r)
{
	for (uint64_t i = 0; i < r->nr_pages; i++) {
		const uint8_t *host = memory__page(r->mem, i);
		uint8_t *sh = r->shadow + i * MEM_PAGE;

		if (!host) {
			memset(sh, 0, MEM_PAGE);
			continue;
		}
		memcpy(sh, host, MEM_PAGE);
		bp__shadow_read(r->bpm, host, sh, MEM_PAGE);
	}
}

/* ---- the parts: MSRs, the local APIC, the devices ---- */

#define MSR_TSC		0x10
#define MSR_APIC_BASE	0x1B
#define MSR_EFER	0xC0000080u
#define MSR_FS_BASE	0xC0000100u
#define MSR_GS_BASE	0xC0000101u
#define APIC_SVR	0xF0
#define APIC_TMCCT	0x390		/* the timer's current count: time */
#define APIC_SW_ENABLE	0x100
#define APIC_X2APIC	0x400		/* in the APIC base MSR */

/*
 * The MSRs of the part: those KVM saves and gives (power_on.c's list),
 * but the ones kvm_sregs holds already and a segment load changes too
 * (EFER, the FS and GS bases: two copies would disagree) and those that
 * are time (the TSC, and any that differs between two reads in a row).
 * The APIC base stays: only wrmsr changes it, in both copies at once.
 */
static int msr_list(struct recorder *r, struct cpu *c)
{
	struct cpu_state st;
	struct kvm_msrs *a, *b;
	uint32_t n = 0;
	char err[160];
	size_t size;

	memset(&st, 0, sizeof(st));
	if (r->kvm_fd < 0 || cpu_state__save(&st, r->kvm_fd, c->fd, false, false, err,
					     sizeof(err)) < 0 || !st.msrs) {
		cpu_state__free(&st);
		return -ENOENT;
	}
	size = sizeof(*a) + st.msrs->nmsrs * sizeof(a->entries[0]);
	a = calloc(1, size);
	b = calloc(1, size);
	if (!a || !b) {
		free(a);
		free(b);
		cpu_state__free(&st);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < st.msrs->nmsrs; i++) {
		uint32_t idx = st.msrs->entries[i].index;

		if (idx == MSR_TSC || idx == MSR_EFER || idx == MSR_FS_BASE || idx == MSR_GS_BASE)
			continue;
		a->entries[n++].index = idx;
	}
	a->nmsrs = n;
	memcpy(b, a, size);
	if (cpu__msrs(c, a, false) == 0 && cpu__msrs(c, b, false) == 0) {
		n = 0;
		for (uint32_t i = 0; i < a->nmsrs; i++)
			if (a->entries[i].data == b->entries[i].data)
				a->entries[n++] = a->entries[i];
		a->nmsrs = n;
	} else {
		a->nmsrs = 0;
	}
	free(b);
	cpu_state__free(&st);
	r->msrs = a;
	for (uint32_t i = 0; i < a->nmsrs; i++)
		if (a->entries[i].index == MSR_APIC_BASE)
			r->apic_base_at = (int)i;
	return a->nmsrs ? 0 : -ENOENT;
}

static int add_part(struct recorder *r, enum rec_part_kind kind, int dev, size_t size)
{
	struct rec_part *p;
	size_t len = ALIGN8(size);
	uint8_t *buf;

	if (r->nparts == REC_PARTS_MAX || !size)
		return 0;
	buf = calloc(4, len);
	if (!buf)
		return -ENOMEM;
	p = &r->parts[r->nparts++];
	*p = (struct rec_part){ .kind = kind, .dev = dev, .size = size, .len = len, .end = buf,
				.cur = buf + len, .in = buf + 2 * len, .now = buf + 3 * len };
	return 0;
}

/* Part p as it is now, into p->now: 0, or -errno. */
static int read_part(struct recorder *r, struct cpu *c, struct rec_part *p)
{
	ssize_t n;
	int ret;

	switch (p->kind) {
	case REC_PART_MSRS:
		ret = cpu__msrs(c, r->msrs, false);
		if (ret < 0)
			return ret;
		for (uint32_t i = 0; i < r->msrs->nmsrs; i++)
			memcpy(p->now + i * 8, &r->msrs->entries[i].data, 8);
		return 0;
	case REC_PART_LAPIC:
		ret = cpu__get_lapic(c, p->now, p->size);
		if (ret == 0)
			memset(p->now + APIC_TMCCT, 0, 4);
		return ret;
	case REC_PART_IRQCHIP:
	case REC_PART_DEVICE:
		n = devices__save(r->devs, p->dev, p->now, p->size);
		return n < 0 ? (int)n : 0;
	}
	return -EINVAL;
}

/* Put p->cur in the machine (what differs from p->in): 0, or -errno. */
static int load_part(struct recorder *r, struct cpu *c, struct rec_part *p)
{
	uint8_t live[KVM_APIC_REG_SIZE];
	uint32_t n = 0;
	int ret;

	switch (p->kind) {
	case REC_PART_MSRS: {
		struct kvm_msrs *m = calloc(1, sizeof(*m) + r->msrs->nmsrs *
					       sizeof(m->entries[0]));

		if (!m)
			return -ENOMEM;
		for (uint32_t i = 0; i < r->msrs->nmsrs; i++) {
			if (!memcmp(p->cur + i * 8, p->in + i * 8, 8))
				continue;
			m->entries[n].index = r->msrs->entries[i].index;
			memcpy(&m->entries[n++].data, p->cur + i * 8, 8);
		}
		m->nmsrs = n;
		ret = n ? cpu__msrs(c, m, true) : 0;
		free(m);
		return ret;
	}
	case REC_PART_LAPIC:
		/* The timer's count goes on from where it is. */
		ret = cpu__get_lapic(c, live, sizeof(live));
		if (ret < 0)
			return ret;
		memcpy(live, p->cur, APIC_TMCCT);
		memcpy(live + APIC_TMCCT + 4, p->cur + APIC_TMCCT + 4,
		       sizeof(live) - APIC_TMCCT - 4);
		return cpu__set_lapic(c, live, sizeof(live));
	case REC_PART_IRQCHIP:
	case REC_PART_DEVICE:
		return devices__load(r->devs, p->dev, p->cur, p->size);
	}
	return -EINVAL;
}

static void lapic_live(struct recorder *r)
{
	uint64_t base = 0;
	uint32_t svr = 0;

	r->lapic_live = false;
	for (int i = 0; i < r->nparts; i++) {
		const struct rec_part *p = &r->parts[i];

		if (p->kind == REC_PART_LAPIC) {
			memcpy(&svr, p->end + APIC_SVR, 4);
			r->lapic_live |= (svr & APIC_SW_ENABLE) != 0;
		} else if (p->kind == REC_PART_MSRS && r->apic_base_at >= 0) {
			memcpy(&base, p->end + (size_t)r->apic_base_at * 8, 8);
			r->lapic_live |= (base & APIC_X2APIC) != 0;
		}
	}
}

/* The parts this machine has, each read once: end, cur and in. */
static int parts_start(struct recorder *r, struct cpu *c)
{
	uint8_t regs[KVM_APIC_REG_SIZE];
	int ret = 0;

	free_parts(r);
	if (c->fd >= 0 && msr_list(r, c) == 0)
		ret = add_part(r, REC_PART_MSRS, -1, r->msrs->nmsrs * 8);
	if (ret == 0 && c->fd >= 0 && cpu__get_lapic(c, regs, sizeof(regs)) == 0)
		ret = add_part(r, REC_PART_LAPIC, -1, sizeof(regs));
	for (int i = 0; ret == 0 && r->devs && i < r->devs->nr; i++) {
		ssize_t n = devices__save(r->devs, i, NULL, 0);

		if (n > 0)
			ret = add_part(r, i == 0 ? REC_PART_IRQCHIP : REC_PART_DEVICE, i, (size_t)n);
	}
	for (int i = 0; ret == 0 && i < r->nparts; i++) {
		struct rec_part *p = &r->parts[i];

		if (read_part(r, c, p) < 0) {
			/* One KVM or a device will not give: the rest still counts. */
			free(p->end);
			memmove(p, p + 1, (size_t)(r->nparts - i - 1) * sizeof(*p));
			r->nparts--;
			i--;
			continue;
		}
		memcpy(p->end, p->now, p->len);
		memcpy(p->cur, p->now, p->len);
		memcpy(p->in, p->now, p->len);
	}
	if (ret < 0)
		free_parts(r);
	lapic_live(r);
	return ret;
}

/*
 * The 64-bit words of old and now that differ, as pairs after at: the
 * key (base | the word's index, key_len bytes: 2 for the x87/SSE state,
 * 4 for a part) and old XOR new; *n counts them.  0, or -ENOMEM.
 */
static int xor_pairs(struct recorder *r, const void *old, const void *now, size_t words,
		     uint32_t base, size_t key_len, size_t *at, uint16_t *n)
{
	for (size_t w = 0; w < words; w++) {
		uint64_t a, b, x;
		uint32_t key = base | (uint32_t)w;
		uint16_t key16 = (uint16_t)key;

		memcpy(&a, (const uint8_t *)old + w * 8, 8);
		memcpy(&b, (const uint8_t *)now + w * 8, 8);
		if (a == b)
			continue;
		if (*n == UINT16_MAX || scratch_room(r, *at, key_len + 8) < 0)
			return -ENOMEM;
		x = a ^ b;
		memcpy(r->scratch + *at, key_len == 2 ? (const void *)&key16 : (const void *)&key,
		       key_len);
		memcpy(r->scratch + *at + key_len, &x, 8);
		*at += key_len + 8;
		(*n)++;
	}
	return 0;
}

/* Which parts a note reads: an edit all; a step what it may have changed. */
static bool part_wanted(const struct recorder *r, const struct rec_part *p, enum rec_kind kind)
{
	if (kind != REC_INSN)
		return kind == REC_EDIT || p->kind == REC_PART_IRQCHIP || p->kind == REC_PART_DEVICE;
	switch (p->kind) {
	case REC_PART_MSRS:
		return r->hints & REC_HINT_MSR;
	case REC_PART_LAPIC:
		return r->lapic_live || r->chips || (r->hints & REC_HINT_MSR);
	case REC_PART_IRQCHIP:
		return r->chips || r->irq || (r->hints & REC_HINT_IO);
	case REC_PART_DEVICE:
		return r->hints & REC_HINT_IO;
	}
	return false;
}

/* The parts' changed words as (part << 24 | word, XOR) pairs after at;
 * end, cur and in take the new state (the machine is at the end). */
static int xor_parts(struct recorder *r, struct cpu *c, enum rec_kind kind, size_t *at,
		     uint16_t *n)
{
	for (int i = 0; i < r->nparts; i++) {
		struct rec_part *p = &r->parts[i];

		if (!part_wanted(r, p, kind) || read_part(r, c, p) < 0)
			continue;
		if (!memcmp(p->now, p->end, p->len))
			continue;
		if (xor_pairs(r, p->end, p->now, p->len / 8, (uint32_t)i << 24, 4, at, n) < 0)
			return -ENOMEM;
		memcpy(p->end, p->now, p->len);
		memcpy(p->cur, p->now, p->len);
		memcpy(p->in, p->now, p->len);
		if (p->kind == REC_PART_MSRS || p->kind == REC_PART_LAPIC)
			lapic_live(r);
	}
	return 0;
}

int record__load_parts(struct recorder *r, struct cpu *c, bool devices, char *msg, size_t len)
{
	for (int i = 0; i < r->nparts; i++) {
		struct rec_part *p = &r->parts[i];
		int ret;

		if ((p->kind == REC_PART_DEVICE && !devices) || !memcmp(p->cur, p->in, p->len))
			continue;
		ret = load_part(r, c, p);
		if (ret < 0) {
			snprintf(msg, len, "%s could not be put back as recorded: %s",
				 p->kind == REC_PART_MSRS ? "the MSRs" :
				 p->kind == REC_PART_LAPIC ? "the local APIC" :
				 devices__name(r->devs, p->dev), strerror(-ret));
			return ret;
		}
		memcpy(p->in, p->cur, p->len);
	}
	return 0;
}

const uint8_t *record__lapic(const struct recorder *r)
{
	if (!r->on || r->pos != r->count || !r->lapic_live)
		return NULL;
	for (int i = 0; i < r->nparts; i++)
		if (r->parts[i].kind == REC_PART_LAPIC)
			return r->parts[i].end;
	return NULL;
}

static int baseline(struct recorder *r, struct cpu *c, char *msg, size_t len)
{
	int ret = cpu__regs(c, &r->regs);

	if (ret == 0)
		ret = cpu__sregs(c, &r->sregs);
	if (ret < 0) {
		snprintf(msg, len, "cannot read the vCPU's registers: %s", strerror(-ret));
		return ret;
	}
	r->cur_regs = r->regs;
	r->cur_sregs = r->sregs;
	/* A host without any FPU interface: the rest is still exact. */
	r->fpu_on = cpu__fpu_get(c, &r->fpu) == 0;
	r->cur_fpu = r->fpu;
	r->hints = 0;
	if (parts_start(r, c) < 0) {
		snprintf(msg, len, "out of memory for the MSRs', the local APIC's and the "
			 "devices' state");
		return -ENOMEM;
	}
	/* What was written before now is in the shadow already. */
	memory__take_dirty(r->mem, MEM_DIRTY_RECORD, r->dirty);
	memset(r->dirty, 0, (r->nr_pages + 63) / 64 * sizeof(uint64_t));
	fill_shadow(r);
	return 0;
}

int record__start(struct recorder *r, struct cpu *c, char *msg, size_t len)
{
	char err[160];
	int ret;

	if (r->on) {
		snprintf(msg, len, "recording is on already");
		return 0;
	}
	r->nr_pages = r->mem->nr_pages;
	r->shadow = malloc(r->nr_pages * MEM_PAGE);
	r->dirty = calloc((r->nr_pages + 63) / 64, sizeof(uint64_t));
	if (!r->shadow || !r->dirty) {
		release(r);
		snprintf(msg, len, "out of memory for the copy of guest memory (%llu KiB)",
			 (unsigned long long)(r->nr_pages * MEM_PAGE >> 10));
		return -ENOMEM;
	}
	ret = memory__log_all(r->mem, MEM_DIRTY_RECORD, true, err, sizeof(err));
	if (ret < 0) {
		free(r->shadow);
		r->shadow = NULL;
		release(r);
		snprintf(msg, len, "cannot follow the guest's writes to memory: %s", err);
		return ret;
	}
	ret = baseline(r, c, msg, len);
	if (ret < 0) {
		release(r);
		return ret;
	}
	forget_log(r);
	r->total = 0;
	r->why_off[0] = '\0';
	r->on = true;
	snprintf(msg, len, "recording: each instruction is single-stepped and logged (at most "
		 "%llu instructions, %s; monitor record limit)",
		 (unsigned long long)r->limit_insns, size_str(r->limit_bytes, err, sizeof(err)));
	return 0;
}

void record__stop(struct recorder *r, struct cpu *c)
{
	char err[200];

	/* In the past: the guest goes on from there, the devices too. */
	if (record__past(r) && record__load_parts(r, c, true, err, sizeof(err)) < 0)
		log__say(r->log ? r->log : stderr, "%s", err);
	release(r);
}

int record__rebase(struct recorder *r, struct cpu *c, char *msg, size_t len)
{
	msg[0] = '\0';
	if (!r->on)
		return 0;
	forget_log(r);
	return baseline(r, c, msg, len);
}

int record__limit(struct recorder *r, uint64_t n, bool bytes, char *msg, size_t len)
{
	if (n == 0) {
		snprintf(msg, len, "a limit of 0 keeps nothing: give 1 or more");
		return -EINVAL;
	}
	if (bytes)
		r->limit_bytes = n;
	else
		r->limit_insns = n;
	char lim[32];

	snprintf(msg, len, "the log keeps at most %llu instructions and %s; past that the "
		 "oldest are dropped", (unsigned long long)r->limit_insns,
		 size_str(r->limit_bytes, lim, sizeof(lim)));
	return 0;
}

static uint64_t log_bytes(const struct recorder *r)
{
	return (r->used - (r->count ? r->off[r->head] : r->used)) + r->count * sizeof(uint64_t);
}

void record__status(const struct recorder *r, char *msg, size_t len)
{
	uint64_t bytes = log_bytes(r), back = 0;
	char lim[32];

	for (uint64_t k = r->pos; k < r->count; k++)
		back += record__entry(r, k)->kind == REC_INSN;

	if (!r->on) {
		snprintf(msg, len, "recording: off%s\n", r->why_off[0] ?
			 " (it stopped by itself: see the message at the last stop)" : "");
		return;
	}
	snprintf(msg, len,
		 "recording: on, vCPU 0\n"
		 "log: %llu instructions, %llu bytes (%.1f bytes an instruction); the copy of "
		 "memory %llu KiB\n"
		 "limit: %llu instructions, %s; %llu of the oldest dropped\n"
		 "position: %s, %llu instructions back from the end\n"
		 "undone going back: registers, x87/SSE/AVX, memory, MSRs, the local APIC, "
		 "the PICs, I/O APIC and PIT; the other devices when recording stops in the "
		 "past\n",
		 (unsigned long long)r->insns, (unsigned long long)bytes,
		 r->insns ? (double)bytes / (double)r->insns : 0.0,
		 (unsigned long long)(r->nr_pages * MEM_PAGE >> 10),
		 (unsigned long long)r->limit_insns, size_str(r->limit_bytes, lim, sizeof(lim)),
		 (unsigned long long)r->dropped,
		 r->pos == r->count ? "at the end (live)" : "in the past",
		 (unsigned long long)back);
}

void record__tell(struct recorder *r, char *buf, size_t len)
{
	buf[0] = '\0';
	if (r->why_off[0] && !r->on) {
		snprintf(buf, len, "%s", r->why_off);
		r->why_off[0] = '\0';
	} else if (r->tell_drop) {
		char lim[32];

		snprintf(buf, len, "kvmstub: the record log is at its limit (%llu instructions, "
			 "%s): the oldest instructions are dropped (monitor record status)",
			 (unsigned long long)r->limit_insns, size_str(r->limit_bytes, lim, sizeof(lim)));
		r->tell_drop = false;
	}
}

/* Room for n more bytes in the scratch entry. */
static int scratch_room(struct recorder *r, size_t at, size_t n)
{
	size_t cap;
	uint8_t *p;

	if (at + n <= r->scratch_cap)
		return 0;
	cap = r->scratch_cap ? r->scratch_cap * 2 : 4096;
	while (cap < at + n)
		cap *= 2;
	p = realloc(r->scratch, cap);
	if (!p)
		return -ENOMEM;
	r->scratch = p;
	r->scratch_cap = cap;
	return 0;
}

/* The changed bytes of page i as spans after at; the shadow takes them. */
static int diff_page(struct recorder *r, uint64_t i, size_t *at, uint16_t *nspans)
{
	const uint8_t *host = memory__page(r->mem, i);
	uint8_t now[MEM_PAGE];
	uint8_t *sh = r->shadow + i * MEM_PAGE;
	size_t b = 0;

	if (!host)
		return 0;
	memcpy(now, host, MEM_PAGE);
	bp__shadow_read(r->bpm, host, now, MEM_PAGE);
	if (!memcmp(now, sh, MEM_PAGE))
		return 0;
	while (b < MEM_PAGE) {
		size_t start, end, gap;
		struct rec_span sp;

		if (now[b] == sh[b]) {
			b++;
			continue;
		}
		start = b;
		end = b + 1;
		for (gap = 0, b++; b < MEM_PAGE && gap <= SPAN_GAP; b++) {
			if (now[b] != sh[b]) {
				end = b + 1;
				gap = 0;
			} else {
				gap++;
			}
		}
		b = end;
		sp = (struct rec_span){ .page = (uint32_t)i, .off = (uint16_t)start,
					.len = (uint16_t)(end - start) };
		if (scratch_room(r, *at, sizeof(sp) + sp.len) < 0 || *nspans == UINT16_MAX)
			return -ENOMEM;
		memcpy(r->scratch + *at, &sp, sizeof(sp));
		*at += sizeof(sp);
		for (size_t k = start; k < end; k++) {
			r->scratch[(*at)++] = now[k] ^ sh[k];
			sh[k] = now[k];
		}
		(*nspans)++;
	}
	return 0;
}

static int xor_words(struct recorder *r, const void *old, const void *now, size_t words,
		     uint64_t *mask, size_t *at)
{
	for (size_t w = 0; w < words; w++) {
		uint64_t a, b, x;

		memcpy(&a, (const uint8_t *)old + w * 8, 8);
		memcpy(&b, (const uint8_t *)now + w * 8, 8);
		if (a == b)
			continue;
		if (scratch_room(r, *at, 8) < 0)
			return -ENOMEM;
		x = a ^ b;
		memcpy(r->scratch + *at, &x, 8);
		*at += 8;
		*mask |= 1ull << w;
	}
	return 0;
}

/* The words of struct target_fpu that differ go after the memory spans as
 * xor_pairs' (index, old XOR new), 2 + 8 bytes each. */
#define FPU_WORDS	(sizeof(struct target_fpu) / 8)
_Static_assert(FPU_WORDS <= 0xFFFF, "word index too small");

/* Drop the oldest entry; the room is taken back now and then. */
static void drop_oldest(struct recorder *r)
{
	const struct rec_hdr *e = record__entry(r, 0);

	if (e->kind == REC_INSN) {
		r->insns--;
		r->dropped++;
	}
	r->head++;
	r->count--;
	r->pos--;
	if (r->head > r->count && r->head > 1024) {
		size_t from = r->count ? r->off[r->head] : r->used;

		memmove(r->buf, r->buf + from, r->used - from);
		r->used -= from;
		for (uint64_t k = 0; k < r->count; k++)
			r->off[k] = r->off[r->head + k] - from;
		r->head = 0;
	}
}

static void out_of_memory(struct recorder *r, const char *what)
{
	snprintf(r->why_off, sizeof(r->why_off), "kvmstub: recording stopped: out of memory for "
		 "%s after %llu instructions (the log is dropped; monitor record limit N to keep "
		 "fewer, then monitor record on)", what, (unsigned long long)r->total);
	/* Said at the next stop; and always on the daemon's stderr. */
	log__say(r->log ? r->log : stderr, "%s", r->why_off + strlen("kvmstub: "));
	release(r);
}

static int append(struct recorder *r, size_t n)
{
	if (r->used + n > r->cap) {
		size_t cap = r->cap ? r->cap : 1 << 20;
		uint8_t *p;

		while (cap < r->used + n)
			cap *= 2;
		p = grow(r->buf, r->cap, cap);
		if (!p)
			return -ENOMEM;
		r->buf = p;
		r->cap = cap;
	}
	if (r->head + r->count + 1 > r->off_cap) {
		uint64_t cap = r->off_cap ? r->off_cap * 2 : 65536;
		uint64_t *p = grow(r->off, r->off_cap * sizeof(uint64_t), cap * sizeof(uint64_t));

		if (!p)
			return -ENOMEM;
		r->off = p;
		r->off_cap = cap;
	}
	memcpy(r->buf + r->used, r->scratch, n);
	r->off[r->head + r->count] = r->used;
	r->used += n;
	r->count++;
	r->pos = r->count;
	return 0;
}

void record__predict(struct recorder *r)
{
	const struct kvm_sregs *s = &r->sregs;
	uint64_t pc, avail;
	uint8_t code[15];
	const uint8_t *host;
	int bits;
	size_t n;

	r->predicted = false;
	if (!r->on || r->pos != r->count || (s->cr0 & X86_CR0_PG))
		return;
	bits = (s->efer & X86_EFER_LMA) && s->cs.l ? 64 : s->cs.db ? 32 : 16;
	pc = record__pc(&r->regs, s);	/* paging off: physical too */
	host = memory__host(r->mem, pc, &avail);
	if (!host)
		return;
	n = avail < sizeof(code) ? (size_t)avail : sizeof(code);
	memcpy(code, host, n);
	bp__shadow_read(r->bpm, host, code, n);	/* the guest's bytes under our int3s */
	r->prediction = r->regs;
	r->predicted = insn__exec(code, n, bits, &r->prediction) > 0;
}

/* The entry built in scratch (at bytes, h its header) into the log, the
 * limits kept.  0, or -ENOMEM (recording stopped). */
static int add_entry(struct recorder *r, struct rec_hdr *h, size_t at)
{
	at = ALIGN8(at);
	if (scratch_room(r, 0, at) < 0) {
		out_of_memory(r, "an entry");
		return -ENOMEM;
	}
	h->size = (uint32_t)at;
	memcpy(r->scratch, h, sizeof(*h));
	if (append(r, at) < 0) {
		out_of_memory(r, "the log");
		return -ENOMEM;
	}
	if (h->kind == REC_INSN) {
		r->insns++;
		r->total++;
	}
	while (r->count > 1 && (r->insns > r->limit_insns || log_bytes(r) > r->limit_bytes)) {
		if (!r->dropped)
			r->tell_drop = true;
		drop_oldest(r);
	}
	return 0;
}

void record__hint(struct recorder *r, unsigned int hints, struct cpu *c)
{
	struct rec_hdr h = { .kind = REC_DEV };
	size_t at = sizeof(h);

	if (!r->on || r->pos != r->count)
		return;
	r->hints |= hints;
	/* Before port I/O: what the devices did by themselves since they
	 * were read is an entry of its own (undone with the I/O, input that
	 * came meanwhile would be lost going on from before it). */
	if (!(hints & REC_HINT_IO) || !c)
		return;
	if (scratch_room(r, 0, sizeof(h)) < 0 ||
	    xor_parts(r, c, REC_DEV, &at, &h.nparts) < 0) {
		out_of_memory(r, "an entry");
		return;
	}
	if (h.nparts)
		add_entry(r, &h, at);
}

int record__note(struct recorder *r, struct cpu *c, enum rec_kind kind)
{
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct target_fpu fpu;
	bool fpu_read = false;
	struct rec_hdr h = { .kind = (uint8_t)kind };
	uint64_t rmask = 0;
	size_t at = sizeof(h);
	bool quick;
	int ret;

	if (!r->on || r->pos != r->count)
		return 0;
	ret = cpu__regs(c, &regs);
	if (ret == 0)
		ret = cpu__sregs(c, &sregs);
	if (ret < 0)
		return ret;
	/* The instruction predicted did only that: memory is as it was. */
	quick = kind == REC_INSN && r->predicted && !(r->hints & REC_HINT_IO) &&
		!memcmp(&regs, &r->prediction, sizeof(regs)) &&
		!memcmp(&sregs, &r->sregs, sizeof(sregs));
	/*
	 * The local APIC and the irqchip change without an exit: by a write
	 * to their registers (KVM serves it: the decoder says where the
	 * instruction wrote, with memory as it was before it, which the
	 * shadow still is); the PICs by an interrupt taken (IF was set: one
	 * through the local APIC changes it only while it is on, and then it
	 * is read at every step anyway).
	 */
	r->irq = !quick && kind == REC_INSN &&
		 ((r->regs.rflags & X86_RFLAGS_IF) || (regs.rflags & X86_RFLAGS_IF));
	r->chips = !quick && kind == REC_INSN && r->nparts && record__writes_chips(r);
	if (quick) {
		r->quick++;	/* ... and no x87 or SSE register either */
	} else {
		ret = memory__take_dirty(r->mem, MEM_DIRTY_RECORD, r->dirty);
		if (ret < 0)
			return ret;
		fpu_read = r->fpu_on && cpu__fpu_get(c, &fpu) == 0;
	}
	r->predicted = false;
	if (scratch_room(r, 0, sizeof(h)) < 0) {
		out_of_memory(r, "an entry");
		return -ENOMEM;
	}
	ret = xor_words(r, &r->regs, &regs, REC_RWORDS, &rmask, &at);
	if (ret == 0)
		ret = xor_words(r, &r->sregs, &sregs, REC_SWORDS, &h.smask, &at);
	for (uint64_t w = 0; ret == 0 && w < (r->nr_pages + 63) / 64; w++) {
		while (r->dirty[w] && ret == 0) {
			uint64_t i = w * 64 + (uint64_t)__builtin_ctzll(r->dirty[w]);

			r->dirty[w] &= r->dirty[w] - 1;
			if (i < r->nr_pages)
				ret = diff_page(r, i, &at, &h.nspans);
		}
	}
	if (ret == 0 && fpu_read)
		ret = xor_pairs(r, &r->fpu, &fpu, FPU_WORDS, 0, 2, &at, &h.nfpu);
	if (ret == 0)
		ret = xor_parts(r, c, kind, &at, &h.nparts);
	r->hints = 0;
	if (ret < 0) {
		out_of_memory(r, "an entry");
		return ret;
	}
	h.rmask = (uint32_t)rmask;
	r->regs = r->cur_regs = regs;
	r->sregs = r->cur_sregs = sregs;
	if (fpu_read)
		r->fpu = r->cur_fpu = fpu;
	if (!h.rmask && !h.smask && !h.nspans && !h.nfpu && !h.nparts)
		return 0;	/* nothing changed: no entry */
	return add_entry(r, &h, at);
}

void record__settle(struct recorder *r, struct cpu *c)
{
	if (!r->on)
		return;
	if (r->pos == r->count) {
		record__note(r, c, REC_EDIT);
		return;
	}
	if (memory__take_dirty(r->mem, MEM_DIRTY_RECORD, r->dirty) < 0)
		return;
	for (uint64_t w = 0; w < (r->nr_pages + 63) / 64; w++) {
		while (r->dirty[w]) {
			uint64_t i = w * 64 + (uint64_t)__builtin_ctzll(r->dirty[w]);
			uint8_t *host = memory__page(r->mem, i);
			uint8_t now[MEM_PAGE];

			r->dirty[w] &= r->dirty[w] - 1;
			if (i >= r->nr_pages || !host)
				continue;
			memcpy(now, host, MEM_PAGE);
			bp__shadow_read(r->bpm, host, now, MEM_PAGE);
			if (!memcmp(now, r->shadow + i * MEM_PAGE, MEM_PAGE))
				continue;
			bp__shadow_write(r->bpm, host, r->shadow + i * MEM_PAGE, MEM_PAGE);
			memory__touched(r->mem, host, MEM_PAGE);
		}
	}
}

void record__apply(struct recorder *r, const struct rec_hdr *e, struct kvm_regs *regs,
		   struct kvm_sregs *sregs)
{
	const uint8_t *p = (const uint8_t *)e + sizeof(*e);
	uint8_t *rw = (uint8_t *)regs, *sw = (uint8_t *)sregs;

	for (uint32_t m = e->rmask; m; m &= m - 1) {
		int w = __builtin_ctz(m);
		uint64_t v, x;

		memcpy(&v, rw + w * 8, 8);
		memcpy(&x, p, 8);
		v ^= x;
		memcpy(rw + w * 8, &v, 8);
		p += 8;
	}
	for (uint64_t m = e->smask; m; m &= m - 1) {
		int w = __builtin_ctzll(m);
		uint64_t v, x;

		memcpy(&v, sw + w * 8, 8);
		memcpy(&x, p, 8);
		v ^= x;
		memcpy(sw + w * 8, &v, 8);
		p += 8;
	}
	for (uint16_t s = 0; s < e->nspans; s++) {
		struct rec_span sp;
		uint8_t *host, buf[MEM_PAGE];
		uint8_t *sh;

		memcpy(&sp, p, sizeof(sp));
		p += sizeof(sp);
		host = memory__page(r->mem, sp.page);
		sh = r->shadow + (uint64_t)sp.page * MEM_PAGE + sp.off;
		for (uint16_t k = 0; k < sp.len; k++)
			sh[k] ^= p[k];
		if (host) {
			host += sp.off;
			memcpy(buf, host, sp.len);
			bp__shadow_read(r->bpm, host, buf, sp.len);
			for (uint16_t k = 0; k < sp.len; k++)
				buf[k] ^= p[k];
			bp__shadow_write(r->bpm, host, buf, sp.len);
			memory__touched(r->mem, host, sp.len);
		}
		p += sp.len;
	}
	for (uint32_t k = 0; k < e->nfpu; k++, p += 10) {
		uint8_t *fw = (uint8_t *)&r->cur_fpu;
		uint64_t v, x;
		uint16_t i;

		memcpy(&i, p, 2);
		memcpy(&x, p + 2, 8);
		memcpy(&v, fw + (size_t)i * 8, 8);
		v ^= x;
		memcpy(fw + (size_t)i * 8, &v, 8);
	}
	for (uint32_t k = 0; k < e->nparts; k++, p += REC_PART_PAIR) {
		uint32_t key;
		uint64_t v, x;
		uint8_t *w;

		memcpy(&key, p, 4);
		memcpy(&x, p + 4, 8);
		if ((int)(key >> 24) >= r->nparts)
			continue;
		w = r->parts[key >> 24].cur + (size_t)(key & 0xFFFFFF) * 8;
		memcpy(&v, w, 8);
		v ^= x;
		memcpy(w, &v, 8);
	}
}
