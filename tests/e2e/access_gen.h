/*
 * access_gen.h - the random instructions access_vs_cpu.c tries: the scratch
 * VM's layout they are made for, the families and ModRM forms, and their
 * generation with random registers, segment bases, sizes and prefixes.
 * Included by access_vs_cpu.c alone (static functions: one program).
 */
#ifndef KVMSTUB_ACCESS_GEN_H
#define KVMSTUB_ACCESS_GEN_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "../../kvm/host/probe_priv.h"

#define SLOT_END	0x10000ull	/* the scratch VM's slot: 0-64 KiB */
#define IVT		0x0000
#define GDT		0x0800
#define IDT32		0x1000
#define IDT64		0x2000
#define PDPT		0x4000
#define PD0		0x5000
#define PT0		0x6000
#define PD1		0xc000		/* three more page directories: 1-4 GiB */
#define HANDLERS	0xa100		/* vector n lands on HANDLERS + 2n (hlt bytes) */
#define REAL_CS		0x0800		/* real mode: CS 0x0800, IP 0x1000 = P_CODE */
#define PORT		0x80		/* ins, outs */
#define SEL_CODE32	0x08
#define SEL_DATA	0x10
#define SEL_CODE64	0x18
#define MAX_BYTES	8192		/* bytes one instruction may touch here */
/* Two areas of the slot that nothing else uses, for writes that KVM's
 * emulator cannot make to MMIO (several in one instruction) and for the
 * CPU's own, native execution in long mode: written bytes are found by
 * running twice, over two fill patterns. */
#define AREA1		0xb000
#define AREA2		0xf000
#define AREA_LEN	0x1000
#define FILL1		0xA5
#define FILL2		0x5A

enum { M_REAL, M_PROT, M_LONG, NMODES };
static const char *const mode_names[NMODES] = { "real", "protected", "long" };

/* ---- random numbers ---- */

static uint64_t rnd_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* What generating needs: the random state, the mode, its sregs. */
struct gen_ctx {
	uint64_t rng;
	int mode;
	struct kvm_sregs base;		/* the mode's sregs as KVM set them */
};

static uint64_t rnd(struct gen_ctx *c)
{
	return rnd_next(&c->rng);
}

/* How the memory outside the slot reads (before anything writes it). */
enum data_mode { D_RANDOM, D_ZERO, D_LOWBYTE, D_WORD };

/* ---- one trial ---- */

#define T_BRANCH	0x01	/* the pc goes elsewhere: no length check */
#define T_SHADOW	0x02	/* a mov/pop/lss to SS: the hlt after it runs too */
#define T_SLOT		0x04	/* the stack or the operand in the slot's areas */
#define T_REP		0x08	/* a rep string: a step may end after any turn */
#define T_LOADDT	0x10	/* lgdt, lidt from AREA1 (random bytes): GDTR/IDTR tell */
/* iret, popa: three pops or more from an MMIO stack go wrong in KVM's
 * emulator (its register cache keeps rSP's increments across the restarts
 * of the instruction, so the third read is off), so these pop from
 * AREA1, and the registers they load tell where they read. */
#define T_POPVAL	0x20
/* Where KVM's emulator (real and protected mode, and every MMIO access)
 * is not the CPU, seen here; each is counted, and the native runs in long
 * mode check the same instructions without it:
 *  - clflush, clflushopt, clwb: it reads the operand's byte (the CPU reads
 *    no data); */
#define T_KVM_CLFLUSH	0x40
/*  - sldt, str, smsw to memory: it reads the destination first, and with
 *    REX.W writes 8 bytes (the CPU stores 2); */
#define T_KVM_DSTREAD	0x80
/*  - the hint nops 0F 18-1F: it loses the single step after them, and
 *    decodes 0F 19 with a 16-bit displacement short; the host does the
 *    same in long mode for 0F 19-1E, which it seems to emulate (0F 1A,
 *    1B, 1E fail there): not compared; 0F 18 and 0F 1F are, natively; */
#define T_KVM_NOPSTEP	0x100
/*  - enter pushes rBP at the stack's size, not the operand size. */
#define T_KVM_ENTER	0x200

struct trial {
	uint8_t code[32];
	size_t n;			/* bytes generated (more than it needs) */
	struct kvm_regs r;
	struct kvm_sregs s;
	int fam;
	int flags;
	int expect_vector;		/* int n: the vector it delivers */
	enum data_mode data;
	uint16_t word;			/* D_WORD's value */
	uint64_t frame[8];		/* iret, retf, popa: the frame at SS:rSP */
	int frame_n, frame_size;
	int osz;			/* the operand size, for T_POPVAL */
};

/* ---- the families ---- */

enum fam {
	F_ALU, F_GRP1, F_MOV, F_LEA, F_SHIFT, F_GRP3, F_INCDEC, F_BRANCH_EV, F_PUSH_EV,
	F_GP0F, F_BT, F_CMPXCHG, F_STRING, F_REPCOND, F_INSOUTS, F_XLAT, F_MOFFS,
	F_STACK, F_PUSHA, F_ENTER, F_CALLRET, F_FAR, F_INT, F_IRET, F_SEGLOAD, F_SYSMEM,
	F_X87, F_SSE, F_VEX, F_FXSAVE, F_HINT, NFAMS,
};

static const char *const fam_names[NFAMS] = {
	"alu", "grp1", "mov/xchg/test", "lea", "shift", "grp3", "inc/dec", "call/jmp Ev",
	"push/pop Ev", "0f gp", "bt", "cmpxchg/xadd", "string", "repe/repne", "ins/outs", "xlat",
	"moffs", "push/pop", "pusha/popa", "enter/leave", "call/ret", "far", "int", "iret/retf",
	"segment load", "system", "x87", "sse", "vex", "fxsave/mxcsr", "nop/prefetch/clflush",
};

/* A ModRM instruction: how to generate it. */
#define O_LOCK	0x01	/* lock allowed */
#define O_NO64	0x02	/* not in 64-bit mode */
#define O_PM	0x04	/* not in real mode */
#define O_SSE	0x08	/* a random mandatory prefix (none, 66, F3, F2) */
#define O_BTREG	0x10	/* ModRM.reg's register is a bit offset */
#define O_DIV	0x20	/* divides: no #DE, please */
#define O_64	0x40	/* 64-bit mode only */
#define O_BR	0x80	/* a branch */

