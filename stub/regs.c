/*
 * regs.c - the register layouts gdb sees.  One constant table per layout
 * (i386, x86-64) drives the 'g' reply and single-register reads ('p') here,
 * the writes ('P', 'G') in regs_write.c and the target description
 * (target.xml) in tdesc.c, so they cannot disagree.
 *
 * The pc register (eip, rip) is LINEAR: CS.base + IP (RIP alone in 64-bit
 * mode).  That is what makes "break *0xffff0" and "x/i $pc" work in real
 * mode with a stock gdb.  The raw IP is the register "ip" in our own
 * system feature.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "regs_priv.h"
#include "rsp.h"

#define CORE(n, k, i, ty)	{ n, 32, FEAT_CORE, k, i, ty, "general" }
#define CORE64(n, k, i, ty)	{ n, 64, FEAT_CORE, k, i, ty, "general" }
#define SYS(n, k, i, ty)	{ n, 32, FEAT_SYSTEM, k, i, ty, "system" }
#define SYS64(n, k, i, ty)	{ n, 64, FEAT_SYSTEM, k, i, ty, "system" }
#define ST(i)			{ "st" #i, 80, FEAT_CORE, RK_ST, i, "i387_ext", "float" }
#define X87(n, i)		{ n, 32, FEAT_CORE, RK_FPU, i, "int", "float" }
#define XMM(i, f)		{ "xmm" #i, 128, f, RK_XMM, i, "vec128", "vector" }
#define YMMH(i, f)		{ "ymm" #i "h", 128, f, RK_YMMH, i, "uint128", "vector" }
#define ZMMH(i)			{ "zmm" #i "h", 256, FEAT_AVX512, RK_ZMMH, i, "v2ui128", "vector" }
#define KREG(i)			{ "k" #i, 64, FEAT_AVX512, RK_K, i, "uint64", "vector" }

/* The last system registers, the same in both layouts. */
#define SYS_TAIL \
	SYS("tr", RK_SEL, SEG_TR, "uint32"), \
	SYS("ldtr", RK_SEL, SEG_LDT, "uint32"), \
	SYS("cs_limit", RK_LIMIT, SEG_CS, "uint32"), \
	SYS("ss_limit", RK_LIMIT, SEG_SS, "uint32"), \
	SYS("ds_limit", RK_LIMIT, SEG_DS, "uint32"), \
	SYS("cs_attr", RK_ATTR, SEG_CS, "uint32")

/*
 * The extended state: gdb wants the x87 registers in the core feature,
 * for i386 and amd64 alike.  They are numbered after every register of
 * the 'g' packet, which therefore ends before them: gdb reads them with
 * 'p' when it needs one (info registers float, p $st0), and a session
 * that never looks never pays for the XSAVE read.
 */
#define X87_REGS \
	ST(0), ST(1), ST(2), ST(3), ST(4), ST(5), ST(6), ST(7), \
	X87("fctrl", FPU_FCTRL), X87("fstat", FPU_FSTAT), X87("ftag", FPU_FTAG), \
	X87("fiseg", FPU_FISEG), X87("fioff", FPU_FIOFF), X87("foseg", FPU_FOSEG), \
	X87("fooff", FPU_FOOFF), X87("fop", FPU_FOP)

#define XMM_0_7(f) \
	XMM(0, f), XMM(1, f), XMM(2, f), XMM(3, f), XMM(4, f), XMM(5, f), XMM(6, f), XMM(7, f)
#define XMM_8_15(f) \
	XMM(8, f), XMM(9, f), XMM(10, f), XMM(11, f), XMM(12, f), XMM(13, f), XMM(14, f), \
	XMM(15, f)
#define XMM_16_31 \
	XMM(16, FEAT_AVX512), XMM(17, FEAT_AVX512), XMM(18, FEAT_AVX512), XMM(19, FEAT_AVX512), \
	XMM(20, FEAT_AVX512), XMM(21, FEAT_AVX512), XMM(22, FEAT_AVX512), XMM(23, FEAT_AVX512), \
	XMM(24, FEAT_AVX512), XMM(25, FEAT_AVX512), XMM(26, FEAT_AVX512), XMM(27, FEAT_AVX512), \
	XMM(28, FEAT_AVX512), XMM(29, FEAT_AVX512), XMM(30, FEAT_AVX512), XMM(31, FEAT_AVX512)
