/*
 * sysview_apic.c - each vCPU's local APIC decoded (monitor lapic): its
 * base and mode (IA32_APIC_BASE), ID, version, task and processor
 * priorities, the in-service, request and trigger-mode registers as lists
 * of vectors, every local vector table entry with its delivery mode and
 * mask, the timer, the interrupt command register and the spurious
 * vector.  From the APIC's register page (t->ops->get_lapic), laid out as
 * the SDM's "Local APIC Register Address Map" lays it out.
 */
#include "sysview.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sysview_priv.h"

/* Register offsets in the page. */
#define APIC_ID		0x020
#define APIC_VERSION	0x030
#define APIC_TPR	0x080
#define APIC_APR	0x090
#define APIC_PPR	0x0a0
#define APIC_LDR	0x0d0
#define APIC_DFR	0x0e0
#define APIC_SVR	0x0f0
#define APIC_ISR	0x100	/* 8 registers of 32 vectors, 16 bytes apart */
#define APIC_TMR	0x180
#define APIC_IRR	0x200
#define APIC_ESR	0x280
#define APIC_LVT_CMCI	0x2f0
#define APIC_ICR_LOW	0x300
#define APIC_ICR_HIGH	0x310
#define APIC_LVT_TIMER	0x320
#define APIC_LVT_THERM	0x330
#define APIC_LVT_PERF	0x340
#define APIC_LVT_LINT0	0x350
#define APIC_LVT_LINT1	0x360
#define APIC_LVT_ERROR	0x370
#define APIC_TMICT	0x380	/* timer initial count */
#define APIC_TMCCT	0x390	/* timer current count */
#define APIC_TDCR	0x3e0	/* timer divide configuration */

#define MSR_APIC_BASE	0x1b

static uint32_t reg(const uint8_t *page, unsigned int off)
{
	return (uint32_t)page[off] | (uint32_t)page[off + 1] << 8 |
	       (uint32_t)page[off + 2] << 16 | (uint32_t)page[off + 3] << 24;
}

static const char *delivery(unsigned int mode)
{
	static const char *const names[8] = {
		"fixed", "lowest priority", "SMI", "reserved", "NMI", "INIT", "start-up", "ExtINT",
	};

	return names[mode & 7];
}

/* "ISR: 0x20 0x30" or "ISR: none": the vectors whose bits are set. */
static void vectors(struct sv_out *o, const uint8_t *page, unsigned int base, const char *name)
{
	bool any = false;

	sysview__printf(o, "  %s:", name);
	for (unsigned int v = 0; v < 256; v++) {
		if (reg(page, base + 16 * (v / 32)) & (1u << (v % 32))) {
			sysview__printf(o, " 0x%02x", v);
			any = true;
		}
	}
	sysview__printf(o, "%s\n", any ? "" : " none");
}

enum lvt_kind { LVT_TIMER, LVT_LINT, LVT_OTHER, LVT_ERROR };

static void lvt(struct sv_out *o, const uint8_t *page, unsigned int off, const char *name,
		enum lvt_kind kind)
{
	static const char *const timer_modes[4] = {
		"one-shot", "periodic", "TSC-deadline", "reserved mode",
	};
	uint32_t v = reg(page, off);

	sysview__printf(o, "  LVT %-8s 0x%08x: vector 0x%02x", name, v, v & 0xff);
	if (kind == LVT_TIMER)
		sysview__printf(o, ", %s", timer_modes[(v >> 17) & 3]);
	else if (kind != LVT_ERROR)
		sysview__printf(o, ", %s", delivery((v >> 8) & 7));
	if (kind == LVT_LINT)
		sysview__printf(o, ", %s-triggered, active %s%s", v & (1u << 15) ? "level" : "edge",
				v & (1u << 13) ? "low" : "high",
				v & (1u << 14) ? ", remote IRR set" : "");
	sysview__printf(o, "%s, %s\n", v & (1u << 12) ? ", send pending" : "",
			v & (1u << 16) ? "masked" : "not masked");
}

static void icr(struct sv_out *o, const uint8_t *page)
{
	static const char *const shorthand[4] = {
		"the destination field", "self", "all including self", "all excluding self",
	};
	uint32_t lo = reg(page, APIC_ICR_LOW), hi = reg(page, APIC_ICR_HIGH);

	sysview__printf(o, "  ICR 0x%08x:%08x: vector 0x%02x, %s, %s destination 0x%02x, to %s, "
			"%s\n", hi, lo, lo & 0xff, delivery((lo >> 8) & 7),
			lo & (1u << 11) ? "logical" : "physical", hi >> 24, shorthand[(lo >> 18) & 3],
			lo & (1u << 12) ? "send pending" : "idle");
}

