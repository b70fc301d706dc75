/*
 * device_fixture.h - kvmstub's own devices (kvm/dev/) as the machine
 * creates them, without KVM, for the unit tests that drive them through
 * their ports: a disk image of 8 sectors, guest RAM of a given size, and
 * port reads and writes through the devices' table as KVM_EXIT_IO would.
 */
#ifndef KVMSTUB_DEVICE_FIXTURE_H
#define KVMSTUB_DEVICE_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "../../kvm/dev/device.h"

struct dev_fixture {
	struct devices d;
	struct host_caps caps;
	struct memory mem;
	char disk[64];
	union {
		struct kvm_run run;
		uint8_t bytes[4096];
	} u;
};

/* The devices, with a disk of 8 sectors (fill(s, sector) writes sector s;
 * the file goes in /tmp under name) and ram bytes of RAM.  Fails the test
 * if they cannot be made. */
void dev_fixture__open(struct dev_fixture *f, const char *name, uint64_t ram,
		       void (*fill)(int s, uint8_t sector[512]));
void dev_fixture__close(struct dev_fixture *f);
/* A port access of size bytes, count times (a string instruction), set up
 * in the exit: its data, to fill before an out or read after devices__io. */
uint8_t *dev_fixture__io(struct dev_fixture *f, bool out, uint16_t port, unsigned int size,
			 uint32_t count);
/* One in or out, served. */
uint32_t dev_fixture__in(struct dev_fixture *f, uint16_t port, unsigned int size);
void dev_fixture__outb(struct dev_fixture *f, uint16_t port, uint8_t v);

#endif
