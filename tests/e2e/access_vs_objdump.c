/*
 * access_vs_objdump.c - kvm/insn_access.c against binutils' disassembler:
 * every opcode of the one-byte, 0F and VEX 0F maps, with each ModRM.reg
 * and mandatory prefix, and ModRM/SIB/displacement forms of a few, in
 * 16-, 32- and 64-bit code, decoded by the decoder and by objdump (Intel
 * syntax).  Where the decoder knows the instruction, objdump must too,
 * with the same length; where objdump names the memory operand's size
 * ("DWORD PTR"), the decoder's access of it must be that size; a memory
 * destination (objdump's first operand) must be written, a memory source
 * read and not written.
 *
 * Why: on this project's hosts KVM's emulator, the only CPU the MMIO test
 * (access_vs_cpu.c) can watch, executes little of x87, SSE and VEX; objdump
 * knows every one of their encodings, and we did not write it.
 *
 *   access_vs_objdump [OBJDUMP]      exit 0: all agree; 1: a difference
 *                                    (printed); 2: objdump did not run
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../kvm/cpu/insn_access.h"

#define SLOT		16		/* bytes per instruction in the blob: 15, a nop */
#define MAX_INSNS	40000
#define DATA		0x100000ull	/* the base register's value: the operand is here */
#define MAX_SHOWN	20

struct insn {
	uint8_t b[16];
	uint8_t n;
};

struct mode {
	const char *name, *machine;
	int bits;
};

static const struct mode modes[] = {
	{ "16-bit", "i8086", 16 },
	{ "32-bit", "i386", 32 },
	{ "64-bit", "i386:x86-64", 64 },
};

struct run {
	const struct mode *m;
	struct insn *in;
	int n;
	struct kvm_regs r;
	struct kvm_sregs s;
	long compared, lengths, sizes, directions, ud_but_objdump, unknown, bad_no_access;
	long prefix_alone;
	int shown, bad;
};

static void add(struct run *u, const uint8_t *b, int n)
{
	if (u->n >= MAX_INSNS || n > 15)
		return;
	memcpy(u->in[u->n].b, b, (size_t)n);
	u->in[u->n].n = (uint8_t)n;
	u->n++;
}

/* prefixes, opcode bytes, ModRM, then immediate bytes: nops, which both
 * sides read alike, and after which objdump is in step again */
static void add_form(struct run *u, const uint8_t *pfx, int npfx, const uint8_t *op, int nop,
		     uint8_t modrm)
{
	uint8_t b[16];
	int n = 0;

	memcpy(b + n, pfx, (size_t)npfx);
	n += npfx;
	memcpy(b + n, op, (size_t)nop);
	n += nop;
	b[n++] = modrm;
	while (n < 15)
		b[n++] = 0x90;
	add(u, b, 15);
}

static bool is_prefix(uint8_t b, int bits)
{
	switch (b) {
	case 0x26: case 0x2E: case 0x36: case 0x3E: case 0x64: case 0x65:
	case 0x66: case 0x67: case 0xF0: case 0xF2: case 0xF3: case 0x0F:
		return true;
	default:
		return bits == 64 && (b & 0xF0) == 0x40;
	}
}

/* Opcodes whose ModRM.reg picks the instruction: each reg; others: two. */
static int nregs(int map, int op)
{
	static const uint8_t g1[] = { 0x80, 0x81, 0x82, 0x83, 0x8F, 0xC0, 0xC1, 0xC6, 0xC7, 0xD0, 0xD1,
				      0xD2, 0xD3, 0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF,
				      0xF6, 0xF7, 0xFE, 0xFF, 0x8C, 0x8E };
	static const uint8_t g2[] = { 0x00, 0x01, 0x0D, 0x18, 0x71, 0x72, 0x73, 0xAE, 0xBA, 0xC7 };
	const uint8_t *g = map == 1 ? g1 : g2;
	size_t n = map == 1 ? sizeof(g1) : sizeof(g2);

	for (size_t i = 0; i < n; i++)
		if (g[i] == op)
			return 8;
	return 2;
}

