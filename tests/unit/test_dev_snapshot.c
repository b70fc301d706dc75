/* test_dev_snapshot.c - every device of kvmstub's own keeps its whole
 * state through a snapshot (devices__save, devices__load): each is driven
 * into a state of its own through its ports, saved, read (reads change
 * most of them: a FIFO, a toggling bit, a data port), changed further,
 * loaded back, and read again: the guest must read the same bytes as
 * after the save, and a second save must give the same bytes.  The
 * in-kernel irqchip needs KVM: tests/e2e/snapshot.sh.  No KVM here. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../kvm/dev/device.h"
#include "../../kvm/dev/keyboard.h"
#include "../../kvm/dev/serial.h"

#include "device_fixture.h"

#define MAX_READS	64

/* The short names these tests read with. */
#define io dev_fixture__io
#define outb dev_fixture__outb
#define in dev_fixture__in

static void fill(int s, uint8_t sector[512])
{
	for (int i = 0; i < 512; i++)
		sector[i] = (uint8_t)(s * 16 + i);
}

static int setup(void **state)
{
	static struct dev_fixture f;

	dev_fixture__open(&f, "test_dev_snapshot", 16ull << 20, fill);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	dev_fixture__close(*state);
	return 0;
}

/* The device of the table whose name starts so. */
static int dev_index(const struct dev_fixture *f, const char *prefix)
{
	for (int i = 0; i < f->d.nr; i++)
		if (!strncmp(devices__name(&f->d, i), prefix, strlen(prefix)))
			return i;
	fail_msg("no device named %s...", prefix);
	return -1;
}

/* A read of the guest's: the port, its size. */
struct rd {
	uint16_t port;
	uint8_t size;
};

static void reads(struct dev_fixture *f, const struct rd *r, int n, uint32_t *got)
{
	for (int i = 0; i < n; i++)
		got[i] = in(f, r[i].port, r[i].size);
}

/*
 * The round trip: save, read, change (change()), load, save again (the
 * same bytes), read again (the same answers).  A load of the wrong size
 * is refused and changes nothing.
 */
static void round_trip(struct dev_fixture *f, int dev, const struct rd *r, int n,
		       void (*change)(struct dev_fixture *f))
{
	uint8_t saved[4096], again[4096];
	uint32_t before[MAX_READS], after[MAX_READS];
	ssize_t len, len2;

	assert_true(n <= MAX_READS);
	len = devices__save(&f->d, dev, NULL, 0);
	assert_true(len > 0 && (size_t)len <= sizeof(saved));
	assert_int_equal(devices__save(&f->d, dev, saved, sizeof(saved)), len);
	reads(f, r, n, before);
	change(f);
	assert_int_equal(devices__load(&f->d, dev, saved, (size_t)len - 1), -EINVAL);
	assert_int_equal(devices__load(&f->d, dev, saved, (size_t)len), 0);
	len2 = devices__save(&f->d, dev, again, sizeof(again));
	assert_int_equal(len2, len);
	assert_memory_equal(saved, again, (size_t)len);
	reads(f, r, n, after);
	for (int i = 0; i < n; i++) {
		if (before[i] != after[i])
			fail_msg("%s: read %d (port 0x%x) gave 0x%x after the save, 0x%x after "
				 "the load", devices__name(&f->d, dev), i, r[i].port, before[i],
				 after[i]);
	}
}

/* ---- COM1 ---- */

static void serial_change(struct dev_fixture *f)
{
	outb(f, 0x3FB, 0x1F);
	outb(f, 0x3FF, 0x00);
	outb(f, 0x3F9, 0x00);
	in(f, 0x3F8, 1);
}

