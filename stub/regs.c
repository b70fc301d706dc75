/*
 * regs.c - the register layouts gdb sees.  One constant table per layout
 * (i386, x86-64) drives the 'g' reply, single-register reads ('p') and
 * writes ('P', 'G') and the target description (target.xml), so they
 * cannot disagree.
 *
 * The pc register (eip, rip) is LINEAR: CS.base + IP (RIP alone in 64-bit
 * mode).  That is what makes "break *0xffff0" and "x/i $pc" work in real
 * mode with a stock gdb.  The raw IP is the register "ip" in our own
 * system feature.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "regs.h"
#include "rsp.h"

#define MASK32		0xffffffffull
#define X86_RFLAGS_VM	(1ull << 17)
#define X86_RFLAGS_FIXED	(1ull << 1)	/* reserved, always reads as 1 */

enum reg_feature { FEAT_CORE, FEAT_SSE, FEAT_SYSTEM, NR_FEATURES };

static const char *const feature_names[NR_FEATURES] = {
	[FEAT_CORE] = "org.gnu.gdb.i386.core",
	[FEAT_SSE] = "org.gnu.gdb.i386.sse",
	[FEAT_SYSTEM] = "org.kvmstub.x86.system",
};

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

#define CORE(n, k, i, ty)	{ n, 32, FEAT_CORE, k, i, ty, "general" }
#define CORE64(n, k, i, ty)	{ n, 64, FEAT_CORE, k, i, ty, "general" }
#define X87(n, bits, ty)	{ n, bits, FEAT_CORE, RK_NONE, 0, ty, "float" }
#define XMM(n)			{ n, 128, FEAT_SSE, RK_NONE, 0, "vec128", "vector" }
#define SYS(n, k, i, ty)	{ n, 32, FEAT_SYSTEM, k, i, ty, "system" }
#define SYS64(n, k, i, ty)	{ n, 64, FEAT_SYSTEM, k, i, ty, "system" }

/* The last system registers, the same in both layouts. */
#define SYS_TAIL \
	SYS("tr", RK_SEL, SEG_TR, "uint32"), \
	SYS("ldtr", RK_SEL, SEG_LDT, "uint32"), \
	SYS("cs_limit", RK_LIMIT, SEG_CS, "uint32"), \
	SYS("ss_limit", RK_LIMIT, SEG_SS, "uint32"), \
	SYS("ds_limit", RK_LIMIT, SEG_DS, "uint32"), \
	SYS("cs_attr", RK_ATTR, SEG_CS, "uint32"),

/* gdb wants the x87 registers in the core feature, for i386 and amd64. */
#define X87_REGS \
	X87("st0", 80, "i387_ext"), X87("st1", 80, "i387_ext"), \
	X87("st2", 80, "i387_ext"), X87("st3", 80, "i387_ext"), \
	X87("st4", 80, "i387_ext"), X87("st5", 80, "i387_ext"), \
	X87("st6", 80, "i387_ext"), X87("st7", 80, "i387_ext"), \
	X87("fctrl", 32, "int"), X87("fstat", 32, "int"), \
	X87("ftag", 32, "int"), X87("fiseg", 32, "int"), \
	X87("fioff", 32, "int"), X87("foseg", 32, "int"), \
	X87("fooff", 32, "int"), X87("fop", 32, "int")

#define MXCSR	{ "mxcsr", 32, FEAT_SSE, RK_NONE, 0, "i386_mxcsr", "vector" }

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
	X87_REGS,
	XMM("xmm0"), XMM("xmm1"), XMM("xmm2"), XMM("xmm3"),
	XMM("xmm4"), XMM("xmm5"), XMM("xmm6"), XMM("xmm7"),
	MXCSR,
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
	SYS_TAIL
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
	X87_REGS,
	XMM("xmm0"), XMM("xmm1"), XMM("xmm2"), XMM("xmm3"),
	XMM("xmm4"), XMM("xmm5"), XMM("xmm6"), XMM("xmm7"),
	XMM("xmm8"), XMM("xmm9"), XMM("xmm10"), XMM("xmm11"),
	XMM("xmm12"), XMM("xmm13"), XMM("xmm14"), XMM("xmm15"),
	MXCSR,
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
	SYS_TAIL
};

#define ARRAY_LEN(a)	((int)(sizeof(a) / sizeof((a)[0])))
#define NR_REGS_MAX	ARRAY_LEN(reg_table64)

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

