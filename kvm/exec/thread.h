/*
 * thread.h - each vCPU's thread (thread.c): it waits for a resume
 * command, runs the run loop until a stop, and parks.
 */
#ifndef KVMSTUB_THREAD_H
#define KVMSTUB_THREAD_H

#include <stddef.h>

struct vcpu;

int thread__start(struct vcpu *v, char *err, size_t errlen);
/* Tell the thread to quit (kicking it out of KVM_RUN) and join it. */
void thread__stop(struct vcpu *v);

#endif
