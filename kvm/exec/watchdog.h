/*
 * watchdog.h - the halt watchdog (watchdog.c): with the in-kernel
 * irqchip a hlt sleeps in KVM, so a timer kicks each running vCPU
 * periodically and its tick looks for a vCPU (or a machine) that can never
 * wake again.
 */
#ifndef KVMSTUB_WATCHDOG_H
#define KVMSTUB_WATCHDOG_H

#include <stdbool.h>

#include "../../stub/target.h"

#include <time.h>

struct vcpu;

/* A vCPU's watchdog: its timer, and what its last ticks saw (under x->lock). */
struct watchdog_state {
	timer_t timer;
	bool ok;			/* the timer exists */
	int asleep;			/* ASLEEP_*: what the last tick saw */
	int asleep_ticks;		/* ... at how many ticks in a row */
};

/* Start/stop in the vCPU thread itself; armed while it runs. */
void watchdog__start(struct vcpu *v);
void watchdog__stop(struct vcpu *v);
void watchdog__arm(struct vcpu *v, bool on);
/* What a watchdog tick saw a vCPU do (struct watchdog_state's asleep). */
enum { ASLEEP_NO, ASLEEP_HLT, ASLEEP_SIPI };
/* KVM_RUN was interrupted by the watchdog: true when the vCPU sleeps in a
 * hlt nothing can end (stop filled in as STOP_HALT); with several vCPUs,
 * when every running vCPU sleeps so (or waits for a SIPI). */
bool watchdog__tick(struct vcpu *v, const struct target_resume *how, struct target_stop *stop);

#endif