static void test_serial(void **state)
{
	struct dev_fixture *f = *state;
	struct serial *s = devices__state(&f->d, &serial_device);
	static const struct rd r[] = {
		{ 0x3FB, 1 }, { 0x3FC, 1 }, { 0x3FF, 1 }, { 0x3F9, 1 }, { 0x3FD, 1 },
		{ 0x3FA, 1 }, { 0x3F8, 1 }, { 0x3F8, 1 }, { 0x3FD, 1 }, { 0x3FA, 1 },
		{ 0x3F8, 1 }, { 0x3FD, 1 }, { 0x3FA, 1 }, { 0x3FE, 1 },
	};

	outb(f, 0x3FB, 0x83);			/* DLAB: the divisor */
	outb(f, 0x3F8, 0x0C);
	outb(f, 0x3F9, 0x00);
	outb(f, 0x3FB, 0x03);
	outb(f, 0x3FA, 0x81);			/* FIFOs, trigger 8 */
	outb(f, 0x3FC, 0x0B);
	outb(f, 0x3FF, 0x5A);			/* scratch */
	outb(f, 0x3F9, 0x03);			/* received data, THR empty */
	assert_int_equal(serial__feed(s, (const uint8_t *)"abc", 3), 3);
	round_trip(f, dev_index(f, "serial"), r, (int)(sizeof(r) / sizeof(r[0])), serial_change);
	/* The divisor, behind DLAB, came back too. */
	outb(f, 0x3FB, 0x83);
	assert_int_equal(in(f, 0x3F8, 1), 0x0C);
}

/* ---- the keyboard controller ---- */

static void kbd_change(struct dev_fixture *f)
{
	struct keyboard *k = devices__state(&f->d, &keyboard_device);
	char err[128];

	keyboard__type(k, "zz", 2, err, sizeof(err));
	outb(f, 0x64, 0x60);
	outb(f, 0x60, 0x00);
	in(f, 0x60, 1);
}

static void test_keyboard(void **state)
{
	struct dev_fixture *f = *state;
	struct keyboard *k = devices__state(&f->d, &keyboard_device);
	char err[128];
	struct rd r[24];
	int n = 0;

	outb(f, 0x64, 0x60);			/* the configuration: IRQ 1, translation */
	outb(f, 0x60, 0x45);
	assert_int_equal(keyboard__type(k, "kvm", 3, err, sizeof(err)), 0);
	outb(f, 0x64, 0xD1);			/* a controller command waiting for its byte */
	r[n++] = (struct rd){ 0x64, 1 };
	for (int i = 0; i < 8; i++) {
		r[n++] = (struct rd){ 0x60, 1 };
		r[n++] = (struct rd){ 0x64, 1 };
	}
	r[n++] = (struct rd){ 0x92, 1 };
	round_trip(f, dev_index(f, "keyboard"), r, n, kbd_change);
	/* The pending 0xD1 takes its byte after the load too: the output
	 * port, A20 on. */
	outb(f, 0x60, 0x03);
	assert_int_equal(in(f, 0x92, 1) & 2, 2);
}

/* ---- the CMOS clock ---- */

static void rtc_change(struct dev_fixture *f)
{
	outb(f, 0x70, 0x40);
	outb(f, 0x71, 0x00);
	outb(f, 0x70, 0x0B);
	outb(f, 0x71, 0x02);
	outb(f, 0x70, 0x09);			/* the year: the guest's offset moves */
	outb(f, 0x71, 0x99);
	outb(f, 0x70, 0x0D);
}

static void test_rtc(void **state)
{
	struct dev_fixture *f = *state;
	static const struct rd r[] = {
		{ 0x71, 1 }, { 0x71, 1 },
	};
	uint8_t year;

	outb(f, 0x70, 0x40);			/* CMOS memory */
	outb(f, 0x71, 0xA5);
	outb(f, 0x70, 0x0B);
	outb(f, 0x71, 0x06);			/* binary, 24 hours */
	outb(f, 0x70, 0x09);
	outb(f, 0x71, 42);			/* a year of the guest's own */
	outb(f, 0x70, 0x40);			/* the index, kept too */
	round_trip(f, dev_index(f, "CMOS"), r, (int)(sizeof(r) / sizeof(r[0])), rtc_change);
	outb(f, 0x70, 0x0B);
	assert_int_equal(in(f, 0x71, 1) & 0x06, 0x06);
	outb(f, 0x70, 0x09);
	year = (uint8_t)in(f, 0x71, 1);
	assert_int_equal(year, 42);		/* the offset came back */
}

/* ---- the VGA screen's registers ---- */

