/*
 * sysview_msr.c - model-specific registers by name (monitor msr): the
 * ones a kernel writer meets (the APIC base, EFER, syscall and sysenter
 * targets, the FS and GS bases, PAT, the TSC, the MTRRs), read, written
 * and listed through t->ops->get_msr and set_msr, the bits of the few
 * that have them spelled out.  No KVM here: the numbers and bits are the
 * architecture's (Intel SDM vol. 4, AMD APM vol. 2).
 */
#include "sysview.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sysview_priv.h"

struct msr_def {
	uint32_t index;
	const char *name;
	const char *what;
};

static const struct msr_def msrs[] = {
	{ 0x00000010, "IA32_TSC", "time-stamp counter (rdtsc)" },
	{ 0x0000001b, "IA32_APIC_BASE", "local APIC base address, enable, x2APIC mode, BSP" },
	{ 0x000000fe, "IA32_MTRRCAP", "MTRR capabilities: variable ranges, fixed, WC" },
	{ 0x00000174, "IA32_SYSENTER_CS", "sysenter: the kernel's CS (SS is CS + 8)" },
	{ 0x00000175, "IA32_SYSENTER_ESP", "sysenter: the kernel's stack pointer" },
	{ 0x00000176, "IA32_SYSENTER_EIP", "sysenter: the kernel's entry point" },
	{ 0x000001a0, "IA32_MISC_ENABLE", "miscellaneous feature enables" },
	{ 0x00000200, "IA32_MTRR_PHYSBASE0", "variable MTRR 0: base and memory type" },
	{ 0x00000201, "IA32_MTRR_PHYSMASK0", "variable MTRR 0: mask and valid" },
	{ 0x00000202, "IA32_MTRR_PHYSBASE1", "variable MTRR 1: base and memory type" },
	{ 0x00000203, "IA32_MTRR_PHYSMASK1", "variable MTRR 1: mask and valid" },
	{ 0x00000204, "IA32_MTRR_PHYSBASE2", "variable MTRR 2: base and memory type" },
	{ 0x00000205, "IA32_MTRR_PHYSMASK2", "variable MTRR 2: mask and valid" },
	{ 0x00000206, "IA32_MTRR_PHYSBASE3", "variable MTRR 3: base and memory type" },
	{ 0x00000207, "IA32_MTRR_PHYSMASK3", "variable MTRR 3: mask and valid" },
	{ 0x00000208, "IA32_MTRR_PHYSBASE4", "variable MTRR 4: base and memory type" },
	{ 0x00000209, "IA32_MTRR_PHYSMASK4", "variable MTRR 4: mask and valid" },
	{ 0x0000020a, "IA32_MTRR_PHYSBASE5", "variable MTRR 5: base and memory type" },
	{ 0x0000020b, "IA32_MTRR_PHYSMASK5", "variable MTRR 5: mask and valid" },
	{ 0x0000020c, "IA32_MTRR_PHYSBASE6", "variable MTRR 6: base and memory type" },
	{ 0x0000020d, "IA32_MTRR_PHYSMASK6", "variable MTRR 6: mask and valid" },
	{ 0x0000020e, "IA32_MTRR_PHYSBASE7", "variable MTRR 7: base and memory type" },
	{ 0x0000020f, "IA32_MTRR_PHYSMASK7", "variable MTRR 7: mask and valid" },
	{ 0x00000250, "IA32_MTRR_FIX64K_00000", "fixed MTRR: 0x00000-0x7ffff, 8 x 64 KiB" },
	{ 0x00000258, "IA32_MTRR_FIX16K_80000", "fixed MTRR: 0x80000-0x9ffff, 8 x 16 KiB" },
	{ 0x00000259, "IA32_MTRR_FIX16K_A0000", "fixed MTRR: 0xa0000-0xbffff, 8 x 16 KiB" },
	{ 0x00000268, "IA32_MTRR_FIX4K_C0000", "fixed MTRR: 0xc0000-0xc7fff, 8 x 4 KiB" },
	{ 0x00000269, "IA32_MTRR_FIX4K_C8000", "fixed MTRR: 0xc8000-0xcffff, 8 x 4 KiB" },
	{ 0x0000026a, "IA32_MTRR_FIX4K_D0000", "fixed MTRR: 0xd0000-0xd7fff, 8 x 4 KiB" },
	{ 0x0000026b, "IA32_MTRR_FIX4K_D8000", "fixed MTRR: 0xd8000-0xdffff, 8 x 4 KiB" },
	{ 0x0000026c, "IA32_MTRR_FIX4K_E0000", "fixed MTRR: 0xe0000-0xe7fff, 8 x 4 KiB" },
	{ 0x0000026d, "IA32_MTRR_FIX4K_E8000", "fixed MTRR: 0xe8000-0xeffff, 8 x 4 KiB" },
	{ 0x0000026e, "IA32_MTRR_FIX4K_F0000", "fixed MTRR: 0xf0000-0xf7fff, 8 x 4 KiB" },
	{ 0x0000026f, "IA32_MTRR_FIX4K_F8000", "fixed MTRR: 0xf8000-0xfffff, 8 x 4 KiB" },
	{ 0x00000277, "IA32_PAT", "page attribute table: the memory types PAT0-PAT7" },
	{ 0x000002ff, "IA32_MTRR_DEF_TYPE", "MTRRs enabled, fixed enabled, default memory type" },
	{ 0x000006e0, "IA32_TSC_DEADLINE", "local APIC timer deadline (TSC-deadline mode)" },
	{ 0xc0000080, "IA32_EFER", "extended features: syscall, long mode, no-execute" },
	{ 0xc0000081, "IA32_STAR", "syscall/sysret: kernel CS (bits 32-47), user CS base (48-63)" },
	{ 0xc0000082, "IA32_LSTAR", "syscall's target in 64-bit mode" },
	{ 0xc0000083, "IA32_CSTAR", "syscall's target in compatibility mode (AMD)" },
	{ 0xc0000084, "IA32_FMASK", "RFLAGS bits syscall clears" },
	{ 0xc0000100, "IA32_FS_BASE", "FS's base in 64-bit mode" },
	{ 0xc0000101, "IA32_GS_BASE", "GS's base in 64-bit mode" },
	{ 0xc0000102, "IA32_KERNEL_GS_BASE", "the base swapgs exchanges with GS's" },
	{ 0xc0000103, "IA32_TSC_AUX", "rdtscp's ECX (the kernel's CPU number)" },
};