#define YMMH_0_7 \
	YMMH(0, FEAT_AVX), YMMH(1, FEAT_AVX), YMMH(2, FEAT_AVX), YMMH(3, FEAT_AVX), \
	YMMH(4, FEAT_AVX), YMMH(5, FEAT_AVX), YMMH(6, FEAT_AVX), YMMH(7, FEAT_AVX)
#define YMMH_8_15 \
	YMMH(8, FEAT_AVX), YMMH(9, FEAT_AVX), YMMH(10, FEAT_AVX), YMMH(11, FEAT_AVX), \
	YMMH(12, FEAT_AVX), YMMH(13, FEAT_AVX), YMMH(14, FEAT_AVX), YMMH(15, FEAT_AVX)
#define YMMH_16_31 \
	YMMH(16, FEAT_AVX512), YMMH(17, FEAT_AVX512), YMMH(18, FEAT_AVX512), \
	YMMH(19, FEAT_AVX512), YMMH(20, FEAT_AVX512), YMMH(21, FEAT_AVX512), \
	YMMH(22, FEAT_AVX512), YMMH(23, FEAT_AVX512), YMMH(24, FEAT_AVX512), \
	YMMH(25, FEAT_AVX512), YMMH(26, FEAT_AVX512), YMMH(27, FEAT_AVX512), \
	YMMH(28, FEAT_AVX512), YMMH(29, FEAT_AVX512), YMMH(30, FEAT_AVX512), \
	YMMH(31, FEAT_AVX512)
#define KREGS \
	KREG(0), KREG(1), KREG(2), KREG(3), KREG(4), KREG(5), KREG(6), KREG(7)
#define ZMMH_0_7 \
	ZMMH(0), ZMMH(1), ZMMH(2), ZMMH(3), ZMMH(4), ZMMH(5), ZMMH(6), ZMMH(7)
#define ZMMH_8_31 \
	ZMMH(8), ZMMH(9), ZMMH(10), ZMMH(11), ZMMH(12), ZMMH(13), ZMMH(14), ZMMH(15), \
	ZMMH(16), ZMMH(17), ZMMH(18), ZMMH(19), ZMMH(20), ZMMH(21), ZMMH(22), ZMMH(23), \
	ZMMH(24), ZMMH(25), ZMMH(26), ZMMH(27), ZMMH(28), ZMMH(29), ZMMH(30), ZMMH(31)

#define MXCSR	{ "mxcsr", 32, FEAT_SSE, RK_FPU, FPU_MXCSR, "i386_mxcsr", "vector" }
#define PKRU	{ "pkru", 32, FEAT_PKEYS, RK_FPU, FPU_PKRU, "uint32", "system" }
#define XCR0	{ "xcr0", 64, FEAT_SYSTEM, RK_FPU, FPU_XCR0, "kvmstub_xcr0", "system" }

/* The i386 layout (--arch i386, the default).  The table index is the gdb
 * register number. */
