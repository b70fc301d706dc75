/*
 * regs_fpu.c - the extended state's registers (x87, SSE, AVX, AVX-512,
 * PKRU, XCR0) to and from struct target_fpu, byte for byte as gdb's
 * features lay them out: st0-st7 as 80-bit extended reals, the x87
 * control registers as 32-bit integers, xmm as 128 bits, ymm0h-ymm31h as
 * bits 128-255 of each vector register, zmm0h-zmm31h as bits 256-511, k0-k7
 * as 64 bits.  gdb builds ymm and zmm themselves from those parts.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "regs_priv.h"
#include "rsp.h"

#define MASK32		0xffffffffull

/* The register's bytes in f, when they are a byte array there. */
static const uint8_t *vector_bytes(const struct reg_desc *d, const struct target_fpu *f)
{
	if (d->idx >= TARGET_NR_VREGS)
		return NULL;
	switch (d->kind) {
	case RK_ST:	return d->idx < 8 ? f->st[d->idx] : NULL;
	case RK_XMM:	return f->xmm[d->idx];
	case RK_YMMH:	return f->ymmh[d->idx];
	case RK_ZMMH:	return f->zmmh[d->idx];
	default:	return NULL;
	}
}

static int scalar(const struct reg_desc *d, const struct target_fpu *f, uint64_t *v)
{
	if (d->kind == RK_K) {
		if (d->idx >= 8)
			return -ENOENT;
		*v = f->k[d->idx];
		return 0;
	}
	if (d->kind != RK_FPU)
		return -ENOENT;
	switch (d->idx) {
	case FPU_FCTRL:	*v = f->fcw; break;
	case FPU_FSTAT:	*v = f->fsw; break;
	case FPU_FTAG:	*v = f->ftw; break;
	case FPU_FISEG:	*v = f->fip >> 32; break;
	case FPU_FIOFF:	*v = f->fip & MASK32; break;
	case FPU_FOSEG:	*v = f->fdp >> 32; break;
	case FPU_FOOFF:	*v = f->fdp & MASK32; break;
	case FPU_FOP:	*v = f->fop; break;
	case FPU_MXCSR:	*v = f->mxcsr; break;
	case FPU_PKRU:	*v = f->pkru; break;
	case FPU_XCR0:	*v = f->xcr0; break;
	default:	return -ENOENT;
	}
	return 0;
}

int regs_layout__get_fpu(const struct regs_layout *L, const struct target_fpu *f, int regno,
			 uint64_t *val)
{
	const struct reg_desc *d = regs__desc(L, regno);

	if (!d)
		return -ENOENT;
	return scalar(d, f, val);
}

size_t regs_layout__encode_fpu(const struct regs_layout *L, const struct target_fpu *f,
			       int regno, char *out)
{
	const struct reg_desc *d = regs__desc(L, regno);
	const uint8_t *bytes;
	uint8_t buf[8];
	size_t size;
	uint64_t v;

	if (!d || !regs__kind_is_xstate(d->kind))
		return 0;
	size = d->bits / 8;
	bytes = vector_bytes(d, f);
	if (!bytes) {
		if (size > sizeof(buf) || scalar(d, f, &v) < 0)
			return 0;
		for (size_t i = 0; i < size; i++)
			buf[i] = (uint8_t)(v >> (8 * i));
		bytes = buf;
	}
	rsp__hex_encode(out, bytes, size);
	out[2 * size] = '\0';
	return 2 * size;
}

static int __attribute__((format(printf, 4, 5))) refuse(char *why, size_t why_len, int err,
							  const char *fmt, ...)
{
	va_list ap;

	if (why && why_len) {
		va_start(ap, fmt);
		vsnprintf(why, why_len, fmt, ap);
		va_end(ap);
	}
	return err;
}

/* A 16- or 11-bit x87 register gdb shows as a 32-bit integer. */
static int narrow(const struct reg_desc *d, uint64_t v, unsigned int bits, uint16_t *to,
		  char *why, size_t why_len)
{
	if (v >> bits)
		return refuse(why, why_len, -EINVAL, "0x%llx does not fit in %s: it has %u bits",
			      (unsigned long long)v, d->name, bits);
	*to = (uint16_t)v;
	return 0;
}

static int write_scalar(const struct reg_desc *d, struct target_fpu *f, uint64_t v,
			char *why, size_t why_len)
{
	if (d->kind == RK_K) {
		f->k[d->idx & 7] = v;
		return 0;
	}
	switch (d->idx) {
	case FPU_FCTRL:	return narrow(d, v, 16, &f->fcw, why, why_len);
	case FPU_FSTAT:	return narrow(d, v, 16, &f->fsw, why, why_len);
	case FPU_FTAG:	return narrow(d, v, 16, &f->ftw, why, why_len);
	case FPU_FOP:	return narrow(d, v, 11, &f->fop, why, why_len);
	case FPU_FISEG:	f->fip = (f->fip & MASK32) | v << 32; return 0;
	case FPU_FIOFF:	f->fip = (f->fip & ~MASK32) | v; return 0;
	case FPU_FOSEG:	f->fdp = (f->fdp & MASK32) | v << 32; return 0;
	case FPU_FOOFF:	f->fdp = (f->fdp & ~MASK32) | v; return 0;
	case FPU_MXCSR:
		/* A reserved bit set would make the CPU fault (#GP) on the
		 * restore: the CPU's MXCSR_MASK says which bits exist. */
		if (v & ~(uint64_t)f->mxcsr_mask)
			return refuse(why, why_len, -EINVAL, "mxcsr 0x%llx sets bits this CPU "
				      "reserves (its MXCSR_MASK is 0x%x)", (unsigned long long)v,
				      f->mxcsr_mask);
		f->mxcsr = (uint32_t)v;
		return 0;
	case FPU_PKRU:	f->pkru = (uint32_t)v; return 0;
	case FPU_XCR0:
		if (!(v & 1))
			return refuse(why, why_len, -EINVAL, "xcr0 0x%llx clears bit 0 (x87), "
				      "which XCR0 must always have", (unsigned long long)v);
		f->xcr0 = v;
		return 0;
	default:
		return -EINVAL;
	}
}

int regs_layout__write_fpu(const struct regs_layout *L, struct target_fpu *f, int regno,
			   const uint8_t *val, size_t len, char *why, size_t why_len)
{
	const struct reg_desc *d = regs__desc(L, regno);
	uint8_t *bytes;
	uint64_t v = 0;

	if (why && why_len)
		why[0] = '\0';
	if (!d || !regs__kind_is_xstate(d->kind))
		return refuse(why, why_len, -EINVAL, "no register number %d of the extended state "
			      "in the %s layout", regno, regs_layout__name(L));
	if (len != d->bits / 8u)
		return refuse(why, why_len, -EINVAL, "%s has %u bytes, not %zu", d->name,
			      d->bits / 8u, len);
	bytes = (uint8_t *)vector_bytes(d, f);
	if (bytes) {
		memcpy(bytes, val, len);
		return 0;
	}
	for (size_t i = 0; i < len && i < 8; i++)
		v |= (uint64_t)val[i] << (8 * i);
	return write_scalar(d, f, v, why, why_len);
}