struct form {
	uint8_t fam, map, pfx, op;	/* map 0: one byte, 1: 0F, 2: 0F 38 */
	int8_t reg;			/* ModRM.reg, or -1: any */
	uint8_t imm;			/* immediate bytes; 'z': 2 or 4 */
	uint8_t flags;
};

static const struct form forms[] = {
	/* the ALU block: Eb,Gb Ev,Gv Gb,Eb Gv,Ev of each operation */
	{ F_ALU, 0, 0, 0x00, -1, 0, O_LOCK }, { F_ALU, 0, 0, 0x01, -1, 0, O_LOCK },
	{ F_ALU, 0, 0, 0x02, -1, 0, 0 }, { F_ALU, 0, 0, 0x03, -1, 0, 0 },
	{ F_ALU, 0, 0, 0x09, -1, 0, O_LOCK }, { F_ALU, 0, 0, 0x0A, -1, 0, 0 },
	{ F_ALU, 0, 0, 0x11, -1, 0, O_LOCK }, { F_ALU, 0, 0, 0x13, -1, 0, 0 },
	{ F_ALU, 0, 0, 0x18, -1, 0, O_LOCK }, { F_ALU, 0, 0, 0x1B, -1, 0, 0 },
	{ F_ALU, 0, 0, 0x21, -1, 0, O_LOCK }, { F_ALU, 0, 0, 0x22, -1, 0, 0 },
	{ F_ALU, 0, 0, 0x29, -1, 0, O_LOCK }, { F_ALU, 0, 0, 0x2B, -1, 0, 0 },
	{ F_ALU, 0, 0, 0x30, -1, 0, O_LOCK }, { F_ALU, 0, 0, 0x33, -1, 0, 0 },
	{ F_ALU, 0, 0, 0x38, -1, 0, 0 }, { F_ALU, 0, 0, 0x39, -1, 0, 0 },
	{ F_ALU, 0, 0, 0x3A, -1, 0, 0 }, { F_ALU, 0, 0, 0x3B, -1, 0, 0 },
	{ F_ALU, 0, 0, 0x69, -1, 'z', 0 }, { F_ALU, 0, 0, 0x6B, -1, 1, 0 },
	{ F_ALU, 0, 0, 0x63, -1, 0, O_64 },				/* movsxd */
	{ F_ALU, 0, 0, 0x62, -1, 0, O_NO64 },				/* bound */
	{ F_GRP1, 0, 0, 0x80, -1, 1, O_LOCK }, { F_GRP1, 0, 0, 0x81, -1, 'z', O_LOCK },
	{ F_GRP1, 0, 0, 0x83, -1, 1, O_LOCK }, { F_GRP1, 0, 0, 0x82, -1, 1, O_NO64 | O_LOCK },
	{ F_MOV, 0, 0, 0x84, -1, 0, 0 }, { F_MOV, 0, 0, 0x85, -1, 0, 0 },
	{ F_MOV, 0, 0, 0x86, -1, 0, O_LOCK }, { F_MOV, 0, 0, 0x87, -1, 0, O_LOCK },
	{ F_MOV, 0, 0, 0x88, -1, 0, 0 }, { F_MOV, 0, 0, 0x89, -1, 0, 0 },
	{ F_MOV, 0, 0, 0x8A, -1, 0, 0 }, { F_MOV, 0, 0, 0x8B, -1, 0, 0 },
	{ F_MOV, 0, 0, 0x8C, 3, 0, 0 }, { F_MOV, 0, 0, 0x8C, 0, 0, 0 },	/* mov Ew, ds / es */
	{ F_MOV, 0, 0, 0xC6, 0, 1, 0 }, { F_MOV, 0, 0, 0xC7, 0, 'z', 0 },
	{ F_LEA, 0, 0, 0x8D, -1, 0, 0 },
	{ F_SHIFT, 0, 0, 0xC0, -1, 1, 0 }, { F_SHIFT, 0, 0, 0xC1, -1, 1, 0 },
	{ F_SHIFT, 0, 0, 0xD0, -1, 0, 0 }, { F_SHIFT, 0, 0, 0xD1, -1, 0, 0 },
	{ F_SHIFT, 0, 0, 0xD2, -1, 0, 0 }, { F_SHIFT, 0, 0, 0xD3, -1, 0, 0 },
	{ F_SHIFT, 1, 0, 0xA4, -1, 1, 0 }, { F_SHIFT, 1, 0, 0xA5, -1, 0, 0 },	/* shld */
	{ F_SHIFT, 1, 0, 0xAC, -1, 1, 0 }, { F_SHIFT, 1, 0, 0xAD, -1, 0, 0 },	/* shrd */
	{ F_GRP3, 0, 0, 0xF6, 0, 1, 0 }, { F_GRP3, 0, 0, 0xF7, 0, 'z', 0 },
	{ F_GRP3, 0, 0, 0xF6, 2, 0, O_LOCK }, { F_GRP3, 0, 0, 0xF7, 3, 0, O_LOCK },
	{ F_GRP3, 0, 0, 0xF6, 4, 0, 0 }, { F_GRP3, 0, 0, 0xF7, 5, 0, 0 },
	{ F_GRP3, 0, 0, 0xF6, 6, 0, O_DIV }, { F_GRP3, 0, 0, 0xF7, 6, 0, O_DIV },
	{ F_GRP3, 0, 0, 0xF7, 7, 0, O_DIV },
	{ F_INCDEC, 0, 0, 0xFE, 0, 0, O_LOCK }, { F_INCDEC, 0, 0, 0xFE, 1, 0, O_LOCK },
	{ F_INCDEC, 0, 0, 0xFF, 0, 0, O_LOCK }, { F_INCDEC, 0, 0, 0xFF, 1, 0, O_LOCK },
	{ F_BRANCH_EV, 0, 0, 0xFF, 2, 0, O_BR }, { F_BRANCH_EV, 0, 0, 0xFF, 4, 0, O_BR },
	{ F_PUSH_EV, 0, 0, 0xFF, 6, 0, 0 }, { F_PUSH_EV, 0, 0, 0x8F, 0, 0, 0 },
	/* the 0F map's general-purpose instructions */
	{ F_GP0F, 1, 0, 0x40, -1, 0, 0 }, { F_GP0F, 1, 0, 0x45, -1, 0, 0 },	/* cmovcc */
	{ F_GP0F, 1, 0, 0x4C, -1, 0, 0 }, { F_GP0F, 1, 0, 0x4F, -1, 0, 0 },
	{ F_GP0F, 1, 0, 0x92, -1, 0, 0 }, { F_GP0F, 1, 0, 0x94, -1, 0, 0 },	/* setcc */
	{ F_GP0F, 1, 0, 0x9F, -1, 0, 0 },
	{ F_GP0F, 1, 0, 0xAF, -1, 0, 0 },					/* imul */
	{ F_GP0F, 1, 0, 0xB6, -1, 0, 0 }, { F_GP0F, 1, 0, 0xB7, -1, 0, 0 },	/* movzx */
	{ F_GP0F, 1, 0, 0xBE, -1, 0, 0 }, { F_GP0F, 1, 0, 0xBF, -1, 0, 0 },	/* movsx */
	{ F_GP0F, 1, 0, 0xBC, -1, 0, 0 }, { F_GP0F, 1, 0, 0xBD, -1, 0, 0 },	/* bsf bsr */
	{ F_GP0F, 1, 0xF3, 0xB8, -1, 0, 0 },					/* popcnt */
	{ F_GP0F, 2, 0, 0xF0, -1, 0, 0 }, { F_GP0F, 2, 0, 0xF1, -1, 0, 0 },	/* movbe */
	{ F_GP0F, 2, 0xF2, 0xF0, -1, 0, 0 }, { F_GP0F, 2, 0xF2, 0xF1, -1, 0, 0 },	/* crc32 */
	{ F_BT, 1, 0, 0xA3, -1, 0, O_BTREG }, { F_BT, 1, 0, 0xAB, -1, 0, O_BTREG | O_LOCK },
	{ F_BT, 1, 0, 0xB3, -1, 0, O_BTREG | O_LOCK }, { F_BT, 1, 0, 0xBB, -1, 0, O_BTREG | O_LOCK },
	{ F_BT, 1, 0, 0xBA, 4, 1, 0 }, { F_BT, 1, 0, 0xBA, 5, 1, O_LOCK },
	{ F_BT, 1, 0, 0xBA, 6, 1, O_LOCK }, { F_BT, 1, 0, 0xBA, 7, 1, O_LOCK },
	{ F_CMPXCHG, 1, 0, 0xB0, -1, 0, O_LOCK }, { F_CMPXCHG, 1, 0, 0xB1, -1, 0, O_LOCK },
	{ F_CMPXCHG, 1, 0, 0xC0, -1, 0, O_LOCK }, { F_CMPXCHG, 1, 0, 0xC1, -1, 0, O_LOCK },
	{ F_CMPXCHG, 1, 0, 0xC7, 1, 0, O_LOCK },				/* cmpxchg8b/16b */
	/* descriptor tables and control registers */
	{ F_SYSMEM, 1, 0, 0x01, 0, 0, 0 }, { F_SYSMEM, 1, 0, 0x01, 1, 0, 0 },	/* sgdt sidt */
	{ F_SYSMEM, 1, 0, 0x01, 2, 0, 0 }, { F_SYSMEM, 1, 0, 0x01, 3, 0, 0 },	/* lgdt lidt */
	{ F_SYSMEM, 1, 0, 0x01, 4, 0, 0 }, { F_SYSMEM, 1, 0, 0x01, 6, 0, 0 },	/* smsw lmsw */
	{ F_SYSMEM, 1, 0, 0x00, 0, 0, O_PM }, { F_SYSMEM, 1, 0, 0x00, 1, 0, O_PM },	/* sldt str */
	{ F_SYSMEM, 1, 0, 0x00, 4, 0, O_PM }, { F_SYSMEM, 1, 0, 0x00, 5, 0, O_PM },	/* verr verw */
	{ F_SYSMEM, 1, 0, 0x02, -1, 0, O_PM }, { F_SYSMEM, 1, 0, 0x03, -1, 0, O_PM },	/* lar lsl */
	/* x87 memory forms: every opcode and reg */
	{ F_X87, 0, 0, 0xD8, -1, 0, 0 }, { F_X87, 0, 0, 0xD9, -1, 0, 0 },
	{ F_X87, 0, 0, 0xDA, -1, 0, 0 }, { F_X87, 0, 0, 0xDB, -1, 0, 0 },
	{ F_X87, 0, 0, 0xDC, -1, 0, 0 }, { F_X87, 0, 0, 0xDD, -1, 0, 0 },
	{ F_X87, 0, 0, 0xDE, -1, 0, 0 }, { F_X87, 0, 0, 0xDF, -1, 0, 0 },
	{ F_X87, 0, 0, 0xD9, 7, 0, 0 }, { F_X87, 0, 0, 0xDD, 7, 0, 0 },	/* fnstcw fnstsw */
	{ F_X87, 0, 0, 0xD9, 5, 0, 0 },						/* fldcw */
	/* fxsave, fxrstor, ldmxcsr, stmxcsr */
	{ F_FXSAVE, 1, 0, 0xAE, 0, 0, 0 }, { F_FXSAVE, 1, 0, 0xAE, 1, 0, 0 },
	{ F_FXSAVE, 1, 0, 0xAE, 2, 0, 0 }, { F_FXSAVE, 1, 0, 0xAE, 3, 0, 0 },
	/* no data access */
	{ F_HINT, 1, 0, 0x18, -1, 0, 0 }, { F_HINT, 1, 0, 0x1F, 0, 0, 0 },	/* prefetch, nop */
	{ F_HINT, 1, 0, 0x0D, 1, 0, 0 }, { F_HINT, 1, 0, 0xAE, 7, 0, 0 },	/* prefetchw clflush */
	{ F_HINT, 1, 0x66, 0xAE, 7, 0, 0 }, { F_HINT, 1, 0x66, 0xAE, 6, 0, 0 },	/* clflushopt clwb */
	{ F_HINT, 1, 0, 0x19, -1, 0, 0 }, { F_HINT, 1, 0, 0x1D, -1, 0, 0 },
	{ F_HINT, 1, 0, 0x01, 7, 0, 0 },					/* invlpg */
};