static const struct reg_desc reg_table[] = {
	CORE("eax", RK_GPR, GPR_AX, "int32"),
	CORE("ecx", RK_GPR, GPR_CX, "int32"),
	CORE("edx", RK_GPR, GPR_DX, "int32"),
	CORE("ebx", RK_GPR, GPR_BX, "int32"),
	CORE("esp", RK_GPR, GPR_SP, "data_ptr"),
	CORE("ebp", RK_GPR, GPR_BP, "data_ptr"),
	CORE("esi", RK_GPR, GPR_SI, "int32"),
	CORE("edi", RK_GPR, GPR_DI, "int32"),
	CORE("eip", RK_PC, 0, "code_ptr"),
	CORE("eflags", RK_FLAGS, 0, "i386_eflags"),
	CORE("cs", RK_SEL, SEG_CS, "int32"),
	CORE("ss", RK_SEL, SEG_SS, "int32"),
	CORE("ds", RK_SEL, SEG_DS, "int32"),
	CORE("es", RK_SEL, SEG_ES, "int32"),
	CORE("fs", RK_SEL, SEG_FS, "int32"),
	CORE("gs", RK_SEL, SEG_GS, "int32"),
	SYS("ip", RK_IP, 0, "uint32"),
	SYS("cs_base", RK_BASE, SEG_CS, "uint32"),
	SYS("ss_base", RK_BASE, SEG_SS, "uint32"),
	SYS("ds_base", RK_BASE, SEG_DS, "uint32"),
	SYS("es_base", RK_BASE, SEG_ES, "uint32"),
	SYS("fs_base", RK_BASE, SEG_FS, "uint32"),
	SYS("gs_base", RK_BASE, SEG_GS, "uint32"),
	SYS("cr0", RK_CR, 0, "kvmstub_cr0"),
	SYS("cr2", RK_CR, 2, "uint32"),
	SYS("cr3", RK_CR, 3, "uint32"),
	SYS("cr4", RK_CR, 4, "kvmstub_cr4"),
	SYS("efer", RK_EFER, 0, "kvmstub_efer"),
	SYS("gdtr_base", RK_DT_BASE, 0, "uint32"),
	SYS("gdtr_limit", RK_DT_LIMIT, 0, "uint32"),
	SYS("idtr_base", RK_DT_BASE, 1, "uint32"),
	SYS("idtr_limit", RK_DT_LIMIT, 1, "uint32"),
	SYS_TAIL,
	/* the extended state, read only when asked for */
	X87_REGS,
	XMM_0_7(FEAT_SSE),
	MXCSR,
	YMMH_0_7,
	KREGS,
	ZMMH_0_7,
	PKRU,
	XCR0,
};

/*
 * The x86-64 layout (--arch x86-64): gdb's amd64 core (rax..r15 in gdb's
 * amd64 order, rip, eflags, selectors, x87), 16 SSE registers, and the
 * system feature with 64-bit bases and control registers.  rip is the
 * LINEAR pc as eip is in the i386 layout: in 64-bit mode that is RIP
 * itself (the CPU ignores CS.base), below it CS.base + IP.
 */
static const struct reg_desc reg_table64[] = {
	CORE64("rax", RK_GPR, GPR_AX, "int64"),
	CORE64("rbx", RK_GPR, GPR_BX, "int64"),
	CORE64("rcx", RK_GPR, GPR_CX, "int64"),
	CORE64("rdx", RK_GPR, GPR_DX, "int64"),
	CORE64("rsi", RK_GPR, GPR_SI, "int64"),
	CORE64("rdi", RK_GPR, GPR_DI, "int64"),
	CORE64("rbp", RK_GPR, GPR_BP, "data_ptr"),
	CORE64("rsp", RK_GPR, GPR_SP, "data_ptr"),
	CORE64("r8", RK_GPR, GPR_R8, "int64"),
	CORE64("r9", RK_GPR, GPR_R9, "int64"),
	CORE64("r10", RK_GPR, GPR_R10, "int64"),
	CORE64("r11", RK_GPR, GPR_R11, "int64"),
	CORE64("r12", RK_GPR, GPR_R12, "int64"),
	CORE64("r13", RK_GPR, GPR_R13, "int64"),
	CORE64("r14", RK_GPR, GPR_R14, "int64"),
	CORE64("r15", RK_GPR, GPR_R15, "int64"),
	CORE64("rip", RK_PC, 0, "code_ptr"),
	CORE("eflags", RK_FLAGS, 0, "i386_eflags"),
	CORE("cs", RK_SEL, SEG_CS, "int32"),
	CORE("ss", RK_SEL, SEG_SS, "int32"),
	CORE("ds", RK_SEL, SEG_DS, "int32"),
	CORE("es", RK_SEL, SEG_ES, "int32"),
	CORE("fs", RK_SEL, SEG_FS, "int32"),
	CORE("gs", RK_SEL, SEG_GS, "int32"),
	SYS64("ip", RK_IP, 0, "uint64"),
	SYS64("cs_base", RK_BASE, SEG_CS, "uint64"),
	SYS64("ss_base", RK_BASE, SEG_SS, "uint64"),
	SYS64("ds_base", RK_BASE, SEG_DS, "uint64"),
	SYS64("es_base", RK_BASE, SEG_ES, "uint64"),
	SYS64("fs_base", RK_BASE, SEG_FS, "uint64"),
	SYS64("gs_base", RK_BASE, SEG_GS, "uint64"),
	SYS64("cr0", RK_CR, 0, "kvmstub_cr0"),
	SYS64("cr2", RK_CR, 2, "uint64"),
	SYS64("cr3", RK_CR, 3, "uint64"),
	SYS64("cr4", RK_CR, 4, "kvmstub_cr4"),
	SYS64("cr8", RK_CR, 8, "uint64"),
	SYS64("efer", RK_EFER, 0, "kvmstub_efer"),
	SYS64("gdtr_base", RK_DT_BASE, 0, "uint64"),
	SYS("gdtr_limit", RK_DT_LIMIT, 0, "uint32"),
	SYS64("idtr_base", RK_DT_BASE, 1, "uint64"),
	SYS("idtr_limit", RK_DT_LIMIT, 1, "uint32"),
	SYS_TAIL,
	/* the extended state, read only when asked for */
	X87_REGS,
	XMM_0_7(FEAT_SSE), XMM_8_15(FEAT_SSE),
	MXCSR,
	YMMH_0_7, YMMH_8_15,
	XMM_16_31,
	YMMH_16_31,
	KREGS,
	ZMMH_0_7, ZMMH_8_31,
	PKRU,
	XCR0,
};

