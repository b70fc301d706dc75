/*
 * test_fpu.c - kvm/cpu/fpu.c's XSAVE image against the host CPU itself:
 * the image this process's own XSAVE64 writes (the format KVM hands over)
 * is decoded, the x87 tag word rebuilt from FXSAVE's abridged one is
 * compared with the full tag word FNSAVE stores, and an image written by
 * cpu__xsave_encode is loaded with XRSTOR64 and read back from the
 * registers.  AVX-512 and PKRU, which this host may lack, are checked as a
 * round trip through the standard format's offsets.
 */
#include <cpuid.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../kvm/cpu/cpu.h"

#define IMAGE_SIZE	4096

struct img {
	uint8_t b[IMAGE_SIZE];
} __attribute__((aligned(64)));

static bool host_xsave(void)
{
	unsigned int a, b, c, d;

	return __get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 27));	/* OSXSAVE */
}

static uint64_t xgetbv0(void)
{
	uint32_t lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return lo | (uint64_t)hi << 32;
}

static bool host_avx(void)
{
	unsigned int a, b, c, d;

	return host_xsave() && __get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 28)) &&
	       (xgetbv0() & 6) == 6;
}

static void layout(struct cpu_xstate *xs, uint32_t features)
{
	memset(xs, 0, sizeof(*xs));
	xs->image_size = IMAGE_SIZE;
	cpu__xsave_layout(xs);
	xs->features = features;
}

/* The FNSAVE image of the 32-bit protected-mode format: the tag word at
 * byte 8, ST0-ST7 from byte 28, 10 bytes each.  FNSAVE then reinitialises
 * the FPU, as the manual says. */
struct fnsave {
	uint8_t b[108];
};

