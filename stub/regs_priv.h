/*
 * regs_priv.h - what regs.c (the layouts and reading them), regs_write.c
 * (the write rules), regs_fpu.c (the x87 ... AVX-512 registers) and
 * tdesc.c (the target description) share.  Private to those files.
 */
#ifndef KVMSTUB_REGS_PRIV_H
#define KVMSTUB_REGS_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "regs.h"

#define MASK32		0xffffffffull
#define X86_RFLAGS_VM	(1ull << 17)
#define X86_RFLAGS_FIXED	(1ull << 1)	/* reserved, always reads as 1 */

/* The largest layout's register count (checked in regs.c). */
#define REGS_MAX		176

/* The target description's features, in the order the document lists
 * them (a feature's registers are listed in their table's order). */
enum reg_feature {
	FEAT_CORE, FEAT_SSE, FEAT_AVX, FEAT_AVX512, FEAT_PKEYS, FEAT_SYSTEM, NR_FEATURES
};

/* Where a register lives in struct target_regs. */
enum reg_kind {
	RK_GPR,		/* gpr[idx], low 32 bits */
	RK_PC,		/* linear pc, CS.base + rip */
	RK_FLAGS,	/* rflags, low 32 bits */
	RK_SEL,		/* seg[idx].selector; writing it loads the segment */
	RK_IP,		/* raw rip */
	RK_BASE,	/* seg[idx].base */
	RK_LIMIT,	/* seg[idx].limit */
	RK_ATTR,	/* seg[idx]'s attributes, in the descriptor's bits 40-55 >> 8 */
	RK_CR,		/* control register number idx */
	RK_EFER,
	RK_DT_BASE,	/* idx 0: gdt, 1: idt */
	RK_DT_LIMIT,
	/* From here on the extended state (struct target_fpu), read only
	 * when gdb asks for one of these registers: not in the 'g' packet,
	 * and numbered after every register that is. */
	RK_FPU,		/* an x87 control register, mxcsr, pkru or xcr0: idx FPU_* */
	RK_ST,		/* st[idx] */
	RK_XMM,		/* xmm[idx], bits 0-127 */
	RK_YMMH,	/* ymmh[idx], bits 128-255 */
	RK_ZMMH,	/* zmmh[idx], bits 256-511 */
	RK_K,		/* k[idx] */
};

/* RK_FPU's registers. */
enum reg_fpu {
	FPU_FCTRL, FPU_FSTAT, FPU_FTAG, FPU_FISEG, FPU_FIOFF, FPU_FOSEG, FPU_FOOFF, FPU_FOP,
	FPU_MXCSR, FPU_PKRU, FPU_XCR0,
};

static inline bool regs__kind_is_xstate(int kind)
{
	return kind >= RK_FPU;
}

struct reg_desc {
	const char *name;
	uint16_t bits;
	uint8_t feature;
	uint8_t kind;
	uint8_t idx;
	const char *type;	/* gdb type: predefined or defined below */
	const char *group;
};

struct regs_layout {
	const char *name;		/* the --arch value */
	const struct reg_desc *regs;
	int nr;
	int nr_g;			/* registers 0 .. nr_g-1 make the 'g' packet */
	int pc;				/* gdb regnum of the linear pc */
	bool wide;			/* <architecture> i386:x86-64, 64-bit flags */
};

/* The TARGET_XF_* parts a register needs to be described (0: always). */
uint32_t regs__desc_needs(const struct reg_desc *d);

/* Register regno of layout L (NULL: the default), or NULL. */
const struct reg_desc *regs__desc(const struct regs_layout *L, int regno);
/* NULL is the default layout, so a session that never chose one works. */
const struct regs_layout *regs__lay(const struct regs_layout *L);
uint64_t regs__width_mask(unsigned int bits);
/* 64-bit mode proper (not compatibility mode): IA-32e active, CS.L = 1. */
bool regs__mode64(const struct target_regs *r);
void regs__set_seg_attr(struct target_seg *g, uint64_t v);
/* What the CPU fetches now: 16-bit code in real mode and whenever CS's
 * D/B bit is clear outside 64-bit mode. */
bool regs__code_is_16bit(const struct target_regs *r);

#endif
