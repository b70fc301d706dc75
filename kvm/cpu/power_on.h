/*
 * power_on.h - a vCPU's whole state as KVM holds it (power_on.c): taken
 * from the new vCPU at creation and put back at every reset (its
 * power-on state), and taken and put back by snapshots (snap/) and by
 * the recorder when it leaves the log for the live machine (record/).
 */
#ifndef KVMSTUB_POWER_ON_H
#define KVMSTUB_POWER_ON_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cpu_state {
	struct kvm_regs regs;		/* with_regs only: cpu__reset makes them at power-on */
	struct kvm_sregs sregs;		/* always (cpu__reset starts from these) */
	struct kvm_xsave xsave;		/* x87, SSE, AVX ... */
	struct kvm_fpu fpu;		/* ... where KVM has no XSAVE */
	struct kvm_xcrs xcrs;
	struct kvm_debugregs dregs;
	struct kvm_vcpu_events events;
	struct kvm_msrs *msrs;		/* every MSR KVM saves */
	struct kvm_lapic_state lapic;	/* with the in-kernel irqchip */
	struct kvm_mp_state mp;
	bool regs_ok, xsave_ok, fpu_ok, xcrs_ok, dregs_ok, events_ok, lapic_ok;
};

/* What cpu_state__restore puts back (CPU_STATE_ALL: everything taken). */
#define CPU_STATE_REGS		0x01	/* the general and system registers */
#define CPU_STATE_FPU		0x02	/* XSAVE or FPU, XCRs */
#define CPU_STATE_EVENTS	0x04	/* pending exceptions, interrupts, NMI, the shadow */
#define CPU_STATE_OTHER		0x08	/* debug registers, MSRs, local APIC, MP state */
#define CPU_STATE_ALL		0x0F

/* Take it from vCPU fd (irqchip: the VM has KVM's local APICs; with_regs:
 * the general registers too).  0, or -errno with a message. */
int cpu_state__save(struct cpu_state *p, int kvm_fd, int fd, bool irqchip, bool with_regs,
		    char *err, size_t errlen);
/* Put back the parts asked for, of what was taken.  0, or -errno with a message. */
int cpu_state__restore(const struct cpu_state *p, int fd, unsigned int parts, char *err,
		       size_t errlen);
/* dst becomes a copy of src (its own MSR list); 0 or -ENOMEM. */
int cpu_state__copy(struct cpu_state *dst, const struct cpu_state *src);
void cpu_state__free(struct cpu_state *p);

#endif