static void generate(struct run *u)
{
	const int bits = u->m->bits;
	const uint8_t rm0 = bits == 16 ? 0x07 : 0x00;	/* [bx] or [eax]/[rax] */
	static const uint8_t pfx_sets[][3] = {
		{ 0 }, { 1, 0x66 }, { 1, 0x67 }, { 1, 0xF3 }, { 1, 0xF2 }, { 1, 0x48 }, { 2, 0x66, 0x48 },
	};

	/* the one-byte map, each reg, with prefixes */
	for (int op = 0; op < 256; op++) {
		if (is_prefix((uint8_t)op, bits) || (bits == 64 && (op == 0xC4 || op == 0xC5 || op == 0x62)))
			continue;
		for (size_t p = 0; p < sizeof(pfx_sets) / sizeof(pfx_sets[0]); p++) {
			if (pfx_sets[p][0] && (pfx_sets[p][pfx_sets[p][0]] & 0xF0) == 0x40 && bits != 64)
				continue;
			for (int reg = 0; reg < 8; reg += 8 / nregs(1, op) + (nregs(1, op) == 2 ? 2 : 0))
				add_form(u, pfx_sets[p] + 1, pfx_sets[p][0], (uint8_t[]){ (uint8_t)op }, 1,
					 (uint8_t)(reg << 3 | rm0));
		}
	}
	/* the 0F map */
	for (int op = 0; op < 256; op++) {
		if (op == 0x0F || op == 0x38 || op == 0x3A)
			continue;
		for (size_t p = 0; p < sizeof(pfx_sets) / sizeof(pfx_sets[0]); p++) {
			if (pfx_sets[p][0] && (pfx_sets[p][pfx_sets[p][0]] & 0xF0) == 0x40 && bits != 64)
				continue;
			for (int reg = 0; reg < 8; reg += 8 / nregs(2, op) + (nregs(2, op) == 2 ? 2 : 0))
				add_form(u, pfx_sets[p] + 1, pfx_sets[p][0], (uint8_t[]){ 0x0F, (uint8_t)op },
					 2, (uint8_t)(reg << 3 | rm0));
		}
	}
	/* movbe, crc32 */
	for (int op = 0xF0; op <= 0xF1; op++) {
		static const uint8_t pfx[3][2] = { { 0 }, { 0xF2 }, { 0x66, 0xF2 } };

		for (int p = 0; p < 3; p++)
			add_form(u, pfx[p], p, (uint8_t[]){ 0x0F, 0x38, (uint8_t)op }, 3, rm0);
	}
	/* VEX, map 0F: C5 with every pp and L, C4 with W too */
	if (bits != 16)
		for (int op = 0; op < 256; op++)
			for (int pp = 0; pp < 4; pp++)
				for (int l = 0; l < 2; l++) {
					add_form(u, (uint8_t[]){ 0xC5, (uint8_t)(0xF8 | l << 2 | pp) }, 2,
						 (uint8_t[]){ (uint8_t)op }, 1, rm0);
					for (int w = 0; w < 2; w++)
						add_form(u, (uint8_t[]){ 0xC4, 0xE1,
							 (uint8_t)(w << 7 | 0x78 | l << 2 | pp) }, 3,
							 (uint8_t[]){ (uint8_t)op }, 1, rm0);
				}
	/* ModRM, SIB and displacement forms, with a few opcodes */
	{
		static const uint8_t ops[][2] = { { 1, 0x8B }, { 1, 0x01 }, { 1, 0xD9 }, { 2, 0x10 },
						  { 1, 0xC7 }, { 1, 0xF6 } };

		for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++)
			for (int modrm = 0; modrm < 0xC0; modrm++)
				for (int sib = 0; sib < 256; sib += (bits == 16 ? 256 : 97)) {
					uint8_t b[16] = { 0x0F, ops[k][1] };
					int n = ops[k][0] == 2 ? 2 : 0;

					if (ops[k][0] == 1)
						b[n++] = ops[k][1];
					else
						n = 2;
					b[n++] = (uint8_t)modrm;
					b[n++] = (uint8_t)sib;
					while (n < 15)
						b[n++] = 0x90;
					add(u, b, 15);
				}
	}
}

