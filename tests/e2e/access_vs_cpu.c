/*
 * access_vs_cpu.c - kvm/insn_access.c against the CPU: random instructions
 * of every family the decoder covers, with random registers, segment
 * bases, sizes and prefixes, single-stepped once by a KVM vCPU in real,
 * protected and long mode, with their data and stack in guest-physical
 * memory that is in no memory slot.  Every access then exits as
 * KVM_EXIT_MMIO, served here from a data pattern and recorded byte by
 * byte; the bytes read and written must be the decoder's (its INSN_MAYBE
 * bytes may or may not be), and the pc after a non-branch must be the
 * decoder's length on.
 *
 * The scratch VM is the probe's (kvm/probe_vm.c: one slot, 0-64 KiB, with
 * tables for the three modes); this program adds its own interrupt tables
 * (vector n lands on HANDLERS + 2n, so a fault shows as the pc), page
 * tables that identity-map 4 GiB in long mode, a data descriptor whose
 * accessed bit is clear (so a segment load shows in the GDT: checked
 * against the decoder's INSN_SYS entries), and restores the slot before
 * every run.
 *
 * KVM's emulator serves every MMIO access, in every mode, and is not the
 * CPU everywhere: it makes only the last MMIO write of an instruction, its
 * third pop from an MMIO stack is off, its _std accessors (sgdt, lgdt,
 * fxsave) never reach MMIO.  Those instructions run with their stack or
 * operand in two areas of the slot instead, twice over two fill patterns
 * (a written byte changes in one run at least), and pops and lgdt are
 * checked by the registers they load.  In long mode a share of the other
 * instructions runs there too, executed by the CPU itself (this host
 * emulates x87, most SSE and fxsave even so).  What KVM cannot execute is
 * a skip of that one instruction, counted per family, never a pass; the
 * known differences of KVM's emulator from the CPU are listed at T_KVM_*.
 * An instruction the decoder calls invalid (-EILSEQ) is counted, not run.
 * The instructions come from access_gen.h.  Run by access_vs_cpu.sh.
 *
 *   access_vs_cpu [TRIALS_PER_MODE [SEED]]   exit 0: all equal; 1: a
 *                                            difference (printed); 2: KVM
 *                                            unusable
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../kvm/cpu/insn_access.h"
#include "../../kvm/host/ioctl.h"
#include "../../kvm/host/probe_priv.h"
#include "access_gen.h"

#define MAX_SHOWN	12		/* differences printed in full */

/* ---- bytes: what the decoder says, what the CPU did, the data ---- */

#define B_DR	0x01	/* decoder: read */
#define B_DW	0x02	/* decoder: written */
#define B_MR	0x04	/* decoder: maybe read */
#define B_MW	0x08	/* decoder: maybe written */
#define B_CR	0x10	/* the CPU read it */
#define B_CW	0x20	/* the CPU wrote it */
#define B_DATA	0x40	/* data holds its contents */

#define MAP_SIZE	(1u << 15)

struct byte_ent {
	uint64_t addr;
	uint8_t flags, data;
	bool used;
};

struct bytemap {
	struct byte_ent e[MAP_SIZE];
	uint32_t touched[MAP_SIZE];
	uint32_t n;
};

static struct byte_ent *map_get(struct bytemap *m, uint64_t a, bool create)
{
	uint32_t h = (uint32_t)((a * 0x9E3779B97F4A7C15ull) >> 49);

	for (;;) {
		struct byte_ent *e = &m->e[h];

		if (e->used && e->addr == a)
			return e;
		if (!e->used) {
			if (!create || m->n >= MAP_SIZE / 2)
				return NULL;
			e->used = true;
			e->addr = a;
			e->flags = 0;
			m->touched[m->n++] = h;
			return e;
		}
		h = (h + 1) & (MAP_SIZE - 1);
	}
}

static void map_clear(struct bytemap *m)
{
	for (uint32_t i = 0; i < m->n; i++)
		m->e[m->touched[i]].used = false;
	m->n = 0;
}

/* ---- the run's state ---- */

struct stats {
	long tried, compared, equal, emulation, fault, unknown, unplaced, other;
	long lax_ud;		/* the decoder says #UD, KVM's emulator ran it */
	long overrun;		/* the step ran on into the hlt after it */
};

struct mmio_log {
	uint64_t addr;
	uint32_t len;
	bool write;
};

struct ctx {
	struct probe p;
	char err[256];
	struct vcpu v;
	struct gen_ctx gen;		/* the generator's: random state, mode, sregs */
	uint64_t seed;
	uint8_t pristine[SLOT_END];
	struct bytemap *map;
	struct trial t;
	struct mmio_log log[64];
	int nlog;
	bool overflow;
	int shown, bad, max_shown, only_fam;
	uint64_t after_pc;
	uint8_t before[2][2][AREA_LEN];	/* the areas before each of the two runs */
	uint8_t after[2][2][AREA_LEN];	/* ... and after */
	struct stats st[32][NMODES];
};

