/*
 * stops.h - what a KVM exit means for gdb (stops.c): the struct
 * target_stop for a debug event (a step, a breakpoint, a watchpoint), hlt,
 * a mode change and the faults.  Every message says where the vCPU is:
 * CS:IP, the linear pc and the CPU mode.
 */
#ifndef KVMSTUB_STOPS_H
#define KVMSTUB_STOPS_H

#include <stdbool.h>
#include <stdint.h>

#include "../../stub/target.h"
#include "view.h"

void stops__at(const struct dview *d, struct target_stop *stop, enum target_stop_reason reason,
	       uint64_t addr);
void stops__here(const struct dview *d, struct target_stop *stop, enum target_stop_reason reason);
void stops__fault(const struct dview *d, struct target_stop *stop, const char *what);
void stops__bp(const struct dview *d, struct target_stop *stop, const struct bp *bp);
/* A hit of watchpoint w, once its instruction is finished. */
void stops__watch(const struct dview *d, const struct watch *w, struct target_stop *stop);
void stops__halt(const struct dview *d, struct target_stop *stop);
const char *stops__internal_suberror(uint32_t sub);
/* stop-on-mode: the CPU mode (CR0.PE, CR0.PG, EFER.LMA, CS.L) as a key;
 * mode_changed compares after a step, stops when it differs, updates *key. */
int stops__mode_key(const struct dview *d, uint32_t *key);
bool stops__mode_changed(const struct dview *d, uint32_t *key, struct target_stop *stop);
/* A debug exit, as KVM reported it, or a step the run loop completed
 * itself (an instruction that exited for I/O or MMIO, run_loop.c). */
struct debug_event {
	uint32_t exception;		/* 1: #DB (a step, a debug register), 3: #BP */
	uint64_t dr6;
	uint64_t pc;			/* linear: where the vCPU is now */
};
/* A debug event; true when it is a stop (filled in), false to run on. */
bool stops__debug(const struct dview *d, const struct target_resume *how, bool step,
		  const struct debug_event *ev, struct target_stop *stop);

#endif