static void setup_cpu(struct run *u)
{
	memset(&u->r, 0, sizeof(u->r));
	memset(&u->s, 0, sizeof(u->s));
	u->r.rip = 0x1000;
	u->r.rsp = 0x800000;
	u->r.rflags = 2;
	/* every register 0 but the bases of the forms: rAX (rm 0), rBX (16-bit
	 * rm 7) hold the operand's address; the others hold 0 */
	u->r.rax = DATA;
	u->r.rbx = u->m->bits == 16 ? 0x1000 : DATA;
	u->r.rcx = 1;		/* shifts by CL: a count that writes */
	u->s.cs.limit = u->s.ds.limit = u->s.es.limit = u->s.ss.limit = 0xFFFFFFFF;
	u->s.idt.limit = 0x3FF;
	u->s.gdt.limit = 0xFFFF;
	u->s.ldt.unusable = 1;
	if (u->m->bits == 16) {
		u->r.rsp = 0x8000;
		return;
	}
	u->s.cr0 = 0x11;
	u->s.cs.db = u->s.ss.db = u->m->bits == 32;
	if (u->m->bits == 64) {
		u->s.efer = 0x500;
		u->s.cs.l = 1;
		u->s.cs.db = 0;
	}
}

/* ---- objdump's side ---- */

/* What objdump made of the instruction at the start of each slot. */
struct dis {
	bool seen;
	int len;		/* to its next line */
	char text[160];		/* mnemonic and operands */
};

static int run_objdump(const char *objdump, const struct run *u, struct dis *d)
{
	char path[] = "/tmp/access-objdump-XXXXXX", cmd[512], line[512];
	int fd = mkstemp(path);
	long pending = -1;
	uint64_t pending_at = 0;
	FILE *f;

	if (fd < 0)
		return -1;
	for (int i = 0; i < u->n; i++) {
		uint8_t slot[SLOT];

		memset(slot, 0x90, sizeof(slot));
		memcpy(slot, u->in[i].b, u->in[i].n);
		if (write(fd, slot, sizeof(slot)) != (ssize_t)sizeof(slot)) {
			close(fd);
			unlink(path);
			return -1;
		}
	}
	close(fd);
	snprintf(cmd, sizeof(cmd), "%s -D -b binary -m %s -M intel --insn-width=16 %s", objdump,
		 u->m->machine, path);
	f = popen(cmd, "r");
	if (!f) {
		unlink(path);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':'), *tab2, *end;
		unsigned long long a;

		if (!colon || line[0] != ' ')
			continue;
		a = strtoull(line, &end, 16);
		if (end != colon)
			continue;
		if (pending >= 0) {
			d[pending].len = (int)(a - pending_at);
			pending = -1;
		}
		tab2 = strchr(colon + 2, '\t');
		if (!tab2 || a % SLOT || a / SLOT >= (unsigned long long)u->n)
			continue;
		pending = (long)(a / SLOT);
		pending_at = a;
		d[pending].seen = true;
		snprintf(d[pending].text, sizeof(d[pending].text), "%s", tab2 + 1);
		d[pending].text[strcspn(d[pending].text, "\n")] = 0;
	}
	unlink(path);
	return pclose(f) == 0 ? 0 : -1;
}

/* The mnemonic: past the prefixes objdump names as words. */
static const char *mnemonic(const char *t)
{
	static const char *const pfx[] = { "data16", "data32", "addr16", "addr32", "repz", "repnz",
					   "rep", "repe", "repne", "lock", "cs", "ds", "es", "ss",
					   "fs", "gs", "bnd", "notrack", "xacquire", "xrelease",
					   "{vex}" };

	for (;;) {
		size_t w = strcspn(t, " ");
		bool skip = !strncmp(t, "rex", 3) && w;

		for (size_t i = 0; i < sizeof(pfx) / sizeof(pfx[0]) && !skip; i++)
			skip = strlen(pfx[i]) == w && !strncmp(t, pfx[i], w);
		if (!skip)
			return t;
		t += w;
		while (*t == ' ')
			t++;
	}
}