#define NR_MSRS		(sizeof(msrs) / sizeof(msrs[0]))

static const struct msr_def *by_index(uint32_t index)
{
	for (size_t i = 0; i < NR_MSRS; i++)
		if (msrs[i].index == index)
			return &msrs[i];
	return NULL;
}

/* Strict hex, "0x" optional, the whole string. */
static bool parse_hex(const char *s, uint64_t max, uint64_t *v)
{
	char *end;

	if (!s[0] || s[0] == '-' || s[0] == '+')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 16);
	return errno == 0 && end != s && *end == '\0' && *v <= max;
}

int sysview__msr_parse(const char *arg, uint32_t *index)
{
	const char *name = arg;
	uint64_t v;

	if (strncasecmp(name, "IA32_", 5) == 0)
		name += 5;
	for (size_t i = 0; i < NR_MSRS; i++) {
		if (strcasecmp(name, msrs[i].name + 5) == 0) {
			*index = msrs[i].index;
			return 0;
		}
	}
	if (!parse_hex(arg, 0xffffffffull, &v))
		return -EINVAL;
	*index = (uint32_t)v;
	return 0;
}

static const char *mem_type(unsigned int t)
{
	switch (t) {
	case 0: return "UC";
	case 1: return "WC";
	case 4: return "WT";
	case 5: return "WP";
	case 6: return "WB";
	case 7: return "UC-";
	default: return "reserved";
	}
}

/* ": the bits", for the MSRs whose bits mean something on their own. */
static void meaning(struct sv_out *o, uint32_t index, uint64_t v)
{
	static const struct { uint8_t bit; const char *name; } efer[] = {
		{ 0, "SCE" }, { 8, "LME" }, { 10, "LMA" }, { 11, "NXE" }, { 12, "SVME" },
		{ 13, "LMSLE" }, { 14, "FFXSR" }, { 15, "TCE" },
	};

	switch (index) {
	case 0x1b:
		sysview__printf(o, ": base 0x%llx%s%s%s", (unsigned long long)(v & ~0xfffull),
				v & (1u << 11) ? ", enabled" : ", disabled",
				v & (1u << 10) ? ", x2APIC mode" : "", v & (1u << 8) ? ", BSP" : "");
		break;
	case 0xfe:
		sysview__printf(o, ": %u variable ranges%s%s", (unsigned int)(v & 0xff),
				v & (1u << 8) ? ", fixed ranges" : "", v & (1u << 10) ? ", WC" : "");
		break;
	case 0x277:
		sysview__printf(o, ":");
		for (int i = 0; i < 8; i++)
			sysview__printf(o, " PAT%d=%s", i, mem_type((unsigned int)(v >> (8 * i)) & 7));
		break;
	case 0x2ff:
		sysview__printf(o, ": MTRRs %s, fixed ranges %s, default type %s",
				v & (1u << 11) ? "on" : "off", v & (1u << 10) ? "on" : "off",
				mem_type((unsigned int)v & 0xff));
		break;
	case 0xc0000080:
		sysview__printf(o, ":");
		for (size_t i = 0; i < sizeof(efer) / sizeof(efer[0]); i++)
			if (v & (1ull << efer[i].bit))
				sysview__printf(o, " %s", efer[i].name);
		if (!(v & 0xfd01))
			sysview__printf(o, " none");
		break;
	case 0xc0000081:
		sysview__printf(o, ": syscall CS 0x%04x SS 0x%04x, sysret CS base 0x%04x",
				(unsigned int)(v >> 32) & 0xfffc, ((unsigned int)(v >> 32) & 0xfffc) + 8,
				(unsigned int)(v >> 48) & 0xfffc);
		break;
	default:
		if (index >= 0x200 && index <= 0x20f && !(index & 1))
			sysview__printf(o, ": base 0x%llx, type %s",
					(unsigned long long)(v & ~0xfffull),
					mem_type((unsigned int)v & 0xff));
		else if (index >= 0x200 && index <= 0x20f)
			sysview__printf(o, ": mask 0x%llx, %s", (unsigned long long)(v & ~0xfffull),
					v & (1u << 11) ? "valid" : "not valid");
		break;
	}
}

