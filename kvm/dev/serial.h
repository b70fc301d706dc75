/*
 * serial.h - what the input feeds COM1 (serial.c) beyond the device
 * interface.
 */
#ifndef KVMSTUB_SERIAL_H
#define KVMSTUB_SERIAL_H

#include <stddef.h>
#include <stdint.h>

struct serial;

/* Bytes for the receiver, in order: how many fitted in its queue (the
 * rest are for a later call).  From any thread. */
size_t serial__feed(struct serial *s, const uint8_t *buf, size_t n);

#endif