/* The memory operand's size from "XXX PTR", 0 if none is named. */
static int ptr_size(const char *t)
{
	static const struct { const char *w; int n; } sizes[] = {
		{ "BYTE PTR", 1 }, { "WORD PTR", 2 }, { "DWORD PTR", 4 }, { "FWORD PTR", 6 },
		{ "QWORD PTR", 8 }, { "TBYTE PTR", 10 }, { "XMMWORD PTR", 16 }, { "YMMWORD PTR", 32 },
		{ "ZMMWORD PTR", 64 },
	};
	int found = 0;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		const char *p = strstr(t, sizes[i].w);

		/* "DWORD PTR" holds "WORD PTR": the longest name wins */
		while (p) {
			if (p == t || p[-1] == ' ' || p[-1] == ',')
				found = sizes[i].n;
			p = strstr(p + 1, sizes[i].w);
		}
	}
	return found;
}

/* Where the (first) memory operand is: 1 first operand, 2 later, 0 none. */
static int mem_position(const char *t)
{
	const char *ops = strpbrk(mnemonic(t), " ");
	const char *br = strchr(t, '[');
	const char *comma;

	if (!br || !ops)
		return 0;
	while (*ops == ' ')
		ops++;
	comma = strchr(ops, ',');
	return !comma || br < comma ? 1 : 2;
}

static bool starts(const char *t, const char *w)
{
	return !strncmp(mnemonic(t), w, strlen(w));
}

/* Mnemonics whose memory destination is only read (compare, test). */
static bool reads_destination(const char *t)
{
	static const char *const ro[] = { "cmp", "test", "bt ", "ptest", "vptest", "ucomis", "comis",
					  "vucomis", "vcomis", "bound", "verr", "verw", "lar", "lsl",
					  "arpl" /* writes only when it raises the RPL */ };

	for (size_t i = 0; i < sizeof(ro) / sizeof(ro[0]); i++)
		if (starts(t, ro[i]))
			return true;
	return false;
}

/* ---- the comparison ---- */

static void show(struct run *u, const struct insn *in, const char *why, const char *objd,
		 int ret, int len, const struct insn_access *a, int n)
{
	if (u->shown++ >= (getenv("ACCESS_SHOW") ? atoi(getenv("ACCESS_SHOW")) : MAX_SHOWN))
		return;
	printf("DIFFERENT (%s) in %s code:", why, u->m->name);
	for (int i = 0; i < in->n && i < (len > 0 ? len : 15); i++)
		printf(" %02x", in->b[i]);
	printf("\n  objdump: %s\n  decoder: %d, length %d:", objd, ret, len);
	for (int i = 0; i < n; i++)
		printf(" %#llx+%llu%s%s%s%s", (unsigned long long)a[i].lin,
		       (unsigned long long)a[i].len, a[i].rw & INSN_R ? "r" : "",
		       a[i].rw & INSN_W ? "w" : "", a[i].rw & INSN_MAYBE ? "?" : "",
		       a[i].rw & INSN_SYS ? "s" : "");
	printf("\n");
}

/* The decoder's access of the ModRM operand: near DATA (or the 16-bit
 * [bx]); its certain extent, and with INSN_MAYBE bytes. */
static bool operand(const struct run *u, const struct insn_access *a, int n, uint64_t *len,
		    uint64_t *maxlen, uint8_t *rw)
{
	const uint64_t at = u->m->bits == 16 ? 0x1000 : DATA;
	uint64_t lo = ~0ull, hi = 0, dlo = ~0ull, dhi = 0;

	*rw = 0;
	for (int i = 0; i < n; i++) {
		if ((a[i].rw & INSN_SYS) || a[i].lin < at || a[i].lin >= at + 0x200)
			continue;
		lo = a[i].lin < lo ? a[i].lin : lo;
		hi = a[i].lin + a[i].len > hi ? a[i].lin + a[i].len : hi;
		if (a[i].rw & INSN_MAYBE)
			continue;
		dlo = a[i].lin < dlo ? a[i].lin : dlo;
		dhi = a[i].lin + a[i].len > dhi ? a[i].lin + a[i].len : dhi;
		*rw |= a[i].rw;
	}
	*len = dhi > dlo ? dhi - dlo : 0;
	*maxlen = hi > lo ? hi - lo : 0;
	return hi > lo;
}

