/*
 * device_fixture.c - kvmstub's own devices without KVM, for unit tests.
 */
#include "device_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

void dev_fixture__open(struct dev_fixture *f, const char *name, uint64_t ram,
		       void (*fill)(int s, uint8_t sector[512]))
{
	uint8_t sector[512];
	char err[256];
	FILE *fp;
	int fd;

	memset(f, 0, sizeof(*f));
	snprintf(f->disk, sizeof(f->disk), "/tmp/%s.XXXXXX", name);
	fd = mkstemp(f->disk);
	assert_true(fd >= 0);
	close(fd);
	fp = fopen(f->disk, "wb");
	assert_non_null(fp);
	for (int s = 0; s < 8; s++) {
		fill(s, sector);
		assert_int_equal(fwrite(sector, 1, sizeof(sector), fp), sizeof(sector));
	}
	fclose(fp);
	f->mem.ram_size = ram;
	assert_int_equal(devices__create(&f->d, &(struct dev_env){ .kvm_fd = -1, .vm_fd = -1,
			 .caps = &f->caps, .out_fd = -1, .devs = &f->d, .mem = &f->mem,
			 .screen_fd = -1, .console_fd = -1, .serial_in_fd = -1,
			 .disk_path = f->disk }, err, sizeof(err)), 0);
}

void dev_fixture__close(struct dev_fixture *f)
{
	devices__destroy(&f->d);
	unlink(f->disk);
}

uint8_t *dev_fixture__io(struct dev_fixture *f, bool out, uint16_t port, unsigned int size,
			 uint32_t count)
{
	struct kvm_run *run = &f->u.run;

	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = out ? KVM_EXIT_IO_OUT : KVM_EXIT_IO_IN;
	run->io.port = port;
	run->io.size = (uint8_t)size;
	run->io.count = count;
	run->io.data_offset = 1024;
	return f->u.bytes + 1024;
}

uint32_t dev_fixture__in(struct dev_fixture *f, uint16_t port, unsigned int size)
{
	uint8_t *d = dev_fixture__io(f, false, port, size, 1);
	uint32_t v = 0;
	int st;

	devices__io(&f->d, 0, &f->u.run, &st);
	memcpy(&v, d, size);
	return v;
}

void dev_fixture__outb(struct dev_fixture *f, uint16_t port, uint8_t v)
{
	uint8_t *d = dev_fixture__io(f, true, port, 1, 1);
	int st;

	d[0] = v;
	devices__io(&f->d, 0, &f->u.run, &st);
}
