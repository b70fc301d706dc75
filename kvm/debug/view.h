/*
 * view.h - one vCPU as the guest-debug mechanisms see it: its registers,
 * guest memory as gdb sees it (through the breakpoint manager: our int3s
 * hidden), the watchpoints, the step options, and what it owes the guest
 * at its next run.  The execution layer (exec/) makes one per vCPU; the
 * step rules (step.c) and the stop decoding (stops.c) take it.
 */
#ifndef KVMSTUB_VIEW_H
#define KVMSTUB_VIEW_H

#include <stdbool.h>
#include <stdio.h>

#include "../cpu/cpu.h"
#include "../mem/memory.h"
#include "breakpoints.h"
#include "watch.h"

/* How gdb's steps behave (monitor step-irq, step-rep; the host's BLOCKIRQ). */
struct step_opts {
	bool blockirq;			/* KVM_GUESTDBG_BLOCKIRQ supported */
	bool step_irq;			/* interrupts let in during gdb's steps */
	bool rep_whole;			/* a stepi runs a whole rep string instruction */
};

/* The guest's own debug events a vCPU owes it at its next run. */
struct debug_owed {
	bool inject_bp;			/* the guest's own int3, re-injected (stops.c) */
	bool inject_db;			/* the guest's own #DB, delivered (step.c) */
};

struct dview {
	int id;				/* the vCPU's number (stop->cpu) */
	struct cpu *cpu;
	struct memory *mem;
	struct bp_manager *bpm;
	struct watch_manager *wm;
	const struct step_opts *so;
	struct debug_owed *owed;
	bool irqchip;			/* the in-kernel irqchip: hlt sleeps in KVM */
	FILE *log;
};

#endif
