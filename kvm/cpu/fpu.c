/*
 * fpu.c - a vCPU's x87, SSE, AVX, AVX-512 and PKRU state and XCR0 (cpu.h),
 * as struct target_fpu.
 *
 * KVM hands the state over as an XSAVE image in the standard (not
 * compacted) format: the 512-byte legacy area of FXSAVE (x87 control,
 * status and tag, the last instruction and operand pointers, MXCSR,
 * ST0-ST7, XMM0-15), the 64-byte XSAVE header whose XSTATE_BV says which
 * components hold more than their initial state, then each component
 * where the host's CPUID leaf 0xD puts it.  KVM_GET_XSAVE2 gives the
 * whole image (KVM_CAP_XSAVE2 says how big), KVM_GET_XSAVE its first
 * 4 KiB, and hosts without XSAVE have KVM_GET_FPU (x87 and SSE only).
 *
 * Cost: one ioctl (two with XCR0) the first time a stop's state is asked
 * for, none after, none at all for a stop nobody asks about.  The image
 * is cached with the registers (regs.c drops both) and written back whole.
 *
 * Two conversions the image needs: FXSAVE keeps an abridged tag word (one
 * bit per register: empty or not) where gdb shows the x87 tag word (two
 * bits: valid, zero, special, empty), which follows from each register's
 * contents; and XSAVE's header must name every component written, or
 * KVM_SET_XSAVE puts it back to its initial state.
 */
#include "cpu.h"

#include <cpuid.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../host/ioctl.h"

/* The legacy (FXSAVE) area and the XSAVE header. */
#define FX_FCW		0
#define FX_FSW		2
#define FX_FTW		4	/* abridged: one bit per physical register */
#define FX_FOP		6
#define FX_FIP		8	/* 64 bits in the 64-bit format KVM uses */
#define FX_FDP		16
#define FX_MXCSR	24
#define FX_MXCSR_MASK	28
#define FX_ST		32	/* 16 bytes a register */
#define FX_XMM		160	/* 16 bytes a register, 16 of them */
#define XS_HEADER	512	/* XSTATE_BV, then XCOMP_BV */
#define XS_LEGACY_END	576

/* State components (XCR0 bits). */
#define XC_X87		0
#define XC_SSE		1
#define XC_AVX		2
#define XC_OPMASK	5
#define XC_ZMM_HI256	6
#define XC_HI16_ZMM	7
#define XC_PKRU		9

/* The default when FXSAVE leaves MXCSR_MASK zero (the SDM: DAZ absent). */
#define MXCSR_MASK_DEFAULT	0xffbfu

/* CPUID bits (leaf 1 EDX / ECX, leaf 7 EBX / ECX). */
#define CPUID1_EDX_FPU		(1u << 0)
#define CPUID1_EDX_SSE		(1u << 25)
#define CPUID1_ECX_XSAVE	(1u << 26)
#define CPUID1_ECX_AVX		(1u << 28)
#define CPUID7_EBX_AVX512F	(1u << 16)
#define CPUID7_ECX_PKU		(1u << 3)

static uint64_t le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

int cpu__fpu_open(struct cpu *c, int kvm_fd, int vm_fd)
{
	struct cpu_xstate *xs = &c->xs;
	int n;

	memset(xs, 0, sizeof(*xs));
	n = KVM_IOCTL(vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE2);
	if (n >= (int)sizeof(struct kvm_xsave)) {
		xs->how = CPU_XS_XSAVE2;
		xs->image_size = (size_t)n;
	} else if (KVM_IOCTL(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE) > 0) {
		xs->how = CPU_XS_XSAVE;
		xs->image_size = sizeof(struct kvm_xsave);
	} else {
		xs->how = CPU_XS_FPU;
		xs->image_size = 0;
	}
	xs->xcrs = KVM_IOCTL(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_XCRS) > 0;
	if (xs->image_size) {
		xs->image = calloc(1, xs->image_size);
		if (!xs->image) {
			xs->how = CPU_XS_NONE;
			return -ENOMEM;
		}
	}
	cpu__xsave_layout(xs);
	return 0;
}

