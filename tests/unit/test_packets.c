/*
 * test_packets.c - every packet handler, through packets__dispatch, on the
 * fake target: normal requests and hostile ones (lengths and addresses
 * near 2^32 and 2^64, truncated or non-hex arguments, trailing junk).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../stub/monitor.h"
#include "../../stub/packets.h"
#include "../../stub/regs.h"
#include "../../stub/rsp.h"
#include "../../stub/session.h"
#include "fake_target.h"

struct fixture {
	struct fake_target *ft;
	struct session *s;
	struct target_ops ops;		/* a copy of the fake's, to override one op */
	const struct target_ops *orig_ops;
	enum target_space last_space;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->ft = fake_target__new(64 * 1024);
	assert_non_null(f->ft);
	f->s = calloc(1, sizeof(*f->s));
	assert_non_null(f->s);
	session__init(f->s, &f->ft->target, NULL);
	session__attach(f->s);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	fake_target__free(f->ft);
	free(f->s);
	free(f);
	return 0;
}

/* Dispatch a packet of len bytes; the reply, NUL-terminated. */
static const char *reqn(struct fixture *f, const void *pkt, size_t len)
{
	f->s->out_len = 0;
	f->s->no_reply = false;
	packets__dispatch(f->s, pkt, len);
	assert_true(f->s->reply_len <= RSP_PACKET_SIZE);
	f->s->reply[f->s->reply_len] = '\0';
	return f->s->reply;
}

static const char *req(struct fixture *f, const char *pkt)
{
	return reqn(f, pkt, strlen(pkt));
}

