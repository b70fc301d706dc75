/*
 * test_packets_fpu.c - the extended state (x87, SSE, AVX, AVX-512, PKRU,
 * XCR0) through the packets, on the fake target: 'g' never reads it, 'p'
 * and 'P' do, the description names only the parts the target has, in
 * gdb's own features, and a write a register cannot take says why.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../stub/packets.h"
#include "../../stub/regs.h"
#include "../../stub/rsp.h"
#include "../../stub/session.h"
#include "fake_target.h"

#define ALL_XF	(TARGET_XF_X87 | TARGET_XF_SSE | TARGET_XF_AVX | TARGET_XF_AVX512 | \
		 TARGET_XF_PKRU | TARGET_XF_XCR0)

struct fixture {
	struct fake_target *ft;
	struct session *s;
	struct target_ops ops;		/* a copy of the fake's, to take ops away */
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

static const char *req(struct fixture *f, const char *pkt)
{
	f->s->out_len = 0;
	f->s->no_reply = false;
	packets__dispatch(f->s, pkt, strlen(pkt));
	assert_true(f->s->reply_len <= RSP_PACKET_SIZE);
	f->s->reply[f->s->reply_len] = '\0';
	return f->s->reply;
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

static int reg(struct fixture *f, const char *name)
{
	int n = regs_layout__find(f->s->layout, name);

	assert_true(n >= 0);
	return n;
}

/* 'g' stays what it was before the extended state was shown: no XSAVE
 * read, no byte of x87 or SSE in it. */
static void test_g_reads_no_xstate(void **state)
{
	struct fixture *f = *state;
	const char *g = req(f, "g");

	assert_int_equal(strlen(g), 2 * (size_t)regs__total_size());
	assert_null(strchr(g, 'x'));
	assert_int_equal(f->ft->nr_get_fpu, 0);
	f->s->layout = regs__layout(REGS_ARCH_X86_64);
	g = req(f, "g");
	assert_int_equal(strlen(g), 2 * (size_t)regs_layout__total_size(f->s->layout));
	assert_int_equal(f->ft->nr_get_fpu, 0);
}

static void test_x87(void **state)
{
	struct fixture *f = *state;
	struct target_fpu *fpu = &f->ft->fpu[0];
	/* 1.5: sign 0, exponent 0x3fff, mantissa 0xc000000000000000 */
	static const uint8_t one_and_half[10] = { 0, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0x3f };
	int get_regs;

	memcpy(fpu->st[0], one_and_half, 10);
	fpu->fip = 0x123456789abcdef0ull;
	get_regs = f->ft->nr_get_regs;
	assert_string_equal(reqf(f, "p%x", reg(f, "st0")), "00000000000000c0ff3f");
	/* The extended state alone: no general registers read. */
	assert_int_equal(f->ft->nr_get_regs, get_regs);
	assert_int_equal(f->ft->nr_get_fpu, 1);
	assert_string_equal(reqf(f, "p%x", reg(f, "fctrl")), "7f030000");
	assert_string_equal(reqf(f, "p%x", reg(f, "ftag")), "ffff0000");
	/* fioff and fiseg: the two halves of the 64-bit pointer. */
	assert_string_equal(reqf(f, "p%x", reg(f, "fioff")), "f0debc9a");
	assert_string_equal(reqf(f, "p%x", reg(f, "fiseg")), "78563412");

	assert_string_equal(reqf(f, "P%x=000000000000000080ff3f", reg(f, "st1")), "E01");
	assert_string_equal(reqf(f, "P%x=0000000000000080ff3f", reg(f, "st1")), "OK");
	assert_int_equal(fpu->st[1][7], 0x80);
	assert_int_equal(fpu->st[1][9], 0x3f);
	assert_memory_equal(fpu->st[0], one_and_half, 10);	/* the rest kept */
	assert_string_equal(reqf(f, "P%x=00010000", reg(f, "fiseg")), "OK");
	assert_int_equal(fpu->fip, 0x000001009abcdef0ull);
	assert_string_equal(reqf(f, "P%x=7f020000", reg(f, "fctrl")), "OK");
	assert_int_equal(fpu->fcw, 0x27f);
	assert_int_equal(f->ft->nr_set_fpu, 3);

	/* Values a register cannot hold. */
	assert_string_equal(reqf(f, "P%x=00000100", reg(f, "fctrl")),
			    "E.0x10000 does not fit in fctrl: it has 16 bits");
	assert_string_equal(reqf(f, "P%x=00080000", reg(f, "fop")),
			    "E.0x800 does not fit in fop: it has 11 bits");
	assert_int_equal(fpu->fcw, 0x27f);
	assert_int_equal(f->ft->nr_set_fpu, 3);
}

static void test_sse(void **state)
{
	struct fixture *f = *state;
	struct target_fpu *fpu = &f->ft->fpu[0];

	for (int i = 0; i < 16; i++)
		fpu->xmm[7][i] = (uint8_t)(0x10 + i);
	assert_string_equal(reqf(f, "p%x", reg(f, "xmm7")), "101112131415161718191a1b1c1d1e1f");
	assert_string_equal(reqf(f, "p%x", reg(f, "mxcsr")), "801f0000");
	assert_string_equal(reqf(f, "P%x=00112233445566778899aabbccddeeff", reg(f, "xmm0")), "OK");
	assert_int_equal(fpu->xmm[0][15], 0xff);
	assert_int_equal(fpu->xmm[7][0], 0x10);
	/* MXCSR: the CPU's mask says which bits exist. */
	fpu->mxcsr_mask = 0xffbf;
	assert_string_equal(reqf(f, "P%x=c01f0000", reg(f, "mxcsr")),
			    "E.mxcsr 0x1fc0 sets bits this CPU reserves (its MXCSR_MASK is 0xffbf)");
	assert_string_equal(reqf(f, "P%x=a01f0000", reg(f, "mxcsr")), "OK");
	assert_int_equal(fpu->mxcsr, 0x1fa0);
	/* xmm8 exists in the x86-64 layout only. */
	assert_int_equal(regs_layout__find(NULL, "xmm8"), -1);
	f->s->layout = regs__layout(REGS_ARCH_X86_64);
	fpu->xmm[15][0] = 0x5a;
	assert_string_equal(reqf(f, "p%x", reg(f, "xmm15")), "5a000000000000000000000000000000");
}

/* Parts the target does not have are not there; those it has are. */
static void test_avx_avx512(void **state)
{
	struct fixture *f = *state;
	struct target_fpu *fpu = &f->ft->fpu[0];
	char want[80];

	assert_string_equal(reqf(f, "p%x", reg(f, "ymm0h")), "E45");
	assert_string_equal(reqf(f, "P%x=00000000000000000000000000000000", reg(f, "ymm0h")), "E45");
	assert_string_equal(reqf(f, "p%x", reg(f, "xcr0")), "E45");
	f->ft->xfeatures = ALL_XF;
	fpu->ymmh[3][0] = 0x33;
	assert_string_equal(reqf(f, "p%x", reg(f, "ymm3h")), "33000000000000000000000000000000");
	assert_string_equal(reqf(f, "P%x=0000000000000000000000000000ff00", reg(f, "ymm7h")), "OK");
	assert_int_equal(fpu->ymmh[7][14], 0xff);
	fpu->k[5] = 0x8000000000000001ull;
	assert_string_equal(reqf(f, "p%x", reg(f, "k5")), "0100000000000080");
	fpu->zmmh[7][31] = 0x77;
	memset(want, '0', 64);
	want[62] = '7';
	want[63] = '7';
	want[64] = '\0';
	assert_string_equal(reqf(f, "p%x", reg(f, "zmm7h")), want);
	fpu->pkru = 0x55555554;
	assert_string_equal(reqf(f, "p%x", reg(f, "pkru")), "54555555");
	fpu->xcr0 = 0x7;
	assert_string_equal(reqf(f, "p%x", reg(f, "xcr0")), "0700000000000000");
	assert_string_equal(reqf(f, "P%x=0600000000000000", reg(f, "xcr0")),
			    "E.xcr0 0x6 clears bit 0 (x87), which XCR0 must always have");
	assert_string_equal(reqf(f, "P%x=0300000000000000", reg(f, "xcr0")), "OK");
	assert_int_equal(fpu->xcr0, 3);
	/* The i386 layout has zmm0h-7h only; x86-64 has xmm16-31 with them. */
	assert_int_equal(regs_layout__find(NULL, "zmm8h"), -1);
	assert_int_equal(regs_layout__find(NULL, "xmm16"), -1);
	f->s->layout = regs__layout(REGS_ARCH_X86_64);
	fpu->xmm[31][0] = 0x31;
	fpu->ymmh[16][1] = 0x16;
	assert_string_equal(reqf(f, "p%x", reg(f, "xmm31")), "31000000000000000000000000000000");
	assert_string_equal(reqf(f, "p%x", reg(f, "ymm16h")), "00160000000000000000000000000000");
	assert_string_equal(reqf(f, "P%x=%064x", reg(f, "zmm31h"), 0x42), "OK");
	assert_int_equal(fpu->zmmh[31][31], 0x42);
}

static void test_set_fails(void **state)
{
	struct fixture *f = *state;

	f->ft->set_fpu_err = -EINVAL;
	assert_string_equal(reqf(f, "P%x=00000000000000000000", reg(f, "st0")),
			    "E.the vCPU refused the new st0: Invalid argument");
	f->ft->set_fpu_err = 0;
	f->ft->fpu[0].mxcsr = 0x1f80;
	assert_string_equal(reqf(f, "P%x=801f0000", reg(f, "mxcsr")), "OK");
}

/* A target without the extended state: x87 and SSE are described (gdb's
 * i386 core needs them) and read as unavailable; writes say why. */
static void test_no_fpu_ops(void **state)
{
	struct fixture *f = *state;
	static char xml[32768];
	char pkt[64];

	f->ops = *f->ft->target.ops;
	f->ops.get_fpu = NULL;
	f->ops.set_fpu = NULL;
	f->ops.xfeatures = NULL;
	f->ft->target.ops = &f->ops;
	f->ft->xfeatures = ALL_XF;	/* ignored without get_fpu */
	assert_string_equal(reqf(f, "p%x", reg(f, "st0")), "xxxxxxxxxxxxxxxxxxxx");
	assert_string_equal(reqf(f, "p%x", reg(f, "xmm0")), "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	assert_string_equal(reqf(f, "p%x", reg(f, "ymm0h")), "E45");
	assert_string_equal(reqf(f, "P%x=00000000", reg(f, "fctrl")),
			    "E.this target cannot write the x87/SSE/AVX state");
	snprintf(pkt, sizeof(pkt), "qXfer:features:read:target.xml:0,%x", (unsigned int)sizeof(xml));
	strncpy(xml, req(f, pkt), sizeof(xml) - 1);
	assert_non_null(strstr(xml, "org.gnu.gdb.i386.sse"));
	assert_null(strstr(xml, "org.gnu.gdb.i386.avx"));
	assert_null(strstr(xml, "xcr0"));
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* Everything between <feature name="NAME"> and its </feature>, into out. */
static void feature(const char *xml, const char *name, char *out, size_t cap)
{
	char open[96];
	const char *p, *e;

	snprintf(open, sizeof(open), "<feature name=\"%s\">", name);
	p = strstr(xml, open);
	assert_non_null(p);
	e = strstr(p, "</feature>");
	assert_non_null(e);
	assert_true((size_t)(e - p) < cap);
	memcpy(out, p, (size_t)(e - p));
	out[e - p] = '\0';
}

/* Every part as gdb's own features have it, the types each feature uses
 * defined in that feature, every register once with its number. */
static void test_description_all(void **state)
{
	struct fixture *f = *state;
	static char xml[65536], part[32768];
	char needle[128];
	const struct regs_layout *L;

	f->ft->xfeatures = ALL_XF;
	for (int wide = 0; wide < 2; wide++) {
		L = regs__layout(wide ? REGS_ARCH_X86_64 : REGS_ARCH_I386);
		assert_true(regs_layout__target_xml(L, &f->ft->regs[0], ALL_XF, xml, sizeof(xml)) > 0);
		assert_int_equal(count(xml, "<feature "), 6);
		for (int i = 0; i < regs_layout__count(L); i++) {
			snprintf(needle, sizeof(needle), "<reg name=\"%s\" bitsize=\"%d\" ",
				 regs_layout__reg_name(L, i), 8 * regs_layout__size(L, i));
			assert_int_equal(count(xml, needle), 1);
			snprintf(needle, sizeof(needle), " regnum=\"%d\" ", i);
			assert_int_equal(count(xml, needle), 1);
		}
		feature(xml, "org.gnu.gdb.i386.core", part, sizeof(part));
		assert_non_null(strstr(part, "name=\"st7\" bitsize=\"80\" type=\"i387_ext\""));
		assert_non_null(strstr(part, "name=\"fop\""));
		feature(xml, "org.gnu.gdb.i386.avx", part, sizeof(part));
		assert_int_equal(count(part, "<reg "), wide ? 16 : 8);
		assert_non_null(strstr(part, "name=\"ymm0h\" bitsize=\"128\" type=\"uint128\""));
		feature(xml, "org.gnu.gdb.i386.avx512", part, sizeof(part));
		assert_int_equal(count(part, "<reg "), wide ? 16 + 16 + 8 + 32 : 8 + 8);
		assert_non_null(strstr(part, "<vector id=\"v2ui128\" type=\"uint128\" count=\"2\"/>"));
		assert_non_null(strstr(part, "name=\"zmm7h\" bitsize=\"256\" type=\"v2ui128\""));
		assert_non_null(strstr(part, "name=\"k7\" bitsize=\"64\" type=\"uint64\""));
		/* xmm16-31 need vec128, which this feature defines itself. */
		assert_int_equal(count(part, "<union id=\"vec128\">"), wide);
		feature(xml, "org.gnu.gdb.i386.pkeys", part, sizeof(part));
		assert_non_null(strstr(part, "name=\"pkru\" bitsize=\"32\" type=\"uint32\""));
		feature(xml, "org.kvmstub.x86.system", part, sizeof(part));
		assert_non_null(strstr(part, "<flags id=\"kvmstub_xcr0\" size=\"8\">"));
		assert_non_null(strstr(part, "<field name=\"AVX\" start=\"2\" end=\"2\"/>"));
		assert_non_null(strstr(part, "name=\"xcr0\" bitsize=\"64\" type=\"kvmstub_xcr0\""));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_g_reads_no_xstate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_x87, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_avx_avx512, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_fpu_ops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_description_all, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