/* KVM's image follows the host's CPUID leaf 0xD (its header says so). */
void cpu__xsave_layout(struct cpu_xstate *xs)
{
	unsigned int a, b, cx, d;

	memset(xs->offset, 0, sizeof(xs->offset));
	memset(xs->size, 0, sizeof(xs->size));
	xs->offset[XC_X87] = 0;
	xs->size[XC_X87] = FX_XMM;
	xs->offset[XC_SSE] = FX_XMM;
	xs->size[XC_SSE] = 256;
	if (__get_cpuid(1, &a, &b, &cx, &d) && (cx & CPUID1_ECX_XSAVE)) {
		for (unsigned int i = XC_AVX; i < CPU_XS_COMPONENTS; i++) {
			__cpuid_count(0xd, i, a, b, cx, d);
			if (a && (size_t)b + a <= xs->image_size && b >= XS_LEGACY_END) {
				xs->offset[i] = b;
				xs->size[i] = a;
			}
		}
	}
}

void cpu__fpu_close(struct cpu *c)
{
	free(c->xs.image);
	c->xs.image = NULL;
	c->xs.how = CPU_XS_NONE;
}

static const struct kvm_cpuid_entry2 *leaf(const struct kvm_cpuid2 *cpuid, uint32_t fn)
{
	for (uint32_t i = 0; i < cpuid->nent; i++)
		if (cpuid->entries[i].function == fn && cpuid->entries[i].index == 0)
			return &cpuid->entries[i];
	return NULL;
}

/* A component KVM's image holds where this vCPU's CPUID lets XCR0 enable it. */
static bool component(const struct cpu_xstate *xs, uint64_t xcr0_ok, int i, int size)
{
	return (xcr0_ok >> i & 1) && xs->offset[i] && xs->size[i] >= (uint32_t)size;
}

void cpu__fpu_features(struct cpu *c, const struct kvm_cpuid2 *cpuid)
{
	struct cpu_xstate *xs = &c->xs;
	const struct kvm_cpuid_entry2 *l1 = leaf(cpuid, 1), *l7 = leaf(cpuid, 7);
	const struct kvm_cpuid_entry2 *ld = leaf(cpuid, 0xd);
	uint64_t xcr0_ok = ld ? (ld->eax | (uint64_t)ld->edx << 32) : 0;
	uint32_t f = 0;
	bool xsave = l1 && (l1->ecx & CPUID1_ECX_XSAVE) && xs->how >= CPU_XS_XSAVE;

	if (xs->how == CPU_XS_NONE || !l1)
		return;
	if (l1->edx & CPUID1_EDX_FPU)
		f |= TARGET_XF_X87;
	if (l1->edx & CPUID1_EDX_SSE)
		f |= TARGET_XF_SSE;
	if (xsave && (l1->ecx & CPUID1_ECX_AVX) && component(xs, xcr0_ok, XC_AVX, 256))
		f |= TARGET_XF_AVX;
	if (xsave && l7 && (l7->ebx & CPUID7_EBX_AVX512F) && (f & TARGET_XF_AVX) &&
	    component(xs, xcr0_ok, XC_OPMASK, 64) && component(xs, xcr0_ok, XC_ZMM_HI256, 512) &&
	    component(xs, xcr0_ok, XC_HI16_ZMM, 1024))
		f |= TARGET_XF_AVX512;
	if (xsave && l7 && (l7->ecx & CPUID7_ECX_PKU) && component(xs, xcr0_ok, XC_PKRU, 4))
		f |= TARGET_XF_PKRU;
	if (l1->ecx & CPUID1_ECX_XSAVE && xs->xcrs)
		f |= TARGET_XF_XCR0;
	xs->features = f;
}

/*
 * The x87 tag of one register from its contents (the tag word's two bits:
 * 0 valid, 1 zero, 2 special: NaN, infinity, denormal, unnormal), for a
 * register the abridged tag calls not empty.
 */