static void set_seg_attr(struct target_seg *g, uint64_t v)
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
static bool code_is_16bit(const struct target_regs *r)
{
	if (!(r->cr0 & X86_CR0_PE))
		return true;
	if ((r->efer & X86_EFER_LMA) && r->seg[SEG_CS].l)
		return false;
	return !r->seg[SEG_CS].db;
}

struct regs_layout {
	const char *name;		/* the --arch value */
	const struct reg_desc *regs;
	int nr;
	int pc;				/* gdb regnum of the linear pc */
	bool wide;			/* <architecture> i386:x86-64, 64-bit flags */
};

static const struct regs_layout layouts[] = {
	[REGS_ARCH_I386] = { "i386", reg_table, ARRAY_LEN(reg_table), REGS_PC, false },
	[REGS_ARCH_X86_64] = { "x86-64", reg_table64, ARRAY_LEN(reg_table64), REGS64_PC, true },
};

const struct regs_layout *regs__layout(enum regs_arch arch)
{
	if ((int)arch < 0 || (int)arch >= ARRAY_LEN(layouts))
		return &layouts[REGS_ARCH_I386];
	return &layouts[arch];
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
static const struct regs_layout *lay(const struct regs_layout *L)
{
	return L ? L : &layouts[REGS_ARCH_I386];
}

const char *regs_layout__name(const struct regs_layout *L)
{
	return lay(L)->name;
}

int regs_layout__pc(const struct regs_layout *L)
{
	return lay(L)->pc;
}

/* Flag types of the target description; eflags' table also serves the
 * monitor's "regs" dump. */
struct flag_bit {
	const char *name;
	uint8_t bit;
};

struct flags_type {
	const char *id;
	uint8_t feature;
	const struct flag_bit *bits;
	int nr_bits;
};

static const struct flag_bit eflags_bits[] = {
	{ "CF", 0 }, { "PF", 2 }, { "AF", 4 }, { "ZF", 6 }, { "SF", 7 },
	{ "TF", 8 }, { "IF", 9 }, { "DF", 10 }, { "OF", 11 }, { "NT", 14 },
	{ "RF", 16 }, { "VM", 17 }, { "AC", 18 }, { "VIF", 19 }, { "VIP", 20 },
	{ "ID", 21 },
};

static const struct flag_bit mxcsr_bits[] = {
	{ "IE", 0 }, { "DE", 1 }, { "ZE", 2 }, { "OE", 3 }, { "UE", 4 },
	{ "PE", 5 }, { "DAZ", 6 }, { "IM", 7 }, { "DM", 8 }, { "ZM", 9 },
	{ "OM", 10 }, { "UM", 11 }, { "PM", 12 }, { "FZ", 15 },
};

static const struct flag_bit cr0_bits[] = {
	{ "PE", 0 }, { "MP", 1 }, { "EM", 2 }, { "TS", 3 }, { "ET", 4 },
	{ "NE", 5 }, { "WP", 16 }, { "AM", 18 }, { "NW", 29 }, { "CD", 30 },
	{ "PG", 31 },
};

static const struct flag_bit cr4_bits[] = {
	{ "VME", 0 }, { "PVI", 1 }, { "TSD", 2 }, { "DE", 3 }, { "PSE", 4 },
	{ "PAE", 5 }, { "MCE", 6 }, { "PGE", 7 }, { "PCE", 8 }, { "OSFXSR", 9 },
	{ "OSXMMEXCPT", 10 }, { "UMIP", 11 }, { "VMXE", 13 }, { "SMXE", 14 },
	{ "FSGSBASE", 16 }, { "PCIDE", 17 }, { "OSXSAVE", 18 }, { "SMEP", 20 },
	{ "SMAP", 21 }, { "PKE", 22 },
};

static const struct flag_bit efer_bits[] = {
	{ "SCE", 0 }, { "LME", 8 }, { "LMA", 10 }, { "NXE", 11 }, { "SVME", 12 },
	{ "LMSLE", 13 }, { "FFXSR", 14 }, { "TCE", 15 },
};

#define FLAGS(id, feat, tab) { id, feat, tab, (int)(sizeof(tab) / sizeof(tab[0])) }

static const struct flags_type flags_types[] = {
	FLAGS("i386_eflags", FEAT_CORE, eflags_bits),
	FLAGS("i386_mxcsr", FEAT_SSE, mxcsr_bits),
	FLAGS("kvmstub_cr0", FEAT_SYSTEM, cr0_bits),
	FLAGS("kvmstub_cr4", FEAT_SYSTEM, cr4_bits),
	FLAGS("kvmstub_efer", FEAT_SYSTEM, efer_bits),
};

/* The 128-bit SSE register seen as each of its lane layouts. */
static const char vec128_types[] =
	"    <vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/>\n"
	"    <vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/>\n"
	"    <vector id=\"v16i8\" type=\"int8\" count=\"16\"/>\n"
	"    <vector id=\"v8i16\" type=\"int16\" count=\"8\"/>\n"
	"    <vector id=\"v4i32\" type=\"int32\" count=\"4\"/>\n"
	"    <vector id=\"v2i64\" type=\"int64\" count=\"2\"/>\n"
	"    <union id=\"vec128\">\n"
	"      <field name=\"v4_float\" type=\"v4f\"/>\n"
	"      <field name=\"v2_double\" type=\"v2d\"/>\n"
	"      <field name=\"v16_int8\" type=\"v16i8\"/>\n"
	"      <field name=\"v8_int16\" type=\"v8i16\"/>\n"
	"      <field name=\"v4_int32\" type=\"v4i32\"/>\n"
	"      <field name=\"v2_int64\" type=\"v2i64\"/>\n"
	"      <field name=\"uint128\" type=\"uint128\"/>\n"
	"    </union>\n";

static const struct reg_desc *reg_desc(const struct regs_layout *L, int regno)
{
	L = lay(L);
	if (regno < 0 || regno >= L->nr)
		return NULL;
	return &L->regs[regno];
}

static uint64_t width_mask(unsigned int bits)
{
	return bits >= 64 ? ~0ull : (1ull << bits) - 1;
}

int regs_layout__count(const struct regs_layout *L)
{
	return lay(L)->nr;
}

int regs_layout__size(const struct regs_layout *L, int regno)
{
	const struct reg_desc *d = reg_desc(L, regno);

	return d ? d->bits / 8 : 0;
}

const char *regs_layout__reg_name(const struct regs_layout *L, int regno)
{
	const struct reg_desc *d = reg_desc(L, regno);

	return d ? d->name : NULL;
}

int regs_layout__find(const struct regs_layout *L, const char *name)
{
	L = lay(L);
	for (int i = 0; i < L->nr; i++)
		if (strcmp(L->regs[i].name, name) == 0)
			return i;
	return -1;
}

int regs_layout__total_size(const struct regs_layout *L)
{
	int total = 0;

	L = lay(L);
	for (int i = 0; i < L->nr; i++)
		total += L->regs[i].bits / 8;
	return total;
}

/* 64-bit mode proper (not compatibility mode): IA-32e active, CS.L = 1. */
static bool mode64(const struct target_regs *r)
{
	return (r->efer & X86_EFER_LMA) && r->seg[SEG_CS].l;
}

uint64_t regs__linear_pc(const struct target_regs *r)
{
	/* 64-bit mode ignores CS.base; elsewhere addresses wrap at 4 GiB. */
	if (mode64(r))
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
	const struct reg_desc *d = reg_desc(L, regno);
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
	*val = v & width_mask(d->bits);
	return 0;
}

size_t regs_layout__encode(const struct regs_layout *L, const struct target_regs *r,
			   int regno, char *out)
{
	const struct reg_desc *d = reg_desc(L, regno);
	size_t size;
	uint8_t bytes[8];
	uint64_t v;

	if (!d)
		return 0;
	size = d->bits / 8;
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
	for (int i = 0; i < lay(L)->nr; i++)
		len += regs_layout__encode(L, r, i, out + len);
	return len;
}

static bool real_addressing(const struct target_regs *r)
{
	/* Real mode, and virtual-8086 mode inside protected mode, form
	 * segment bases as selector * 16. */
	return !(r->cr0 & X86_CR0_PE) || (r->rflags & X86_RFLAGS_VM);
}

/* Linear pc write: keep CS when the address is reachable from it. */
static int write_pc(struct target_regs *r, uint64_t linear)
{
	struct target_seg *cs = &r->seg[SEG_CS];
	uint64_t sel;

	if (mode64(r)) {
		r->rip = linear;
		return 0;
	}
	if (!real_addressing(r)) {
		r->rip = (linear - cs->base) & MASK32;
		return 0;
	}
	if (linear >= cs->base && linear - cs->base <= 0xffff) {
		r->rip = linear - cs->base;
		return 0;
	}
	/*
	 * Outside CS's 64 KiB: move CS to the 64 KiB-aligned segment that
	 * holds the address (0x7c00 -> 0000:7c00, 0x9f000 -> 9000:f000).
	 * Above 1 MiB only the high memory area FFFF:0010..FFFF:FFFF is
	 * reachable; anything beyond is not a real-mode address.
	 */
	if (linear < 0x100000)
		sel = (linear >> 4) & 0xf000;
	else if (linear <= 0xffff0 + 0xffff)
		sel = 0xffff;
	else
		return -EINVAL;
	cs->selector = (uint16_t)sel;
	cs->base = sel << 4;
	r->rip = linear - cs->base;
	return 0;
}

/* Decode an 8-byte GDT entry into a segment (the selector is set apart). */
static void decode_descriptor(const uint8_t d[8], struct target_seg *seg)
{
	uint32_t limit = d[0] | (uint32_t)d[1] << 8 | (uint32_t)(d[6] & 0xf) << 16;

	seg->base = d[2] | (uint32_t)d[3] << 8 | (uint32_t)d[4] << 16 | (uint32_t)d[7] << 24;
	seg->type = d[5] & 0xf;
	seg->s = (d[5] >> 4) & 1;
	seg->dpl = (d[5] >> 5) & 3;
	seg->present = d[5] >> 7;
	seg->avl = (d[6] >> 4) & 1;
	seg->l = (d[6] >> 5) & 1;
	seg->db = (d[6] >> 6) & 1;
	seg->g = d[6] >> 7;
	/* G: the limit counts 4 KiB pages, so the last byte is limit*4K+4095. */
	seg->limit = seg->g ? (limit << 12) | 0xfff : limit;
	seg->unusable = 0;
}

/*
 * Protected mode: load a segment register the way a mov/ltr/lldt would,
 * from the GDT.  The descriptor cache is what the CPU uses, so writing
 * only the selector would change nothing a debugger user can see.
 */
static int load_segment(struct target *t, int cpu, struct target_regs *r, int segno,
			uint16_t sel)
{
	struct target_seg seg;
	uint8_t desc[8];
	ssize_t n;

	if (sel & 4)
		return -EINVAL;		/* TI=1: LDT selectors are not supported */
	memset(&seg, 0, sizeof(seg));
	seg.selector = sel;
	if ((sel & ~3u) == 0) {
		/* A null selector: valid (and unusable) only in a data segment
		 * register or LDTR. */
		if (segno == SEG_CS || segno == SEG_SS || segno == SEG_TR)
			return -EINVAL;
		seg.unusable = 1;
		r->seg[segno] = seg;
		return 0;
	}
	if ((uint32_t)(sel | 7) > r->gdt.limit)
		return -EFAULT;
	n = t->ops->read_mem(t, cpu, TARGET_LINEAR, r->gdt.base + (sel & ~7u), desc, 8);
	if (n != 8)
		return -EFAULT;
	decode_descriptor(desc, &seg);
	if (segno == SEG_TR || segno == SEG_LDT) {
		if (seg.s)
			return -EINVAL;
		/* ltr marks the TSS busy: type 9 -> 11 (and 1 -> 3 for 16-bit). */
		if (segno == SEG_TR)
			seg.type |= 2;
	} else {
		if (!seg.s || (segno == SEG_CS && !(seg.type & 8)))
			return -EINVAL;
		/* The CPU sets the accessed bit on load; VM entry insists on it. */
		seg.type |= 1;
	}
	r->seg[segno] = seg;
	return 0;
}

static int write_selector(struct target *t, int cpu, struct target_regs *r, int segno,
			  uint64_t v)
{
	if (v > 0xffff)
		return -EINVAL;
	if (real_addressing(r)) {
		r->seg[segno].selector = (uint16_t)v;
		if (segno != SEG_TR && segno != SEG_LDT)
			r->seg[segno].base = v << 4;
		return 0;
	}
	return load_segment(t, cpu, r, segno, (uint16_t)v);
}

static int write_value(struct target *t, int cpu, struct target_regs *r,
		       const struct reg_desc *d, uint64_t v)
{
	switch (d->kind) {
	case RK_GPR:
		/* A 32-bit write keeps the upper half, as gdb shows only eax. */
		r->gpr[d->idx] = (r->gpr[d->idx] & ~width_mask(d->bits)) | v;
		return 0;
	case RK_PC:
		return write_pc(r, v);
	case RK_FLAGS:
		r->rflags = (r->rflags & ~MASK32) | v | X86_RFLAGS_FIXED;
		return 0;
	case RK_SEL:
		return write_selector(t, cpu, r, d->idx, v);
	case RK_IP:
		r->rip = v;
		return 0;
	case RK_BASE:
		r->seg[d->idx].base = v;
		return 0;
	case RK_LIMIT:
		r->seg[d->idx].limit = (uint32_t)v;
		return 0;
	case RK_ATTR:
		set_seg_attr(&r->seg[d->idx], v);
		return 0;
	case RK_CR:
		if (d->idx == 0)
			r->cr0 = v;
		else if (d->idx == 2)
			r->cr2 = v;
		else if (d->idx == 3)
			r->cr3 = v;
		else if (d->idx == 8)
			r->cr8 = v;
		else
			r->cr4 = v;
		return 0;
	case RK_EFER:
		r->efer = v;
		return 0;
	case RK_DT_BASE:
		if (d->idx)
			r->idt.base = v;
		else
			r->gdt.base = v;
		return 0;
	case RK_DT_LIMIT:
		if (v > 0xffff)
			return -EINVAL;
		if (d->idx)
			r->idt.limit = (uint16_t)v;
		else
			r->gdt.limit = (uint16_t)v;
		return 0;
	default:
		return 0;	/* x87/SSE: not tracked, accepted and ignored */
	}
}

static uint64_t le_value(const uint8_t *b, size_t len)
{
	uint64_t v = 0;

	for (size_t i = 0; i < len && i < 8; i++)
		v |= (uint64_t)b[i] << (8 * i);
	return v;
}

int regs_layout__write(const struct regs_layout *L, struct target *t, int cpu,
		       struct target_regs *r, int regno, const uint8_t *val, size_t len)
{
	const struct reg_desc *d = reg_desc(L, regno);
	struct target_regs tmp;
	int ret;

	if (!d || len != d->bits / 8u)
		return -EINVAL;
	if (d->kind == RK_NONE)
		return 0;
	/* All or nothing: a failed segment load leaves r as it was. */
	tmp = *r;
	ret = write_value(t, cpu, &tmp, d, le_value(val, len));
	if (ret < 0)
		return ret;
	*r = tmp;
	return 0;
}

/*
 * 'G' order: control and descriptor-table registers first (they decide
 * how a selector loads), then selectors, then explicit bases and limits
 * (an explicit base beats the loaded descriptor), then the rest, then
 * ip, and the linear pc last (it is relative to the final CS).
 */
static int write_rank(const struct reg_desc *d)
{
	switch (d->kind) {
	case RK_CR: case RK_EFER: case RK_DT_BASE: case RK_DT_LIMIT: return 0;
	case RK_SEL: return 1;
	case RK_BASE: case RK_LIMIT: case RK_ATTR: return 2;
	case RK_IP: return 4;
	case RK_PC: return 5;
	default: return 3;
	}
}

int regs_layout__write_all(const struct regs_layout *L, struct target *t, int cpu,
			   struct target_regs *r, const uint8_t *buf, size_t len)
{
	struct target_regs orig = *r;
	size_t offsets[NR_REGS_MAX];
	size_t off = 0;
	int ret;

	L = lay(L);
	if (len != (size_t)regs_layout__total_size(L))
		return -EINVAL;
	for (int i = 0; i < L->nr; i++) {
		offsets[i] = off;
		off += L->regs[i].bits / 8;
	}
	/*
	 * Only registers whose value changed are written: gdb sends the whole
	 * block to change one register, and reloading every selector would
	 * silently replace descriptor caches that differ from the GDT (as
	 * they do right after the switch to protected mode).
	 */
	for (int rank = 0; rank <= 5; rank++) {
		for (int i = 0; i < L->nr; i++) {
			const struct reg_desc *d = &L->regs[i];
			size_t size = d->bits / 8;
			uint64_t old;

			if (write_rank(d) != rank || regs_layout__get(L, &orig, i, &old) < 0)
				continue;
			if (le_value(buf + offsets[i], size) == old)
				continue;
			ret = regs_layout__write(L, t, cpu, r, i, buf + offsets[i], size);
			if (ret < 0) {
				*r = orig;
				return ret;
			}
		}
	}
	return 0;
}

/* A bounded text builder: stops writing at cap, remembers it overflowed. */
struct xbuf {
	char *p;
	size_t cap, len;
	bool overflow;
};

static void __attribute__((format(printf, 2, 3))) xput(struct xbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->cap - b->len) {
		b->overflow = true;
		return;
	}
	b->len += (size_t)n;
}

