/* test_pcdevices.c - the PC devices of issue 15 (kvm/dev/) through port
 * I/O, as a guest's driver sees them: the 8042 keyboard controller and
 * its scancodes, COM1's receiver (FIFO, IIR, loopback), the CMOS clock's
 * BCD/binary time and memory bytes, the ATA disk (IDENTIFY, read, a write
 * that stays in memory without ,rw), the VGA screen as text.  No KVM. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../kvm/dev/device.h"
#include "../../kvm/dev/keyboard.h"
#include "../../kvm/dev/serial.h"
#include "../../kvm/dev/vga.h"

#include "device_fixture.h"

/* The short names these tests read with. */
#define io dev_fixture__io
#define outb dev_fixture__outb

static void fill(int s, uint8_t sector[512])
{
	memset(sector, 0x10 + s, 512);
}

static int setup(void **state)
{
	static struct dev_fixture f;

	dev_fixture__open(&f, "test_pcdevices", 32ull << 20, fill);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	dev_fixture__close(*state);
	return 0;
}

static uint8_t inb(struct dev_fixture *f, uint16_t port)
{
	return (uint8_t)dev_fixture__in(f, port, 1);
}

/* The keyboard's bytes as the guest reads them while OBF is set. */
static int drain(struct dev_fixture *f, uint8_t *got, int max)
{
	int n = 0;

	while (n < max && (inb(f, 0x64) & 1))
		got[n++] = inb(f, 0x60);
	return n;
}

static void test_keyboard(void **state)
{
	struct dev_fixture *f = *state;
	struct keyboard *k = devices__state(&f->d, &keyboard_device);
	uint8_t got[32];
	char err[256];
	static const uint8_t typed[] = { 0x1E, 0x9E, 0x2A, 0x30, 0xB0, 0xAA, 0x1C, 0x9C };
	static const uint8_t cad[] = { 0x1D, 0x38, 0xE0, 0x53, 0xE0, 0xD3, 0xB8, 0x9D };
	static const uint8_t set2[] = { 0x1C, 0xF0, 0x1C };

	outb(f, 0x64, 0xAA);			/* self-test */
	assert_int_equal(drain(f, got, 32), 1);
	assert_int_equal(got[0], 0x55);
	outb(f, 0x64, 0x20);			/* the configuration: IRQ 1, translation */
	assert_int_equal(drain(f, got, 32), 1);
	assert_int_equal(got[0] & 0x41, 0x41);
	/* "aB\n": a make/break, shift held around b, Enter. */
	assert_int_equal(keyboard__type(k, "aB\n", 3, err, sizeof(err)), 0);
	assert_int_equal(drain(f, got, 32), (int)sizeof(typed));
	assert_memory_equal(got, typed, sizeof(typed));
	assert_int_equal(keyboard__sendkey(k, "ctrl-alt-del", err, sizeof(err)), 0);
	assert_int_equal(drain(f, got, 32), (int)sizeof(cad));
	assert_memory_equal(got, cad, sizeof(cad));
	assert_int_equal(keyboard__sendkey(k, "ctrl-bogus", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "unknown key 'bogus'"));
	assert_int_equal(keyboard__type(k, "\x01", 1, err, sizeof(err)), -EINVAL);
	/* Translation off, set 2: 'a' is 1C, its release F0 1C. */
	outb(f, 0x64, 0x60);
	outb(f, 0x60, 0x05);
	assert_int_equal(keyboard__type(k, "a", 1, err, sizeof(err)), 0);
	assert_int_equal(drain(f, got, 32), 3);
	assert_memory_equal(got, set2, 3);
	/* The keyboard's own commands: reset answers ACK and AA. */
	outb(f, 0x60, 0xFF);
	assert_int_equal(drain(f, got, 32), 2);
	assert_int_equal(got[0], 0xFA);
	assert_int_equal(got[1], 0xAA);
	/* Port 0x92: A20 is on. */
	assert_int_equal(inb(f, 0x92) & 2, 2);
}

