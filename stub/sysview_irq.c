/*
 * sysview_irq.c - the PC's legacy interrupt controller and timer decoded:
 * the 8259 pair (monitor pic: request, in-service and mask registers as
 * IRQ lists, vector bases, trigger modes, where an initialisation stands)
 * and the 8254's three channels (monitor pit: mode, reload and current
 * count, gate, how the count is accessed), through t->ops->get_pic and
 * get_pit.
 */
#include "sysview.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sysview_priv.h"

#define PIT_HZ		1193182.0	/* the 8254's input clock */

/* " 0 1 4" or " none": IRQ numbers base + bit of the bits set. */
static void irqs(struct sv_out *o, const char *what, uint8_t bits, int base)
{
	sysview__printf(o, " %s", what);
	if (!bits)
		sysview__printf(o, " none");
	for (int i = 0; i < 8; i++)
		if (bits & (1u << i))
			sysview__printf(o, " %d", base + i);
	sysview__printf(o, ";");
}

static void one_pic(struct sv_out *o, const struct target_pic *p, int nr)
{
	static const char *const icw[4] = { "", "ICW2", "ICW3", "ICW4" };
	int base = nr ? 8 : 0;

	sysview__printf(o, "%s 8259 (ports 0x%02x-0x%02x)%s: IRQ %d-%d arrive as vectors "
			"0x%02x-0x%02x\n", nr ? "slave" : "master", nr ? 0xa0 : 0x20,
			nr ? 0xa1 : 0x21, nr ? ", on the master's IRQ 2" : "", base, base + 7,
			p->vector_base, (p->vector_base + 7) & 0xff);
	sysview__printf(o, " ");
	irqs(o, "IRR (requested):", p->irr, base);
	irqs(o, " ISR (in service):", p->isr, base);
	irqs(o, " IMR (masked):", p->imr, base);
	sysview__printf(o, "\n ");
	irqs(o, "level-triggered (ELCR):", p->elcr, base);
	sysview__printf(o, " lowest priority IRQ %d; EOI %s%s%s%s\n", base + p->lowest,
			p->auto_eoi ? "automatic" : "by command",
			p->special_mask ? "; special mask mode" : "",
			p->special_fully_nested ? "; special fully nested" : "",
			p->poll ? "; poll command pending" : "");
	if (p->init_state)
		sysview__printf(o, "  being initialised: waiting for %s\n", icw[p->init_state & 3]);
	else
		sysview__printf(o, "  a read of port 0x%02x gives the %s\n", nr ? 0xa0 : 0x20,
				p->read_isr ? "ISR" : "IRR");
}

int sysview__show_pic(struct target *t, char *out, size_t cap)
{
	struct target_pic pic[2];
	struct sv_out o;
	int ret = sysview__out_init(&o, out, cap);

	if (ret)
		return ret;
	ret = t->ops->get_pic ? t->ops->get_pic(t, pic) : -ENODEV;
	if (ret == -ENODEV) {
		sysview__printf(&o, "no 8259 PICs: this host's KVM has no in-kernel interrupt "
				"controller (KVM_CAP_IRQCHIP)\n");
		return ret;
	}
	if (ret < 0) {
		sysview__printf(&o, "cannot read the PICs: %s\n", strerror(-ret));
		return ret;
	}
	one_pic(&o, &pic[0], 0);
	one_pic(&o, &pic[1], 1);
	return sysview__out_end(&o);
}

static const char *pit_mode(unsigned int m)
{
	static const char *const names[6] = {
		"interrupt on terminal count", "hardware one-shot", "rate generator",
		"square wave", "software strobe", "hardware strobe",
	};

	return m < 6 ? names[m] : "?";
}

static const char *access(unsigned int rw)
{
	switch (rw) {
	case 1: return "low byte only";
	case 2: return "high byte only";
	case 3: return "low byte, then high byte";
	default: return "latched";
	}
}

int sysview__show_pit(struct target *t, char *out, size_t cap)
{
	static const char *const use[3] = { "IRQ 0", "DRAM refresh", "the speaker, port 0x61" };
	struct target_pit pit;
	struct sv_out o;
	int ret = sysview__out_init(&o, out, cap);

	if (ret)
		return ret;
	ret = t->ops->get_pit ? t->ops->get_pit(t, &pit) : -ENODEV;
	if (ret == -ENODEV) {
		sysview__printf(&o, "no 8254 PIT: this host's KVM has no in-kernel timer "
				"(KVM_CAP_PIT2)\n");
		return ret;
	}
	if (ret < 0) {
		sysview__printf(&o, "cannot read the PIT: %s\n", strerror(-ret));
		return ret;
	}
	sysview__printf(&o, "8254 PIT (ports 0x40-0x43), input clock 1.193182 MHz%s:\n",
			pit.hpet_legacy ? ", IRQ 0 taken over by the HPET" : "");
	for (int i = 0; i < 3; i++) {
		const struct target_pit_channel *c = &pit.ch[i];

		/* A channel no control word has reached since reset. */
		if (c->mode > 5) {
			sysview__printf(&o, "  channel %d (%s): not programmed since reset, gate %s\n",
					i, use[i], c->gate ? "high" : "low");
			continue;
		}
		sysview__printf(&o, "  channel %d (%s): mode %u (%s), reload %u (%.1f Hz), ", i,
				use[i], c->mode, pit_mode(c->mode), c->count, PIT_HZ / c->count);
		if (c->now_known)
			sysview__printf(&o, "now %u", c->now);
		else
			sysview__printf(&o, "count now not known");
		sysview__printf(&o, ", gate %s, %s%s\n", c->gate ? "high" : "low", access(c->rw_mode),
				c->bcd ? ", BCD" : ", binary");
		if (c->count_latched)
			sysview__printf(&o, "    latched count %u, not read yet\n", c->latched_count);
		if (c->status_latched)
			sysview__printf(&o, "    latched status 0x%02x, not read yet\n", c->status);
	}
	if (pit.speaker_data)
		sysview__printf(&o, "  the speaker is on (port 0x61 bit 1)\n");
	return sysview__out_end(&o);
}