static uint8_t data_at(struct ctx *c, uint64_t a)
{
	struct byte_ent *e;
	uint64_t h;

	if (a < SLOT_END)
		return c->p.mem[a];
	e = map_get(c->map, a, false);
	if (e && (e->flags & B_DATA))
		return e->data;
	switch (c->t.data) {
	case D_ZERO:
		return 0;
	case D_LOWBYTE:
		return (uint8_t)a;
	case D_WORD:
		return (uint8_t)(a & 1 ? c->t.word >> 8 : c->t.word);
	default:
		h = (a ^ c->seed) * 0xD6E8FEB86659FD93ull;
		return (uint8_t)(h >> 56);
	}
}

static void data_put(struct ctx *c, uint64_t a, uint8_t v)
{
	struct byte_ent *e = map_get(c->map, a, true);

	if (!e) {
		c->overflow = true;
		return;
	}
	e->flags |= B_DATA;
	e->data = v;
}

/* The decoder's reader: linear is physical here (identity paging). */
static int read_mem(void *ctx, uint64_t lin, void *buf, size_t len)
{
	struct ctx *c = ctx;
	uint8_t *p = buf;

	for (size_t i = 0; i < len; i++)
		p[i] = data_at(c, lin + i);
	return 0;
}

/* ---- running ---- */

enum outcome_kind { K_DONE, K_EMULATION, K_FAULT, K_OTHER };

static void record_mmio(struct ctx *c)
{
	struct kvm_run *run = c->v.run;
	uint64_t a = run->mmio.phys_addr;
	uint32_t n = run->mmio.len > 8 ? 8 : run->mmio.len;

	if (c->nlog < 64)
		c->log[c->nlog++] = (struct mmio_log){ a, n, run->mmio.is_write != 0 };
	for (uint32_t i = 0; i < n; i++) {
		struct byte_ent *e;

		if (run->mmio.is_write) {
			data_put(c, a + i, run->mmio.data[i]);
		} else {
			run->mmio.data[i] = data_at(c, a + i);
		}
		e = map_get(c->map, a + i, true);
		if (!e) {
			c->overflow = true;
			continue;
		}
		e->flags |= run->mmio.is_write ? B_CW : B_CR;
	}
}

/*
 * One single step with MMIO and port I/O served: how it ended.  KVM drops
 * the single step's trap when an instruction's last access is an MMIO
 * write ("FIXME: return into emulator if single-stepping" in x86.c), so
 * after each write the access is completed with immediate_exit, which
 * returns before the guest runs on; a rep string with turns to go (the pc
 * still on it) is then resumed.
 */
static int step(struct ctx *c, struct kvm_regs *after, struct kvm_sregs *safter,
		uint32_t *exit_reason)
{
	const uint64_t start = c->t.s.cs.base + c->t.r.rip;
	struct kvm_run *run = c->v.run;
	bool finishing = false;
	struct result res;

	for (int i = 0; i < 20000; i++) {
		if (finishing) {
			int r;

			run->immediate_exit = 1;
			r = KVM_IOCTL(c->v.fd, KVM_RUN, 0);
			run->immediate_exit = 0;
			if (r == -EINTR) {
				finishing = false;
				if (KVM_IOCTL(c->v.fd, KVM_GET_REGS, after) < 0 ||
				    KVM_IOCTL(c->v.fd, KVM_GET_SREGS, safter) < 0)
					return -1;
				if (safter->cs.base + after->rip != start)
					return K_DONE;
				continue;
			}
			if (r < 0)
				return -1;
		} else {
			if (probe_vm__run(&c->p, &c->v, &res) < 0)
				return -1;
			if (res.what == OUT_TIMEOUT)
				return K_OTHER;
		}
		*exit_reason = run->exit_reason;
		if (run->exit_reason == KVM_EXIT_MMIO) {
			record_mmio(c);
			finishing = run->mmio.is_write;
			continue;
		}
		if (run->exit_reason == KVM_EXIT_IO && run->io.port == PORT) {
			if (run->io.direction == KVM_EXIT_IO_IN)
				memset((uint8_t *)run + run->io.data_offset, 0x5A,
				       (size_t)run->io.size * run->io.count);
			finishing = true;	/* the step is lost after port I/O too */
			continue;
		}
		if (KVM_IOCTL(c->v.fd, KVM_GET_REGS, after) < 0 ||
		    KVM_IOCTL(c->v.fd, KVM_GET_SREGS, safter) < 0)
			return -1;
		switch (run->exit_reason) {
		case KVM_EXIT_DEBUG:
			if ((c->t.flags & T_REP) && safter->cs.base + after->rip == start)
				continue;	/* a turn done, more to go */
			return K_DONE;
		case KVM_EXIT_HLT:	/* the hlt after it: checked by the caller */
			return K_DONE;
		case KVM_EXIT_INTERNAL_ERROR:
			return K_EMULATION;
		case KVM_EXIT_SHUTDOWN:
			return K_FAULT;
		case KVM_EXIT_IO:	/* the handlers' out */
			return run->io.port == 0xe1 ? K_FAULT : K_OTHER;
		default:
			return K_OTHER;
		}
	}
	return K_OTHER;
}

