/*
 * probe.h - what this host's KVM really does, measured at start-up in a
 * scratch VM (a few milliseconds).  The breakpoint manager chooses its
 * mechanisms from this; kvmstub --probe prints it.
 */
#ifndef KVMSTUB_PROBE_H
#define KVMSTUB_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum probe_mode { PROBE_REAL, PROBE_PROTECTED, PROBE_LONG, PROBE_NR_MODES };

struct host_caps {
	bool readonly_mem;			/* KVM_CAP_READONLY_MEM */
	bool immediate_exit;			/* KVM_CAP_IMMEDIATE_EXIT */
	bool irqchip;				/* KVM_CAP_IRQCHIP */
	int nr_vcpus, max_vcpus;
	bool emulated;				/* kvm-pvm or another host without VMX/SVM */
	/* Measured per mode: */
	bool runs[PROBE_NR_MODES];		/* a few instructions run to an out */
	bool single_step[PROBE_NR_MODES];	/* KVM_GUESTDBG_SINGLESTEP exits after one instruction */
	bool blockirq;				/* KVM_GUESTDBG_BLOCKIRQ accepted */
	bool hw_exec_bp[PROBE_NR_MODES];	/* DR0 execute breakpoint exits */
	bool hw_bp_rf[PROBE_NR_MODES];		/* ... and RFLAGS.RF set at its exit runs
						 * the instruction instead of exiting again */
	bool hw_watch[PROBE_NR_MODES];		/* DR0 write watchpoint exits */
	bool sw_bp_intercepted[PROBE_NR_MODES];	/* int3 exits with KVM_GUESTDBG_USE_SW_BP */
	bool int3_emulation_exit[PROBE_NR_MODES]; /* int3 gives KVM_EXIT_INTERNAL_ERROR at the int3 */
	bool paging32_runs;			/* 32-bit paging (not PAE) runs */
	double elapsed_ms;
};

/* Run the probe on an open /dev/kvm fd.  0, or -errno with err filled. */
int probe__run(int kvm_fd, struct host_caps *caps, char *err, size_t errlen);
/* ... in two parts: what KVM_CHECK_EXTENSION says (at once, caps zeroed
 * first), then the measurements in a scratch VM, added to caps. */
void probe__caps(int kvm_fd, struct host_caps *caps);
int probe__measure(int kvm_fd, struct host_caps *caps, char *err, size_t errlen);
/* Human-readable report (kvmstub --probe, monitor info). */
void probe__print(const struct host_caps *caps, FILE *out);

#endif