static void name_of(char *buf, size_t len, uint32_t index)
{
	const struct msr_def *d = by_index(index);

	if (d)
		snprintf(buf, len, "%s (0x%x)", d->name, index);
	else
		snprintf(buf, len, "MSR 0x%x", index);
}

static int no_msrs(struct sv_out *o)
{
	sysview__printf(o, "this target has no MSRs to show\n");
	return -EOPNOTSUPP;
}

int sysview__show_msr_read(struct target *t, int cpu, const char *arg, char *out, size_t cap)
{
	struct sv_out o;
	uint32_t index;
	uint64_t v;
	char name[64];
	int ret = sysview__out_init(&o, out, cap);

	if (ret)
		return ret;
	if (!t->ops->get_msr)
		return no_msrs(&o);
	if (sysview__msr_parse(arg, &index) < 0) {
		sysview__printf(&o, "msr: '%s' is neither an MSR name (monitor msr list) nor a hex "
				"address\n", arg);
		return -EINVAL;
	}
	name_of(name, sizeof(name), index);
	ret = t->ops->get_msr(t, cpu, index, &v);
	if (ret == -ENOENT) {
		sysview__printf(&o, "KVM refuses to read %s: vCPU %d has no such MSR\n", name, cpu);
		return ret;
	}
	if (ret < 0) {
		sysview__printf(&o, "cannot read %s: %s\n", name, strerror(-ret));
		return ret;
	}
	sysview__printf(&o, "%s = 0x%016" PRIx64, name, v);
	meaning(&o, index, v);
	sysview__printf(&o, "\n");
	return sysview__out_end(&o);
}

int sysview__show_msr_write(struct target *t, int cpu, const char *addr, const char *value,
			    char *out, size_t cap)
{
	struct sv_out o;
	uint32_t index;
	uint64_t v, old = 0, now;
	bool had_old;
	char name[64];
	int ret = sysview__out_init(&o, out, cap);

	if (ret)
		return ret;
	if (!t->ops->get_msr || !t->ops->set_msr)
		return no_msrs(&o);
	if (sysview__msr_parse(addr, &index) < 0) {
		sysview__printf(&o, "msr: '%s' is neither an MSR name (monitor msr list) nor a hex "
				"address\n", addr);
		return -EINVAL;
	}
	if (!parse_hex(value, ~0ull, &v)) {
		sysview__printf(&o, "msr: '%s' is not a hex value of 64 bits at most\n", value);
		return -EINVAL;
	}
	name_of(name, sizeof(name), index);
	had_old = t->ops->get_msr(t, cpu, index, &old) == 0;
	ret = t->ops->set_msr(t, cpu, index, v);
	if (ret == -ENOENT) {
		sysview__printf(&o, "KVM refuses to write 0x%" PRIx64 " to %s: vCPU %d has no such "
				"MSR, or the MSR does not take that value\n", v, name, cpu);
		return ret;
	}
	if (ret < 0) {
		sysview__printf(&o, "cannot write %s: %s\n", name, strerror(-ret));
		return ret;
	}
	/* What the MSR holds now: KVM may keep fewer bits than were written. */
	if (t->ops->get_msr(t, cpu, index, &now) < 0)
		now = v;
	sysview__printf(&o, "%s = 0x%016" PRIx64, name, now);
	meaning(&o, index, now);
	if (had_old)
		sysview__printf(&o, " (was 0x%" PRIx64 ")", old);
	sysview__printf(&o, "\n");
	if (index == 0xc0000080 || index == 0xc0000100 || index == 0xc0000101)
		sysview__printf(&o, "gdb still shows its cached registers: run 'maint flush "
				"register-cache'\n");
	return sysview__out_end(&o);
}

int sysview__show_msr_list(struct target *t, int cpu, char *out, size_t cap)
{
	struct sv_out o;
	int ret = sysview__out_init(&o, out, cap);

	if (ret)
		return ret;
	if (!t->ops->get_msr)
		return no_msrs(&o);
	sysview__printf(&o, "MSRs by name (monitor msr read|write NAME), vCPU %d:\n", cpu);
	for (size_t i = 0; i < NR_MSRS; i++) {
		uint64_t v;

		if (t->ops->get_msr(t, cpu, msrs[i].index, &v) == 0)
			sysview__printf(&o, "  %-23s 0x%08x  0x%016" PRIx64 "  %s\n", msrs[i].name,
					msrs[i].index, v, msrs[i].what);
		else
			sysview__printf(&o, "  %-23s 0x%08x  %-18s  %s\n", msrs[i].name,
					msrs[i].index, "(KVM refuses it)", msrs[i].what);
	}
	return sysview__out_end(&o);
}