static bool in_area(uint64_t a, uint64_t len);

static void show_trial(struct ctx *c, const char *why, int n, const struct insn_access *a,
		       int ret, int len)
{
	const struct trial *t = &c->t;

	if (c->shown++ >= c->max_shown)
		return;
	printf("DIFFERENT (%s) in %s mode, %s:", why, mode_names[c->gen.mode], fam_names[t->fam]);
	for (int i = 0; i < (len > 0 ? len : 15); i++)
		printf(" %02x", t->code[i]);
	printf("\n  rip %#llx rsp %#llx rsi %#llx rdi %#llx rcx %#llx rax %#llx rflags %#llx\n",
	       (unsigned long long)t->r.rip, (unsigned long long)t->r.rsp,
	       (unsigned long long)t->r.rsi, (unsigned long long)t->r.rdi,
	       (unsigned long long)t->r.rcx, (unsigned long long)t->r.rax,
	       (unsigned long long)t->r.rflags);
	printf("  cs.db %d ss.db %d bases ds %#llx es %#llx ss %#llx fs %#llx gs %#llx\n",
	       t->s.cs.db, t->s.ss.db, (unsigned long long)t->s.ds.base,
	       (unsigned long long)t->s.es.base, (unsigned long long)t->s.ss.base,
	       (unsigned long long)t->s.fs.base, (unsigned long long)t->s.gs.base);
	printf("  pc after %#llx (exit reason %u)\n", (unsigned long long)c->after_pc,
	       c->v.run->exit_reason);
	printf("  decoder (%d, length %d):", ret, len);
	for (int i = 0; i < n; i++)
		printf(" %#llx+%llu%s%s%s%s", (unsigned long long)a[i].lin,
		       (unsigned long long)a[i].len, a[i].rw & INSN_R ? "r" : "",
		       a[i].rw & INSN_W ? "w" : "", a[i].rw & INSN_MAYBE ? "?" : "",
		       a[i].rw & INSN_SYS ? "s" : "");
	if (t->flags & T_SLOT)
		for (int i = 0; i < n; i++)
			if (in_area(a[i].lin, 1)) {
				uint64_t o = a[i].lin & (AREA_LEN - 1);
				int k = a[i].lin >= AREA2;

				printf("\n  area at %#llx: run 1 %02x -> %02x, run 2 %02x -> %02x",
				       (unsigned long long)a[i].lin, c->before[0][k][o], c->after[0][k][o],
				       c->before[1][k][o], c->after[1][k][o]);
			}
	if (t->flags & T_SLOT) {
		uint64_t from = 0;

		printf("\n  written in the areas:");
		for (uint64_t a0 = AREA1; a0 <= SLOT_END; a0++) {
			struct byte_ent *e = a0 < SLOT_END && in_area(a0, 1) ?
					     map_get(c->map, a0, false) : NULL;
			bool w = e && (e->flags & B_CW);

			if (w && !from)
				from = a0;
			if (!w && from) {
				printf(" %#llx+%llu", (unsigned long long)from,
				       (unsigned long long)(a0 - from));
				from = 0;
			}
		}
	}
	printf("\n  cpu:");
	for (int i = 0; i < c->nlog; i++)
		printf(" %#llx+%u%s", (unsigned long long)c->log[i].addr, c->log[i].len,
		       c->log[i].write ? "w" : "r");
	printf("\n");
}

static bool in_area(uint64_t a, uint64_t len)
{
	return (a >= AREA1 && a + len <= AREA1 + AREA_LEN) ||
	       (a >= AREA2 && a + len <= AREA2 + AREA_LEN);
}

/* The decoder's bytes: in no slot (or in the areas), below 4 GiB (long
 * mode maps that). */
static bool placed(const struct insn_access *a, int n, bool slot)
{
	uint64_t total = 0;

	for (int i = 0; i < n; i++) {
		if (a[i].rw & INSN_SYS)
			continue;
		if (slot && in_area(a[i].lin, a[i].len))
			continue;
		if (a[i].lin < SLOT_END || a[i].lin + a[i].len > 0x100000000ull)
			return false;
		total += a[i].len;
	}
	return total <= MAX_BYTES;
}

static void mark(struct ctx *c, const struct insn_access *a, int n)
{
	for (int i = 0; i < n; i++) {
		uint8_t f;

		if (a[i].rw & INSN_SYS)
			continue;
		f = (uint8_t)((a[i].rw & INSN_R ? B_DR : 0) | (a[i].rw & INSN_W ? B_DW : 0));
		if (a[i].rw & INSN_MAYBE)
			f = (uint8_t)(f << 2);
		for (uint64_t k = 0; k < a[i].len; k++) {
			struct byte_ent *e = map_get(c->map, a[i].lin + k, true);

			if (!e)
				c->overflow = true;
			else
				e->flags |= f;
		}
	}
}

