/*
 * power_on.h - a vCPU's state beyond its registers as KVM gives it at
 * creation, kept and put back at every reset (power_on.c).
 */
#ifndef KVMSTUB_POWER_ON_H
#define KVMSTUB_POWER_ON_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct power_on {
	struct kvm_sregs sregs;		/* cpu__reset starts from these */
	struct kvm_xsave xsave;		/* x87, SSE, AVX ... */
	struct kvm_fpu fpu;		/* ... where KVM has no XSAVE */
	struct kvm_xcrs xcrs;
	struct kvm_debugregs dregs;
	struct kvm_vcpu_events events;
	struct kvm_msrs *msrs;		/* every MSR KVM saves */
	struct kvm_lapic_state lapic;	/* with the in-kernel irqchip */
	struct kvm_mp_state mp;
	bool xsave_ok, fpu_ok, xcrs_ok, dregs_ok, events_ok, lapic_ok;
};

/* Take it from the new vCPU fd (irqchip: the VM has KVM's local APICs). */
int power_on__save(struct power_on *p, int kvm_fd, int fd, bool irqchip, char *err, size_t errlen);
int power_on__restore(const struct power_on *p, int fd, char *err, size_t errlen);
void power_on__free(struct power_on *p);

#endif