/* SSE, SSE2, SSE3 and MMX opcodes of the 0F map with a memory form. */
static const uint8_t sse_ops[] = {
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x28, 0x29, 0x2A, 0x2B, 0x2C, 0x2D,
	0x2E, 0x2F, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5A, 0x5B, 0x5C,
	0x5D, 0x5E, 0x5F, 0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6A,
	0x6B, 0x6C, 0x6D, 0x6E, 0x6F, 0x70, 0x74, 0x75, 0x76, 0x7C, 0x7D, 0x7E, 0x7F, 0xC2,
	0xC3, 0xC4, 0xC6, 0xD0, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD8, 0xD9, 0xDA, 0xDB,
	0xDC, 0xDD, 0xDE, 0xDF, 0xE0, 0xE1, 0xE2, 0xE3, 0xE4, 0xE5, 0xE6, 0xE7, 0xE8, 0xE9,
	0xEA, 0xEB, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF8,
	0xF9, 0xFA, 0xFB, 0xFC, 0xFD, 0xFE,
};

/* VEX-encoded moves and arithmetic. */
static const uint8_t vex_ops[] = {
	0x10, 0x11, 0x12, 0x13, 0x14, 0x16, 0x17, 0x28, 0x29, 0x2B, 0x2E, 0x51, 0x54, 0x57,
	0x58, 0x59, 0x5A, 0x5B, 0x5E, 0x6E, 0x6F, 0x70, 0x7E, 0x7F, 0xC2, 0xC6, 0xD6, 0xE6,
	0xE7, 0xEF, 0xF0, 0xFE,
};