/* Every byte: the CPU's accesses within the decoder's, the certain ones made. */
static const char *compare(struct ctx *c)
{
	int clflush_reads = 0;

	for (uint32_t i = 0; i < c->map->n; i++) {
		uint8_t f = c->map->e[c->map->touched[i]].flags;

		if ((f & B_CR) && (c->t.flags & T_KVM_CLFLUSH) && !clflush_reads++)
			f &= (uint8_t)~B_CR;	/* the one byte KVM's emulator reads */
		if ((f & B_CR) && (c->t.flags & T_KVM_DSTREAD) && (f & B_DW))
			f &= (uint8_t)~B_CR;
		if ((f & B_CR) && !(f & (B_DR | B_MR)))
			return "the CPU read a byte the decoder did not list";
		if ((f & B_CW) && !(f & (B_DW | B_MW)))
			return "the CPU wrote a byte the decoder did not list";
		if ((f & B_DR) && !(f & B_CR) && c->map->e[c->map->touched[i]].addr >= SLOT_END)
			return "the decoder listed a read the CPU did not make";	/* unseen in the slot */
		/* In the areas a write shows only where it changes the byte: a
		 * read-modify-write may store what was there (dec of 0xA5A5A5A5
		 * changes one byte of four; cmpxchg writes back a miss). */
		if ((f & B_DW) && !(f & B_CW) &&
		    !((f & (B_DR | B_MR)) && c->map->e[c->map->touched[i]].addr < SLOT_END))
			return "the decoder listed a write the CPU did not make";
	}
	return NULL;
}

/* The GDT: every byte the CPU changed (accessed bits) is one the decoder
 * listed as a system write; an accessed bit it listed, on a descriptor
 * whose bit was clear, is now set. */
static const char *check_gdt(struct ctx *c, const struct insn_access *a, int n)
{
	/* The accessed bit is set "if clear" on segment loads, but AMD's iretq
	 * leaves the one of the SS it loads alone (seen here): not required. */
	bool require = !(c->gen.mode == M_LONG && c->t.fam == F_IRET);

	for (uint64_t off = GDT; off < GDT + 0x20; off++) {
		bool listed = false;

		for (int i = 0; i < n; i++)
			if ((a[i].rw & INSN_SYS) && (a[i].rw & INSN_W) &&
			    off >= a[i].lin && off < a[i].lin + a[i].len)
				listed = true;
		if (c->p.mem[off] != c->pristine[off] && !listed)
			return "the CPU changed a descriptor the decoder did not list";
		if (require && listed && (off & 7) == 5 && !(c->pristine[off] & 1) &&
		    c->p.mem[off] == c->pristine[off])
			return "the decoder listed a descriptor the CPU did not load";
	}
	return NULL;
}

/* iret's and retf's frame, at SS:rSP. */
static void put_frame(struct ctx *c)
{
	const struct trial *t = &c->t;
	uint64_t smask = t->s.ss.db || c->gen.mode == M_LONG ? 0xFFFFFFFFull : 0xFFFF;

	for (int i = 0; i < t->frame_n; i++)
		for (int k = 0; k < t->frame_size; k++) {
			uint64_t a = t->s.ss.base +
				     ((t->r.rsp + (uint64_t)(i * t->frame_size + k)) & smask);
			uint8_t v = (uint8_t)(t->frame[i] >> (8 * k));

			if (t->flags & T_SLOT)
				c->p.mem[a] = v;	/* in AREA1 */
			else
				data_put(c, a, v);
		}
}

/* The n-th item of size bytes from lin, in the slot. */
static uint64_t slot_item(struct ctx *c, uint64_t lin, int n, int size)
{
	uint64_t v = 0;

	for (int k = 0; k < size; k++)
		v |= (uint64_t)c->p.mem[(lin + (uint64_t)(n * size + k)) & (SLOT_END - 1)] << (8 * k);
	return v;
}

/* T_LOADDT: GDTR or IDTR holds the bytes where the decoder's read is. */
static const char *check_loaddt(struct ctx *c, const struct insn_access *a, int n,
				const struct kvm_sregs *s)
{
	const struct kvm_dtable *dt;
	uint64_t lin, base, bmask;
	int i, k;

	for (i = 0; i < n && !(a[i].rw & INSN_R); i++)
		;
	if (i == n || !in_area(a[i].lin, 6))
		return "the decoder listed no read of lgdt's or lidt's operand";
	lin = a[i].lin;
	/* Which of the two: the one that changed. */
	dt = s->gdt.base != c->t.s.gdt.base || s->gdt.limit != c->t.s.gdt.limit ? &s->gdt : &s->idt;
	base = 0;
	for (k = 0; k < (c->gen.mode == M_LONG ? 8 : 4); k++)
		base |= (uint64_t)c->p.mem[lin + 2 + (uint64_t)k] << (8 * k);
	bmask = c->gen.mode == M_LONG ? ~0ull : a[i].len == 5 ? 0xFFFFFFull : 0xFFFFFFFFull;
	if (dt->limit != (uint16_t)(c->p.mem[lin] | c->p.mem[lin + 1] << 8) ||
	    (dt->base & bmask) != (base & bmask))
		return "lgdt/lidt loaded other bytes than the decoder's read";
	return NULL;
}