size_t regs__eflags_str(uint64_t rflags, char *out, size_t cap)
{
	struct xbuf b = { .p = out, .cap = cap };

	if (cap == 0)
		return 0;
	xput(&b, "[");
	for (size_t i = 0; i < sizeof(eflags_bits) / sizeof(eflags_bits[0]); i++)
		if (rflags & (1ull << eflags_bits[i].bit))
			xput(&b, " %s", eflags_bits[i].name);
	xput(&b, " ]");
	if (b.overflow) {
		out[0] = '\0';
		return 0;
	}
	return b.len;
}

/* The system feature's flag types are as wide as its registers (8 bytes in
 * the x86-64 layout); eflags and mxcsr are 4 bytes in both. */
static void xml_types(struct xbuf *b, const struct regs_layout *L, int feature)
{
	for (size_t i = 0; i < sizeof(flags_types) / sizeof(flags_types[0]); i++) {
		const struct flags_type *f = &flags_types[i];
		int size = f->feature == FEAT_SYSTEM && L->wide ? 8 : 4;

		if (f->feature != feature)
			continue;
		xput(b, "    <flags id=\"%s\" size=\"%d\">\n", f->id, size);
		for (int j = 0; j < f->nr_bits; j++)
			xput(b, "      <field name=\"%s\" start=\"%d\" end=\"%d\"/>\n",
			     f->bits[j].name, f->bits[j].bit, f->bits[j].bit);
		xput(b, "    </flags>\n");
	}
	if (feature == FEAT_SSE)
		xput(b, "%s", vec128_types);
}

