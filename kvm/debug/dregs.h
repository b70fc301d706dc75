/*
 * dregs.h - the four debug registers shared out between breakpoints and
 * watchpoints at each resume, and KVM's guest-debug setting for a run
 * filled in from both (dregs.c).
 */
#ifndef KVMSTUB_DREGS_H
#define KVMSTUB_DREGS_H

#include <linux/kvm.h>
#include <stdbool.h>

#include "breakpoints.h"
#include "watch.h"

/* Give the breakpoints and watchpoints their debug registers for a resume
 * (main thread, every vCPU parked): every vCPU arms the same ones. */
void dregs__assign(struct bp_manager *bpm, struct watch_manager *wm);
/* Fill dbg for the next KVM_RUN: the breakpoints and watchpoints, and
 * KVM_GUESTDBG_SINGLESTEP when step (breakpoints are then compared by pc;
 * debug-register watchpoints fire during steps too). */
void dregs__arm(const struct bp_manager *bpm, const struct watch_manager *wm, bool step,
		struct kvm_guest_debug *dbg);
/* Add an execute breakpoint at lin in the next free debug register of
 * dbg (the step rules' handler entries); false when none is free. */
bool dregs__add_exec(struct kvm_guest_debug *dbg, uint64_t lin);

#endif
