/*
 * power_on.c - a vCPU's whole state as KVM holds it: the system registers
 * (and the general ones when asked), the x87/SSE/AVX state, XCR0, the
 * debug registers, pending events and every MSR KVM saves, and with the
 * in-kernel irqchip its local APIC and MP state.
 *
 * Taken once from the new vCPU, it is the power-on state, put back at each
 * reset (monitor reset, k, vKill: machine__power_on); cpu__reset then sets
 * the general and system registers from the sregs kept here.  Without
 * this, a reset left the FPU, MSRs such as SYSENTER or LSTAR, DR7 or a
 * pending exception as the guest had them.  Taken with the registers, it
 * is a vCPU's part of a snapshot (snap/), and what the recorder puts back
 * when it leaves its log for the live machine (record/).
 *
 * The order of restoring matters: KVM_SET_REGS drops a pending exception
 * and KVM_SET_SREGS queues the interrupt its bitmap names, so the vCPU
 * events come after both, and the local APIC before the MP state.
 */
#include "power_on.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../host/ioctl.h"

#define MSR_LIST_MAX	1024

static bool has(int kvm_fd, int cap)
{
	return KVM_IOCTL(kvm_fd, KVM_CHECK_EXTENSION, cap) > 0;
}

/* The MSRs KVM saves and restores for a vCPU (KVM_GET_MSR_INDEX_LIST). */
static struct kvm_msr_list *msr_index_list(int kvm_fd)
{
	struct kvm_msr_list *list = NULL;
	uint32_t n = 64;

	for (;;) {
		struct kvm_msr_list *l = realloc(list, sizeof(*l) + n * sizeof(l->indices[0]));
		int r;

		if (!l)
			break;
		list = l;
		list->nmsrs = n;
		r = KVM_IOCTL(kvm_fd, KVM_GET_MSR_INDEX_LIST, list);
		if (r == 0)
			return list;
		if (r != -E2BIG || list->nmsrs <= n || list->nmsrs > MSR_LIST_MAX)
			break;
		n = list->nmsrs;
	}
	free(list);
	return NULL;
}

/*
 * KVM_GET_MSRS / KVM_SET_MSRS stop at the first MSR they cannot do and
 * return how many they did: go on after it, so one MSR the host refuses
 * does not cost the others.  Reading leaves the refused ones out of msrs.
 */
static void msrs_each(int fd, struct kvm_msrs *msrs, unsigned long req)
{
	uint32_t at = 0, kept = 0, total = msrs->nmsrs;
	struct kvm_msrs *part = calloc(1, sizeof(*part) + total * sizeof(part->entries[0]));

	if (!part)
		return;
	while (at < total) {
		int r;

		part->nmsrs = total - at;
		memcpy(part->entries, &msrs->entries[at], part->nmsrs * sizeof(part->entries[0]));
		r = KVM_IOCTL(fd, req, part);
		if (r < 0)
			r = 0;
		if (req == KVM_GET_MSRS)
			memcpy(&msrs->entries[kept], part->entries,
			       (size_t)r * sizeof(part->entries[0]));
		kept += (uint32_t)r;
		at += (uint32_t)r + 1;		/* past the one refused */
	}
	if (req == KVM_GET_MSRS)
		msrs->nmsrs = kept;
	free(part);
}

int cpu_state__save(struct cpu_state *p, int kvm_fd, int fd, bool irqchip, bool with_regs,
		    char *err, size_t errlen)
{
	struct kvm_msr_list *list;
	int r;

	memset(p, 0, sizeof(*p));
	if (with_regs) {
		r = KVM_IOCTL(fd, KVM_GET_REGS, &p->regs);
		if (r < 0)
			return (int)(kvm__ioctl_error(err, errlen, "KVM_GET_REGS", r), r);
		p->regs_ok = true;
	}
	r = KVM_IOCTL(fd, KVM_GET_SREGS, &p->sregs);
	if (r < 0) {
		kvm__ioctl_error(err, errlen, "KVM_GET_SREGS", r);
		return r;
	}
	p->xsave_ok = has(kvm_fd, KVM_CAP_XSAVE) && KVM_IOCTL(fd, KVM_GET_XSAVE, &p->xsave) == 0;
	p->fpu_ok = !p->xsave_ok && KVM_IOCTL(fd, KVM_GET_FPU, &p->fpu) == 0;
	p->xcrs_ok = has(kvm_fd, KVM_CAP_XCRS) && KVM_IOCTL(fd, KVM_GET_XCRS, &p->xcrs) == 0;
	p->dregs_ok = has(kvm_fd, KVM_CAP_DEBUGREGS) &&
		      KVM_IOCTL(fd, KVM_GET_DEBUGREGS, &p->dregs) == 0;
	p->events_ok = has(kvm_fd, KVM_CAP_VCPU_EVENTS) &&
		       KVM_IOCTL(fd, KVM_GET_VCPU_EVENTS, &p->events) == 0;
	if (irqchip) {
		/* With the in-kernel irqchip: the local APIC and the MP state
		 * (the APs wait for INIT and SIPI). */
		r = KVM_IOCTL(fd, KVM_GET_LAPIC, &p->lapic);
		if (r < 0)
			return (int)(kvm__ioctl_error(err, errlen, "KVM_GET_LAPIC", r), r);
		r = KVM_IOCTL(fd, KVM_GET_MP_STATE, &p->mp);
		if (r < 0)
			return (int)(kvm__ioctl_error(err, errlen, "KVM_GET_MP_STATE", r), r);
		p->lapic_ok = true;
	}
	list = msr_index_list(kvm_fd);
	if (list) {
		p->msrs = calloc(1, sizeof(*p->msrs) + list->nmsrs * sizeof(p->msrs->entries[0]));
		if (p->msrs) {
			p->msrs->nmsrs = list->nmsrs;
			for (uint32_t i = 0; i < list->nmsrs; i++)
				p->msrs->entries[i].index = list->indices[i];
			msrs_each(fd, p->msrs, KVM_GET_MSRS);
		}
		free(list);
	}
	return 0;
}