/* The divide configuration: bits 0, 1 and 3 make a 3-bit value n, the
 * divisor is 2^(n+1), and 7 means 1. */
static unsigned int divisor(uint32_t tdcr)
{
	unsigned int n = (tdcr & 3) | ((tdcr >> 1) & 4);

	return n == 7 ? 1 : 2u << n;
}

static void one_apic(struct sv_out *o, struct target *t, int cpu, const uint8_t *page)
{
	uint32_t ver = reg(page, APIC_VERSION), svr = reg(page, APIC_SVR);
	unsigned int max_lvt = (ver >> 16) & 0xff;
	uint64_t base;
	uint32_t dfr = reg(page, APIC_DFR);

	sysview__printf(o, "vCPU %d:", cpu);
	if (t->ops->get_msr && t->ops->get_msr(t, cpu, MSR_APIC_BASE, &base) == 0)
		sysview__printf(o, " local APIC at 0x%llx (IA32_APIC_BASE 0x%llx: %s, %s%s)",
				(unsigned long long)(base & ~0xfffull), (unsigned long long)base,
				base & (1u << 11) ? "enabled" : "disabled",
				base & (1u << 10) ? "x2APIC mode" : "xAPIC mode",
				base & (1u << 8) ? ", BSP" : "");
	sysview__printf(o, "\n");
	sysview__printf(o, "  ID 0x%02x  version 0x%02x (LVT entries 0-%u)  spurious vector 0x%02x, "
			"APIC %s\n", reg(page, APIC_ID) >> 24, ver & 0xff, max_lvt, svr & 0xff,
			svr & (1u << 8) ? "software-enabled" : "software-disabled");
	sysview__printf(o, "  TPR 0x%02x  PPR 0x%02x  APR 0x%02x  LDR 0x%02x  DFR 0x%08x (%s)  "
			"ESR 0x%02x\n", reg(page, APIC_TPR) & 0xff, reg(page, APIC_PPR) & 0xff,
			reg(page, APIC_APR) & 0xff, reg(page, APIC_LDR) >> 24, dfr,
			dfr >> 28 == 0xf ? "flat" : dfr >> 28 == 0 ? "cluster" : "reserved",
			reg(page, APIC_ESR) & 0xff);
	vectors(o, page, APIC_ISR, "ISR (in service)");
	vectors(o, page, APIC_IRR, "IRR (requested)");
	vectors(o, page, APIC_TMR, "TMR (level-triggered)");
	lvt(o, page, APIC_LVT_TIMER, "timer", LVT_TIMER);
	lvt(o, page, APIC_LVT_LINT0, "LINT0", LVT_LINT);
	lvt(o, page, APIC_LVT_LINT1, "LINT1", LVT_LINT);
	lvt(o, page, APIC_LVT_ERROR, "error", LVT_ERROR);
	if (max_lvt >= 4)
		lvt(o, page, APIC_LVT_PERF, "perf", LVT_OTHER);
	if (max_lvt >= 5)
		lvt(o, page, APIC_LVT_THERM, "thermal", LVT_OTHER);
	if (max_lvt >= 6)
		lvt(o, page, APIC_LVT_CMCI, "CMCI", LVT_OTHER);
	sysview__printf(o, "  timer: initial count 0x%08x, current count 0x%08x, divide by %u\n",
			reg(page, APIC_TMICT), reg(page, APIC_TMCCT), divisor(reg(page, APIC_TDCR)));
	icr(o, page);
}

int sysview__show_lapic(struct target *t, char *out, size_t cap)
{
	uint8_t page[TARGET_LAPIC_SIZE];
	struct sv_out o;
	int ret = sysview__out_init(&o, out, cap);

	if (ret)
		return ret;
	if (!t->ops->get_lapic) {
		sysview__printf(&o, "this target has no local APIC to show\n");
		return -EOPNOTSUPP;
	}
	for (int cpu = 0; cpu < t->ops->nr_cpus(t); cpu++) {
		ret = t->ops->get_lapic(t, cpu, page);
		if (ret == -ENODEV) {
			sysview__printf(&o, "no local APIC: this host's KVM has no in-kernel interrupt "
					"controller (KVM_CAP_IRQCHIP)\n");
			return ret;
		}
		if (ret < 0) {
			sysview__printf(&o, "vCPU %d: cannot read its local APIC: %s\n", cpu,
					strerror(-ret));
			return ret;
		}
		one_apic(&o, t, cpu, page);
	}
	return sysview__out_end(&o);
}