/* ---- generating ---- */

struct gen {
	struct gen_ctx *c;
	struct trial *t;
	int bits;		/* the code's default: 16, 32, 64 */
	bool lm64, real;
	int osz, asz;
	uint8_t rex;
	bool p66, p67;
	int reg;		/* ModRM.reg with REX.R */
	bool slot;		/* the memory operand in AREA1 (long mode, native) */
	int avoid;		/* a register the operand's base must not be, or -1 */
};

static void put(struct gen *g, uint8_t b)
{
	if (g->t->n < sizeof(g->t->code))
		g->t->code[g->t->n++] = b;
}

static void put_n(struct gen *g, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		put(g, (uint8_t)(v >> (8 * i)));
}

/* A value in the data window: outside the slot, below 2 MiB. */
static uint64_t window(struct gen_ctx *c)
{
	return 0x12000 + rnd(c) % 0x1E000;
}

/* Prefixes: segment override, 66, 67 at random (as allowed), then the sizes. */
static void prefixes(struct gen *g, bool seg, bool p66, bool p67)
{
	static const uint8_t segs[] = { 0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65 };
	struct gen_ctx *c = g->c;

	if (seg && rnd(c) % 4 == 0)
		put(g, segs[rnd(c) % 6]);
	g->p66 = p66 && rnd(c) % 4 == 0;
	g->p67 = p67 && rnd(c) % 6 == 0;
	if (g->p66)
		put(g, 0x66);
	if (g->p67)
		put(g, 0x67);
}

static void sizes(struct gen *g)
{
	if (g->lm64) {
		g->osz = g->rex & 8 ? 8 : g->p66 ? 2 : 4;
		g->asz = g->p67 ? 4 : 8;
	} else {
		g->osz = (g->bits == 32) != g->p66 ? 4 : 2;
		g->asz = (g->bits == 32) != g->p67 ? 4 : 2;
	}
}

static void rex(struct gen *g, bool random)
{
	g->rex = 0;
	if (g->lm64 && random && rnd(g->c) % 2) {
		g->rex = (uint8_t)(0x40 | (rnd(g->c) & 0xF));
		put(g, g->rex);
	}
	sizes(g);
}

static void modrm_slot(struct gen *g, int reg);

/* A ModRM (and SIB and displacement) for a memory operand, reg given. */
static void modrm_mem(struct gen *g, int reg)
{
	struct gen_ctx *c = g->c;
	int mod = (int)(rnd(c) % 3), rm = (int)(rnd(c) % 8);

	if (g->slot) {
		modrm_slot(g, reg);
		return;
	}
	g->reg = (reg & 7) | (g->rex & 4 ? 8 : 0);
	put(g, (uint8_t)(mod << 6 | (reg & 7) << 3 | rm));
	if (g->asz == 2) {
		if (mod == 1)
			put(g, (uint8_t)rnd(c));
		else if (mod == 2 || (mod == 0 && rm == 6))
			put_n(g, rnd(c), 2);
		return;
	}
	if (rm == 4) {
		int base = (int)(rnd(c) % 8);

		put(g, (uint8_t)((rnd(c) % 4) << 6 | (rnd(c) % 8) << 3 | base));
		if (base == 5 && mod == 0) {
			put_n(g, 0x10000 + rnd(c) % 0x30000, 4);
			return;
		}
	} else if (rm == 5 && mod == 0) {
		put_n(g, 0x10000 + rnd(c) % 0xF0000, 4);	/* absolute, or from RIP */
		return;
	}
	if (mod == 1)
		put(g, (uint8_t)rnd(c));
	else if (mod == 2)
		put_n(g, (uint64_t)(int64_t)((int)(rnd(c) % 0x2000) - 0x1000), 4);
}

static __u64 *gpr(struct kvm_regs *r, int n);
static void set_seg(struct kvm_segment *s, uint16_t sel, uint64_t base, bool real);

/* [base + disp] with the base register set to land in AREA1, 64-byte
 * aligned (movaps, fxsave), room for 512 bytes after it; the data
 * segments' bases 0. */
