/*
 * irqchip.h - what the machine asks of the in-kernel irqchip device
 * (irqchip.c) beyond the device interface.
 */
#ifndef KVMSTUB_IRQCHIP_H
#define KVMSTUB_IRQCHIP_H

#include <stdbool.h>

#include "device.h"

/* KVM's PICs, I/O APIC and local APICs exist (KVM_CREATE_IRQCHIP): hlt
 * sleeps in KVM, and the APs wait for INIT and SIPI. */
bool irqchip__on(const struct devices *d);

#endif