static const char *reqf(struct fixture *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static const char *reqf(struct fixture *f, const char *fmt, ...)
{
	char pkt[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(pkt, sizeof(pkt), fmt, ap);
	va_end(ap);
	return req(f, pkt);
}

static enum session_action act(struct fixture *f, const char *pkt)
{
	f->s->out_len = 0;
	f->s->no_reply = false;
	return packets__dispatch(f->s, pkt, strlen(pkt));
}


/* A T stop reply as the session sends it: base, then the stack pointer,
 * the frame pointer and the linear pc of the thread it names, from the
 * fake target's registers ("04:...;05:...;08:...;", little-endian). */
static const char *T(struct fixture *f, const char *base)
{
	static char out[4][256];
	static int k;
	char *o = out[k++ % 4];
	const struct target_regs *r;
	const char *th = strstr(base, "thread:");
	static const int nums[3] = { 4, 5, 8 };
	uint32_t v[3];
	size_t n;

	assert_non_null(th);
	r = &f->ft->regs[strtol(th + 7, NULL, 16) - 1];
	v[0] = (uint32_t)r->gpr[GPR_SP];
	v[1] = (uint32_t)r->gpr[GPR_BP];
	v[2] = (uint32_t)(r->seg[SEG_CS].base + r->rip);
	n = (size_t)snprintf(o, 256, "%s", base);
	for (int i = 0; i < 3; i++)
		n += (size_t)snprintf(o + n, 256 - n, "%02x:%02x%02x%02x%02x;", nums[i],
				      v[i] & 0xff, (v[i] >> 8) & 0xff, (v[i] >> 16) & 0xff, v[i] >> 24);
	return o;
}

/* ---- connection ---- */

static void test_supported(void **state)
{
	struct fixture *f = *state;
	char want[200];

	snprintf(want, sizeof(want), "PacketSize=%x;QStartNoAckMode+;swbreak+;hwbreak+;"
		 "qXfer:features:read+;qXfer:memory-map:read+;vContSupported+;"
		 "ConditionalBreakpoints+", RSP_PACKET_SIZE);
	assert_string_equal(req(f, "qSupported:multiprocess+;swbreak+;hwbreak+;xmlRegisters=i386"),
			    want);
	assert_true(f->s->gdb_swbreak);
	assert_true(f->s->gdb_hwbreak);
	assert_string_equal(req(f, "qSupported:swbreak-;hwbreak+x;noswbreak+"), want);
	assert_false(f->s->gdb_swbreak);
	assert_false(f->s->gdb_hwbreak);
	assert_string_equal(req(f, "qSupported"), want);
}

static void test_no_ack_and_constants(void **state)
{
	struct fixture *f = *state;

	assert_string_equal(req(f, "QStartNoAckMode"), "OK");
	assert_true(f->s->no_ack);
	assert_string_equal(req(f, "qAttached"), "1");
	assert_string_equal(req(f, "qAttached:1"), "1");
	assert_string_equal(req(f, "qOffsets"), "Text=0;Data=0;Bss=0");
	assert_string_equal(req(f, "qSymbol::"), "OK");
	assert_string_equal(req(f, "qTStatus"), "");
	assert_string_equal(req(f, "vMustReplyEmpty"), "");
}

static void test_unknown(void **state)
{
	struct fixture *f = *state;
	static const char *const unknown[] = {
		"", "qFooBar", "vFile:open:6a7573742070726f62696e67,0,1c0", "Q", "q",
		"vCont", "qXfer:auxv:read::0,100", "QNonStop:1", "qSupportedX", "!!", "b9600",
		"QStartNoAckModeX", "gg", "vKill", "kk", "qCx",
	};
	size_t i;

	for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		assert_string_equal(req(f, unknown[i]), "");
		assert_false(f->s->no_reply);
	}
	/* Every table entry has a name, a handler and a description. */
	size_t n;
	const struct packet_desc *d = packets__table(&n);

	assert_true(n > 20);
	for (i = 0; i < n; i++) {
		assert_non_null(d[i].fn);
		assert_true(strlen(d[i].name) > 0);
		assert_true(strlen(d[i].help) > 0);
	}
}

static void test_status(void **state)
{
	struct fixture *f = *state;
	struct target_stop st = { .reason = STOP_EXITED, .exit_status = 0x142 };

	assert_string_equal(req(f, "?"), T(f, "T05thread:01;"));
	/* After the guest ended: W and the low 8 bits of the status. */
	fake_target__queue_stop(f->ft, &st);
	assert_int_equal(act(f, "c"), SESSION_OK);
	assert_true(f->s->no_reply);
	session__target_event(f->s);
	assert_string_equal(req(f, "?"), "W42");
	/* Nothing runs any more. */
	assert_string_equal(req(f, "c"), "E01");
	assert_string_equal(req(f, "s"), "E01");
}

/* Every T reply carries what gdb reads at each stop: the stack and frame
 * pointers and the pc, in the session's layout, so that a stepi needs no
 * 'g' after it. */
static void test_stop_reply_registers(void **state)
{
	struct fixture *f = *state;
	struct target_regs *r = &f->ft->regs[0];

	r->gpr[GPR_SP] = 0x7c00;
	r->gpr[GPR_BP] = 0x12345678;
	assert_string_equal(req(f, "?"), "T05thread:01;04:007c0000;05:78563412;08:f0ff0f00;");
	/* x86-64: rbp (6), rsp (7), rip (0x10), 64 bits each. */
	f->s->layout = regs__layout(REGS_ARCH_X86_64);
	r->gpr[GPR_SP] = 0xffff800000001000ull;
	r->gpr[GPR_BP] = 0x1122334455667788ull;
	r->efer = X86_EFER_LMA | X86_EFER_LME;
	r->cr0 |= X86_CR0_PE | X86_CR0_PG;
	r->seg[SEG_CS].l = 1;
	r->rip = 0xffffffff81000000ull;
	assert_string_equal(req(f, "?"), "T05thread:01;06:8877665544332211;07:0010000000"
			    "80ffff;10:00000081ffffffff;");
}

static void test_status_while_running(void **state)
{
	struct fixture *f = *state;

	/* A new gdb finds the guest running: it is stopped, T02 follows. */
	assert_string_equal(req(f, "D"), "OK");
	assert_true(f->ft->running);
	session__attach(f->s);
	req(f, "?");
	assert_true(f->s->no_reply);
	assert_int_equal(f->ft->nr_interrupts, 1);
	f->s->out_len = 0;
	session__target_event(f->s);
	f->s->out[f->s->out_len] = '\0';
	assert_non_null(strstr((char *)f->s->out, "$T02thread:01;04:"));
	assert_string_equal(req(f, "?"), T(f, "T02thread:01;"));
}

/* ---- registers ---- */

static void test_g_G_roundtrip(void **state)
{
	struct fixture *f = *state;
	char *g, *orig;
	size_t len;

	f->ft->regs[0].gpr[GPR_AX] = 0x11223344;
	f->ft->regs[0].gpr[GPR_BX] = 0xcafe;
	g = strdup(req(f, "g"));
	assert_non_null(g);
	len = strlen(g);
	assert_true(len > 16 * 8);
	assert_int_equal(len % 2, 0);
	assert_memory_equal(g, "44332211", 8);	/* eax first, little-endian */
	orig = strdup(g);

	/* Change eax, write everything back, read it again. */
	memcpy(g, "78563412", 8);
	/* Too short: refused, saying why. */
	assert_non_null(strstr(reqf(f, "G%s", ""), "E.G carries 0 bytes; the i386 layout has "));
	{
		char *pkt = malloc(len + 2);

		pkt[0] = 'G';
		memcpy(pkt + 1, g, len + 1);
		assert_string_equal(req(f, pkt), "OK");
		assert_int_equal(f->ft->regs[0].gpr[GPR_AX], 0x12345678);
		assert_int_equal(f->ft->regs[0].gpr[GPR_BX], 0xcafe);
		assert_string_equal(req(f, "g"), g);

		/* Hostile: odd length, a non-hex digit, one byte short. */
		pkt[len] = '\0';
		assert_string_equal(req(f, pkt), "E01");
		memcpy(pkt + 1, g, len + 1);
		pkt[5] = 'x';
		assert_string_equal(req(f, pkt), "E01");
		memcpy(pkt + 1, g, len + 1);
		pkt[len - 1] = '\0';
		assert_non_null(strstr(req(f, pkt), "E.G carries "));	/* one byte short */
		assert_int_equal(f->ft->regs[0].gpr[GPR_AX], 0x12345678);
		free(pkt);
	}
	free(orig);
	free(g);
}

static void test_p_P(void **state)
{
	struct fixture *f = *state;
	char want[64], pkt[64];

	/* Register 8 (eip, gdb's $pc) is linear in real mode: f000:fff0. */
	assert_string_equal(req(f, "p8"), "f0ff0f00");
	assert_int_equal(regs__linear_pc(&f->ft->regs[0]), 0xffff0);
	assert_string_equal(req(f, "P8=00010000"), "OK");
	assert_int_equal(regs__linear_pc(&f->ft->regs[0]), 0x100);
	assert_string_equal(req(f, "p8"), "00010000");
	assert_string_equal(req(f, "P8=f0ff0f00"), "OK");
	assert_int_equal(regs__linear_pc(&f->ft->regs[0]), 0xffff0);

	/* eax: set and read back. */
	assert_string_equal(req(f, "P0=efbeadde"), "OK");
	assert_int_equal(f->ft->regs[0].gpr[GPR_AX], 0xdeadbeef);
	assert_string_equal(req(f, "p0"), "efbeadde");

	/* Every register the description has can be read (the fake has
	 * x87 and SSE); the others are not there. */
	for (int i = 0; i < regs__count(); i++) {
		snprintf(pkt, sizeof(pkt), "p%x", i);
		if (regs_layout__described(NULL, i, f->ft->xfeatures))
			assert_int_equal(strlen(req(f, pkt)), 2 * (size_t)regs__size(i));
		else
			assert_string_equal(req(f, pkt), "E45");
	}
	/* Out of range, malformed. */
	snprintf(want, sizeof(want), "p%x", regs__count());
	assert_string_equal(req(f, want), "E45");
	assert_string_equal(req(f, "pffffffff"), "E45");
	assert_string_equal(req(f, "pffffffffffffffffff"), "E45");
	assert_string_equal(req(f, "p"), "E45");
	assert_string_equal(req(f, "pz"), "E45");
	assert_string_equal(req(f, "p8x"), "E01");
	assert_string_equal(req(f, "p-1"), "E45");
	assert_string_equal(reqf(f, "P%x=00000000", regs__count()), "E45");
	assert_string_equal(req(f, "P0"), "E01");
	assert_string_equal(req(f, "P0="), "E01");
	assert_string_equal(req(f, "P0=efbead"), "E01");
	assert_string_equal(req(f, "P0=efbeaddeff"), "E01");
	assert_string_equal(req(f, "P0=efbeadzz"), "E01");
	assert_string_equal(req(f, "P0:efbeadde"), "E01");
	assert_int_equal(f->ft->regs[0].gpr[GPR_AX], 0xdeadbeef);
}

/* A refused register write says why ("E.text", which gdb shows). */
static void test_P_refused_says_why(void **state)
{
	struct fixture *f = *state;
	struct target_regs *r = &f->ft->regs[0];
	/* null, flat code 0x08, flat data 0x10, at 0x1000 */
	static const uint8_t gdt[24] = {
		0, 0, 0, 0, 0, 0, 0, 0,
		0xff, 0xff, 0, 0, 0, 0x9a, 0xcf, 0,
		0xff, 0xff, 0, 0, 0, 0x92, 0xcf, 0,
	};

	memcpy(f->ft->mem + 0x1000, gdt, sizeof(gdt));
	r->cr0 |= X86_CR0_PE;
	r->gdt.base = 0x1000;
	r->gdt.limit = 0x17;
	/* ds (12) = 0x18: beyond the limit; cs (10) = 0x10: data. */
	/* ('#' cannot be carried in a text reply: "#GP" is "GP".) */
	assert_string_equal(req(f, "Pc=18000000"), "E.selector 0x0018 (GDT index 3) lies beyond "
			    "the GDT limit 0x0017: loading it faults (GP)");
	assert_string_equal(req(f, "Pa=10000000"),
			    "E.selector 0x0010 is a data segment; cs needs a code segment");
	assert_string_equal(req(f, "Pc=10000000"), "OK");
	assert_int_equal(r->seg[SEG_DS].selector, 0x10);
	/* An unreadable descriptor: where it was looked for. */
	r->gdt.base = 0x10000 - 8;	/* the descriptor is outside memory */
	assert_string_equal(req(f, "Pd=10000000"), "E.cannot read GDT entry 2 at 0x00010008");
}

/* ---- memory ---- */

static void test_m(void **state)
{
	struct fixture *f = *state;
	const char *r;

	memcpy(f->ft->mem + 0x100, "\x01\x23\xab\xff", 4);
	assert_string_equal(req(f, "m100,4"), "0123abff");
	assert_string_equal(req(f, "m100,1"), "01");
	/* Short reads: what is there, then EFAULT at the first missing byte. */
	f->ft->mem[0xffff] = 0x5a;
	assert_string_equal(req(f, "mffff,4"), "5a");
	assert_string_equal(req(f, "m10000,1"), "E14");
	assert_string_equal(req(f, "mffffffff,4"), "E14");
	assert_string_equal(req(f, "m100000000,4"), "E14");
	assert_string_equal(req(f, "mfffffffffffffffc,4"), "E14");
	assert_string_equal(req(f, "mffffffffffffffff,ffffffffffffffff"), "E14");
	assert_string_equal(req(f, "mffffffffffffffff,1"), "E14");
	/* A huge length is clamped to what one reply can hold. */
	r = req(f, "m0,ffffffffffffffff");
	assert_int_equal(strlen(r), RSP_PACKET_SIZE);
	r = req(f, "m0,100000000");
	assert_int_equal(strlen(r), RSP_PACKET_SIZE);
	/* Malformed. */
	assert_string_equal(req(f, "m"), "E01");
	assert_string_equal(req(f, "m100"), "E01");
	assert_string_equal(req(f, "m100,"), "E01");
	assert_string_equal(req(f, "m,4"), "E01");
	assert_string_equal(req(f, "m100,0"), "E01");
	assert_string_equal(req(f, "m100,4x"), "E01");
	assert_string_equal(req(f, "m100,4:"), "E01");
	assert_string_equal(req(f, "mzz,4"), "E01");
	assert_string_equal(req(f, "m100;4"), "E01");
	assert_string_equal(req(f, "m-100,4"), "E01");
	assert_string_equal(req(f, "m 100,4"), "E01");
	assert_string_equal(req(f, "m10000000000000000,1"), "E01");	/* 2^64 */
	assert_string_equal(req(f, "m0,10000000000000000"), "E01");
}

static void test_M(void **state)
{
	struct fixture *f = *state;
	uint8_t zero[8] = { 0 };

	assert_string_equal(req(f, "M100,2:abCD"), "OK");
	assert_memory_equal(f->ft->mem + 0x100, "\xab\xcd", 2);
	assert_string_equal(req(f, "M200,0:"), "OK");
	/* Short writes are errors. */
	assert_string_equal(req(f, "Mfffe,4:01020304"), "E14");
	assert_string_equal(req(f, "M10000,1:00"), "E14");
	assert_string_equal(req(f, "Mffffffff,1:00"), "E14");
	assert_string_equal(req(f, "Mffffffffffffffff,2:0000"), "E14");
	/* Length mismatches, truncation, junk: nothing written. */
	assert_string_equal(req(f, "M300,2:abc"), "E01");
	assert_string_equal(req(f, "M300,2:ab"), "E01");
	assert_string_equal(req(f, "M300,2:abcdef"), "E01");
	assert_string_equal(req(f, "M300,2:abzz"), "E01");
	assert_string_equal(req(f, "M300,2abcd"), "E01");
	assert_string_equal(req(f, "M300:abcd"), "E01");
	assert_string_equal(req(f, "M300,"), "E01");
	assert_string_equal(req(f, "M"), "E01");
	assert_string_equal(req(f, "M300,ffffffff:ab"), "E01");
	assert_string_equal(req(f, "M300,ffffffffffffffff:ab"), "E01");
	assert_string_equal(req(f, "M300,8000000000000000:"), "E01");
	assert_memory_equal(f->ft->mem + 0x300, zero, sizeof(zero));
}

static void test_X(void **state)
{
	struct fixture *f = *state;
	static const uint8_t data[] = { 0x00, '#', '}', '$', '*', 0xff };
	uint8_t pkt[64];
	size_t n;

	/* gdb's probe for X support. */
	assert_string_equal(req(f, "X100,0:"), "OK");
	n = (size_t)snprintf((char *)pkt, sizeof(pkt), "X400,%zx:", sizeof(data));
	memcpy(pkt + n, data, sizeof(data));
	assert_string_equal(reqn(f, pkt, n + sizeof(data)), "OK");
	assert_memory_equal(f->ft->mem + 0x400, data, sizeof(data));

	/* Length must match the data. */
	memset(f->ft->mem + 0x400, 0, sizeof(data));
	assert_string_equal(reqn(f, pkt, n + sizeof(data) - 1), "E01");
	memcpy(pkt + n + sizeof(data), "zz", 2);
	assert_string_equal(reqn(f, pkt, n + sizeof(data) + 2), "E01");
	assert_int_equal(f->ft->mem[0x400 + 1], 0);
	assert_string_equal(req(f, "X400,1"), "E01");
	assert_string_equal(req(f, "X400,ffffffffffffffff:a"), "E01");
	assert_string_equal(req(f, "X,1:a"), "E01");
	/* Beyond memory. */
	assert_string_equal(req(f, "Xffffffff,1:a"), "E14");
	assert_string_equal(req(f, "Xffffffffffffffff,2:ab"), "E14");
	assert_string_equal(req(f, "Xffff,2:ab"), "E14");
}

static ssize_t fake_ops_read_mem(struct fixture *f, struct target *t, int cpu,
				 enum target_space space, uint64_t addr, void *buf, size_t len)
{
	return f->orig_ops->read_mem(t, cpu, space, addr, buf, len);
}

static ssize_t spy_read_mem(struct target *t, int cpu, enum target_space space, uint64_t addr,
			    void *buf, size_t len)
{
	struct fixture *f = (struct fixture *)((char *)t->ops - offsetof(struct fixture, ops));

	f->last_space = space;
	return fake_ops_read_mem(f, t, cpu, space, addr, buf, len);
}

static void test_phys(void **state)
{
	struct fixture *f = *state;

	f->orig_ops = f->ft->target.ops;
	f->ops = *f->ft->target.ops;
	f->ops.read_mem = spy_read_mem;
	f->ft->target.ops = &f->ops;

	f->last_space = TARGET_PHYSICAL;
	assert_string_equal(req(f, "m0,1"), "00");
	assert_int_equal(f->last_space, TARGET_LINEAR);
	f->s->physical = true;
	assert_string_equal(req(f, "m0,1"), "00");
	assert_int_equal(f->last_space, TARGET_PHYSICAL);
}

/* ---- resuming ---- */

static void drain_stop(struct fixture *f)
{
	f->s->out_len = 0;
	session__target_event(f->s);
	assert_false(f->s->running);
}

static void test_resume(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(act(f, "c"), SESSION_OK);
	assert_true(f->s->no_reply);
	assert_true(f->s->running);
	assert_true(f->ft->running);
	assert_int_equal(f->ft->last_resume.kind, RESUME_CONTINUE);
	f->ft->target.ops->interrupt(&f->ft->target);
	drain_stop(f);

	act(f, "s");
	assert_true(f->s->no_reply);
	assert_int_equal(f->ft->last_resume.kind, RESUME_STEP);
	assert_int_equal(f->ft->last_resume.cpu, 0);
	drain_stop(f);

	/* With an address: resume there (gdb's $pc, linear). */
	act(f, "s100");
	assert_true(f->s->no_reply);
	assert_int_equal(regs__linear_pc(&f->ft->regs[0]), 0x101);	/* fake step: +1 */
	drain_stop(f);
	act(f, "c200");
	assert_true(f->s->no_reply);
	assert_int_equal(regs__linear_pc(&f->ft->regs[0]), 0x200);
	f->ft->target.ops->interrupt(&f->ft->target);
	drain_stop(f);

	/* Signals are ignored. */
	act(f, "C05");
	assert_true(f->s->no_reply);
	assert_int_equal(f->ft->last_resume.kind, RESUME_CONTINUE);
	f->ft->target.ops->interrupt(&f->ft->target);
	drain_stop(f);
	act(f, "S0b;300");
	assert_true(f->s->no_reply);
	assert_int_equal(f->ft->last_resume.kind, RESUME_STEP);
	assert_int_equal(regs__linear_pc(&f->ft->regs[0]), 0x301);
	drain_stop(f);

	/* Malformed: nothing resumes. */
	f->ft->nr_resumes = 0;
	assert_string_equal(req(f, "cxyz"), "E01");
	assert_string_equal(req(f, "c100x"), "E01");
	assert_string_equal(req(f, "c10000000000000000"), "E01");
	assert_string_equal(req(f, "s,"), "E01");
	assert_string_equal(req(f, "C"), "E01");
	assert_string_equal(req(f, "C05;"), "E01");
	assert_string_equal(req(f, "C100"), "E01");
	assert_string_equal(req(f, "S05:100"), "E01");
	assert_string_equal(req(f, "S05;zz"), "E01");
	assert_int_equal(f->ft->nr_resumes, 0);
	assert_false(f->s->running);

	/* The target refusing (busy) is an error, not a hang. */
	act(f, "c");
	assert_true(f->s->running);
	f->s->running = false;
	assert_string_equal(req(f, "c"), "E16");
}

static void test_vcont(void **state)
{
	struct fixture *f = *state;

	assert_string_equal(req(f, "vCont?"), "vCont;c;C;s;S;r");

	act(f, "vCont;s:1;c");
	assert_true(f->s->no_reply);
	assert_int_equal(f->ft->last_resume.kind, RESUME_STEP);
	assert_int_equal(f->ft->last_resume.cpu, 0);
	drain_stop(f);

	act(f, "vCont;S05:1");
	assert_int_equal(f->ft->last_resume.kind, RESUME_STEP);
	drain_stop(f);

	act(f, "vCont;r100,200:1;c");
	assert_true(f->s->no_reply);
	assert_int_equal(f->ft->last_resume.kind, RESUME_RANGE);
	assert_int_equal(f->ft->last_resume.range_start, 0x100);
	assert_int_equal(f->ft->last_resume.range_end, 0x200);
	drain_stop(f);

	act(f, "vCont;c");
	assert_int_equal(f->ft->last_resume.kind, RESUME_CONTINUE);
	f->ft->target.ops->interrupt(&f->ft->target);
	drain_stop(f);

	/* An action for another thread does not apply; the default does. */
	act(f, "vCont;s:2;c:-1");
	assert_int_equal(f->ft->last_resume.kind, RESUME_CONTINUE);
	f->ft->target.ops->interrupt(&f->ft->target);
	drain_stop(f);

	act(f, "vCont;C0b");
	assert_int_equal(f->ft->last_resume.kind, RESUME_CONTINUE);
	f->ft->target.ops->interrupt(&f->ft->target);
	drain_stop(f);

	f->ft->nr_resumes = 0;
	assert_string_equal(req(f, "vCont;s:5"), "E01");
	assert_string_equal(req(f, "vCont;"), "E01");
	assert_string_equal(req(f, "vCont;x"), "E01");
	assert_string_equal(req(f, "vCont;t"), "E01");
	assert_string_equal(req(f, "vCont;C"), "E01");
	assert_string_equal(req(f, "vCont;C100"), "E01");
	assert_string_equal(req(f, "vCont;s:"), "E01");
	assert_string_equal(req(f, "vCont;s:zz"), "E01");
	assert_string_equal(req(f, "vCont;s1"), "E01");
	assert_string_equal(req(f, "vCont;r100:1"), "E01");
	assert_string_equal(req(f, "vCont;r100,"), "E01");
	assert_string_equal(req(f, "vCont;c;"), "E01");
	assert_string_equal(req(f, "vCont;c;;s"), "E01");
	assert_int_equal(f->ft->nr_resumes, 0);
}

static void test_vcont_two_cpus(void **state)
{
	struct fixture *f = *state;

	f->ft->nr_cpus = 2;
	act(f, "vCont;s:2;c");
	assert_int_equal(f->ft->last_resume.kind, RESUME_STEP);
	assert_int_equal(f->ft->last_resume.cpu, 1);
	drain_stop(f);
	act(f, "vCont;c:1;s:2");
	assert_int_equal(f->ft->last_resume.kind, RESUME_STEP);
	assert_int_equal(f->ft->last_resume.cpu, 1);
	drain_stop(f);
	/* "Hc2" then a plain step: cpu 1. */
	assert_string_equal(req(f, "Hc2"), "OK");
	act(f, "s");
	assert_int_equal(f->ft->last_resume.cpu, 1);
	drain_stop(f);
}

/* Four vCPUs: which one runs, and whether the others run too (all-stop).
 * cpu -1: any (a continue of everyone). */
static void expect_resume(struct fixture *f, const char *pkt, enum target_resume_kind kind,
			  int cpu, bool alone)
{
	act(f, pkt);
	assert_true(f->s->no_reply);
	if (f->ft->last_resume.kind != kind || (cpu >= 0 && f->ft->last_resume.cpu != cpu) ||
	    f->ft->last_resume.alone != alone)
		fail_msg("%s: kind %d cpu %d alone %d, want %d %d %d", pkt,
			 f->ft->last_resume.kind, f->ft->last_resume.cpu,
			 f->ft->last_resume.alone, kind, cpu, alone);
	if (f->ft->running)
		f->ft->target.ops->interrupt(&f->ft->target);
	drain_stop(f);
}

static void test_vcont_four_cpus(void **state)
{
	struct fixture *f = *state;

	f->ft->nr_cpus = 4;
	/* gdb's stepi, scheduler-locking off: thread 2 steps, the others run. */
	expect_resume(f, "vCont;s:2;c", RESUME_STEP, 1, false);
	/* The leftmost action that matches a thread applies: c takes all. */
	expect_resume(f, "vCont;c;s:2", RESUME_CONTINUE, -1, false);
	expect_resume(f, "vCont;s:4;c:-1", RESUME_STEP, 3, false);
	expect_resume(f, "vCont;c:-1;s:4", RESUME_CONTINUE, -1, false);
	/* scheduler-locking on, or gdb stepping over a breakpoint: alone. */
	expect_resume(f, "vCont;s:2", RESUME_STEP, 1, true);
	expect_resume(f, "vCont;S05:3", RESUME_STEP, 2, true);
	expect_resume(f, "vCont;c:3", RESUME_CONTINUE, 2, true);
	expect_resume(f, "vCont;C0b:4", RESUME_CONTINUE, 3, true);
	expect_resume(f, "vCont;r100,200:4", RESUME_RANGE, 3, true);
	assert_int_equal(f->ft->last_resume.range_start, 0x100);
	assert_int_equal(f->ft->last_resume.range_end, 0x200);
	expect_resume(f, "vCont;r100,200:4;c", RESUME_RANGE, 3, false);
	/* Everyone continues. */
	act(f, "vCont;c");
	assert_int_equal(f->ft->last_resume.kind, RESUME_CONTINUE);
	assert_false(f->ft->last_resume.alone);
	f->ft->target.ops->interrupt(&f->ft->target);
	drain_stop(f);
	/* Two of four named: both run, and so do the others. */
	act(f, "vCont;c:1;c:2");
	assert_int_equal(f->ft->last_resume.kind, RESUME_CONTINUE);
	assert_false(f->ft->last_resume.alone);
	f->ft->target.ops->interrupt(&f->ft->target);
	drain_stop(f);
	/* The stepping thread gdb selected with Hc wins over another one. */
	assert_string_equal(req(f, "Hc3"), "OK");
	expect_resume(f, "vCont;s:2;s:3;c", RESUME_STEP, 2, false);
	/* s and c without vCont: s steps the Hc thread alone, c runs everyone. */
	expect_resume(f, "s", RESUME_STEP, 2, true);
	assert_string_equal(req(f, "Hc-1"), "OK");
	assert_string_equal(req(f, "Hg4"), "OK");
	expect_resume(f, "s", RESUME_STEP, 3, false);
	act(f, "c");
	assert_false(f->ft->last_resume.alone);
	f->ft->target.ops->interrupt(&f->ft->target);
	drain_stop(f);

	/* Threads that do not exist: nothing runs. */
	f->ft->nr_resumes = 0;
	assert_string_equal(req(f, "vCont;s:5"), "E01");
	assert_string_equal(req(f, "vCont;c:5;s:6"), "E01");
	assert_int_equal(f->ft->nr_resumes, 0);
}

/* A stop names the vCPU that stopped; it becomes gdb's current thread. */
static void test_stop_names_thread(void **state)
{
	struct fixture *f = *state;
	struct target_stop st = { .reason = STOP_SWBREAK, .cpu = 2, .addr = 0xf101b };

	f->ft->nr_cpus = 4;
	assert_string_equal(req(f, "qC"), "QC01");
	fake_target__queue_stop(f->ft, &st);
	act(f, "vCont;c");
	f->s->out_len = 0;
	session__target_event(f->s);
	f->s->out[f->s->out_len] = '\0';
	assert_non_null(strstr((char *)f->s->out, "$T05thread:03;04:"));
	assert_string_equal(req(f, "qC"), "QC03");
	assert_string_equal(req(f, "?"), T(f, "T05thread:03;"));
	st.cpu = 3;
	st.reason = STOP_WATCH;
	st.watch_kind = BP_WATCH_WRITE;
	st.addr = 0x7004;
	fake_target__queue_stop(f->ft, &st);
	act(f, "vCont;c");
	f->s->out_len = 0;
	session__target_event(f->s);
	f->s->out[f->s->out_len] = '\0';
	assert_non_null(strstr((char *)f->s->out, "$T05watch:7004;thread:04;04:"));
	assert_string_equal(req(f, "qC"), "QC04");
	/* Registers now come from thread 4 (Hg follows the stop). */
	f->ft->regs[3].gpr[GPR_BX] = 0x3;
	assert_string_equal(req(f, "p3"), "03000000");
}

/* ---- breakpoints ---- */

static int no_watch_insert(struct target *t, enum target_bp_kind kind, uint64_t addr,
			   uint64_t len)
{
	(void)t;
	(void)kind;
	(void)addr;
	(void)len;
	return -EOPNOTSUPP;
}

static void test_Z_z(void **state)
{
	struct fixture *f = *state;
	int i;

	assert_string_equal(req(f, "Z0,100,1"), "OK");
	assert_int_equal(f->ft->nr_bps, 1);
	assert_int_equal(f->ft->bps[0].kind, BP_SOFTWARE);
	assert_int_equal(f->ft->bps[0].addr, 0x100);
	assert_int_equal(f->ft->bps[0].len, 1);
	/* Idempotent both ways. */
	assert_string_equal(req(f, "Z0,100,1"), "OK");
	assert_int_equal(f->ft->nr_bps, 1);
	assert_string_equal(req(f, "z0,100,1"), "OK");
	assert_int_equal(f->ft->nr_bps, 0);
	assert_string_equal(req(f, "z0,100,1"), "OK");
	/* Conditions and commands are ignored for now. */
	assert_string_equal(req(f, "Z0,100,1;X3,220027"), "OK");
	assert_string_equal(req(f, "z0,100,1"), "OK");

	/* Four hardware slots: the fifth Z1 fails and the four remain. */
	for (i = 0; i < 4; i++)
		assert_string_equal(reqf(f, "Z1,%x,1", 0x1000 + i), "OK");
	assert_string_equal(req(f, "Z1,2000,1"), "E28");
	assert_string_equal(req(f, "Z2,3000,4"), "E28");
	assert_int_equal(f->ft->nr_bps, 4);
	for (i = 0; i < 4; i++)
		assert_int_equal(f->ft->bps[i].addr, 0x1000 + i);
	assert_string_equal(req(f, "z1,1003,1"), "OK");
	/* Watchpoints pass their length through. */
	assert_string_equal(req(f, "Z2,3000,4"), "OK");
	assert_int_equal(f->ft->bps[3].kind, BP_WATCH_WRITE);
	assert_int_equal(f->ft->bps[3].len, 4);
	assert_string_equal(req(f, "z2,3000,4"), "OK");
	assert_string_equal(req(f, "Z3,3000,2"), "OK");
	assert_string_equal(req(f, "z3,3000,2"), "OK");
	assert_string_equal(req(f, "Z4,3000,8"), "OK");
	assert_int_equal(f->ft->bps[3].kind, BP_WATCH_ACCESS);
	assert_string_equal(req(f, "z4,3000,8"), "OK");
	assert_string_equal(req(f, "Z2,3000,0"), "E22");
	assert_string_equal(req(f, "Z2,ffffffffffffffff,2"), "E22");

	/* Malformed. */
	assert_string_equal(req(f, "Z5,100,1"), "E01");
	assert_string_equal(req(f, "Z10,100,1"), "E01");
	assert_string_equal(req(f, "Z0,100,0"), "E22");
	assert_string_equal(req(f, "Z0,100,10"), "E22");
	assert_string_equal(req(f, "Z0,100"), "E01");
	assert_string_equal(req(f, "Z0,100,"), "E01");
	assert_string_equal(req(f, "Z0,,1"), "E01");
	assert_string_equal(req(f, "Z0;100,1"), "E01");
	assert_string_equal(req(f, "Z0,100,1x"), "E01");
	assert_string_equal(req(f, "Z,100,1"), "E01");
	assert_string_equal(req(f, "Z"), "E01");
	assert_string_equal(req(f, "z"), "E01");
	assert_string_equal(req(f, "Z0,10000000000000000,1"), "E01");
	assert_int_equal(f->ft->nr_bps, 3);

	/* A kind the target cannot do: the empty reply. */
	f->ops = *f->ft->target.ops;
	f->ops.insert_bp = no_watch_insert;
	f->ft->target.ops = &f->ops;
	assert_string_equal(req(f, "Z3,3000,2"), "");
	assert_false(f->s->no_reply);
}

/* ---- threads ---- */

static void test_threads(void **state)
{
	struct fixture *f = *state;
	char want[128];
	char hex[256];

	assert_string_equal(req(f, "qC"), "QC01");
	assert_string_equal(req(f, "qfThreadInfo"), "m01");
	assert_string_equal(req(f, "qsThreadInfo"), "l");
	assert_string_equal(req(f, "T1"), "OK");
	assert_string_equal(req(f, "T2"), "E01");
	assert_string_equal(req(f, "T0"), "E01");
	assert_string_equal(req(f, "T-1"), "E01");
	assert_string_equal(req(f, "T"), "E01");
	assert_string_equal(req(f, "T1x"), "E01");
	assert_string_equal(req(f, "Tffffffffffffffffff"), "E01");

	f->ft->nr_cpus = 2;
	f->ft->regs[1].gpr[GPR_AX] = 0xaabbccdd;
	assert_string_equal(req(f, "qfThreadInfo"), "m01,02");
	assert_string_equal(req(f, "T2"), "OK");
	assert_string_equal(req(f, "Hg2"), "OK");
	assert_string_equal(req(f, "qC"), "QC02");
	assert_memory_equal(req(f, "g"), "ddccbbaa", 8);
	assert_string_equal(req(f, "p0"), "ddccbbaa");
	assert_string_equal(req(f, "Hg0"), "OK");
	assert_string_equal(req(f, "Hg-1"), "OK");
	assert_string_equal(req(f, "Hg1"), "OK");
	assert_string_equal(req(f, "qC"), "QC01");
	assert_string_equal(req(f, "Hc-1"), "OK");
	assert_int_equal(f->s->c_cpu, -1);
	assert_string_equal(req(f, "Hc0"), "OK");
	assert_string_equal(req(f, "Hc2"), "OK");
	assert_int_equal(f->s->c_cpu, 1);
	assert_string_equal(req(f, "Hg3"), "E01");
	assert_string_equal(req(f, "Hx1"), "E01");
	assert_string_equal(req(f, "Hg"), "E01");
	assert_string_equal(req(f, "H"), "E01");
	assert_string_equal(req(f, "Hg1x"), "E01");
	assert_string_equal(req(f, "Hg-2"), "E01");
	assert_string_equal(req(f, "Hgffffffffff"), "E01");
	assert_string_equal(req(f, "qC"), "QC01");

	/* "info threads": hex of the vCPU description. */
	f->ft->target.ops->describe_cpu(&f->ft->target, 1, want, sizeof(want));
	rsp__hex_encode(hex, want, strlen(want));
	hex[2 * strlen(want)] = '\0';
	assert_string_equal(req(f, "qThreadExtraInfo,2"), hex);
	assert_string_equal(req(f, "qThreadExtraInfo,3"), "E01");
	assert_string_equal(req(f, "qThreadExtraInfo,"), "E01");
	assert_string_equal(req(f, "qThreadExtraInfo,1x"), "E01");
}

/* qfThreadInfo, T, H and qThreadExtraInfo with four vCPUs, and bad ids. */
static void test_threads_four_cpus(void **state)
{
	struct fixture *f = *state;
	char want[128], hex[256];

	f->ft->nr_cpus = 4;
	assert_string_equal(req(f, "qfThreadInfo"), "m01,02,03,04");
	assert_string_equal(req(f, "qsThreadInfo"), "l");
	for (int tid = 1; tid <= 4; tid++)
		assert_string_equal(reqf(f, "T%x", tid), "OK");
	assert_string_equal(req(f, "T5"), "E01");
	assert_string_equal(req(f, "T0"), "E01");
	assert_string_equal(req(f, "T-1"), "E01");
	assert_string_equal(req(f, "Tp1.2"), "E01");
	assert_string_equal(req(f, "T100000004"), "E01");
	assert_string_equal(req(f, "Hg4"), "OK");
	assert_string_equal(req(f, "qC"), "QC04");
	assert_string_equal(req(f, "Hg5"), "E01");
	assert_string_equal(req(f, "Hc5"), "E01");
	assert_string_equal(req(f, "Hg100000001"), "E01");
	assert_string_equal(req(f, "qC"), "QC04");	/* a refused H changes nothing */
	assert_string_equal(req(f, "Hg0"), "OK");	/* "any": keeps thread 4 */
	assert_string_equal(req(f, "qC"), "QC04");
	/* g reads the selected vCPU. */
	f->ft->regs[3].gpr[GPR_AX] = 0x11223344;
	assert_memory_equal(req(f, "g"), "44332211", 8);
	assert_string_equal(req(f, "Hg2"), "OK");
	assert_memory_equal(req(f, "g"), "00000000", 8);
	/* "info threads": each vCPU's own line. */
	for (int cpu = 0; cpu < 4; cpu++) {
		f->ft->target.ops->describe_cpu(&f->ft->target, cpu, want, sizeof(want));
		rsp__hex_encode(hex, want, strlen(want));
		hex[2 * strlen(want)] = '\0';
		assert_string_equal(reqf(f, "qThreadExtraInfo,%x", cpu + 1), hex);
	}
	assert_string_equal(req(f, "qThreadExtraInfo,5"), "E01");
	assert_string_equal(req(f, "qThreadExtraInfo,0"), "E01");
}

/* ---- target description ---- */

/* Read the whole annex in chunks of size chunk; returns its length. */
static size_t read_xml(struct fixture *f, char *doc, size_t cap, size_t chunk)
{
	size_t off = 0, n;
	const char *r;

	for (;;) {
		r = reqf(f, "qXfer:features:read:target.xml:%zx,%zx", off, chunk);
		assert_true(r[0] == 'm' || r[0] == 'l');
		n = f->s->reply_len - 1;
		assert_true(n <= chunk);
		assert_true(off + n < cap);
		memcpy(doc + off, r + 1, n);
		off += n;
		if (r[0] == 'l')
			break;
		assert_int_equal(n, chunk);
	}
	doc[off] = '\0';
	return off;
}

static void test_qxfer(void **state)
{
	struct fixture *f = *state;
	char *doc = malloc(SESSION_XML_SIZE + 1), *whole = malloc(SESSION_XML_SIZE + 1);
	size_t len;

	assert_non_null(doc);
	assert_non_null(whole);
	len = read_xml(f, doc, SESSION_XML_SIZE + 1, 100);
	assert_true(len > 100);
	assert_memory_equal(doc, "<?xml", 5);
	assert_non_null(strstr(doc, "i8086"));
	assert_null(strstr(doc, "i386<"));
	/* One chunk holds it all, and it is the same document. */
	assert_int_equal(read_xml(f, whole, SESSION_XML_SIZE + 1, 0x10000), len);
	assert_string_equal(doc, whole);

	/* Chunks after offset 0 come from the cached document even if the
	 * mode changed in between; a new offset 0 regenerates. */
	assert_int_equal(req(f, "qXfer:features:read:target.xml:0,64")[0], 'm');
	f->ft->regs[0].cr0 |= X86_CR0_PE;
	f->ft->regs[0].seg[SEG_CS].db = 1;	/* a 32-bit CS: 32-bit code */
	assert_int_equal(reqf(f, "qXfer:features:read:target.xml:%zx,10", len - 1)[0], 'l');
	assert_int_equal(f->s->reply_len, 2);
	assert_int_equal(f->s->reply[1], doc[len - 1]);
	read_xml(f, whole, SESSION_XML_SIZE + 1, 100);
	assert_null(strstr(whole, "i8086"));
	assert_non_null(strstr(whole, "i386"));

	/* Past the end: an empty last chunk. */
	assert_string_equal(reqf(f, "qXfer:features:read:target.xml:%zx,10", len + 100), "l");
	assert_string_equal(req(f, "qXfer:features:read:target.xml:ffffffffffffffff,10"), "l");
	/* Other annexes, malformed offsets. */
	assert_string_equal(req(f, "qXfer:features:read:foo.xml:0,100"), "E00");
	assert_string_equal(req(f, "qXfer:features:read:target.xm:0,100"), "E00");
	assert_string_equal(req(f, "qXfer:features:read::0,100"), "E00");
	assert_string_equal(req(f, "qXfer:features:read:target.xml:0"), "E01");
	assert_string_equal(req(f, "qXfer:features:read:target.xml:0,"), "E01");
	assert_string_equal(req(f, "qXfer:features:read:target.xml:,10"), "E01");
	assert_string_equal(req(f, "qXfer:features:read:target.xml:0,0"), "E01");
	assert_string_equal(req(f, "qXfer:features:read:target.xml:0,10x"), "E01");
	assert_string_equal(req(f, "qXfer:features:read:target.xml:z,10"), "E01");
	free(doc);
	free(whole);
}

/* ---- memory map ---- */

static void test_memory_map(void **state)
{
	struct fixture *f = *state;
	char doc[SESSION_MEMMAP_SIZE + 1];
	const char *r;
	size_t off = 0, n;

	r = req(f, "qXfer:memory-map:read::0,1000");
	assert_int_equal(r[0], 'l');
	assert_non_null(strstr(r, "<memory-map>"));
	assert_non_null(strstr(r, "<memory type=\"ram\" start=\"0x0\" length=\"0x10000\"/>"));
	assert_non_null(strstr(r, "<memory type=\"rom\" start=\"0xffff0000\" "
				  "length=\"0x10000\"/>"));
	assert_non_null(strstr(r, "</memory-map>"));
	strcpy(doc, r + 1);
	/* In chunks of 7: 'm' until the last, the same document. */
	for (;;) {
		r = reqf(f, "qXfer:memory-map:read::%zx,7", off);
		assert_true(r[0] == 'm' || r[0] == 'l');
		n = f->s->reply_len - 1;
		assert_memory_equal(r + 1, doc + off, n);
		off += n;
		if (r[0] == 'l')
			break;
		assert_int_equal(n, 7);
	}
	assert_int_equal(off, strlen(doc));
	assert_string_equal(reqf(f, "qXfer:memory-map:read::%zx,10", off + 5), "l");
	/* Malformed: an annex, no length, zero length. */
	assert_string_equal(req(f, "qXfer:memory-map:read:foo:0,10"), "E01");
	assert_string_equal(req(f, "qXfer:memory-map:read::0"), "E01");
	assert_string_equal(req(f, "qXfer:memory-map:read::0,0"), "E01");
	assert_string_equal(req(f, "qXfer:memory-map:read:0,10"), "E01");
	/* A target without a map: the empty reply (gdb then assumes RAM everywhere). */
	f->ops = *f->ft->target.ops;
	f->ops.memory_map = NULL;
	f->ft->target.ops = &f->ops;
	assert_string_equal(req(f, "qXfer:memory-map:read::0,1000"), "");
}

/* ---- monitor ---- */

/* The text of every 'O' packet in s->out, and the count of packets. */
static size_t console_text(struct fixture *f, char *text, size_t cap, int *packets)
{
	const char *p = (const char *)f->s->out, *end = p + f->s->out_len, *hash;
	size_t n = 0, hexlen;

	*packets = 0;
	while (p < end && (p = memchr(p, '$', end - p)) != NULL) {
		hash = memchr(p, '#', end - p);
		assert_non_null(hash);
		(*packets)++;
		if (p[1] == 'O') {
			hexlen = hash - (p + 2);
			assert_int_equal(hexlen % 2, 0);
			assert_true(hexlen / 2 <= 4000);
			assert_true(n + hexlen / 2 < cap);
			assert_true(rsp__hex_decode(text + n, p + 2, hexlen / 2));
			n += hexlen / 2;
		}
		p = hash + 3;
	}
	text[n] = '\0';
	return n;
}

static const char *monitor(struct fixture *f, const char *line)
{
	char pkt[600] = "qRcmd,";

	assert_true(strlen(line) < 256);
	pkt[6 + rsp__hex_encode(pkt + 6, line, strlen(line))] = '\0';
	return req(f, pkt);
}

static void test_qrcmd(void **state)
{
	struct fixture *f = *state;
	char *text = malloc(2 * MONITOR_OUT_SIZE);
	int packets;

	assert_non_null(text);
	assert_string_equal(monitor(f, "help"), "OK");
	assert_true(console_text(f, text, 2 * MONITOR_OUT_SIZE, &packets) > 0);
	assert_true(packets >= 1);
	assert_non_null(strstr(text, "phys"));
	assert_non_null(strstr(text, "help"));

	/* phys on: memory packets are physical. */
	assert_string_equal(monitor(f, "phys on"), "OK");
	assert_true(f->s->physical);
	assert_string_equal(monitor(f, "phys off"), "OK");
	assert_false(f->s->physical);

	/* Failure: the reason as console text, then an error (gdb 13 takes
	 * no "E.text" for qRcmd). */
	assert_string_equal(monitor(f, "no-such-command"), "E01");
	assert_true(console_text(f, text, 2 * MONITOR_OUT_SIZE, &packets) > 0);
	assert_non_null(strstr(text, "unknown monitor command 'no-such-command'"));

	/* A gdb that says error-message+: the reason is the error, once. */
	req(f, "qSupported:swbreak+;error-message+");
	assert_true(f->s->gdb_error_message);
	assert_string_equal(monitor(f, "no-such-command"),
			    "E.unknown monitor command 'no-such-command'; try 'monitor help'");
	assert_int_equal(console_text(f, text, 2 * MONITOR_OUT_SIZE, &packets), 0);
	assert_string_equal(monitor(f, "xlate zz"), "E.xlate: cannot parse \"zz\": use ADDR "
			    "(linear, hex) or SEL:OFF (hex), e.g. f000:fff0 or 0x8:0x1000\n"
			    "usage: monitor xlate ADDR|SEL:OFF");
	/* Characters a text reply cannot carry ('#', '*'): left out, replaced. */
	assert_string_equal(monitor(f, "#*#"), "E.unknown monitor command 'x'; try 'monitor help'");
	assert_string_equal(monitor(f, "phys"), "OK");	/* success: console text as before */
	assert_true(console_text(f, text, 2 * MONITOR_OUT_SIZE, &packets) > 0);
	req(f, "qSupported:swbreak+");
	assert_false(f->s->gdb_error_message);

	/* Malformed hex. */
	assert_string_equal(req(f, "qRcmd,68656c7"), "E01");
	assert_string_equal(req(f, "qRcmd,68656c7z"), "E01");
	assert_string_equal(req(f, "qRcmd,68006c70"), "E01");
	assert_int_equal(f->s->out_len, 0);
	free(text);
}

/* ---- leaving ---- */

static void test_detach_kill(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(act(f, "Dx"), SESSION_OK);
	assert_string_equal(f->s->reply, "E01");
	assert_int_equal(act(f, "D;"), SESSION_OK);
	assert_int_equal(act(f, "D;1x"), SESSION_OK);
	assert_int_equal(f->ft->nr_resumes, 0);

	/* What the client set up goes before the guest runs on. */
	assert_string_equal(req(f, "Z0,100,1;X3,220027"), "OK");
	assert_string_equal(req(f, "Z2,200,4"), "OK");
	assert_string_equal(monitor(f, "phys on"), "OK");
	assert_int_equal(f->ft->nr_bps, 2);
	assert_int_equal(f->s->conds.nr_used, 1);
	assert_int_equal(act(f, "D;1"), SESSION_DETACH);
	f->s->reply[f->s->reply_len] = '\0';
	assert_string_equal(f->s->reply, "OK");
	assert_int_equal(f->ft->nr_remove_alls, 1);
	assert_int_equal(f->ft->nr_bps, 0);
	assert_int_equal(f->s->conds.nr_used, 0);
	assert_false(f->s->physical);
	assert_true(f->ft->running);
	assert_int_equal(f->ft->last_resume.kind, RESUME_CONTINUE);
	/* Already running: not resumed twice. */
	assert_int_equal(act(f, "D"), SESSION_DETACH);
	assert_int_equal(f->ft->nr_resumes, 1);

	/* k: "X09", which lldb waits for; the server then closes. */
	assert_int_equal(act(f, "k"), SESSION_KILL);
	assert_false(f->s->no_reply);
	f->s->reply[f->s->reply_len] = '\0';
	assert_string_equal(f->s->reply, "X09");
	assert_true(f->s->killed);
	assert_int_equal(f->ft->nr_resets, 1);
	assert_false(f->ft->running);
	assert_int_equal(act(f, "vKill;1"), SESSION_KILL);
	assert_false(f->s->no_reply);
	f->s->reply[f->s->reply_len] = '\0';
	assert_string_equal(f->s->reply, "OK");
	assert_int_equal(f->ft->nr_resets, 2);
	assert_string_equal(req(f, "?"), T(f, "T05thread:01;"));
}

/* A detach after a fault leaves the guest where it faulted: it cannot run on. */
static void test_detach_after_fault(void **state)
{
	struct fixture *f = *state;

	f->s->last_stop = (struct target_stop){ .reason = STOP_FAULT };
	f->s->have_stop = true;
	assert_true(session__faulted(f->s));
	assert_int_equal(act(f, "D"), SESSION_DETACH);
	assert_int_equal(f->ft->nr_resumes, 0);
	assert_false(f->ft->running);
	assert_false(f->s->free_running);
	assert_true(session__faulted(f->s));
	/* Any run clears it. */
	assert_int_equal(act(f, "s"), SESSION_OK);
	assert_false(session__faulted(f->s));
}

/* extended-remote: !, vRun, R, and k, vKill and D keeping the connection. */
static void test_extended(void **state)
{
	struct fixture *f = *state;
	const char *reply;

	/* Only in extended mode. */
	assert_string_equal(req(f, "vRun;"), "E.vRun is for extended-remote (gdb: target extended-remote)");
	assert_string_equal(req(f, "R00"), "");
	assert_int_equal(f->ft->nr_resets, 0);

	assert_string_equal(req(f, "!"), "OK");
	assert_true(f->s->extended);
	/* Our image only, with no arguments. */
	assert_string_equal(req(f, "vRun;;61726731"), "E.kvmstub passes no arguments to the guest");
	assert_string_equal(req(f, "vRun;666f6f2e656c66"),
			    "E.kvmstub runs only the image it was started with; leave remote exec-file empty");
	assert_int_equal(f->ft->nr_resets, 0);
	/* run: power-on, and the reset-vector stop as the reply. */
	f->ft->regs[0].rip = 0x1234;
	f->s->exited = true;
	f->s->killed = true;
	reply = req(f, "vRun;");	/* first: it resets the registers T reads */
	assert_string_equal(reply, T(f, "T05thread:01;"));
	assert_int_equal(f->ft->nr_resets, 1);
	assert_int_equal(f->ft->regs[0].rip, 0xfff0);
	assert_false(f->s->exited);
	assert_string_equal(req(f, "?"), T(f, "T05thread:01;"));
	/* R: the same, with no reply. */
	assert_int_equal(act(f, "R00"), SESSION_OK);
	assert_true(f->s->no_reply);
	assert_int_equal(f->ft->nr_resets, 2);
	/* kill and detach keep the connection. */
	assert_int_equal(act(f, "vKill;1"), SESSION_OK);
	f->s->reply[f->s->reply_len] = '\0';
	assert_string_equal(f->s->reply, "OK");
	assert_true(f->s->killed);
	assert_int_equal(f->ft->nr_resets, 3);
	assert_int_equal(act(f, "k"), SESSION_OK);
	assert_true(f->s->no_reply);
	assert_int_equal(f->ft->nr_resets, 4);
	assert_string_equal(req(f, "c"), "");	/* a resume: no reply now */
	assert_false(f->s->killed);
	f->ft->target.ops->interrupt(&f->ft->target);
	session__target_event(f->s);
	assert_int_equal(act(f, "D"), SESSION_OK);
	assert_true(f->s->free_running);
	assert_true(f->ft->running);
	/* A new connection starts in plain remote mode. */
	session__attach(f->s);
	assert_false(f->s->extended);
}

/* ---- target-side conditions (Z0/Z1 ";X") and range stepping ---- */

static void test_Z_conditions(void **state)
{
	struct fixture *f = *state;
	const struct cond_bp *bp;

	/* Inserted with the breakpoint, as gdb 13 sends them (back to back). */
	assert_string_equal(req(f, "Z0,100,1;Xa,26000016202313881327X3,220027"), "OK");
	assert_int_equal(f->ft->nr_bps, 1);
	bp = conds__find(&f->s->conds, BP_SOFTWARE, 0x100);
	assert_non_null(bp);
	assert_int_equal(bp->nr, 2);
	/* Re-inserting replaces them; the breakpoint stays one. */
	assert_string_equal(req(f, "Z0,100,1;X3,220127"), "OK");
	assert_int_equal(f->ft->nr_bps, 1);
	assert_int_equal(conds__find(&f->s->conds, BP_SOFTWARE, 0x100)->nr, 1);
	/* z removes them with the breakpoint. */
	assert_string_equal(req(f, "z0,100,1"), "OK");
	assert_null(conds__find(&f->s->conds, BP_SOFTWARE, 0x100));
	assert_int_equal(f->ft->nr_bps, 0);
	/* Z1 too, and a Z without conditions clears them. */
	assert_string_equal(req(f, "Z1,200,1;X3,220127"), "OK");
	assert_non_null(conds__find(&f->s->conds, BP_HARDWARE, 0x200));
	assert_string_equal(req(f, "Z1,200,1"), "OK");
	assert_null(conds__find(&f->s->conds, BP_HARDWARE, 0x200));

	/* Malformed lists: E01, and nothing inserted. */
	assert_string_equal(req(f, "Z0,300,1;"), "E01");
	assert_string_equal(req(f, "Z0,300,1;X3,2201"), "E01");
	assert_string_equal(req(f, "Z0,300,1;X3,2201zz"), "E01");
	assert_string_equal(req(f, "Z0,300,1;Xffffffffffffffffff,00"), "E01");
	assert_string_equal(req(f, "Z0,300,1;X3,220127;"), "E01");
	assert_string_equal(req(f, "Z0,300,1;cmds:0,X3,220127"), "E01");
	assert_int_equal(f->ft->nr_bps, 1);

	/* An opcode we do not run (getv): the breakpoint goes in without
	 * conditions, so every hit is reported and gdb evaluates it; an old
	 * list is dropped. */
	assert_string_equal(req(f, "Z0,300,1;X3,220127"), "OK");
	assert_string_equal(req(f, "Z0,300,1;X4,2c000127"), "OK");
	assert_int_equal(f->ft->nr_bps, 2);
	assert_null(conds__find(&f->s->conds, BP_SOFTWARE, 0x300));
	assert_string_equal(req(f, "Z0,300,1;X1,ff"), "OK");
	assert_null(conds__find(&f->s->conds, BP_SOFTWARE, 0x300));

	/* A breakpoint the target refuses keeps no conditions. */
	f->ft->hw_slots = 1;
	assert_string_equal(req(f, "Z1,400,1;X3,220127"), "E28");
	assert_null(conds__find(&f->s->conds, BP_HARDWARE, 0x400));
}

static void test_range_step(void **state)
{
	struct fixture *f = *state;

	assert_non_null(strstr(req(f, "vCont?"), ";r"));
	act(f, "vCont;r0f003f,0f005c:1");
	assert_true(f->s->no_reply);
	assert_int_equal(f->ft->last_resume.kind, RESUME_RANGE);
	assert_int_equal(f->ft->last_resume.cpu, 0);
	assert_int_equal(f->ft->last_resume.range_start, 0xf003f);
	assert_int_equal(f->ft->last_resume.range_end, 0xf005c);
	assert_int_equal(f->s->last_resume.kind, RESUME_RANGE);
	drain_stop(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_supported, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_ack_and_constants, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_reply_registers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_while_running, setup, teardown),
		cmocka_unit_test_setup_teardown(test_g_G_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_p_P, setup, teardown),
		cmocka_unit_test_setup_teardown(test_P_refused_says_why, setup, teardown),
		cmocka_unit_test_setup_teardown(test_m, setup, teardown),
		cmocka_unit_test_setup_teardown(test_M, setup, teardown),
		cmocka_unit_test_setup_teardown(test_X, setup, teardown),
		cmocka_unit_test_setup_teardown(test_phys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vcont, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vcont_two_cpus, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vcont_four_cpus, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_names_thread, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads_four_cpus, setup, teardown),
		cmocka_unit_test_setup_teardown(test_Z_z, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_qxfer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memory_map, setup, teardown),
		cmocka_unit_test_setup_teardown(test_qrcmd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detach_kill, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detach_after_fault, setup, teardown),
		cmocka_unit_test_setup_teardown(test_extended, setup, teardown),
		cmocka_unit_test_setup_teardown(test_Z_conditions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_range_step, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