static void modrm_slot(struct gen *g, int reg)
{
	static const int rm16[] = { 4, 5, 7 }, reg16[] = { 6, 7, 3 };	/* [si] [di] [bx] */
	struct gen_ctx *c = g->c;
	struct kvm_segment *segs[] = { &g->t->s.ds, &g->t->s.es, &g->t->s.fs, &g->t->s.gs,
				       &g->t->s.ss };
	int32_t disp = (int32_t)(rnd(c) % 0x100) - 0x80;
	uint64_t target = AREA1 + 0x200 + (rnd(c) % 0x28) * 64;
	int rm, base;

	for (int i = 0; i < 5; i++) {
		if (g->real)
			set_seg(segs[i], 0, 0, true);
		else
			segs[i]->base = 0;
	}
	g->reg = (reg & 7) | (g->rex & 4 ? 8 : 0);
	if (g->asz == 2) {
		do {
			int k = (int)(rnd(c) % 3);

			rm = rm16[k];
			base = reg16[k];
		} while (base == g->avoid);
		put(g, (uint8_t)(0x80 | (reg & 7) << 3 | rm));
		put_n(g, (uint64_t)(int64_t)disp, 2);
		*gpr(&g->t->r, base) = (target - (uint64_t)(int64_t)disp) & 0xFFFF;
	} else {
		do {	/* not rAX, rCX, rDX (div, shifts), rSP (SIB), nor the bit offset's */
			rm = 3 + (int)(rnd(c) % 5);
			base = rm | (g->rex & 1 ? 8 : 0);
		} while (rm == 4 || base == g->avoid);
		put(g, (uint8_t)(0x80 | (reg & 7) << 3 | rm));
		put_n(g, (uint64_t)(int64_t)disp, 4);
		*gpr(&g->t->r, base) = target - (uint64_t)(int64_t)disp;
	}
	g->t->flags |= T_SLOT;
}

static __u64 *gpr(struct kvm_regs *r, int n)
{
	__u64 *const regs[16] = {
		&r->rax, &r->rcx, &r->rdx, &r->rbx, &r->rsp, &r->rbp, &r->rsi, &r->rdi,
		&r->r8, &r->r9, &r->r10, &r->r11, &r->r12, &r->r13, &r->r14, &r->r15,
	};

	return regs[n & 15];
}

static void gen_form(struct gen *g, const struct form *f)
{
	struct gen_ctx *c = g->c;
	uint8_t pfx = f->pfx;
	int reg;

	prefixes(g, true, !(f->flags & O_SSE), true);
	if ((f->flags & O_LOCK) && rnd(c) % 4 == 0)
		put(g, 0xF0);
	if (f->flags & O_SSE)
		pfx = (uint8_t[]){ 0, 0x66, 0xF3, 0xF2 }[rnd(c) % 4];
	if (pfx)
		put(g, pfx);
	if (pfx == 0x66)
		g->p66 = true;
	rex(g, true);
	if (f->map >= 1)
		put(g, 0x0F);
	if (f->map == 2)
		put(g, 0x38);
	put(g, f->op);
	reg = f->reg >= 0 ? f->reg : (int)(rnd(c) % 8);
	if (f->fam == F_SYSMEM && g->lm64 &&
	    ((f->op == 0x00 && f->reg <= 1) || (f->op == 0x01 && f->reg == 4)))
		g->slot = true;		/* natively: KVM's emulator gets the size wrong */
	if (f->fam == F_FXSAVE)
		g->slot = true;		/* KVM's emulator: fxsave, ldmxcsr never reach MMIO */
	if (f->fam == F_SYSMEM && f->op == 0x01 && f->reg <= 3) {
		g->slot = true;		/* KVM's emulator: sgdt/lgdt never reach MMIO */
		if (f->reg >= 2)
			g->t->flags |= T_LOADDT;
	}
	g->avoid = f->flags & O_BTREG ? (reg & 7) | (g->rex & 4 ? 8 : 0) : -1;
	modrm_mem(g, reg);
	put_n(g, rnd(c), f->imm == 'z' ? (g->osz == 2 ? 2 : 4) : f->imm);
	if (f->flags & O_BTREG)	/* a bit offset of either sign, not too far */
		*gpr(&g->t->r, g->reg) = g->slot ?
			(uint64_t)(int64_t)((int)(rnd(c) % 0x2000) - 0x1000) :
			(uint64_t)(int64_t)((int)(rnd(c) % 0x40000) - 0x20000);
	if (f->flags & O_DIV) {	/* dividend below the divisor's range: no #DE */
		g->t->r.rdx = 0;
		g->t->r.rax = rnd(c) % 0x7F;
	}
	if (f->fam == F_HINT && f->op == 0xAE)
		g->t->flags |= T_KVM_CLFLUSH;
	if (f->fam == F_HINT && ((f->op >= 0x19 && f->op <= 0x1E) ||
				 (!g->lm64 && (f->op == 0x18 || f->op == 0x1F))))
		g->t->flags |= T_KVM_NOPSTEP;
	if (f->fam == F_SYSMEM && ((f->op == 0x00 && f->reg <= 1) || (f->op == 0x01 && f->reg == 4)))
		g->t->flags |= T_KVM_DSTREAD;
	if (f->flags & O_BR) {
		g->t->flags |= T_BRANCH;
		g->t->data = D_ZERO;	/* to 0: canonical, and no fetch from MMIO */
	}
}

static void gen_forms(struct gen *g, int fam)
{
	const struct form *pick[64];
	int n = 0;

	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]) && n < 64; i++) {
		const struct form *f = &forms[i];

		if (f->fam != fam || (g->lm64 && (f->flags & O_NO64)) ||
		    (!g->lm64 && (f->flags & O_64)) || (g->real && (f->flags & O_PM)))
			continue;
		pick[n++] = f;
	}
	gen_form(g, pick[rnd(g->c) % (uint64_t)n]);
}

static void gen_sse(struct gen *g)
{
	struct form f = { F_SSE, 1, 0, sse_ops[rnd(g->c) % sizeof(sse_ops)], -1, 0, O_SSE };

	if (f.op == 0x70 || f.op == 0xC2 || f.op == 0xC4 || f.op == 0xC6)
		f.imm = 1;
	gen_form(g, &f);
}

