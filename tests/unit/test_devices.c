/* test_devices.c - the device table and dispatch (kvm/dev/): port I/O to
 * the device that claims it, a wide access byte by byte, the exit port,
 * unclaimed ports and memory, reset and save/load.  No KVM: the host is
 * one without an in-kernel irqchip, so that device stays empty. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../kvm/dev/device.h"
#include "../../kvm/dev/irqchip.h"

struct fixture {
	struct devices d;
	int out[2];			/* the guest's output: a pipe */
	struct host_caps caps;
	union {				/* kvm_run, with room for its I/O data */
		struct kvm_run run;
		uint8_t bytes[4096];
	} u;
};

static int setup(void **state)
{
	static struct fixture f;
	char err[128];

	memset(&f, 0, sizeof(f));
	assert_int_equal(pipe(f.out), 0);
	assert_int_equal(devices__create(&f.d, &(struct dev_env){ .kvm_fd = -1, .vm_fd = -1,
			 .caps = &f.caps, .out_fd = f.out[1], .devs = &f.d, .screen_fd = -1,
			 .console_fd = -1, .serial_in_fd = -1 }, err, sizeof(err)), 0);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	devices__destroy(&f->d);
	close(f->out[0]);
	close(f->out[1]);
	return 0;
}

/* One KVM_EXIT_IO of count accesses of size bytes at port. */
static uint8_t *io(struct fixture *f, bool out, uint16_t port, unsigned int size, uint32_t count)
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

static void test_serial_output(void **state)
{
	struct fixture *f = *state;
	uint8_t *data = io(f, true, 0x3F8, 1, 3);
	char got[4] = { 0 };
	int status = -1;

	memcpy(data, "Hi\n", 3);		/* rep outsb: three bytes to THR */
	assert_false(devices__io(&f->d, 0, &f->u.run, &status));
	assert_int_equal(read(f->out[0], got, sizeof(got)), 3);
	assert_memory_equal(got, "Hi\n", 3);
	/* The line status: transmitter empty, so a guest's wait loop ends. */
	data = io(f, false, 0x3FD, 1, 1);
	devices__io(&f->d, 0, &f->u.run, &status);
	assert_int_equal(data[0] & 0x20, 0x20);
}

static void test_debugcon_and_exit(void **state)
{
	struct fixture *f = *state;
	uint8_t *data = io(f, true, 0xE9, 1, 1);
	char got = 0;
	int status = -1;

	data[0] = 'x';
	assert_false(devices__io(&f->d, 0, &f->u.run, &status));
	assert_int_equal(read(f->out[0], &got, 1), 1);
	assert_int_equal(got, 'x');
	data = io(f, false, 0xE9, 1, 1);
	devices__io(&f->d, 0, &f->u.run, &status);
	assert_int_equal(data[0], 0xE9);	/* Bochs' "the console is there" */
	data = io(f, true, 0xF4, 1, 1);
	data[0] = 42;
	assert_true(devices__io(&f->d, 0, &f->u.run, &status));
	assert_int_equal(status, 42);
}

/* A 16-bit out to 0x3FB (LCR) also writes 0x3FC (MCR); no device at 0x80. */
static void test_wide_and_unclaimed(void **state)
{
	struct fixture *f = *state;
	uint8_t *data = io(f, true, 0x3FB, 2, 1);
	int status = -1;

	data[0] = 0x1B;
	data[1] = 0x0B;
	devices__io(&f->d, 0, &f->u.run, &status);
	data = io(f, false, 0x3FB, 2, 1);
	devices__io(&f->d, 0, &f->u.run, &status);
	assert_int_equal(data[0], 0x1B);
	assert_int_equal(data[1], 0x0B);
	data = io(f, false, 0x80, 4, 1);
	devices__io(&f->d, 0, &f->u.run, &status);
	assert_memory_equal(data, "\xff\xff\xff\xff", 4);
	f->u.run.exit_reason = KVM_EXIT_MMIO;
	f->u.run.mmio.phys_addr = 0xB8000;
	f->u.run.mmio.len = 2;
	f->u.run.mmio.is_write = 0;
	devices__mmio(&f->d, 0, &f->u.run);
	assert_memory_equal(f->u.run.mmio.data, "\xff\xff", 2);
}

/* Reset puts the UART back to 8N1; the irqchip is absent on this host. */
static void test_reset(void **state)
{
	struct fixture *f = *state;
	uint8_t *data = io(f, true, 0x3FF, 1, 1);
	char err[128];
	int status;

	data[0] = 0x5A;				/* scratch register */
	devices__io(&f->d, 0, &f->u.run, &status);
	assert_int_equal(devices__reset(&f->d, err, sizeof(err)), 0);
	data = io(f, false, 0x3FB, 1, 2);
	devices__io(&f->d, 0, &f->u.run, &status);
	assert_int_equal(data[0], 0x03);
	data = io(f, false, 0x3FF, 1, 1);
	devices__io(&f->d, 0, &f->u.run, &status);
	assert_int_equal(data[0], 0);
	assert_false(irqchip__on(&f->d));
	assert_non_null(devices__state(&f->d, &serial_device));
}

static void test_serial_save_load(void **state)
{
	struct fixture *f = *state;
	void *st = devices__state(&f->d, &serial_device);
	uint8_t saved[64], *data;
	ssize_t n;
	int status;

	data = io(f, true, 0x3FF, 1, 1);
	data[0] = 0x77;
	devices__io(&f->d, 0, &f->u.run, &status);
	n = serial_device.save(st, NULL, 0);
	assert_true(n > 0 && (size_t)n <= sizeof(saved));
	assert_int_equal(serial_device.save(st, saved, sizeof(saved)), n);
	data[0] = 0x11;
	data = io(f, true, 0x3FF, 1, 1);
	data[0] = 0x11;
	devices__io(&f->d, 0, &f->u.run, &status);
	assert_int_equal(serial_device.load(st, saved, (size_t)n), 0);
	data = io(f, false, 0x3FF, 1, 1);
	devices__io(&f->d, 0, &f->u.run, &status);
	assert_int_equal(data[0], 0x77);
	assert_int_not_equal(serial_device.load(st, saved, (size_t)n - 1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_serial_output, setup, teardown),
		cmocka_unit_test_setup_teardown(test_debugcon_and_exit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wide_and_unclaimed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_serial_save_load, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