/* T_POPVAL: the registers iret or popa loaded are the items where the
 * decoder's first read starts. */
static const char *check_pops(struct ctx *c, const struct insn_access *a, int n,
			      const struct kvm_regs *r, const struct kvm_sregs *s)
{
	const struct trial *t = &c->t;
	const int size = t->osz;
	const uint64_t m = size == 8 ? ~0ull : (1ull << (8 * size)) - 1;
	uint64_t lin = 0;
	int i;

	for (i = 0; i < n && ((a[i].rw & INSN_SYS) || !(a[i].rw & INSN_R)); i++)
		;
	if (i == n)
		return "the decoder listed no pop";
	lin = a[i].lin;
	if (t->code[0] == 0x61 || (t->code[0] == 0x66 && t->code[1] == 0x61)) {
		const __u64 got[8] = { r->rdi, r->rsi, r->rbp, 0, r->rbx, r->rdx, r->rcx, r->rax };

		for (int k = 0; k < 8; k++)
			if (k != 3 && (got[k] & m) != slot_item(c, lin, k, size))
				return "popa loaded a register from elsewhere than the decoder's reads";
		return NULL;
	}
	uint64_t rip = r->rip;

	if (((rip - 1) & m) == slot_item(c, lin, 0, size))
		rip--;		/* ran on into the hlt at the target: counted by the caller */
	if ((rip & m) != slot_item(c, lin, 0, size) ||
	    s->cs.selector != (uint16_t)slot_item(c, lin, 1, size) ||
	    (r->rflags & 0x8D5) != (slot_item(c, lin, 2, size) & 0x8D5)) {
		if (getenv("ACCESS_VERBOSE"))
			printf("iret: rip %#llx cs %#x rflags %#llx; items %#llx %#llx %#llx\n",
			       (unsigned long long)rip, s->cs.selector,
			       (unsigned long long)r->rflags,
			       (unsigned long long)slot_item(c, lin, 0, size),
			       (unsigned long long)slot_item(c, lin, 1, size),
			       (unsigned long long)slot_item(c, lin, 2, size));
		return "iret loaded IP, CS or FLAGS from elsewhere than the decoder's reads";
	}
	if (c->gen.mode == M_LONG && ((r->rsp & m) != slot_item(c, lin, 3, size) ||
				  s->ss.selector != (uint16_t)slot_item(c, lin, 4, size)))
		return "iret loaded RSP or SS from elsewhere than the decoder's reads";
	return NULL;
}

/* Restore the slot, fill the areas, load the instruction and the state,
 * and step it once. */
static int run_once(struct ctx *c, size_t len, uint8_t fill, struct kvm_regs *after,
		    struct kvm_sregs *safter, uint32_t *why)
{
	struct trial *t = &c->t;
	struct kvm_fpu fpu;

	memcpy(c->p.mem, c->pristine, SLOT_END);
	memset(c->p.mem + AREA1, fill, AREA_LEN);
	memset(c->p.mem + AREA2, fill, AREA_LEN);
	if (t->flags & T_LOADDT)	/* bytes that tell where they were read */
		for (uint64_t i = 0; i < AREA_LEN; i++)
			c->p.mem[AREA1 + i] = (uint8_t)((i * 0x9Du + (i >> 8) * 0x3Bu) ^ 0x5C);
	memcpy(c->p.mem + P_CODE, t->code, len);
	memset(c->p.mem + P_CODE + len, 0xF4, 16);	/* hlt after it */
	if (t->flags & T_SLOT)
		put_frame(c);
	memcpy(c->before[fill == FILL2][0], c->p.mem + AREA1, AREA_LEN);
	memcpy(c->before[fill == FILL2][1], c->p.mem + AREA2, AREA_LEN);
	c->nlog = 0;
	memset(&fpu, 0, sizeof(fpu));
	fpu.fcw = 0x37F;
	fpu.mxcsr = 0x1F80;
	if (KVM_IOCTL(c->v.fd, KVM_SET_FPU, &fpu) < 0 ||
	    KVM_IOCTL(c->v.fd, KVM_SET_SREGS, &t->s) < 0 ||
	    KVM_IOCTL(c->v.fd, KVM_SET_REGS, &t->r) < 0 ||
	    probe_vm__set_debug(&c->v, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP, 0, 0) < 0)
		return -1;
	return step(c, after, safter, why);
}

/* Before the second run: memory reads as before the first. */
static void forget_writes(struct ctx *c)
{
	struct trial *t = &c->t;

	for (uint32_t i = 0; i < c->map->n; i++)
		c->map->e[c->map->touched[i]].flags &= (uint8_t)~B_DATA;
	if (!(t->flags & T_SLOT))
		put_frame(c);
}

/* A byte of an area was written iff it changed in either run (the fills
 * differ: a write of the fill's own value shows in the other run). */