static void gen_vex(struct gen *g)
{
	struct gen_ctx *c = g->c;
	uint8_t op = vex_ops[rnd(c) % sizeof(vex_ops)];
	int pp = (int)(rnd(c) % 4), l = (int)(rnd(c) % 2);
	int vvvv = rnd(c) % 2 ? 15 : (int)(rnd(c) % 16);

	prefixes(g, true, false, true);
	g->rex = 0;
	if (rnd(c) % 2 || !g->lm64) {	/* C5: R vvvv L pp (R 1 outside 64-bit mode) */
		put(g, 0xC5);
		put(g, (uint8_t)(0x80 | (vvvv ^ 15) << 3 | l << 2 | pp));
	} else {
		int w = (int)(rnd(c) % 2), x = (int)(rnd(c) % 2), b = (int)(rnd(c) % 2);

		put(g, 0xC4);
		put(g, (uint8_t)(0x80 | (x ^ 1) << 6 | (b ^ 1) << 5 | 1));
		put(g, (uint8_t)(w << 7 | (vvvv ^ 15) << 3 | l << 2 | pp));
		g->rex = (uint8_t)(0x40 | w << 3 | x << 1 | b);
	}
	sizes(g);
	put(g, op);
	modrm_mem(g, (int)(rnd(c) % 8));
	if (op == 0x70 || op == 0xC2 || op == 0xC6)
		put(g, (uint8_t)rnd(c));
}

/* rCX: a small count, garbage above the address size. */
static void small_count(struct gen *g, uint64_t count)
{
	uint64_t hi = g->asz == 8 ? 0 : rnd(g->c) << (8 * g->asz);

	g->t->r.rcx = hi | count;
}

static void gen_string(struct gen *g, int fam)
{
	static const uint8_t ops[] = { 0xA4, 0xA5, 0xAA, 0xAB, 0xAC, 0xAD, 0xA6, 0xA7,
				       0xAE, 0xAF };
	struct gen_ctx *c = g->c;
	struct trial *t = g->t;
	uint8_t op, rep = 0;

	prefixes(g, true, true, true);
	if (fam == F_REPCOND) {
		op = ops[6 + rnd(c) % 4];
		rep = rnd(c) % 2 ? 0xF3 : 0xF2;
	} else if (fam == F_INSOUTS) {
		op = (uint8_t)(0x6C + rnd(c) % 4);
		rep = rnd(c) % 2 ? 0xF3 : 0;
	} else {
		op = ops[rnd(c) % 6];
		rep = (uint8_t[]){ 0, 0, 0xF3, 0xF3, 0xF2 }[rnd(c) % 5];
		if (rnd(c) % 8 == 0)
			op = ops[6 + rnd(c) % 4];	/* cmps, scas without rep */
	}
	if (rep) {
		put(g, rep);
		t->flags |= T_REP;
	}
	rex(g, true);
	put(g, op);
	small_count(g, rnd(c) % 10);
	if (rnd(c) % 3 == 0)
		t->r.rflags |= 0x400;		/* DF: downwards */
	t->r.rdx = PORT;
	if (fam == F_REPCOND) {
		bool scas = op >= 0xAE;

		if (rep == 0xF3) {		/* repe: all equal, every turn runs */
			t->data = D_ZERO;
			if (scas)
				t->r.rax = 0;
		} else if (scas) {		/* repne scas: never equal */
			t->data = D_ZERO;
			t->r.rax |= 1;
		} else {			/* repne cmps: bytes differ unless 256 apart */
			t->data = D_LOWBYTE;
			if (((t->r.rsi - t->r.rdi) & 0xFF) == 0)
				t->r.rdi += 1 + rnd(c) % 254;
		}
	}
}

/* The stack in AREA1: where several pushes of one instruction can be seen
 * (KVM's emulator makes only the last MMIO write of an instruction). */
static void slot_stack(struct gen *g)
{
	struct trial *t = g->t;

	if (g->real)
		set_seg(&t->s.ss, 0, 0, true);
	else
		t->s.ss.base = 0;
	t->r.rsp = AREA1 + 0x800 + (rnd(g->c) % 0x200) * 2;
	t->flags |= T_SLOT;
}

static void gen_stack(struct gen *g, int fam)
{
	struct gen_ctx *c = g->c;
	struct trial *t = g->t;
	int k = (int)(rnd(c) % 12);

	prefixes(g, false, true, false);
	if (fam == F_PUSHA) {
		rex(g, false);
		slot_stack(g);
		if (rnd(c) % 2) {
			put(g, 0x60);
		} else {
			put(g, 0x61);
			g->t->flags |= T_POPVAL;
			g->t->osz = g->osz;
			g->t->frame_n = 8;
			g->t->frame_size = g->osz;
			for (int i = 0; i < 8; i++)
				g->t->frame[i] = rnd(c);
		}
		return;
	}
	if (fam == F_ENTER) {
		rex(g, false);
		slot_stack(g);
		if (!g->lm64 && g->osz != (g->t->s.ss.db ? 4 : 2))
			g->t->flags |= T_KVM_ENTER;
		if (rnd(c) % 3 == 0) {
			put(g, 0xC9);		/* leave */
		} else {
			put(g, 0xC8);
			put_n(g, rnd(c), 2);
			put(g, (uint8_t)(rnd(c) % 8 == 0 ? rnd(c) : rnd(c) % 6));
		}
		return;
	}
	rex(g, true);
	if (g->lm64 && rnd(c) % 3 == 0)
		slot_stack(g);			/* natively: the CPU's own pushes */
	if (g->lm64 && k >= 6 && k <= 9)
		k = 0;				/* push/pop es, cs, ss, ds: not in 64-bit mode */
	switch (k) {
	case 0: put(g, (uint8_t)(0x50 + rnd(c) % 8)); break;
	case 1: put(g, (uint8_t)(0x58 + rnd(c) % 8)); break;
	case 2: put(g, 0x68); put_n(g, rnd(c), 4); break;
	case 3: put(g, 0x6A); put(g, (uint8_t)rnd(c)); break;
	case 4: put(g, 0x9C); break;
	case 5: put(g, 0x9D); t->r.rflags &= ~0x100ull; break;
	case 6: put(g, (uint8_t[]){ 0x06, 0x0E, 0x16, 0x1E }[rnd(c) % 4]); break;
	case 7: put(g, 0x0E); break;
	default: put(g, 0x0F); put(g, (uint8_t[]){ 0xA0, 0xA8 }[rnd(c) % 2]); break;
	}
}

