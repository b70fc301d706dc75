/*
 * machine_priv.h - the machine, which assembles the layers below it (the
 * KVM interface, guest memory, the vCPUs' state, devices, boot protocols,
 * guest debugging, execution), shared by machine.c and target.c
 * and by nothing else.  Each layer's state is its own struct, declared in
 * its own header; the machine holds them.  Locking: exec/exec.h.
 */
#ifndef KVMSTUB_MACHINE_PRIV_H
#define KVMSTUB_MACHINE_PRIV_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../stub/target.h"
#include "boot/boot.h"
#include "debug/breakpoints.h"
#include "debug/view.h"
#include "debug/watch.h"
#include "dev/device.h"
#include "exec/exec.h"
#include "exec/vcpu.h"
#include "host/probe.h"
#include "machine.h"
#include "mem/memory.h"
#include "record/record.h"
#include "snap/snap.h"

#define MACHINE_MAX_CPUS	MACHINE_MAX_VCPUS	/* machine.h: --smp's ceiling */

struct machine {
	struct machine_config cfg;
	char *image_path;		/* our copy of cfg.image_path */
	struct image img;		/* kept for reset */
	struct boot_module modules[BOOT_MAX_MODULES];	/* cfg.modules, for boot/ */
	bool have_img;
	int kvm_fd, vm_fd;
	size_t run_size;
	/* KVM_CHECK_EXTENSION's answers; the probe's measurements too once
	 * settled (machine__settle). */
	struct host_caps caps;
	struct startup_probe {		/* machine.c: the probe in a helper thread */
		pthread_t thread;
		bool started, pending;	/* pending: not joined yet */
		int ret;
		struct host_caps caps;
		char err[256];
	} probe;
	bool settled;			/* machine__settle() done */
	int settle_err;
	struct memory mem;		/* mem/memory.h */
	struct devices devs;		/* dev/device.h */
	struct bp_manager bpm;		/* debug/breakpoints.h */
	struct watch_manager wm;	/* debug/watch.h */
	struct step_opts so;		/* debug/view.h */
	struct snap_store snaps;	/* snap/snap.h */
	struct snap_id snap_id;		/* ... what this machine's snapshots belong to */
	struct recorder rec;		/* record/record.h: the log for reverse execution */
	struct exec x;			/* the vCPU threads (exec/exec.h): x.nr_vcpus of vcpus */
	struct vcpu vcpus[MACHINE_MAX_CPUS];
	struct target target;
};

/* machine.c */
/* Join the probe's helper thread (and the devices' start-up work) where
 * its answers are needed, and set up the breakpoint and watchpoint
 * managers from them.  0, or the probe's error. */
int machine__settle(struct machine *m);
/* Reload the image into cleared memory and put every vCPU at its reset state. */
int machine__power_on(struct machine *m, char *err, size_t errlen);

/* monitor snapshot and --restore, with every vCPU parked: the vCPUs are
 * stopped where a restored snapshot was taken, with nothing owed to the
 * guest but what it holds.  0 or -errno, what was done or why not in msg. */
int machine__snapshot(struct machine *m, enum target_snap_op op, const char *name,
		      const char *file, char *msg, size_t len);

/* monitor record and --record, with every vCPU parked (machine.c).
 * 0 (QUERY: 1 when on) or -errno, what was done or why not in msg. */
int machine__record(struct machine *m, enum target_rec_op op, uint64_t arg, char *msg,
		    size_t len);

/* target.c */
extern const struct target_ops machine_target_ops;

#endif
