/*
 * probe_priv.h - what probe.c (the cases) and probe_vm.c (the scratch VM
 * they run in) share.  Private to kvm/probe*.c.
 */
#ifndef KVMSTUB_PROBE_PRIV_H
#define KVMSTUB_PROBE_PRIV_H

#include <linux/kvm.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "probe.h"

#define P_CODE		0x9000		/* the program under test */
#define P_DATA		0xb000		/* the byte the program writes */
#define DR7_L0		0x1ull
#define DR7_FIXED	0x400ull		/* bit 10 always reads 1 */
#define DR7_RW0_WRITE	(1ull << 16)
#define RFLAGS_RF	(1ull << 16)		/* resume: no instruction breakpoint */

/* The CPU states a case starts in. */
enum pmode { PM_REAL, PM_PROTECTED, PM_LONG, PM_PAGING32 };

enum outcome {
	OUT_DONE,	/* out to PORT_DONE */
	OUT_VECTOR,	/* out to PORT_VECTOR: delivered to the guest */
	OUT_DEBUG,	/* KVM_EXIT_DEBUG */
	OUT_INTERNAL,	/* KVM_EXIT_INTERNAL_ERROR */
	OUT_SHUTDOWN,
	OUT_TIMEOUT,
	OUT_OTHER,
};

struct result {
	enum outcome what;
	uint32_t exception;	/* OUT_DEBUG */
	uint64_t pc, dr6;	/* OUT_DEBUG */
	uint64_t rip;		/* OUT_INTERNAL */
};

struct probe {
	int kvm_fd, vm_fd;
	uint8_t *mem;
	size_t run_size;
	struct kvm_cpuid2 *cpuid;
	int next_vcpu_id, max_vcpu_id;
	timer_t timer;
	bool have_timer;
	struct sigaction old_sa;	/* SIGALRM's, restored by teardown */
	sigset_t old_mask;
	char *err;
	size_t errlen;
};

struct vcpu {
	int fd;
	struct kvm_run *run;
};

/* Fill err with "NAME failed: reason" and return ret. */
int probe_vm__fail(struct probe *p, const char *name, int ret);

/*
 * The scratch VM: 64 KiB of guest memory with the tables every mode
 * needs, and a watchdog timer (SIGALRM to this thread, with a no-op
 * handler and SIGALRM unblocked while the probe runs).  Teardown undoes
 * whatever setup did, the signal disposition and mask included.
 */
int probe_vm__setup(struct probe *p);
void probe_vm__teardown(struct probe *p);

/* Put mode m's program at P_CODE, with an int3 before its out if asked. */
void probe_vm__load(struct probe *p, enum probe_mode m, bool int3);
uint64_t probe_vm__int3_addr(enum probe_mode m);

int probe_vm__vcpu_open(struct probe *p, struct vcpu *v, enum pmode pm);
void probe_vm__vcpu_close(struct probe *p, struct vcpu *v);
int probe_vm__set_mode(struct probe *p, struct vcpu *v, enum pmode pm);
int probe_vm__set_debug(struct vcpu *v, uint32_t control, uint64_t dr0, uint64_t dr7);
/* One KVM_RUN, bounded by the watchdog, classified into res. */
int probe_vm__run(struct probe *p, struct vcpu *v, struct result *res);

#endif