static unsigned int tag_of(const uint8_t st[10])
{
	unsigned int exp = (unsigned int)le(st + 8, 2) & 0x7fff;
	uint64_t mant = le(st, 8);

	if (exp == 0x7fff)
		return 2;
	if (exp == 0)
		return mant ? 2 : 1;
	return mant >> 63 ? 0 : 2;
}

/* FXSAVE's abridged tag (bit p: physical register p is not empty) to the
 * full tag word.  ST(i) is physical register (TOP + i) mod 8. */
static uint16_t full_tag(uint8_t abridged, uint16_t fsw, const uint8_t (*st)[10])
{
	unsigned int top = (fsw >> 11) & 7;
	uint16_t ftw = 0;

	for (unsigned int p = 0; p < 8; p++) {
		unsigned int t = abridged >> p & 1 ? tag_of(st[(p - top) & 7]) : 3;

		ftw |= (uint16_t)(t << (2 * p));
	}
	return ftw;
}

static uint8_t abridged_tag(uint16_t ftw)
{
	uint8_t a = 0;

	for (unsigned int p = 0; p < 8; p++)
		if ((ftw >> (2 * p) & 3) != 3)
			a |= (uint8_t)(1u << p);
	return a;
}

void cpu__xsave_decode(const struct cpu_xstate *xs, const uint8_t *img, struct target_fpu *f)
{
	const uint8_t *p;

	f->fcw = (uint16_t)le(img + FX_FCW, 2);
	f->fsw = (uint16_t)le(img + FX_FSW, 2);
	f->fop = (uint16_t)le(img + FX_FOP, 2) & 0x7ff;
	f->fip = le(img + FX_FIP, 8);
	f->fdp = le(img + FX_FDP, 8);
	f->mxcsr = (uint32_t)le(img + FX_MXCSR, 4);
	f->mxcsr_mask = (uint32_t)le(img + FX_MXCSR_MASK, 4);
	if (!f->mxcsr_mask)
		f->mxcsr_mask = MXCSR_MASK_DEFAULT;
	for (int i = 0; i < 8; i++)
		memcpy(f->st[i], img + FX_ST + 16 * i, 10);
	f->ftw = full_tag(img[FX_FTW], f->fsw, f->st);
	for (int i = 0; i < 16; i++)
		memcpy(f->xmm[i], img + FX_XMM + 16 * i, 16);
	if (xs->features & TARGET_XF_AVX)
		for (int i = 0; i < 16; i++)
			memcpy(f->ymmh[i], img + xs->offset[XC_AVX] + 16 * i, 16);
	if (xs->features & TARGET_XF_AVX512) {
		for (int i = 0; i < 8; i++)
			f->k[i] = le(img + xs->offset[XC_OPMASK] + 8 * i, 8);
		for (int i = 0; i < 16; i++)
			memcpy(f->zmmh[i], img + xs->offset[XC_ZMM_HI256] + 32 * i, 32);
		for (int i = 16; i < 32; i++) {
			p = img + xs->offset[XC_HI16_ZMM] + 64 * (i - 16);
			memcpy(f->xmm[i], p, 16);
			memcpy(f->ymmh[i], p + 16, 16);
			memcpy(f->zmmh[i], p + 32, 32);
		}
	}
	if (xs->features & TARGET_XF_PKRU)
		f->pkru = (uint32_t)le(img + xs->offset[XC_PKRU], 4);
}

