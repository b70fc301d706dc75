/*
 * helper.h - start-up work in a thread of its own (helper.c): the probe,
 * the PIT's reinject set-up; joined where its result is needed.
 */
#ifndef KVMSTUB_HELPER_H
#define KVMSTUB_HELPER_H

#include <pthread.h>
#include <stdbool.h>

/* fn(arg) in a helper thread with every signal blocked (the main and the
 * vCPU threads take them): true, and it must be joined; false when no
 * thread could start and it ran in this one. */
bool helper__start(pthread_t *thread, void *(*fn)(void *), void *arg);

#endif