static void compare_one(struct run *u, const struct insn *in, const struct dis *d, int dlen)
{
	struct insn_access a[INSN_ACCESS_MAX];
	int len = 0, n, size;
	uint64_t olen, omax;
	uint8_t rw;
	const char *t = d->text;

	n = insn__accesses(in->b, in->n, &u->r, &u->s, a, INSN_ACCESS_MAX, &len);
	if (n == -EOPNOTSUPP) {
		u->unknown++;
		return;
	}
	if (n == -EILSEQ) {
		if (!strstr(t, "(bad)")) {
			u->ud_but_objdump++;
			if (getenv("ACCESS_UD"))
				show(u, in, "decoder #UD", t, n, len, a, 0);
		}
		return;
	}
	if (n < 0) {
		show(u, in, "the decoder failed", t, n, len, a, 0);
		u->bad = 1;
		return;
	}
	u->compared++;
	if (strstr(t, "(bad)")) {
		/* An instruction without data access may raise #UD where the
		 * decoder let its prefixes be: it still accesses nothing. */
		if (n == 0) {
			u->bad_no_access++;
			return;
		}
		show(u, in, "objdump calls it (bad)", t, n, len, a, n);
		u->bad = 1;
		return;
	}
	if (!*mnemonic(t)) {
		u->prefix_alone++;	/* objdump shows a prefix it finds idle on a line of its own */
		return;
	}
	if (len != dlen) {
		show(u, in, "the length", t, n, len, a, n);
		u->bad = 1;
		return;
	}
	u->lengths++;
	size = ptr_size(t);
	if (!size || !operand(u, a, n, &olen, &omax, &rw))
		return;
	if ((uint64_t)size != olen && (uint64_t)size != omax) {
		show(u, in, "the operand's size", t, n, len, a, n);
		u->bad = 1;
		return;
	}
	u->sizes++;
	switch (mem_position(t)) {
	case 1:		/* a destination: written, unless only compared */
		if (!strchr(t, ',') || reads_destination(t))
			return;
		if (!(rw & INSN_W)) {
			show(u, in, "a memory destination not written", t, n, len, a, n);
			u->bad = 1;
			return;
		}
		break;
	case 2:		/* a source: read, not written (xchg and xadd-like forms aside) */
		if (starts(t, "xchg") || starts(t, "xadd") || starts(t, "cmpxchg"))
			return;
		if (!(rw & INSN_R) || (rw & INSN_W)) {
			show(u, in, "a memory source not read, or written", t, n, len, a, n);
			u->bad = 1;
			return;
		}
		break;
	default:
		return;
	}
	u->directions++;
}

static int run_mode(const char *objdump, const struct mode *m)
{
	struct run u = { .m = m };
	struct dis *d;
	int ret;

	u.in = calloc(MAX_INSNS, sizeof(*u.in));
	d = calloc(MAX_INSNS, sizeof(*d));
	if (!u.in || !d) {
		free(u.in);
		free(d);
		return 2;
	}
	generate(&u);
	setup_cpu(&u);
	if (run_objdump(objdump, &u, d) < 0) {
		printf("access_vs_objdump: %s did not run\n", objdump);
		free(u.in);
		free(d);
		return 2;
	}
	for (int i = 0; i < u.n; i++)
		if (d[i].seen)	/* else objdump's previous one ran into this slot */
			compare_one(&u, &u.in[i], &d[i], d[i].len);
	printf("%s code: %d encodings, %ld the decoder knows: %ld lengths equal, %ld operand "
	       "sizes equal, %ld directions right; decoder unknown %ld, decoder #UD where objdump "
	       "decodes %ld, objdump (bad) where the decoder has no access %ld\n", m->name, u.n,
	       u.compared, u.lengths, u.sizes, u.directions, u.unknown, u.ud_but_objdump,
	       u.bad_no_access);
	ret = u.bad ? 1 : 0;
	free(d);
	free(u.in);
	return ret;
}

int main(int argc, char **argv)
{
	const char *objdump = argc > 1 ? argv[1] : "objdump";
	int ret = 0;

	for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		int r = run_mode(objdump, &modes[m]);

		if (r > ret)
			ret = r;
	}
	if (ret == 0)
		printf("access_vs_objdump: the decoder and objdump agree\n");
	return ret;
}
