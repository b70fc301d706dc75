/*
 * log.h - the machine's --verbose log: one line per event, "kvmstub: "
 * first.  Every layer of kvm/ writes to the FILE it was given (NULL: no
 * log).
 */
#ifndef KVMSTUB_KVM_LOG_H
#define KVMSTUB_KVM_LOG_H

#include <stdio.h>

void log__say(FILE *log, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
