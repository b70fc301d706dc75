/*
 * tdesc.c - the target description gdb reads (qXfer:features:read
 * target.xml), generated from the register layout of regs.c, and the
 * flag types it declares (also used to show eflags in words).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "regs_priv.h"

static const char *const feature_names[NR_FEATURES] = {
	[FEAT_CORE] = "org.gnu.gdb.i386.core",
	[FEAT_SSE] = "org.gnu.gdb.i386.sse",
	[FEAT_AVX] = "org.gnu.gdb.i386.avx",
	[FEAT_AVX512] = "org.gnu.gdb.i386.avx512",
	[FEAT_PKEYS] = "org.gnu.gdb.i386.pkeys",
	[FEAT_SYSTEM] = "org.kvmstub.x86.system",
};

/* Flag types of the target description; eflags' table also serves the
 * monitor's "regs" dump. */
struct flag_bit {
	const char *name;
	uint8_t bit;
};

struct flags_type {
	const char *id;
	uint8_t size;		/* bytes; 0: as wide as the layout's system registers */
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

/* XCR0: the state components XSAVE manages and the OS has enabled. */
static const struct flag_bit xcr0_bits[] = {
	{ "X87", 0 }, { "SSE", 1 }, { "AVX", 2 }, { "BNDREGS", 3 }, { "BNDCSR", 4 },
	{ "OPMASK", 5 }, { "ZMM_HI256", 6 }, { "HI16_ZMM", 7 }, { "PKRU", 9 },
	{ "TILECFG", 17 }, { "TILEDATA", 18 },
};

#define FLAGS(id, size, tab) { id, size, tab, (int)(sizeof(tab) / sizeof(tab[0])) }

static const struct flags_type flags_types[] = {
	FLAGS("i386_eflags", 4, eflags_bits),
	FLAGS("i386_mxcsr", 4, mxcsr_bits),
	FLAGS("kvmstub_cr0", 0, cr0_bits),
	FLAGS("kvmstub_cr4", 0, cr4_bits),
	FLAGS("kvmstub_efer", 0, efer_bits),
	FLAGS("kvmstub_xcr0", 8, xcr0_bits),
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
/* zmm0h-zmm31h: bits 256-511, as gdb's own avx512 feature types them. */
static const char v2ui128_type[] =
	"    <vector id=\"v2ui128\" type=\"uint128\" count=\"2\"/>\n";
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

/* Whether a described register of feature uses the type id. */
static bool feature_uses(const struct regs_layout *L, int feature, uint32_t xf, const char *id)
{
	for (int i = 0; i < L->nr; i++)
		if (L->regs[i].feature == feature && regs_layout__described(L, i, xf) &&
		    strcmp(L->regs[i].type, id) == 0)
			return true;
	return false;
}

/* The types a feature's registers use (gdb looks a type up in the feature
 * that uses it).  The system feature's flag types are as wide as its
 * registers (8 bytes in the x86-64 layout); eflags and mxcsr are 4 bytes
 * in both, xcr0 8. */
static void xml_types(struct xbuf *b, const struct regs_layout *L, int feature, uint32_t xf)
{
	for (size_t i = 0; i < sizeof(flags_types) / sizeof(flags_types[0]); i++) {
		const struct flags_type *f = &flags_types[i];
		int size = f->size ? f->size : L->wide ? 8 : 4;

		if (!feature_uses(L, feature, xf, f->id))
			continue;
		xput(b, "    <flags id=\"%s\" size=\"%d\">\n", f->id, size);
		for (int j = 0; j < f->nr_bits; j++)
			xput(b, "      <field name=\"%s\" start=\"%d\" end=\"%d\"/>\n",
			     f->bits[j].name, f->bits[j].bit, f->bits[j].bit);
		xput(b, "    </flags>\n");
	}
	if (feature_uses(L, feature, xf, "vec128"))
		xput(b, "%s", vec128_types);
	if (feature_uses(L, feature, xf, "v2ui128"))
		xput(b, "%s", v2ui128_type);
}

size_t regs_layout__target_xml(const struct regs_layout *L, const struct target_regs *r,
			       uint32_t xfeatures, char *out, size_t cap)
{
	struct xbuf b = { .p = out, .cap = cap };
	const char *arch;

	if (cap == 0)
		return 0;
	L = regs__lay(L);
	/* The x86-64 layout is i386:x86-64 whatever the mode: gdb refuses an
	 * amd64 register set under any other architecture. */
	if (L->wide)
		arch = "i386:x86-64";
	else
		arch = regs__code_is_16bit(r) ? "i8086" : "i386";
	xput(&b, "<?xml version=\"1.0\"?>\n"
		 "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
		 "<target version=\"1.0\">\n"
		 "  <architecture>%s</architecture>\n"
		 "  <osabi>none</osabi>\n", arch);
	/* Feature by feature: the x87 registers are the core feature's
	 * though they are numbered after the system registers. */
	for (int feature = 0; feature < NR_FEATURES; feature++) {
		bool open = false;

		for (int i = 0; i < L->nr; i++) {
			const struct reg_desc *d = &L->regs[i];

			if (d->feature != feature || !regs_layout__described(L, i, xfeatures))
				continue;
			if (!open) {
				xput(&b, "  <feature name=\"%s\">\n", feature_names[feature]);
				xml_types(&b, L, feature, xfeatures);
				open = true;
			}
			xput(&b, "    <reg name=\"%s\" bitsize=\"%u\" type=\"%s\" regnum=\"%d\""
				 " group=\"%s\"/>\n", d->name, d->bits, d->type, i, d->group);
		}
		if (open)
			xput(&b, "  </feature>\n");
	}
	xput(&b, "</target>\n");
	if (b.overflow) {
		out[0] = '\0';
		return 0;
	}
	return b.len;
}

size_t regs__target_xml(const struct target_regs *r, char *out, size_t cap)
{
	return regs_layout__target_xml(NULL, r, TARGET_XF_X87 | TARGET_XF_SSE, out, cap);
}