#define ARRAY_LEN(a)	((int)(sizeof(a) / sizeof((a)[0])))

_Static_assert(ARRAY_LEN(reg_table64) <= REGS_MAX, "REGS_MAX is too small");

/*
 * A segment's attributes as the descriptor holds them in bits 40-55, shifted
 * down by 8 (the "access rights" layout): type 0-3, S 4, DPL 5-6, P 7,
 * AVL 12, L 13, D/B 14, G 15.  $cs_attr tells gdb scripts whether the CPU
 * decodes 16-bit code (D/B clear) even between setting CR0.PE and the far
 * jump that loads a 32-bit CS.
 */
static uint64_t seg_attr(const struct target_seg *g)
{
	return (g->type & 0xf) | (g->s & 1) << 4 | (g->dpl & 3) << 5 | (g->present & 1) << 7 |
	       (g->avl & 1) << 12 | (g->l & 1) << 13 | (g->db & 1) << 14 | (uint64_t)(g->g & 1) << 15;
}

void regs__set_seg_attr(struct target_seg *g, uint64_t v)
{
	g->type = v & 0xf;
	g->s = (v >> 4) & 1;
	g->dpl = (v >> 5) & 3;
	g->present = (v >> 7) & 1;
	g->avl = (v >> 12) & 1;
	g->l = (v >> 13) & 1;
	g->db = (v >> 14) & 1;
	g->g = (v >> 15) & 1;
}

/* What the CPU fetches now: 16-bit code in real mode and whenever CS's D/B
 * bit is clear outside 64-bit mode. */
bool regs__code_is_16bit(const struct target_regs *r)
{
	if (!(r->cr0 & X86_CR0_PE))
		return true;
	if ((r->efer & X86_EFER_LMA) && r->seg[SEG_CS].l)
		return false;
	return !r->seg[SEG_CS].db;
}

/* Registers before the first of the extended state: the 'g' packet. */
#define NR_G_I386	38
#define NR_G_X86_64	47

static const struct regs_layout layouts[] = {
	[REGS_ARCH_I386] = { "i386", reg_table, ARRAY_LEN(reg_table), NR_G_I386, REGS_PC, false },
	[REGS_ARCH_X86_64] = { "x86-64", reg_table64, ARRAY_LEN(reg_table64), NR_G_X86_64,
			       REGS64_PC, true },
};

const struct regs_layout *regs__layout(enum regs_arch arch)
{
	if ((int)arch < 0 || (int)arch >= ARRAY_LEN(layouts))
		return &layouts[REGS_ARCH_I386];
	return &layouts[arch];
}

/* --arch auto: the 64-bit layout in 64-bit mode (EFER.LMA and CS.L), the
 * i386 one everywhere else, compatibility mode's 32-bit code included. */