/* Which components differ between two states: the XSTATE_BV bits to set. */
static uint64_t changed(const struct target_fpu *a, const struct target_fpu *b)
{
	uint64_t bv = 0;

	if (a->fcw != b->fcw || a->fsw != b->fsw || a->ftw != b->ftw || a->fop != b->fop ||
	    a->fip != b->fip || a->fdp != b->fdp || memcmp(a->st, b->st, sizeof(a->st)))
		bv |= 1u << XC_X87;
	if (a->mxcsr != b->mxcsr || memcmp(a->xmm, b->xmm, 16 * 16))
		bv |= 1u << XC_SSE;
	if (memcmp(a->ymmh, b->ymmh, 16 * 16))
		bv |= 1u << XC_AVX;
	if (memcmp(a->k, b->k, sizeof(a->k)))
		bv |= 1u << XC_OPMASK;
	if (memcmp(a->zmmh, b->zmmh, 16 * 32))
		bv |= 1u << XC_ZMM_HI256;
	if (memcmp(a->xmm[16], b->xmm[16], 16 * 16) || memcmp(a->ymmh[16], b->ymmh[16], 16 * 16) ||
	    memcmp(a->zmmh[16], b->zmmh[16], 16 * 32))
		bv |= 1u << XC_HI16_ZMM;
	if (a->pkru != b->pkru)
		bv |= 1u << XC_PKRU;
	return bv;
}

uint64_t cpu__xsave_encode(const struct cpu_xstate *xs, const struct target_fpu *old,
			   const struct target_fpu *f, uint8_t *img)
{
	uint64_t bv = changed(old, f);
	uint8_t *p;

	put_le(img + FX_FCW, f->fcw, 2);
	put_le(img + FX_FSW, f->fsw, 2);
	img[FX_FTW] = abridged_tag(f->ftw);
	put_le(img + FX_FOP, f->fop & 0x7ff, 2);
	put_le(img + FX_FIP, f->fip, 8);
	put_le(img + FX_FDP, f->fdp, 8);
	put_le(img + FX_MXCSR, f->mxcsr, 4);
	for (int i = 0; i < 8; i++)
		memcpy(img + FX_ST + 16 * i, f->st[i], 10);
	for (int i = 0; i < 16; i++)
		memcpy(img + FX_XMM + 16 * i, f->xmm[i], 16);
	if (xs->features & TARGET_XF_AVX)
		for (int i = 0; i < 16; i++)
			memcpy(img + xs->offset[XC_AVX] + 16 * i, f->ymmh[i], 16);
	if (xs->features & TARGET_XF_AVX512) {
		for (int i = 0; i < 8; i++)
			put_le(img + xs->offset[XC_OPMASK] + 8 * i, f->k[i], 8);
		for (int i = 0; i < 16; i++)
			memcpy(img + xs->offset[XC_ZMM_HI256] + 32 * i, f->zmmh[i], 32);
		for (int i = 16; i < 32; i++) {
			p = img + xs->offset[XC_HI16_ZMM] + 64 * (i - 16);
			memcpy(p, f->xmm[i], 16);
			memcpy(p + 16, f->ymmh[i], 16);
			memcpy(p + 32, f->zmmh[i], 32);
		}
	}
	if (xs->features & TARGET_XF_PKRU)
		put_le(img + xs->offset[XC_PKRU], f->pkru, 4);
	/* A component left out of XSTATE_BV is put back to its initial
	 * state by XRSTOR (and KVM_SET_XSAVE): one written must be named. */
	put_le(img + XS_HEADER, le(img + XS_HEADER, 8) | bv, 8);
	return bv;
}

static void decode_kvm_fpu(const struct kvm_fpu *k, struct target_fpu *f)
{
	f->fcw = k->fcw;
	f->fsw = k->fsw;
	f->fop = k->last_opcode & 0x7ff;
	f->fip = k->last_ip;
	f->fdp = k->last_dp;
	f->mxcsr = k->mxcsr;
	f->mxcsr_mask = MXCSR_MASK_DEFAULT;
	for (int i = 0; i < 8; i++)
		memcpy(f->st[i], k->fpr[i], 10);
	f->ftw = full_tag(k->ftwx, f->fsw, f->st);
	for (int i = 0; i < 16; i++)
		memcpy(f->xmm[i], k->xmm[i], 16);
}