size_t regs_layout__target_xml(const struct regs_layout *L, const struct target_regs *r,
			       char *out, size_t cap)
{
	struct xbuf b = { .p = out, .cap = cap };
	int feature = -1;
	const char *arch;

	if (cap == 0)
		return 0;
	L = lay(L);
	/* The x86-64 layout is i386:x86-64 whatever the mode: gdb refuses an
	 * amd64 register set under any other architecture. */
	if (L->wide)
		arch = "i386:x86-64";
	else
		arch = code_is_16bit(r) ? "i8086" : "i386";
	xput(&b, "<?xml version=\"1.0\"?>\n"
		 "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
		 "<target version=\"1.0\">\n"
		 "  <architecture>%s</architecture>\n"
		 "  <osabi>none</osabi>\n", arch);
	for (int i = 0; i < L->nr; i++) {
		const struct reg_desc *d = &L->regs[i];

		if (d->feature != feature) {
			if (feature >= 0)
				xput(&b, "  </feature>\n");
			feature = d->feature;
			xput(&b, "  <feature name=\"%s\">\n", feature_names[feature]);
			xml_types(&b, L, feature);
		}
		xput(&b, "    <reg name=\"%s\" bitsize=\"%u\" type=\"%s\" regnum=\"%d\""
			 " group=\"%s\"/>\n", d->name, d->bits, d->type, i, d->group);
	}
	xput(&b, "  </feature>\n</target>\n");
	if (b.overflow) {
		out[0] = '\0';
		return 0;
	}
	return b.len;
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

int regs__write(struct target *t, int cpu, struct target_regs *r, int regno,
		const uint8_t *val, size_t len)
{
	return regs_layout__write(NULL, t, cpu, r, regno, val, len);
}

int regs__write_all(struct target *t, int cpu, struct target_regs *r,
		    const uint8_t *buf, size_t len)
{
	return regs_layout__write_all(NULL, t, cpu, r, buf, len);
}

size_t regs__target_xml(const struct target_regs *r, char *out, size_t cap)
{
	return regs_layout__target_xml(NULL, r, out, cap);
}