const struct regs_layout *regs__layout_for(const struct target_regs *r)
{
	return &layouts[regs__mode64(r) ? REGS_ARCH_X86_64 : REGS_ARCH_I386];
}

int regs__arch_parse(const char *name, enum regs_arch *arch)
{
	for (int i = 0; i < ARRAY_LEN(layouts); i++) {
		if (strcmp(name, layouts[i].name) == 0) {
			*arch = (enum regs_arch)i;
			return 0;
		}
	}
	/* gdb's own spelling of the same thing. */
	if (strcmp(name, "i386:x86-64") == 0 || strcmp(name, "x86_64") == 0 ||
	    strcmp(name, "amd64") == 0) {
		*arch = REGS_ARCH_X86_64;
		return 0;
	}
	return -EINVAL;
}

/* NULL is the default layout, so a session that never chose one works. */
const struct regs_layout *regs__lay(const struct regs_layout *L)
{
	return L ? L : &layouts[REGS_ARCH_I386];
}

const char *regs_layout__name(const struct regs_layout *L)
{
	return regs__lay(L)->name;
}

int regs_layout__pc(const struct regs_layout *L)
{
	return regs__lay(L)->pc;
}

void regs_layout__expedited(const struct regs_layout *L, int regs[REGS_EXPEDITED])
{
	L = regs__lay(L);
	/* Ascending, as gdbserver sends them: esp, ebp, eip; rbp, rsp, rip. */
	if (L->wide) {
		regs[0] = regs_layout__find(L, "rbp");
		regs[1] = regs_layout__find(L, "rsp");
	} else {
		regs[0] = regs_layout__find(L, "esp");
		regs[1] = regs_layout__find(L, "ebp");
	}
	regs[2] = L->pc;
}

const struct reg_desc *regs__desc(const struct regs_layout *L, int regno)
{
	L = regs__lay(L);
	if (regno < 0 || regno >= L->nr)
		return NULL;
	return &L->regs[regno];
}

uint64_t regs__width_mask(unsigned int bits)
{
	return bits >= 64 ? ~0ull : (1ull << bits) - 1;
}

int regs_layout__count(const struct regs_layout *L)
{
	return regs__lay(L)->nr;
}

int regs_layout__size(const struct regs_layout *L, int regno)
{
	const struct reg_desc *d = regs__desc(L, regno);

	return d ? d->bits / 8 : 0;
}

const char *regs_layout__reg_name(const struct regs_layout *L, int regno)
{
	const struct reg_desc *d = regs__desc(L, regno);

	return d ? d->name : NULL;
}

int regs_layout__find(const struct regs_layout *L, const char *name)
{
	L = regs__lay(L);
	for (int i = 0; i < L->nr; i++)
		if (strcmp(L->regs[i].name, name) == 0)
			return i;
	return -1;
}

int regs_layout__total_size(const struct regs_layout *L)
{
	int total = 0;

	L = regs__lay(L);
	for (int i = 0; i < L->nr_g; i++)
		total += L->regs[i].bits / 8;
	return total;
}

int regs_layout__g_count(const struct regs_layout *L)
{
	return regs__lay(L)->nr_g;
}

bool regs_layout__is_xstate(const struct regs_layout *L, int regno)
{
	const struct reg_desc *d = regs__desc(L, regno);

	return d && regs__kind_is_xstate(d->kind);
}

uint32_t regs__desc_needs(const struct reg_desc *d)
{
	static const uint32_t by_feature[NR_FEATURES] = {
		[FEAT_SSE] = TARGET_XF_SSE,
		[FEAT_AVX] = TARGET_XF_AVX,
		[FEAT_AVX512] = TARGET_XF_AVX512,
		[FEAT_PKEYS] = TARGET_XF_PKRU,
	};

	if (d->kind == RK_FPU && d->idx == FPU_XCR0)
		return TARGET_XF_XCR0;
	return by_feature[d->feature];
}

bool regs_layout__described(const struct regs_layout *L, int regno, uint32_t xfeatures)
{
	const struct reg_desc *d = regs__desc(L, regno);
	uint32_t need;

	if (!d)
		return false;
	need = regs__desc_needs(d);
	return (need & xfeatures) == need;
}