static void mark_area_writes(struct ctx *c)
{
	const uint64_t base[2] = { AREA1, AREA2 };

	for (int k = 0; k < 2; k++)
		for (uint64_t i = 0; i < AREA_LEN; i++) {
			struct byte_ent *e;

			if (c->after[0][k][i] == c->before[0][k][i] &&
			    c->after[1][k][i] == c->before[1][k][i])
				continue;
			e = map_get(c->map, base[k] + i, true);
			if (!e)
				c->overflow = true;
			else
				e->flags |= B_CW;
		}
}

static int run_trial(struct ctx *c, int fam)
{
	struct stats *st = &c->st[fam][c->gen.mode];
	struct trial *t = &c->t;
	struct insn_access a[INSN_ACCESS_MAX];
	struct insn_mem mem = { read_mem, c };
	struct kvm_regs after;
	struct kvm_sregs safter;
	uint32_t why = 0;
	int n = -1, len = 0, kind, tries;
	const char *diff;

	st->tried++;
	for (tries = 0; tries < 30; tries++) {
		generate(&c->gen, t, fam);
		c->seed = rnd_next(&c->gen.rng);
		map_clear(c->map);
		c->overflow = false;
		if (KVM_IOCTL(c->v.fd, KVM_SET_SREGS, &t->s) < 0 ||
		    KVM_IOCTL(c->v.fd, KVM_GET_SREGS, &t->s) < 0)
			return -1;
		put_frame(c);
		n = insn__accesses_mem(t->code, t->n, &t->r, &t->s, &mem, a, INSN_ACCESS_MAX, &len);
		if (n < 0 || placed(a, n, t->flags & T_SLOT))
			break;
		for (int i = 0; i < n && c->gen.mode != M_LONG; i++)
			if (a[i].lin + a[i].len > 0x100000000ull) {
				show_trial(c, "a linear address past 4 GiB outside long mode", n, a, n, len);
				c->bad = 1;
				return 0;
			}
	}
	if (tries == 30) {
		st->unplaced++;
		return 0;
	}
	if (n == -EOPNOTSUPP) {
		st->unknown++;
		return 0;
	}
	if (n == -EILSEQ) {
		/* Not run: KVM's emulator ignores prefixes the CPU refuses (so
		 * does this host in long mode, which emulates what raises #UD),
		 * and without a length nothing stops the vCPU after it. */
		st->lax_ud++;
		return 0;
	}
	if (n < 0) {
		printf("the decoder failed with %d (%s) in %s mode on:", n, strerror(-n),
		       mode_names[c->gen.mode]);
		for (size_t i = 0; i < 15; i++)
			printf(" %02x", t->code[i]);
		printf("\n");
		c->bad = 1;
		return 0;
	}
	mark(c, a, n);
	kind = run_once(c, (size_t)len, FILL1, &after, &safter, &why);
	if (kind == K_DONE && (t->flags & T_SLOT)) {
		memcpy(c->after[0][0], c->p.mem + AREA1, AREA_LEN);
		memcpy(c->after[0][1], c->p.mem + AREA2, AREA_LEN);
		forget_writes(c);
		kind = run_once(c, (size_t)len, FILL2, &after, &safter, &why);
		memcpy(c->after[1][0], c->p.mem + AREA1, AREA_LEN);
		memcpy(c->after[1][1], c->p.mem + AREA2, AREA_LEN);
		if (kind == K_DONE)
			mark_area_writes(c);
	}
	if (kind < 0)
		return -1;
	c->after_pc = safter.cs.base + after.rip;
	if (kind == K_DONE && c->after_pc == t->s.cs.base + t->r.rip)
		kind = K_EMULATION;	/* KVM stopped without executing it (int n >= 0x80
					 * in real mode here: its imm8 sign-extended) */
	if (kind == K_DONE) {
		uint64_t pc = safter.cs.base + after.rip;

		if (pc >= HANDLERS && pc <= HANDLERS + 512 &&
		    (int)(pc - HANDLERS) / 2 != t->expect_vector)
			kind = K_FAULT;	/* an exception was delivered instead */
		else if (t->expect_vector >= 0 && (pc < HANDLERS || pc > HANDLERS + 512))
			kind = K_EMULATION;	/* the int was not delivered at all (this host's
						 * emulator, protected mode, now and then) */
	}
	if (getenv("ACCESS_VERBOSE")) {
		printf("trial %s %s kind %d exit %u slot %d pc %#llx:", mode_names[c->gen.mode],
		       fam_names[fam], kind, why, !!(t->flags & T_SLOT),
		       (unsigned long long)c->after_pc);
		for (int i = 0; i < (n >= 0 ? len : 8); i++)
			printf(" %02x", t->code[i]);
		printf(" | cr0 %#llx cr4 %#llx efer %#llx cs %#x l%d db%d rflags %#llx",
		       (unsigned long long)t->s.cr0, (unsigned long long)t->s.cr4,
		       (unsigned long long)t->s.efer, t->s.cs.selector, t->s.cs.l, t->s.cs.db,
		       (unsigned long long)t->r.rflags);
		if (why == KVM_EXIT_INTERNAL_ERROR)
			printf(" suberror %u", c->v.run->internal.suberror);
		printf("\n");
	}
	switch (kind) {
	case K_EMULATION: st->emulation++; return 0;
	case K_FAULT: st->fault++; return 0;
	case K_OTHER:
		st->other++;
		if (st->other <= 2)
			printf("note: %s mode, %s: the vCPU stopped with exit reason %u\n",
			       mode_names[c->gen.mode], fam_names[fam], why);
		return 0;
	default: break;
	}
	if (n == -EILSEQ) {
		/* KVM's emulator ignores prefixes the CPU refuses, and this host
		 * emulates what raises #UD in long mode too: counted, no more. */
		st->lax_ud++;
		return 0;
	}
	if ((t->flags & (T_KVM_ENTER | T_KVM_NOPSTEP)) ||
	    ((t->flags & T_KVM_DSTREAD) && !(t->flags & T_SLOT))) {
		st->emulation++;
		return 0;
	}
	st->compared++;
	diff = c->overflow ? "too many bytes for the test's map" : compare(c);
	if (!diff)
		diff = check_gdt(c, a, n);
	if (!diff && (t->flags & T_POPVAL))
		diff = check_pops(c, a, n, &after, &safter);
	if (!diff && (t->flags & T_LOADDT))
		diff = check_loaddt(c, a, n, &safter);
	/* The host loses the single step now and then (after port I/O, MMIO
	 * writes, what it emulates in long mode: x87, most SSE, fxsave, iret),
	 * and the hlt after the instruction runs too: the pc one further.  A
	 * mov to SS holds the step for one instruction by design.  Lengths are
	 * checked exactly against objdump (access_vs_objdump.c). */
	if (!diff && !(t->flags & T_BRANCH)) {
		uint64_t ipmask = c->gen.mode == M_LONG ? ~0ull : t->s.cs.db ? 0xFFFFFFFFull : 0xFFFF;
		uint64_t next = (t->r.rip + (uint64_t)len) & ipmask;

		if (after.rip == next + 1 && !(t->flags & T_SHADOW))
			st->overrun++;
		else if (after.rip != next && !((t->flags & T_SHADOW) && after.rip == next + 1))
			diff = "the instruction's length";
	}
	if (!diff && t->expect_vector >= 0) {
		uint64_t pc = safter.cs.base + after.rip, want = HANDLERS + 2 * (uint64_t)t->expect_vector;

		if (pc == want + 1)
			st->overrun++;
		else if (pc != want)
			diff = "int went elsewhere than its vector";
	}
	if (diff) {
		show_trial(c, diff, n, a, n, len);
		c->bad = 1;
		return 0;
	}
	st->equal++;
	return 0;
}

