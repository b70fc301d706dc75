/*
 * device.h - the one device interface.  A device is a name, the I/O ports
 * and guest-physical ranges it claims, handlers for the guest's accesses
 * there, reset, and save/load of its state (snapshots need every byte of
 * machine state reachable from one list).  devices.c holds the table of
 * every device, creates each with its own state, and sends each port or
 * MMIO access to the device that claims it.
 *
 * A new device is one file (its struct device and handlers) and one line
 * in devices.c's table.
 */
#ifndef KVMSTUB_DEVICE_H
#define KVMSTUB_DEVICE_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "../host/probe.h"
#include "../mem/memory.h"

struct devices;

/* What a device may use, given at creation. */
struct dev_env {
	int kvm_fd, vm_fd;
	const struct host_caps *caps;
	int out_fd;			/* the guest's output (serial, debug console), -1 for none */
	FILE *log;			/* --verbose, or NULL */
	struct memory *mem;		/* guest memory (the VGA text buffer), or NULL */
	struct devices *devs;		/* the other devices (input.c feeds them) */
	/* Drives (ata.c): the disk and the floppy image, or NULL. */
	const char *disk_path;
	bool disk_rw;
	const char *floppy_path;
	/* The screen (vga.c): redrawn to screen_fd, -1 for none; rewrite:
	 * a file that holds the last picture. */
	int screen_fd;
	bool screen_rewrite;
	/* Input (input.c): the daemon's terminal, COM1's --serial-in; -1 none. */
	int console_fd, serial_in_fd;
};

struct dev_range {
	uint64_t base, len;
};

/* A port write's answer: 0, or DEV_EXIT with the guest's exit status in
 * the low byte (the exit port). */
#define DEV_EXIT		0x100

struct device {
	const char *name;
	const struct dev_range *ports;	/* claimed I/O ports */
	int nr_ports;
	const struct dev_range *mmio;	/* claimed guest-physical ranges (no memory there) */
	int nr_mmio;
	size_t state_size;		/* zeroed, then create */
	/* All optional but name. */
	int (*create)(void *st, const struct dev_env *env, char *err, size_t errlen);
	void (*destroy)(void *st);
	/* Start-up work done in the background, finished before the guest runs. */
	void (*settle)(void *st);
	/* One byte of port I/O (a wide access comes byte by byte, as on a PC's bus). */
	uint8_t (*in)(void *st, uint16_t port);
	int (*out)(void *st, uint16_t port, uint8_t val);
	/* Optional: a 2- or 4-byte access as one (an IDE data register); a
	 * device without them gets wide accesses byte by byte. */
	uint32_t (*in_wide)(void *st, uint16_t port, unsigned int size);
	void (*out_wide)(void *st, uint16_t port, uint32_t val, unsigned int size);
	/* MMIO of len bytes (at most 8) at gpa. */
	void (*mmio_read)(void *st, uint64_t gpa, uint8_t *data, unsigned int len);
	void (*mmio_write)(void *st, uint64_t gpa, const uint8_t *data, unsigned int len);
	/* Back to power-on. */
	int (*reset)(void *st, char *err, size_t errlen);
	/* The state as bytes: save returns the size (buf NULL: only the size)
	 * or -errno; load takes what save gave. */
	ssize_t (*save)(void *st, void *buf, size_t len);
	int (*load)(void *st, const void *buf, size_t len);
};

/* The machine's devices (devices.c). */
struct devices {
	void **state;			/* one per entry of the table */
	int nr;
	uint8_t *port_owner;		/* 65536 entries: table index + 1, 0 for none */
	pthread_mutex_t lock;		/* vCPU threads do I/O at once (--smp) */
	bool lock_init;
	FILE *log;
};

/* Create every device of the table, in its order (the in-kernel irqchip
 * first: KVM wants it before the first vCPU).  0 or -errno with a message. */
int devices__create(struct devices *d, const struct dev_env *env, char *err, size_t errlen);
void devices__destroy(struct devices *d);
void devices__settle(struct devices *d);
int devices__reset(struct devices *d, char *err, size_t errlen);
/* A KVM_EXIT_IO of vCPU cpu, every byte to the device that claims its
 * port (a port no device claims reads 0xFF).  true when the exit port was
 * written: *status then holds the guest's exit status. */
bool devices__io(struct devices *d, int cpu, struct kvm_run *run, int *status);
/* A KVM_EXIT_MMIO at an address with no memory: the device that claims
 * it, else nothing is there (reads see 0xFF, writes are dropped). */
void devices__mmio(struct devices *d, int cpu, struct kvm_run *run);
/* Snapshots: the table's devices by number, 0 .. d->nr - 1.  save
 * returns the size of device i's state (buf NULL: only the size; 0 for a
 * device with none) or -errno; load takes what save gave, -EINVAL when it
 * is not that (another size, a value the device cannot hold). */
const char *devices__name(const struct devices *d, int i);
ssize_t devices__save(struct devices *d, int i, void *buf, size_t len);
int devices__load(struct devices *d, int i, const void *buf, size_t len);
/* The state of the table's device dev, or NULL when it is not created. */
void *devices__state(const struct devices *d, const struct device *dev);

/* The guest's output byte to out_fd (none when -1), unbuffered: nothing
 * is lost when the daemon is killed. */
void dev__output(int out_fd, uint8_t byte);

/* The devices of the table (each in its own file). */
extern const struct device irqchip_device;	/* irqchip.c */
extern const struct device serial_device;	/* serial.c */
extern const struct device debugcon_device;	/* debugcon.c */
extern const struct device exit_port_device;	/* exit_port.c */
extern const struct device vga_device;		/* vga.c */
extern const struct device keyboard_device;	/* keyboard.c */
extern const struct device rtc_device;		/* rtc.c */
extern const struct device ata_device;		/* ata.c */
extern const struct device input_device;	/* input.c */

#endif
