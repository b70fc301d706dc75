/*
 * msr.c - a vCPU's model-specific registers (cpu.h), one or a list,
 * through KVM_GET_MSRS and KVM_SET_MSRS, and its local APIC's register
 * page.  Both MSR ioctls return how many entries they did: fewer means
 * KVM refused one (the vCPU does not have it, or, for a write, not with
 * that value).
 *
 * A write may change what the register cache holds (EFER, FS and GS
 * bases, the TSC, the APIC base), so it drops the cache.
 */
#include "cpu.h"

#include <errno.h>
#include <string.h>

#include "../host/ioctl.h"

struct one_msr {
	struct kvm_msrs head;
	struct kvm_msr_entry entry;
};

int cpu__get_msr(struct cpu *c, uint32_t index, uint64_t *val)
{
	struct one_msr m;
	int r;

	memset(&m, 0, sizeof(m));
	m.head.nmsrs = 1;
	m.entry.index = index;
	r = KVM_IOCTL(c->fd, KVM_GET_MSRS, &m);
	if (r < 0)
		return r;
	if (r != 1)
		return -ENOENT;
	*val = m.entry.data;
	return 0;
}

int cpu__set_msr(struct cpu *c, uint32_t index, uint64_t val)
{
	struct one_msr m;
	int r;

	memset(&m, 0, sizeof(m));
	m.head.nmsrs = 1;
	m.entry.index = index;
	m.entry.data = val;
	cpu__cache_drop(c);
	r = KVM_IOCTL(c->fd, KVM_SET_MSRS, &m);
	if (r < 0)
		return r;
	return r == 1 ? 0 : -ENOENT;
}

/* The register page as the guest sees it at its MMIO base; KVM puts the
 * timer's current count in for now.  Only with KVM's in-kernel APIC. */
int cpu__get_lapic(struct cpu *c, uint8_t *regs, size_t len)
{
	struct kvm_lapic_state s;
	int r;

	if (len < sizeof(s.regs))
		return -EINVAL;
	r = KVM_IOCTL(c->fd, KVM_GET_LAPIC, &s);
	if (r < 0)
		return r;
	memcpy(regs, s.regs, sizeof(s.regs));
	return 0;
}

int cpu__set_lapic(struct cpu *c, const uint8_t *regs, size_t len)
{
	struct kvm_lapic_state s;

	if (len < sizeof(s.regs))
		return -EINVAL;
	memcpy(s.regs, regs, sizeof(s.regs));
	return KVM_IOCTL(c->fd, KVM_SET_LAPIC, &s);
}

int cpu__msrs(struct cpu *c, struct kvm_msrs *m, bool set)
{
	int r;

	if (set)
		cpu__cache_drop(c);
	r = KVM_IOCTL(c->fd, set ? KVM_SET_MSRS : KVM_GET_MSRS, m);
	if (r < 0)
		return r;
	return (uint32_t)r == m->nmsrs ? 0 : -ENOENT;
}