static void gen_callret(struct gen *g)
{
	struct gen_ctx *c = g->c;
	int k = (int)(rnd(c) % 3);

	prefixes(g, false, !g->lm64, false);
	rex(g, g->lm64);
	g->t->flags |= T_BRANCH;
	if (g->lm64 && k == 0 && rnd(c) % 2)
		slot_stack(g);			/* natively: call's push */
	if (k == 0) {
		put(g, 0xE8);
		put_n(g, rnd(c), g->osz == 2 ? 2 : 4);
	} else {
		if (k == 1) {
			put(g, 0xC3);
		} else {
			put(g, 0xC2);
			put_n(g, rnd(c), 2);
		}
		g->t->frame_n = 1;	/* back to hlt bytes */
		g->t->frame_size = g->lm64 ? 8 : g->osz;
		g->t->frame[0] = (g->real ? 0x1100 : 0x9100) + rnd(c) % 0x800;
	}
}

/* iret, retf: with the frame at SS:rSP, for protected and long mode. */
static void gen_iret(struct gen *g)
{
	struct gen_ctx *c = g->c;
	struct trial *t = g->t;
	bool iret = rnd(c) % 2;

	prefixes(g, false, true, false);
	rex(g, g->lm64);
	t->flags |= T_BRANCH;
	if (iret) {
		put(g, 0xCF);
	} else if (rnd(c) % 2) {
		put(g, 0xCB);
	} else {
		put(g, 0xCA);
		put_n(g, rnd(c) % 64, 2);
	}
	t->frame_size = g->osz;
	t->frame[0] = (g->real ? 0x1100 : 0x9100) + rnd(c) % 0x800;	/* hlt bytes */
	t->frame[1] = g->real ? REAL_CS : g->lm64 ? SEL_CODE64 : SEL_CODE32;
	if (iret) {
		t->frame[2] = 0x2 | (rnd(c) & 0x8D5);
		t->frame[3] = window(c);
		t->frame[4] = SEL_DATA;
		t->frame_n = g->lm64 ? 5 : 3;
		t->osz = g->osz;
		slot_stack(g);
		t->flags |= T_POPVAL;
	} else {
		t->frame_n = 2;
	}
}

static void gen_int(struct gen *g)
{
	struct gen_ctx *c = g->c;
	struct trial *t = g->t;
	int k = (int)(rnd(c) % 4);

	prefixes(g, false, g->real, false);	/* 66 in real mode: 2-byte or 4-byte items */
	rex(g, false);
	t->flags |= T_BRANCH;
	slot_stack(g);
	switch (k) {
	case 0:
	case 1:
		t->expect_vector = (int)(rnd(c) % (rnd(c) % 4 ? 128 : 256));
		put(g, 0xCD);
		put(g, (uint8_t)t->expect_vector);
		break;
	case 2:
		t->expect_vector = 3;
		put(g, 0xCC);
		break;
	default:
		if (g->lm64) {
			t->expect_vector = 1;
			put(g, 0xF1);	/* int1 */
			break;
		}
		t->expect_vector = 4;
		put(g, 0xCE);		/* into, OF set */
		t->r.rflags |= 0x800;
		break;
	}
}

static void gen_far(struct gen *g)
{
	struct gen_ctx *c = g->c;
	struct trial *t = g->t;
	int k = (int)(rnd(c) % 4);
	uint16_t sel = g->real ? (uint16_t)rnd(c) : g->lm64 ? SEL_CODE64 : SEL_CODE32;

	prefixes(g, k >= 2, !g->lm64, k >= 2);
	rex(g, false);
	t->flags |= T_BRANCH;
	slot_stack(g);
	if (g->lm64 && k < 2)
		k += 2;			/* no direct far transfers in 64-bit mode */
	if (k < 2) {
		put(g, k == 0 ? 0x9A : 0xEA);
		put_n(g, rnd(c), g->osz);
		put_n(g, sel, 2);
		return;
	}
	put(g, 0xFF);
	modrm_mem(g, k == 2 ? 3 : 5);
	t->data = D_WORD;		/* the selector, where it is 2-aligned */
	t->word = sel;
}

static void gen_segload(struct gen *g)
{
	static const uint8_t sregs[] = { 0, 2, 3, 4, 5 };
	struct gen_ctx *c = g->c;
	struct trial *t = g->t;
	int k = (int)(rnd(c) % 6), seg = sregs[rnd(c) % 5];

	t->data = D_WORD;
	t->word = g->real ? (uint16_t)rnd(c) : rnd(c) % 4 ? SEL_DATA : 0;
	if (k == 5 && g->lm64)
		k = 0;
	if (k == 0 || k == 1) {		/* mov Sreg, Ew (memory or register) */
		prefixes(g, true, true, true);
		rex(g, true);
		put(g, 0x8E);
		if (k == 0) {
			modrm_mem(g, seg);
		} else {
			int r = (int)(rnd(c) % 8);

			put(g, (uint8_t)(0xC0 | seg << 3 | r));
			*gpr(&t->r, r | (g->rex & 1 ? 8 : 0)) = t->word;
		}
		if (seg == 2)
			t->flags |= T_SHADOW;
	} else if (k == 2) {		/* lss, lfs, lgs */
		int which = (int)(rnd(c) % 3);

		prefixes(g, true, true, true);
		rex(g, false);
		put(g, 0x0F);
		put(g, (uint8_t[]){ 0xB2, 0xB4, 0xB5 }[which]);
		modrm_mem(g, (int)(rnd(c) % 8));
		if (which == 0)
			t->flags |= T_SHADOW;
	} else if (k == 3) {		/* pop fs, gs */
		prefixes(g, false, true, false);
		rex(g, false);
		put(g, 0x0F);
		put(g, rnd(c) % 2 ? 0xA1 : 0xA9);
		t->r.rsp &= ~1ull;
	} else if (k == 4 && !g->lm64) {	/* lds, les */
		prefixes(g, true, true, true);
		rex(g, false);
		put(g, rnd(c) % 2 ? 0xC4 : 0xC5);
		modrm_mem(g, (int)(rnd(c) % 8));
	} else {			/* pop es, ss, ds */
		uint8_t op = (uint8_t[]){ 0x07, 0x17, 0x1F }[rnd(c) % 3];

		prefixes(g, false, true, false);
		rex(g, false);
		put(g, op);
		if (op == 0x17)
			t->flags |= T_SHADOW;
		t->r.rsp &= ~1ull;
	}
}

