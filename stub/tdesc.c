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