static void test_serial_receive(void **state)
{
	struct dev_fixture *f = *state;
	struct serial *s = devices__state(&f->d, &serial_device);

	assert_int_equal(serial__feed(s, (const uint8_t *)"xyz", 3), 3);
	assert_int_equal(inb(f, 0x3FD) & 1, 1);		/* data ready */
	outb(f, 0x3F9, 0x01);				/* IER: received data */
	assert_int_equal(inb(f, 0x3FA), 0x04);		/* IIR: data available */
	assert_int_equal(inb(f, 0x3F8), 'x');
	assert_int_equal(inb(f, 0x3F8), 'y');
	assert_int_equal(inb(f, 0x3F8), 'z');
	assert_int_equal(inb(f, 0x3FD) & 1, 0);
	assert_int_equal(inb(f, 0x3FA), 0x01);		/* nothing pending */
	/* With FIFOs and a trigger of 4: fewer bytes are a timeout (0xCC). */
	outb(f, 0x3FA, 0x41);
	serial__feed(s, (const uint8_t *)"ab", 2);
	assert_int_equal(inb(f, 0x3FA), 0xCC);
	serial__feed(s, (const uint8_t *)"cd", 2);
	assert_int_equal(inb(f, 0x3FA), 0xC4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(inb(f, 0x3F8), 'a' + i);
	/* Loopback: what is sent comes back (the osdev driver's self-test). */
	outb(f, 0x3FC, 0x1E);
	outb(f, 0x3F8, 0xAE);
	assert_int_equal(inb(f, 0x3F8), 0xAE);
	/* THR empty interrupt, cleared by reading IIR. */
	outb(f, 0x3FC, 0x0B);
	outb(f, 0x3F9, 0x02);
	assert_int_equal(inb(f, 0x3FA) & 0x0F, 0x02);
	assert_int_equal(inb(f, 0x3FA) & 0x0F, 0x01);
}

static uint8_t cmos(struct dev_fixture *f, uint8_t reg)
{
	outb(f, 0x70, reg);
	return inb(f, 0x71);
}

static void test_rtc(void **state)
{
	struct dev_fixture *f = *state;
	time_t now = time(NULL);
	struct tm tm;
	uint8_t min, bcd;

	gmtime_r(&now, &tm);
	assert_int_equal(cmos(f, 0x0B) & 0x06, 0x02);	/* 24 hours, BCD */
	bcd = cmos(f, 0x09);
	assert_int_equal((bcd >> 4) * 10 + (bcd & 15), tm.tm_year % 100);
	assert_int_equal(cmos(f, 0x32), 0x20);		/* the century */
	outb(f, 0x70, 0x0B);
	outb(f, 0x71, 0x06);				/* binary */
	min = cmos(f, 0x02);
	assert_true(min < 60);
	assert_true(min == tm.tm_min || min == (tm.tm_min + 1) % 60);
	assert_int_equal(cmos(f, 0x09), tm.tm_year % 100);
	/* Memory: 32 MiB is 31744 KiB above 1 MiB, 256 blocks above 16 MiB. */
	assert_int_equal(cmos(f, 0x30) | cmos(f, 0x31) << 8, 31744);
	assert_int_equal(cmos(f, 0x34) | cmos(f, 0x35) << 8, 256);
	assert_int_equal(cmos(f, 0x15) | cmos(f, 0x16) << 8, 640);
	assert_int_equal(cmos(f, 0x12), 0xF0);		/* a hard disk */
	assert_int_equal(cmos(f, 0x0D), 0x80);
	/* Setting the year moves the guest's clock, not the host's. */
	outb(f, 0x70, 0x09);
	outb(f, 0x71, 0x42);
	assert_int_equal(cmos(f, 0x09), 0x42);
}

static void test_rtc_periodic(void **state)
{
	struct dev_fixture *f = *state;
	int hits = 0;
	uint8_t c;

	outb(f, 0x70, 0x0A);
	outb(f, 0x71, 0x26);				/* 1024 Hz */
	outb(f, 0x70, 0x0B);
	outb(f, 0x71, 0x42);				/* PIE */
	for (int i = 0; i < 200 && hits < 3; i++) {
		usleep(2000);
		c = cmos(f, 0x0C);
		if (c & 0x40) {
			assert_int_equal(c & 0x80, 0x80);	/* IRQF with PIE */
			hits++;
		}
	}
	assert_int_equal(hits, 3);
	/* PIE off: no IRQF any more. */
	outb(f, 0x70, 0x0B);
	outb(f, 0x71, 0x02);
	usleep(5000);
	cmos(f, 0x0C);
	usleep(5000);
	assert_int_equal(cmos(f, 0x0C) & 0x80, 0);
}

static void test_ata(void **state)
{
	struct dev_fixture *f = *state;
	uint16_t *w;
	uint8_t *d;
	int st;
	FILE *fp;
	uint8_t first;

	outb(f, 0x1F6, 0xE0);
	outb(f, 0x1F7, 0xEC);				/* IDENTIFY */
	assert_int_equal(inb(f, 0x1F7) & 0x08, 0x08);	/* DRQ */
	d = io(f, false, 0x1F0, 2, 256);		/* rep insw */
	devices__io(&f->d, 0, &f->u.run, &st);
	w = (uint16_t *)d;
	assert_int_equal(w[0], 0x0040);
	assert_int_equal(w[60] | w[61] << 16, 8);	/* 8 sectors */
	assert_int_equal(w[83] & (1 << 10), 1 << 10);	/* 48-bit */
	/* READ SECTORS at LBA 3. */
	outb(f, 0x1F2, 1);
	outb(f, 0x1F3, 3);
	outb(f, 0x1F4, 0);
	outb(f, 0x1F5, 0);
	outb(f, 0x1F6, 0xE0);
	outb(f, 0x1F7, 0x20);
	d = io(f, false, 0x1F0, 2, 256);
	devices__io(&f->d, 0, &f->u.run, &st);
	assert_int_equal(d[0], 0x13);
	assert_int_equal(d[511], 0x13);
	assert_int_equal(inb(f, 0x1F7) & 0x08, 0);	/* done */
	/* WRITE SECTORS at LBA 3: seen by the guest, not in the file. */
	outb(f, 0x1F2, 1);
	outb(f, 0x1F3, 3);
	outb(f, 0x1F7, 0x30);
	d = io(f, true, 0x1F0, 2, 256);
	memset(d, 0x77, 512);
	devices__io(&f->d, 0, &f->u.run, &st);
	outb(f, 0x1F2, 1);
	outb(f, 0x1F3, 3);
	outb(f, 0x1F7, 0x20);
	d = io(f, false, 0x1F0, 2, 256);
	devices__io(&f->d, 0, &f->u.run, &st);
	assert_int_equal(d[100], 0x77);
	fp = fopen(f->disk, "rb");
	fseek(fp, 3 * 512 + 100, SEEK_SET);
	first = (uint8_t)fgetc(fp);
	fclose(fp);
	assert_int_equal(first, 0x13);
	/* Past the end: ERR with IDNF. */
	outb(f, 0x1F2, 1);
	outb(f, 0x1F3, 8);
	outb(f, 0x1F7, 0x20);
	assert_int_equal(inb(f, 0x1F7) & 0x01, 0x01);
	assert_int_equal(inb(f, 0x1F1), 0x10);
	/* The slave: no drive, status 0. */
	outb(f, 0x1F6, 0xF0);
	assert_int_equal(inb(f, 0x1F7), 0);
	/* The secondary channel has no image here: an empty bus. */
	assert_int_equal(inb(f, 0x177), 0xFF);
}

static void test_vga_render(void **state)
{
	uint8_t cells[80 * 25 * 2];
	char buf[8192];

	(void)state;
	memset(cells, 0, sizeof(cells));
	cells[0] = 'H';
	cells[1] = 0x1E;		/* yellow on blue */
	cells[2] = 'i';
	cells[3] = 0x0A;
	cells[80 * 2] = 0xC4;		/* CP437 box drawing: U+2500 */
	cells[80 * 2 + 1] = 0x07;
	vga__render(cells, 81, true, false, false, buf, sizeof(buf));
	assert_non_null(strstr(buf, "Hi\n\xe2\x94\x80\n\n"));
	assert_non_null(strstr(buf, "cursor at row 1, column 1\n"));
	vga__render(cells, 81, true, false, true, buf, sizeof(buf));
	assert_string_equal(buf, "Hi\n\xe2\x94\x80\n(rows 2-24 are blank)\ncursor at row 1, column 1\n");
	vga__render(cells, 81, false, true, false, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\033[0;1;33;44mH\033[0;1;32;40mi"));
	assert_non_null(strstr(buf, "cursor hidden"));
	/* Truncated output stays NUL-terminated. */
	assert_true(vga__render(cells, 0, true, true, false, buf, 10) < 10);
	assert_int_equal(buf[9], '\0');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_keyboard, setup, teardown),
		cmocka_unit_test_setup_teardown(test_serial_receive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rtc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rtc_periodic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ata, setup, teardown),
		cmocka_unit_test(test_vga_render),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