static void vga_change(struct dev_fixture *f)
{
	outb(f, 0x3D4, 0x0E);
	outb(f, 0x3D5, 0x00);
	outb(f, 0x3C2, 0x01);
	in(f, 0x3DA, 1);			/* with the three reads: the retrace bit */
	in(f, 0x3DA, 1);			/* ... toggled an odd number of times */
	outb(f, 0x3D4, 0x02);
}

static void test_vga(void **state)
{
	struct dev_fixture *f = *state;
	static const struct rd r[] = {
		{ 0x3D4, 1 }, { 0x3D5, 1 }, { 0x3DA, 1 }, { 0x3DA, 1 }, { 0x3DA, 1 }, { 0x3CC, 1 },
	};

	outb(f, 0x3D4, 0x0E);			/* the cursor at 0x1234 */
	outb(f, 0x3D5, 0x12);
	outb(f, 0x3D4, 0x0F);
	outb(f, 0x3D5, 0x34);
	outb(f, 0x3C2, 0x67);
	in(f, 0x3DA, 1);			/* the retrace bit toggled once */
	round_trip(f, dev_index(f, "VGA"), r, (int)(sizeof(r) / sizeof(r[0])), vga_change);
	outb(f, 0x3D4, 0x0E);
	assert_int_equal(in(f, 0x3D5, 1), 0x12);
}

/* ---- the IDE disk, in the middle of a transfer ---- */

static void ata_change(struct dev_fixture *f)
{
	outb(f, 0x3F6, 0x04);			/* software reset */
	outb(f, 0x3F6, 0x00);
	outb(f, 0x1F6, 0xF0);
}

static void test_ata(void **state)
{
	struct dev_fixture *f = *state;
	struct rd r[40];
	int n = 0;

	outb(f, 0x1F2, 2);			/* READ SECTORS: 2 at LBA 5 */
	outb(f, 0x1F3, 5);
	outb(f, 0x1F4, 0);
	outb(f, 0x1F5, 0);
	outb(f, 0x1F6, 0xE0);
	outb(f, 0x1F7, 0x20);
	for (int i = 0; i < 100; i++)		/* 200 bytes of the first moved */
		in(f, 0x1F0, 2);
	r[n++] = (struct rd){ 0x1F7, 1 };
	for (int i = 0; i < 30; i++)
		r[n++] = (struct rd){ 0x1F0, 2 };
	r[n++] = (struct rd){ 0x1F2, 1 };
	r[n++] = (struct rd){ 0x1F3, 1 };
	r[n++] = (struct rd){ 0x1F6, 1 };
	r[n++] = (struct rd){ 0x3F6, 1 };
	round_trip(f, dev_index(f, "IDE"), r, n, ata_change);
	/* The transfer goes on where it was: word 130 of sector 5. */
	assert_int_equal(in(f, 0x1F0, 2), (uint16_t)((5 * 16 + 260) & 0xFF) |
			 (uint16_t)(((5 * 16 + 261) & 0xFF) << 8));
}

/* ---- devices without state a guest could see ---- */

static void test_stateless(void **state)
{
	struct dev_fixture *f = *state;

	/* The irqchip has none without KVM (no VM here); the debug console,
	 * the exit port and the daemon's input have none at all. */
	assert_int_equal(devices__save(&f->d, dev_index(f, "in-kernel irqchip"), NULL, 0), 0);
	assert_int_equal(devices__save(&f->d, dev_index(f, "debug console"), NULL, 0), 0);
	assert_int_equal(devices__save(&f->d, dev_index(f, "exit port"), NULL, 0), 0);
	assert_int_equal(devices__load(&f->d, dev_index(f, "exit port"), "x", 1), -EINVAL);
	assert_int_equal(devices__load(&f->d, dev_index(f, "exit port"), NULL, 0), 0);
	assert_int_equal(devices__save(&f->d, -1, NULL, 0), -EINVAL);
	assert_int_equal(devices__save(&f->d, f->d.nr, NULL, 0), -EINVAL);
	assert_null(devices__name(&f->d, f->d.nr));
	/* Every device with a save has a name a snapshot file can carry. */
	for (int i = 0; i < f->d.nr; i++)
		assert_true(strlen(devices__name(&f->d, i)) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_serial, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keyboard, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rtc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vga, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ata, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stateless, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
