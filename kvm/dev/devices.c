/*
 * devices.c - the table of every device (device.h), their states, and the
 * guest's port I/O and MMIO sent to the device that claims it.
 */
#include "device.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../host/log.h"

#define NR_PORTS	65536

/* Every device, in creation order. */
static const struct device *const table[] = {
	&irqchip_device,
	&serial_device,
	&debugcon_device,
	&exit_port_device,
	&vga_device,
	&keyboard_device,
	&rtc_device,
	&ata_device,
	&input_device,		/* last: it feeds the keyboard and serial devices */
};

#define NR_DEVICES	((int)(sizeof(table) / sizeof(table[0])))

int devices__create(struct devices *d, const struct dev_env *env, char *err, size_t errlen)
{
	memset(d, 0, sizeof(*d));
	d->log = env->log;
	d->state = calloc(NR_DEVICES, sizeof(d->state[0]));
	d->port_owner = calloc(NR_PORTS, 1);
	if (!d->state || !d->port_owner) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	pthread_mutex_init(&d->lock, NULL);
	d->lock_init = true;
	for (int i = 0; i < NR_DEVICES; i++) {
		const struct device *dev = table[i];
		int r;

		d->state[i] = calloc(1, dev->state_size ? dev->state_size : 1);
		if (!d->state[i]) {
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		d->nr = i + 1;
		r = dev->create ? dev->create(d->state[i], env, err, errlen) : 0;
		if (r < 0)
			return r;
		for (int p = 0; p < dev->nr_ports; p++)
			for (uint64_t port = dev->ports[p].base;
			     port < dev->ports[p].base + dev->ports[p].len && port < NR_PORTS; port++)
				d->port_owner[port] = (uint8_t)(i + 1);
	}
	return 0;
}

void devices__destroy(struct devices *d)
{
	for (int i = d->nr - 1; i >= 0; i--) {
		if (table[i]->destroy)
			table[i]->destroy(d->state[i]);
		free(d->state[i]);
	}
	free(d->state);
	free(d->port_owner);
	if (d->lock_init)
		pthread_mutex_destroy(&d->lock);
	memset(d, 0, sizeof(*d));
}

void devices__settle(struct devices *d)
{
	for (int i = 0; i < d->nr; i++)
		if (table[i]->settle)
			table[i]->settle(d->state[i]);
}

int devices__reset(struct devices *d, char *err, size_t errlen)
{
	for (int i = 0; i < d->nr; i++) {
		int r = table[i]->reset ? table[i]->reset(d->state[i], err, errlen) : 0;

		if (r < 0)
			return r;
	}
	return 0;
}

const char *devices__name(const struct devices *d, int i)
{
	return i >= 0 && i < d->nr ? table[i]->name : NULL;
}

/* Under the table's lock: no vCPU is in a device meanwhile. */
ssize_t devices__save(struct devices *d, int i, void *buf, size_t len)
{
	ssize_t r;

	if (i < 0 || i >= d->nr)
		return -EINVAL;
	if (!table[i]->save)
		return 0;
	pthread_mutex_lock(&d->lock);
	r = table[i]->save(d->state[i], buf, len);
	pthread_mutex_unlock(&d->lock);
	return r;
}

int devices__load(struct devices *d, int i, const void *buf, size_t len)
{
	int r;

	if (i < 0 || i >= d->nr)
		return -EINVAL;
	if (!table[i]->load)
		return len == 0 ? 0 : -EINVAL;
	pthread_mutex_lock(&d->lock);
	r = table[i]->load(d->state[i], buf, len);
	pthread_mutex_unlock(&d->lock);
	return r;
}

void *devices__state(const struct devices *d, const struct device *dev)
{
	for (int i = 0; i < d->nr; i++)
		if (table[i] == dev)
			return d->state[i];
	return NULL;
}

/* One byte in or out at a port; true when the exit port was written. */
static bool port_byte(struct devices *d, int cpu, uint16_t port, uint8_t *p, bool out,
		      int *status)
{
	int owner = d->port_owner[port];
	const struct device *dev = owner ? table[owner - 1] : NULL;

	if (out) {
		int r;

		if (!dev || !dev->out) {
			log__say(d->log, "vCPU %d: write 0x%02x to port 0x%x ignored (no device)",
				 cpu, *p, port);
			return false;
		}
		r = dev->out(d->state[owner - 1], port, *p);
		if (r & DEV_EXIT) {
			*status = r & 0xFF;
			return true;
		}
		return false;
	}
	if (!dev || !dev->in) {
		log__say(d->log, "vCPU %d: read from port 0x%x: 0xff (no device)", cpu, port);
		*p = 0xFF;
		return false;
	}
	*p = dev->in(d->state[owner - 1], port);
	return false;
}

/*
 * One KVM_EXIT_IO: count accesses (rep ins/outs) of size bytes each, all
 * at the same port, their data packed at data_offset in kvm_run.  A wide
 * access to port p touches ports p, p+1, ... one byte each, as on a PC bus.
 */
bool devices__io(struct devices *d, int cpu, struct kvm_run *run, int *status)
{
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	unsigned int size = run->io.size;
	bool out = run->io.direction == KVM_EXIT_IO_OUT, exited = false;

	int owner = d->port_owner[run->io.port];
	const struct device *dev = owner ? table[owner - 1] : NULL;

	if (size != 1 && size != 2 && size != 4)
		size = 1;
	pthread_mutex_lock(&d->lock);
	if (size > 1 && dev && (out ? dev->out_wide != NULL : dev->in_wide != NULL)) {
		/* A device register as wide as the access (rep insw from 0x1F0). */
		for (uint32_t i = 0; i < run->io.count; i++) {
			uint8_t *p = data + (size_t)i * size;
			uint32_t v = 0;

			if (out) {
				memcpy(&v, p, size);
				dev->out_wide(d->state[owner - 1], run->io.port, v, size);
			} else {
				v = dev->in_wide(d->state[owner - 1], run->io.port, size);
				memcpy(p, &v, size);
			}
		}
		pthread_mutex_unlock(&d->lock);
		return false;
	}
	for (uint32_t i = 0; i < run->io.count; i++)
		for (unsigned int b = 0; b < size; b++)
			exited |= port_byte(d, cpu, (uint16_t)(run->io.port + b),
					    data + (size_t)i * size + b, out, status);
	pthread_mutex_unlock(&d->lock);
	return exited;
}

void devices__mmio(struct devices *d, int cpu, struct kvm_run *run)
{
	uint64_t gpa = run->mmio.phys_addr;
	uint32_t len = run->mmio.len > 8 ? 8 : run->mmio.len;

	pthread_mutex_lock(&d->lock);
	for (int i = 0; i < d->nr; i++) {
		const struct device *dev = table[i];

		for (int r = 0; r < dev->nr_mmio; r++) {
			if (gpa < dev->mmio[r].base || gpa - dev->mmio[r].base >= dev->mmio[r].len)
				continue;
			if (run->mmio.is_write && dev->mmio_write)
				dev->mmio_write(d->state[i], gpa, run->mmio.data, len);
			else if (!run->mmio.is_write && dev->mmio_read)
				dev->mmio_read(d->state[i], gpa, run->mmio.data, len);
			pthread_mutex_unlock(&d->lock);
			return;
		}
	}
	pthread_mutex_unlock(&d->lock);
	if (run->mmio.is_write) {
		log__say(d->log, "vCPU %d: write of %u bytes to 0x%llx ignored (no memory there)",
			 cpu, len, (unsigned long long)gpa);
	} else {
		memset(run->mmio.data, 0xFF, len);
		log__say(d->log, "vCPU %d: read of %u bytes from 0x%llx: all 0xff (no memory there)",
			 cpu, len, (unsigned long long)gpa);
	}
}