static void gen_misc(struct gen *g, int fam)
{
	struct gen_ctx *c = g->c;

	if (fam == F_XLAT) {
		prefixes(g, true, false, true);
		rex(g, true);
		put(g, 0xD7);
		return;
	}
	/* moffs: mov al/eAX to and from an absolute address */
	prefixes(g, true, true, true);
	rex(g, true);
	put(g, (uint8_t)(0xA0 + rnd(c) % 4));
	put_n(g, g->asz == 2 ? rnd(c) : window(c), g->asz);
}

/* Random registers: every general register in the data window. */
static void random_regs(struct gen_ctx *c, struct trial *t)
{
	__u64 *g[] = { &t->r.rax, &t->r.rbx, &t->r.rcx, &t->r.rdx, &t->r.rsi, &t->r.rdi,
		       &t->r.rbp, &t->r.rsp, &t->r.r8, &t->r.r9, &t->r.r10, &t->r.r11,
		       &t->r.r12, &t->r.r13, &t->r.r14, &t->r.r15 };

	memset(&t->r, 0, sizeof(t->r));
	for (size_t i = 0; i < sizeof(g) / sizeof(g[0]); i++)
		*g[i] = window(c);
	t->r.rflags = 0x2 | (rnd(c) & 0x8D5);
	t->r.rip = c->mode == M_REAL ? 0x1000 : P_CODE;
}

static void set_seg(struct kvm_segment *s, uint16_t sel, uint64_t base, bool real)
{
	s->selector = sel;
	s->base = base;
	if (real) {
		s->limit = 0xFFFFFFFF;	/* "unreal": 32-bit offsets (67) do not #GP */
		s->g = 1;
		s->type = 3;
		s->present = 1;
		s->s = 1;
		s->dpl = 0;
	}
}

/* The mode's segments, with random bases (and sizes) to test the wraps. */
static void random_sregs(struct gen_ctx *c, struct trial *t)
{
	static const uint64_t bases[] = { 0, 0, 0x100000, 0x7FFF0000, 0xFFF00000, 0xFFFF0000 };
	struct kvm_segment *data[] = { &t->s.ds, &t->s.es, &t->s.fs, &t->s.gs, &t->s.ss };

	t->s = c->base;
	if (c->mode == M_REAL) {
		set_seg(&t->s.cs, REAL_CS, REAL_CS << 4, false);
		for (int i = 0; i < 5; i++) {
			uint16_t sel = (uint16_t)(0x1000 + rnd(c) % 0xE000);

			set_seg(data[i], sel, (uint64_t)sel << 4, true);
		}
		t->s.ss.db = rnd(c) % 4 == 0;
	} else if (c->mode == M_PROT) {
		t->s.cs.db = rnd(c) % 5 != 0;	/* 16-bit protected mode code now and then */
		for (int i = 0; i < 5; i++)
			data[i]->base = bases[rnd(c) % 6];
		t->s.ss.db = rnd(c) % 5 != 0;
	} else {
		t->s.fs.base = rnd(c) % 3 ? rnd(c) % 0x100000 : 0;
		t->s.gs.base = rnd(c) % 3 ? rnd(c) % 0x100000 : 0;
	}
	t->s.cr4 |= 0x600 | (c->mode != M_REAL ? 0x40000 : 0);	/* OSFXSR OSXMMEXCPT OSXSAVE */
}

static bool fam_in_mode(int fam, int mode)
{
	switch (fam) {
	case F_PUSHA:
		return mode != M_LONG;
	case F_VEX:
		return mode != M_REAL;
	default:
		return true;
	}
}

static void generate(struct gen_ctx *c, struct trial *t, int fam)
{
	struct gen g = { .c = c, .t = t };

	memset(t, 0, sizeof(*t));
	t->fam = fam;
	t->expect_vector = -1;
	t->data = D_RANDOM;
	random_regs(c, t);
	random_sregs(c, t);
	g.lm64 = c->mode == M_LONG;
	g.real = c->mode == M_REAL;
	g.bits = g.lm64 ? 64 : t->s.cs.db ? 32 : 16;
	g.avoid = -1;
	/* Long mode: now and then the operand in the slot, for the CPU itself
	 * to execute the instruction (KVM's emulator serves the MMIO ones). */
	if (g.lm64 && ((fam <= F_CMPXCHG && fam != F_BRANCH_EV) || fam == F_SYSMEM ||
		       fam == F_HINT || fam >= F_X87))
		g.slot = rnd(c) % (fam >= F_X87 ? 2 : 4) == 0;
	sizes(&g);
	switch (fam) {
	case F_SSE: gen_sse(&g); break;
	case F_VEX: gen_vex(&g); break;
	case F_STRING: case F_REPCOND: case F_INSOUTS: gen_string(&g, fam); break;
	case F_STACK: case F_PUSHA: case F_ENTER: gen_stack(&g, fam); break;
	case F_CALLRET: gen_callret(&g); break;
	case F_IRET: gen_iret(&g); break;
	case F_INT: gen_int(&g); break;
	case F_FAR: gen_far(&g); break;
	case F_SEGLOAD: gen_segload(&g); break;
	case F_XLAT: case F_MOFFS: gen_misc(&g, fam); break;
	default: gen_forms(&g, fam); break;
	}
	while (t->n < sizeof(t->code))	/* immediates, as many as it takes */
		t->code[t->n++] = (uint8_t)rnd(c);
}

#endif