int cpu_state__restore(const struct cpu_state *p, int fd, unsigned int parts, char *err,
		       size_t errlen)
{
	int r = 0;

	if (p->regs_ok && (parts & CPU_STATE_REGS)) {
		r = KVM_IOCTL(fd, KVM_SET_SREGS, &p->sregs);
		if (r < 0)
			return (int)(kvm__ioctl_error(err, errlen, "KVM_SET_SREGS", r), r);
		r = KVM_IOCTL(fd, KVM_SET_REGS, &p->regs);
		if (r < 0)
			return (int)(kvm__ioctl_error(err, errlen, "KVM_SET_REGS", r), r);
	}
	if (parts & CPU_STATE_FPU) {
		if (p->xsave_ok)
			r = KVM_IOCTL(fd, KVM_SET_XSAVE, &p->xsave);
		if (r < 0)
			return (int)(kvm__ioctl_error(err, errlen, "KVM_SET_XSAVE", r), r);
		if (p->fpu_ok)
			r = KVM_IOCTL(fd, KVM_SET_FPU, &p->fpu);
		if (r < 0)
			return (int)(kvm__ioctl_error(err, errlen, "KVM_SET_FPU", r), r);
		if (p->xcrs_ok)
			r = KVM_IOCTL(fd, KVM_SET_XCRS, &p->xcrs);
		if (r < 0)
			return (int)(kvm__ioctl_error(err, errlen, "KVM_SET_XCRS", r), r);
	}
	if (parts & CPU_STATE_OTHER) {
		if (p->msrs)
			msrs_each(fd, p->msrs, KVM_SET_MSRS);
		if (p->lapic_ok) {
			r = KVM_IOCTL(fd, KVM_SET_LAPIC, &p->lapic);
			if (r < 0)
				return (int)(kvm__ioctl_error(err, errlen, "KVM_SET_LAPIC", r), r);
			r = KVM_IOCTL(fd, KVM_SET_MP_STATE, &p->mp);
			if (r < 0)
				return (int)(kvm__ioctl_error(err, errlen, "KVM_SET_MP_STATE", r), r);
		}
	}
	if ((parts & CPU_STATE_EVENTS) && p->events_ok) {
		r = KVM_IOCTL(fd, KVM_SET_VCPU_EVENTS, &p->events);
		if (r < 0)
			return (int)(kvm__ioctl_error(err, errlen, "KVM_SET_VCPU_EVENTS", r), r);
	}
	if ((parts & CPU_STATE_OTHER) && p->dregs_ok) {
		r = KVM_IOCTL(fd, KVM_SET_DEBUGREGS, &p->dregs);
		if (r < 0)
			return (int)(kvm__ioctl_error(err, errlen, "KVM_SET_DEBUGREGS", r), r);
	}
	return 0;
}

int cpu_state__copy(struct cpu_state *dst, const struct cpu_state *src)
{
	size_t n;

	*dst = *src;
	dst->msrs = NULL;
	if (!src->msrs)
		return 0;
	n = sizeof(*src->msrs) + src->msrs->nmsrs * sizeof(src->msrs->entries[0]);
	dst->msrs = malloc(n);
	if (!dst->msrs)
		return -ENOMEM;
	memcpy(dst->msrs, src->msrs, n);
	return 0;
}

void cpu_state__free(struct cpu_state *p)
{
	free(p->msrs);
	p->msrs = NULL;
}
