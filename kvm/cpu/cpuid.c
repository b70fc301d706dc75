/*
 * cpuid.c - the CPUID a vCPU shows (cpu.h): the host's, as KVM supports
 * it, with this vCPU's place among the others.
 */
#include "cpu.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "../host/ioctl.h"

/*
 * What a CPU learns about its place among the others from CPUID: leaf 1
 * EBX bits 31-24 hold its initial APIC ID (KVM gives vCPU n the APIC ID n),
 * bits 23-16 the number of logical processors in the package (HTT, EDX
 * bit 28, says the field is valid), leaves 0xB and 0x1F EDX the x2APIC ID.
 * KVM_GET_SUPPORTED_CPUID describes the host, not this machine.
 */
#define CPUID_HTT	(1u << 28)

static void cpuid_topology(struct kvm_cpuid2 *cpuid, int id, int nr)
{
	for (uint32_t i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		if (e->function == 1) {
			e->ebx = (e->ebx & 0xFFFFu) | (uint32_t)id << 24 |
				 (uint32_t)(nr & 0xFF) << 16;
			e->edx = nr > 1 ? e->edx | CPUID_HTT : e->edx & ~CPUID_HTT;
		} else if (e->function == 0xB || e->function == 0x1F) {
			e->edx = (uint32_t)id;
		}
	}
}

int cpu__set_cpuid(struct cpu *c, int kvm_fd, int id, int nr, char *err, size_t errlen)
{
	struct kvm_cpuid2 *cpuid = NULL;
	int nent = 64, r;

	/* KVM says E2BIG until the buffer holds every leaf it supports. */
	for (;;) {
		free(cpuid);
		cpuid = calloc(1, sizeof(*cpuid) + (size_t)nent * sizeof(cpuid->entries[0]));
		if (!cpuid) {
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		cpuid->nent = (uint32_t)nent;
		r = KVM_IOCTL(kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid);
		if (r != -E2BIG || nent >= 4096)
			break;
		nent *= 2;
	}
	if (r < 0) {
		kvm__ioctl_error(err, errlen, "KVM_GET_SUPPORTED_CPUID", r);
	} else {
		cpuid_topology(cpuid, id, nr > 1 ? nr : 1);
		r = KVM_IOCTL(c->fd, KVM_SET_CPUID2, cpuid);
		if (r < 0)
			kvm__ioctl_error(err, errlen, "KVM_SET_CPUID2", r);
		else
			cpu__fpu_features(c, cpuid);
	}
	free(cpuid);
	return r < 0 ? r : 0;
}