static void encode_kvm_fpu(const struct target_fpu *f, struct kvm_fpu *k)
{
	k->fcw = f->fcw;
	k->fsw = f->fsw;
	k->ftwx = abridged_tag(f->ftw);
	k->last_opcode = f->fop & 0x7ff;
	k->last_ip = f->fip;
	k->last_dp = f->fdp;
	k->mxcsr = f->mxcsr;
	for (int i = 0; i < 8; i++)
		memcpy(k->fpr[i], f->st[i], 10);
	for (int i = 0; i < 16; i++)
		memcpy(k->xmm[i], f->xmm[i], 16);
}

static int read_xcr0(struct cpu *c, uint64_t *xcr0)
{
	struct kvm_xcrs x;
	int r;

	*xcr0 = 0;
	if (!(c->xs.features & TARGET_XF_XCR0))
		return 0;
	memset(&x, 0, sizeof(x));
	r = KVM_IOCTL(c->fd, KVM_GET_XCRS, &x);
	if (r < 0)
		return r;
	for (uint32_t i = 0; i < x.nr_xcrs && i < KVM_MAX_XCRS; i++)
		if (x.xcrs[i].xcr == 0)
			*xcr0 = x.xcrs[i].value;
	return 0;
}

/* The state now into xs->fpu (and xs->image). */
static int read_state(struct cpu *c)
{
	struct cpu_xstate *xs = &c->xs;
	struct kvm_fpu kf;
	int r;

	memset(&xs->fpu, 0, sizeof(xs->fpu));
	switch (xs->how) {
	case CPU_XS_XSAVE2:
		r = KVM_IOCTL(c->fd, KVM_GET_XSAVE2, xs->image);
		break;
	case CPU_XS_XSAVE:
		r = KVM_IOCTL(c->fd, KVM_GET_XSAVE, xs->image);
		break;
	case CPU_XS_FPU:
		r = KVM_IOCTL(c->fd, KVM_GET_FPU, &kf);
		if (r == 0)
			decode_kvm_fpu(&kf, &xs->fpu);
		break;
	default:
		return -EOPNOTSUPP;
	}
	if (r < 0)
		return r;
	if (xs->how != CPU_XS_FPU)
		cpu__xsave_decode(xs, xs->image, &xs->fpu);
	return read_xcr0(c, &xs->fpu.xcr0);
}

int cpu__fpu_get(struct cpu *c, struct target_fpu *fpu)
{
	int r;

	if (!c->xs.cached) {
		r = read_state(c);
		if (r < 0)
			return r;
		c->xs.cached = !c->cache_off;
	}
	*fpu = c->xs.fpu;
	return 0;
}

int cpu__fpu_set(struct cpu *c, const struct target_fpu *fpu)
{
	struct cpu_xstate *xs = &c->xs;
	struct target_fpu old;
	struct kvm_fpu kf;
	uint64_t bv;
	int r = cpu__fpu_get(c, &old);

	if (r < 0)
		return r;
	xs->cached = false;	/* KVM may adjust what it is given: read it again */
	bv = changed(&old, fpu);
	if (bv && xs->how == CPU_XS_FPU) {
		r = KVM_IOCTL(c->fd, KVM_GET_FPU, &kf);
		if (r == 0) {
			encode_kvm_fpu(fpu, &kf);
			r = KVM_IOCTL(c->fd, KVM_SET_FPU, &kf);
		}
	} else if (bv) {
		cpu__xsave_encode(xs, &old, fpu, xs->image);
		r = KVM_IOCTL(c->fd, KVM_SET_XSAVE, xs->image);
	}
	if (r < 0)
		return r;
	if (fpu->xcr0 != old.xcr0 && (xs->features & TARGET_XF_XCR0)) {
		struct kvm_xcrs x;

		memset(&x, 0, sizeof(x));
		x.nr_xcrs = 1;
		x.xcrs[0].xcr = 0;
		x.xcrs[0].value = fpu->xcr0;
		r = KVM_IOCTL(c->fd, KVM_SET_XCRS, &x);
	}
	return r < 0 ? r : 0;
}
