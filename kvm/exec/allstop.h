/*
 * allstop.h - every vCPU runs, or none does (allstop.c): gdb's all-stop
 * mode over the vCPU threads.
 */
#ifndef KVMSTUB_ALLSTOP_H
#define KVMSTUB_ALLSTOP_H

#include <stdbool.h>

#include "../../stub/target.h"
#include "exec.h"

struct vcpu;

int allstop__resume(struct exec *x, const struct target_resume *how);
int allstop__interrupt(struct exec *x);
int allstop__get_stop(struct exec *x, struct target_stop *stop);
bool allstop__running(struct exec *x);
/* The vCPU thread parked with v->stop; caller holds x->lock. */
void allstop__parked(struct vcpu *v);
/* Forget every event (reset). */
void allstop__clear(struct exec *x);
/* Interrupt v if it runs and wait until it is parked; its stop is dropped. */
void allstop__halt_and_wait(struct vcpu *v);

#endif