static const uint8_t denormal[10] = { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
static const uint8_t qnan[10] = { 0, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0x7f };
static const uint8_t unnormal[10] = { 0, 0, 0, 0, 0, 0, 0, 0x40, 0xff, 0x3f };
static const uint8_t two[10] = { 0, 0, 0, 0, 0, 0, 0, 0x80, 0x00, 0x40 };

/* Five registers of every class (valid, zero, special) and three empty;
 * XSAVE64 of x87 and SSE, then FNSAVE of the same. */
static void x87_state(struct img *im, struct fnsave *fs)
{
	memset(im, 0, sizeof(*im));
	__asm__ volatile("fninit\n\t"
			 "fldt %2\n\t"		/* ST4 at the end: denormal (special) */
			 "fldt %3\n\t"		/* ST3: quiet NaN (special) */
			 "fldz\n\t"		/* ST2: zero */
			 "fld1\n\t"		/* ST1: valid */
			 "fldt %4\n\t"		/* ST0: unnormal (special) */
			 "xsave64 %0\n\t"
			 "fnsave %1\n\t"
			 : "=m"(*im), "=m"(*fs)
			 : "m"(denormal), "m"(qnan), "m"(unnormal), "a"(3), "d"(0)
			 : "memory");
}

static void test_x87_tags(void **state)
{
	struct cpu_xstate xs;
	struct target_fpu f, g;
	struct fnsave fs, fs2;
	struct img im;
	uint64_t bv;

	(void)state;
	if (!host_xsave())
		skip();
	layout(&xs, TARGET_XF_X87 | TARGET_XF_SSE);
	x87_state(&im, &fs);
	cpu__xsave_decode(&xs, im.b, &f);
	assert_int_equal((f.fsw >> 11) & 7, 3);		/* TOP: five pushed */
	/* The tag word rebuilt from the abridged one is the CPU's own. */
	assert_int_equal(f.ftw, fs.b[8] | fs.b[9] << 8);
	assert_int_equal(f.fcw, fs.b[0] | fs.b[1] << 8);
	assert_int_equal(f.fsw, fs.b[4] | fs.b[5] << 8);
	for (int i = 0; i < 5; i++)
		assert_memory_equal(f.st[i], fs.b + 28 + 10 * i, 10);
	assert_memory_equal(f.st[0], unnormal, 10);

	/* st1 = 2.0 and st2 tagged empty: written back, loaded by the CPU,
	 * saved again by FNSAVE. */
	g = f;
	memcpy(g.st[1], two, 10);
	g.ftw |= 3u << (2 * ((3 + 2) & 7));	/* physical register of ST2 */
	bv = cpu__xsave_encode(&xs, &f, &g, im.b);
	assert_int_equal(bv, 1);			/* x87 only */
	__asm__ volatile("xrstor64 %1\n\t"
			 "fnsave %0\n\t"
			 : "=m"(fs2) : "m"(im), "a"(3), "d"(0) : "memory");
	assert_int_equal(fs2.b[8] | fs2.b[9] << 8, g.ftw);
	assert_memory_equal(fs2.b + 28 + 10, two, 10);
	assert_memory_equal(fs2.b + 28, unnormal, 10);
}

static void test_sse_avx(void **state)
{
	struct cpu_xstate xs;
	struct target_fpu f, g;
	uint8_t pat[32], pat2[16], out[32];
	struct img im;
	uint64_t bv;

	(void)state;
	if (!host_avx())
		skip();
	for (int i = 0; i < 32; i++)
		pat[i] = (uint8_t)(0xa0 + i);
	for (int i = 0; i < 16; i++)
		pat2[i] = (uint8_t)(0x30 + i);
	layout(&xs, TARGET_XF_X87 | TARGET_XF_SSE | TARGET_XF_AVX);
	assert_int_not_equal(xs.offset[2], 0);
	memset(&im, 0, sizeof(im));
	__asm__ volatile("vmovdqu %1, %%ymm3\n\t"
			 "xsave64 %0\n\t"
			 : "=m"(im) : "m"(pat), "a"(7), "d"(0) : "xmm3", "memory");
	cpu__xsave_decode(&xs, im.b, &f);
	assert_memory_equal(f.xmm[3], pat, 16);
	assert_memory_equal(f.ymmh[3], pat + 16, 16);

	/* After vzeroupper the upper halves are in their initial state, which
	 * XSAVE may leave out of XSTATE_BV; a written one must be named. */
	memset(&im, 0, sizeof(im));
	__asm__ volatile("vzeroupper\n\t"
			 "xsave64 %0\n\t"
			 : "=m"(im) : "a"(7), "d"(0) : "memory");
	cpu__xsave_decode(&xs, im.b, &f);
	g = f;
	memcpy(g.ymmh[5], pat2, 16);
	memcpy(g.xmm[5], pat, 16);
	g.mxcsr = 0x1fa0;
	bv = cpu__xsave_encode(&xs, &f, &g, im.b);
	assert_int_equal(bv, (1u << 1) | (1u << 2));	/* SSE and AVX */
	__asm__ volatile("xrstor64 %1\n\t"
			 "vmovdqu %%ymm5, %0\n\t"
			 "vzeroupper\n\t"
			 : "=m"(out) : "m"(im), "a"(7), "d"(0) : "xmm5", "memory");
	assert_memory_equal(out, pat, 16);
	assert_memory_equal(out + 16, pat2, 16);
	__asm__ volatile("ldmxcsr %0" : : "m"((uint32_t){ 0x1f80 }));
}

/* AVX-512 and PKRU where the host may not have them: decode(encode(f)) is
 * f, in the standard format's places, each component named when it
 * changed. */
static void test_avx512_roundtrip(void **state)
{
	struct cpu_xstate xs;
	struct target_fpu zero, f, back;
	static struct img im;
	static const struct { int c; uint32_t off, size; } std[] = {
		{ 2, 576, 256 }, { 5, 1088, 64 }, { 6, 1152, 512 }, { 7, 1664, 1024 },
		{ 9, 2688, 8 },
	};

	(void)state;
	memset(&xs, 0, sizeof(xs));
	xs.image_size = IMAGE_SIZE;
	xs.offset[1] = 160;
	xs.size[1] = 256;
	xs.size[0] = 160;
	for (size_t i = 0; i < sizeof(std) / sizeof(std[0]); i++) {
		xs.offset[std[i].c] = std[i].off;
		xs.size[std[i].c] = std[i].size;
	}
	xs.features = TARGET_XF_X87 | TARGET_XF_SSE | TARGET_XF_AVX | TARGET_XF_AVX512 |
		      TARGET_XF_PKRU;
	memset(&im, 0, sizeof(im));
	memset(&zero, 0, sizeof(zero));
	cpu__xsave_decode(&xs, im.b, &zero);
	f = zero;
	f.k[7] = 0x8000000000000001ull;
	assert_int_equal(cpu__xsave_encode(&xs, &zero, &f, im.b), 1u << 5);
	f.zmmh[15][31] = 0x15;
	assert_int_equal(cpu__xsave_encode(&xs, &zero, &f, im.b), (1u << 5) | (1u << 6));
	f.xmm[31][0] = 0x31;
	f.ymmh[16][0] = 0x16;
	f.zmmh[31][31] = 0x1f;
	f.pkru = 0x55555554;
	assert_int_equal(cpu__xsave_encode(&xs, &zero, &f, im.b),
			 (1u << 5) | (1u << 6) | (1u << 7) | (1u << 9));
	/* XSTATE_BV in the header has every one of them. */
	assert_int_equal(im.b[512], (1u << 5) | (1u << 6) | (1u << 7));
	assert_int_equal(im.b[513], 1u << (9 - 8));
	/* Hi16_ZMM: zmm16-31 whole, 64 bytes each; ZMM_Hi256: 32 bytes each. */
	assert_int_equal(im.b[1664 + 64 * 15], 0x31);
	assert_int_equal(im.b[1664 + 16], 0x16);
	assert_int_equal(im.b[1664 + 64 * 15 + 63], 0x1f);
	assert_int_equal(im.b[1152 + 32 * 15 + 31], 0x15);
	assert_int_equal(im.b[1088 + 8 * 7 + 7], 0x80);
	cpu__xsave_decode(&xs, im.b, &back);
	assert_memory_equal(back.k, f.k, sizeof(f.k));
	assert_memory_equal(back.xmm, f.xmm, sizeof(f.xmm));
	assert_memory_equal(back.ymmh, f.ymmh, sizeof(f.ymmh));
	assert_memory_equal(back.zmmh, f.zmmh, sizeof(f.zmmh));
	assert_int_equal(back.pkru, f.pkru);
	/* Unchanged: nothing named. */
	assert_int_equal(cpu__xsave_encode(&xs, &back, &back, im.b), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_x87_tags),
		cmocka_unit_test(test_sse_avx),
		cmocka_unit_test(test_avx512_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