/* ---- the VM ---- */

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

/* Interrupt tables that tell the vector by where it lands, page tables for
 * 4 GiB, and a data descriptor whose accessed bit is clear. */
static void build_tables(uint8_t *mem)
{
	for (int i = 0; i < 256; i++) {
		uint32_t h = HANDLERS + 2u * (uint32_t)i;

		put16(mem + IVT + 4 * i, (uint16_t)h);
		put16(mem + IVT + 4 * i + 2, 0);
		put64(mem + IDT32 + 8 * i, (h & 0xFFFFull) | (uint64_t)SEL_CODE32 << 16 |
					   0x8Eull << 40 | (uint64_t)(h >> 16) << 48);
		put64(mem + IDT64 + 16 * i, (h & 0xFFFFull) | (uint64_t)SEL_CODE64 << 16 |
					    0x8Eull << 40 | (uint64_t)(h >> 16) << 48);
		put64(mem + IDT64 + 16 * i + 8, 0);
	}
	put64(mem + GDT + SEL_DATA, 0x00cf92000000ffffull);	/* not accessed */
	for (int i = 16; i < 512; i++)		/* 64 KiB - 2 MiB: 4 KiB pages */
		put64(mem + PT0 + 8 * i, (uint64_t)i << 12 | 3);
	for (int i = 1; i < 512; i++)		/* 2 MiB - 1 GiB: 2 MiB pages */
		put64(mem + PD0 + 8 * i, (uint64_t)i << 21 | 0x83);
	for (int d = 1; d < 4; d++) {		/* 1 - 4 GiB */
		uint8_t *pd = mem + PD1 + (d - 1) * 0x1000;

		put64(mem + PDPT + 8 * d, (uint64_t)(PD1 + (d - 1) * 0x1000) | 3);
		for (int i = 0; i < 512; i++)
			put64(pd + 8 * i, ((uint64_t)d << 30) + ((uint64_t)i << 21) + 0x83);
	}
}

