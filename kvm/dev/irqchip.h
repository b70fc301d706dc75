/*
 * irqchip.h - what the machine asks of the in-kernel irqchip device
 * (irqchip.c) beyond the device interface.
 */
#ifndef KVMSTUB_IRQCHIP_H
#define KVMSTUB_IRQCHIP_H

#include <stdbool.h>

#include "../../stub/target.h"
#include "device.h"

/* KVM's PICs, I/O APIC and local APICs exist (KVM_CREATE_IRQCHIP): hlt
 * sleeps in KVM, and the APs wait for INIT and SIPI. */
bool irqchip__on(const struct devices *d);
/* The two 8259s (master, slave) and the 8254 as KVM holds them now, for
 * monitor pic and pit; -ENODEV without them. */
int irqchip__pic(const struct devices *d, struct target_pic pic[2]);
int irqchip__pit(struct devices *d, struct target_pit *pit);
/* The vectors the in-kernel PICs can interrupt with now (their unmasked
 * lines, those requested first; the slave's when the cascade is
 * unmasked), at most max: how many.  0 without PICs. */
int irqchip__pic_vectors(int vm_fd, int *vecs, int max);
/*
 * The vectors the local APIC (lapic: its register page, KVM_GET_LAPIC's
 * regs[], as the recorder keeps it) and the in-kernel I/O APIC (one
 * KVM_GET_IRQCHIP) may interrupt with now, at most max, in the order a
 * step should watch their handlers with the few debug registers there
 * are: requested first (the LAPIC's IRR above the priority class, the I/O
 * APIC's raised pins), then the unmasked sources (the LVT timer, LINT0
 * and LINT1 in fixed mode, or NMI: vector 2; the error and performance
 * LVTs; the redirection entries), then the rest of the IRR.  ExtINT
 * entries are the PIC's: irqchip__pic_vectors.  How many.
 */
int irqchip__apic_vectors(int vm_fd, const uint8_t *lapic, int *vecs, int max);
/* ... the same from the I/O APIC's state as given (none: NULL). */
int irqchip__apic_order(const uint8_t *lapic, const struct kvm_ioapic_state *io, int *vecs,
			int max);
/* An ISA interrupt line of the in-kernel PICs and I/O APIC at level
 * (KVM_IRQ_LINE): the PICs take a rise as an interrupt.  Nothing without
 * the in-kernel irqchip (vm_fd < 0). */
void irqchip__line(int vm_fd, unsigned int irq, bool level);

#endif
