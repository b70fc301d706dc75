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
	for (int i = 0; i < L->nr; i++)
		total += L->regs[i].bits / 8;
	return total;
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
	for (int i = 0; i < regs__lay(L)->nr; i++)
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

int regs__write(struct target *t, int cpu, struct target_regs *r, int regno,
		const uint8_t *val, size_t len)
{
	return regs_layout__write(NULL, t, cpu, r, regno, val, len, NULL, 0);
}

int regs__write_all(struct target *t, int cpu, struct target_regs *r,
		    const uint8_t *buf, size_t len)
{
	return regs_layout__write_all(NULL, t, cpu, r, buf, len, NULL, 0);
}

size_t regs__target_xml(const struct target_regs *r, char *out, size_t cap)
{
	return regs_layout__target_xml(NULL, r, out, cap);
}
