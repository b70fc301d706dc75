/*
 * regs_priv.h - what regs.c (the layouts and reading them), regs_write.c
 * (the write rules) and tdesc.c (the target description) share.  Private
 * to those three files.
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
#define REGS_MAX		96

enum reg_feature { FEAT_CORE, FEAT_SSE, FEAT_SYSTEM, NR_FEATURES };

/* Where a register lives in struct target_regs. */
enum reg_kind {
	RK_GPR,		/* gpr[idx], low 32 bits */
	RK_PC,		/* linear pc, CS.base + rip */
	RK_FLAGS,	/* rflags, low 32 bits */
	RK_SEL,		/* seg[idx].selector; writing it loads the segment */
	RK_NONE,	/* x87/SSE: not tracked, reads unavailable, writes ignored */
	RK_IP,		/* raw rip */
	RK_BASE,	/* seg[idx].base */
	RK_LIMIT,	/* seg[idx].limit */
	RK_ATTR,	/* seg[idx]'s attributes, in the descriptor's bits 40-55 >> 8 */
	RK_CR,		/* control register number idx */
	RK_EFER,
	RK_DT_BASE,	/* idx 0: gdt, 1: idt */
	RK_DT_LIMIT,
};

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
	int pc;				/* gdb regnum of the linear pc */
	bool wide;			/* <architecture> i386:x86-64, 64-bit flags */
};

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