/* 64-bit mode proper (not compatibility mode): IA-32e active, CS.L = 1. */
bool regs__mode64(const struct target_regs *r)
{
	return (r->efer & X86_EFER_LMA) && r->seg[SEG_CS].l;
}

uint64_t regs__linear_pc(const struct target_regs *r)
{
	/* 64-bit mode ignores CS.base; elsewhere addresses wrap at 4 GiB. */
	if (regs__mode64(r))
		return r->rip;
	return (r->seg[SEG_CS].base + r->rip) & MASK32;
}

static uint64_t cr_value(const struct target_regs *r, int n)
{
	switch (n) {
	case 0: return r->cr0;
	case 2: return r->cr2;
	case 3: return r->cr3;
	case 8: return r->cr8;
	default: return r->cr4;
	}
}

int regs_layout__get(const struct regs_layout *L, const struct target_regs *r, int regno,
		     uint64_t *val)
{
	const struct reg_desc *d = regs__desc(L, regno);
	uint64_t v;

	if (!d)
		return -ENOENT;
	switch (d->kind) {
	case RK_GPR:	v = r->gpr[d->idx]; break;
	case RK_PC:	v = regs__linear_pc(r); break;
	case RK_FLAGS:	v = r->rflags; break;
	case RK_SEL:	v = r->seg[d->idx].selector; break;
	case RK_IP:	v = r->rip; break;
	case RK_BASE:	v = r->seg[d->idx].base; break;
	case RK_LIMIT:	v = r->seg[d->idx].limit; break;
	case RK_ATTR:	v = seg_attr(&r->seg[d->idx]); break;
	case RK_CR:	v = cr_value(r, d->idx); break;
	case RK_EFER:	v = r->efer; break;
	case RK_DT_BASE: v = d->idx ? r->idt.base : r->gdt.base; break;
	case RK_DT_LIMIT: v = d->idx ? r->idt.limit : r->gdt.limit; break;
	default:
		return -ENOENT;
	}
	/* The i386 layout shows the low 32 bits of every register. */
	*val = v & regs__width_mask(d->bits);
	return 0;
}

size_t regs_layout__encode(const struct regs_layout *L, const struct target_regs *r,
			   int regno, char *out)
{
	const struct reg_desc *d = regs__desc(L, regno);
	size_t size;
	uint8_t bytes[8];
	uint64_t v;

	if (!d)
		return 0;
	size = d->bits / 8;
	/* The extended state comes from regs_layout__encode_fpu; without it
	 * a register reads as unavailable. */
	if (size > sizeof(bytes) || regs_layout__get(L, r, regno, &v) < 0) {
		memset(out, 'x', 2 * size);
		out[2 * size] = '\0';
		return 2 * size;
	}
	for (size_t i = 0; i < size; i++)
		bytes[i] = (uint8_t)(v >> (8 * i));
	rsp__hex_encode(out, bytes, size);
	out[2 * size] = '\0';
	return 2 * size;
}

size_t regs_layout__encode_all(const struct regs_layout *L, const struct target_regs *r,
			       char *out, size_t cap)
{
	size_t len = 0;

	if (cap < 2 * (size_t)regs_layout__total_size(L) + 1)
		return 0;
	for (int i = 0; i < regs__lay(L)->nr_g; i++)
		len += regs_layout__encode(L, r, i, out + len);
	return len;
}

/* ---- the default (i386) layout, for callers that predate --arch ---- */

int regs__count(void)
{
	return regs_layout__count(NULL);
}

int regs__total_size(void)
{
	return regs_layout__total_size(NULL);
}

int regs__size(int regno)
{
	return regs_layout__size(NULL, regno);
}

const char *regs__name(int regno)
{
	return regs_layout__reg_name(NULL, regno);
}

int regs__find(const char *name)
{
	return regs_layout__find(NULL, name);
}

int regs__get(const struct target_regs *r, int regno, uint64_t *val)
{
	return regs_layout__get(NULL, r, regno, val);
}

size_t regs__encode(const struct target_regs *r, int regno, char *out)
{
	return regs_layout__encode(NULL, r, regno, out);
}

size_t regs__encode_all(const struct target_regs *r, char *out, size_t cap)
{
	return regs_layout__encode_all(NULL, r, out, cap);
}