static int open_mode(struct ctx *c, int mode)
{
	static const enum pmode pm[NMODES] = { PM_REAL, PM_PROTECTED, PM_LONG };
	struct kvm_xcrs xcrs;

	if (probe_vm__vcpu_open(&c->p, &c->v, pm[mode]) < 0 ||
	    KVM_IOCTL(c->v.fd, KVM_GET_SREGS, &c->gen.base) < 0)
		return -1;
	memset(&xcrs, 0, sizeof(xcrs));
	xcrs.nr_xcrs = 1;
	xcrs.xcrs[0].value = 7;		/* x87, SSE, AVX: for the VEX forms */
	if (mode != M_REAL && KVM_IOCTL(c->v.fd, KVM_SET_XCRS, &xcrs) < 0)
		printf("note: KVM_SET_XCRS failed: the VEX forms will fault\n");
	c->gen.mode = mode;
	return 0;
}

static void summary(struct ctx *c)
{
	for (int m = 0; m < NMODES; m++) {
		struct stats tot = { 0 };

		for (int f = 0; f < NFAMS; f++) {
			struct stats *s = &c->st[f][m];

			tot.tried += s->tried;
			tot.compared += s->compared;
			tot.equal += s->equal;
			tot.emulation += s->emulation;
			tot.fault += s->fault;
			tot.unknown += s->unknown;
			tot.unplaced += s->unplaced;
			tot.other += s->other;
			tot.lax_ud += s->lax_ud;
			tot.overrun += s->overrun;
		}
		printf("%s mode: %ld tried, %ld compared, %ld equal; skipped %ld (KVM's emulator "
		       "cannot %ld, faulted %ld, other %ld), decoder unknown %ld, unplaced %ld, "
		       "decoder #UD (not run) %ld, step overran into the hlt after %ld\n",
		       mode_names[m], tot.tried, tot.compared, tot.equal,
		       tot.emulation + tot.fault + tot.other, tot.emulation, tot.fault, tot.other,
		       tot.unknown, tot.unplaced, tot.lax_ud, tot.overrun);
	}
	printf("per family: equal/compared/tried, skipped because KVM's emulator cannot (e),\n"
	       "because it faulted (f), decoder unknown (u)\n");
	printf("%-22s %-28s %-28s %-28s\n", "", "real", "protected", "long");
	for (int f = 0; f < NFAMS; f++) {
		printf("%-22s", fam_names[f]);
		for (int m = 0; m < NMODES; m++) {
			struct stats *s = &c->st[f][m];
			char buf[64];

			if (!s->tried)
				snprintf(buf, sizeof(buf), "-");
			else
				snprintf(buf, sizeof(buf), "%ld/%ld/%ld e%ld f%ld u%ld", s->equal,
					 s->compared, s->tried, s->emulation, s->fault, s->unknown);
			printf(" %-28s", buf);
		}
		printf("\n");
	}
}

int main(int argc, char **argv)
{
	long trials = argc > 1 ? strtol(argv[1], NULL, 0) : 3000;
	struct ctx *c = calloc(1, sizeof(*c));
	int ret = 0;

	if (!c || !(c->map = calloc(1, sizeof(*c->map)))) {
		fprintf(stderr, "access_vs_cpu: out of memory\n");
		return 2;
	}
	c->gen.rng = argc > 2 ? strtoull(argv[2], NULL, 0) : 0x2545F4914F6CDD1Dull;
	c->max_shown = getenv("ACCESS_SHOW") ? atoi(getenv("ACCESS_SHOW")) : MAX_SHOWN;
	c->only_fam = -1;
	for (int f = 0; f < NFAMS && getenv("ACCESS_FAMILY"); f++)
		if (!strcmp(getenv("ACCESS_FAMILY"), fam_names[f]))
			c->only_fam = f;
	if (!c->gen.rng)
		c->gen.rng = 1;
	c->p.vm_fd = -1;
	c->p.err = c->err;
	c->p.errlen = sizeof(c->err);
	c->p.max_vcpu_id = 8;
	c->p.kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (c->p.kvm_fd < 0 || probe_vm__setup(&c->p) < 0) {
		fprintf(stderr, "access_vs_cpu: KVM unusable: %s\n", c->err[0] ? c->err : "/dev/kvm");
		return 2;
	}
	build_tables(c->p.mem);
	memcpy(c->pristine, c->p.mem, SLOT_END);
	for (int m = 0; m < NMODES && ret == 0; m++) {
		if (open_mode(c, m) < 0) {
			fprintf(stderr, "access_vs_cpu: %s\n", c->err);
			ret = 2;
			break;
		}
		for (long i = 0; i < trials && ret == 0; i++) {
			int fam = c->only_fam >= 0 ? c->only_fam : (int)(rnd_next(&c->gen.rng) % NFAMS);

			if (!fam_in_mode(fam, m))
				continue;
			if (run_trial(c, fam) < 0) {
				fprintf(stderr, "access_vs_cpu: running the vCPU failed: %s\n",
					c->err[0] ? c->err : strerror(errno));
				ret = 2;
			}
		}
		probe_vm__vcpu_close(&c->p, &c->v);
	}
	probe_vm__teardown(&c->p);
	close(c->p.kvm_fd);
	if (ret == 0)
		summary(c);
	if (ret == 0 && c->bad)
		ret = 1;
	if (ret == 0)
		printf("access_vs_cpu: every access the vCPU made was the decoder's\n");
	free(c->map);
	free(c);
	return ret;
}
