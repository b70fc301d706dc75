/*
 * atatest.c - a test kernel (multiboot 1, entered by mbinfo1_boot.S): a
 * disk driver as a learner writes one in protected mode, polling the
 * primary IDE channel (ports 0x1F0-0x1F7).  It IDENTIFYs the disk, writes
 * a pattern to sector 5 with WRITE SECTORS (28-bit LBA), reads it back
 * with READ SECTORS and with READ SECTORS EXT (48-bit LBA), reads sector 0
 * (the boot signature), and prints each result on COM1.  Exit status 0
 * when every check held (tests/e2e/devices_ata.sh).
 */
#include <stdint.h>

#define ATA	0x1F0
#define ST_BSY	0x80
#define ST_DRQ	0x08
#define ST_ERR	0x01

static void outb(uint16_t port, uint8_t val)
{
	__asm__ volatile("outb %0, %1" : : "a"(val), "Nd"(port));
}

static uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static uint16_t inw(uint16_t port)
{
	uint16_t v;

	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static void outw(uint16_t port, uint16_t val)
{
	__asm__ volatile("outw %0, %1" : : "a"(val), "Nd"(port));
}

static void puts(const char *s)
{
	for (; *s; s++) {
		while (!(inb(0x3FD) & 0x20))
			;
		outb(0x3F8, (uint8_t)*s);
	}
}

static void hex(uint32_t v, int digits)
{
	char b[9];

	for (int i = digits - 1; i >= 0; i--, v >>= 4)
		b[i] = "0123456789abcdef"[v & 15];
	b[digits] = '\0';
	puts(b);
}

/* Wait for the drive: not busy, and (want_drq) data to move.  0 or the status. */
static int wait(int want_drq)
{
	for (int i = 0; i < 1000000; i++) {
		uint8_t st = inb(ATA + 7);

		if (st & ST_BSY)
			continue;
		if (st & ST_ERR)
			return st;
		if (!want_drq || (st & ST_DRQ))
			return 0;
	}
	return -1;
}

static uint16_t buf[256];

static int command(uint32_t lba, uint8_t cmd, int ext)
{
	outb(ATA + 0x206, 0x02);		/* nIEN: this driver polls */
	if (ext) {
		outb(ATA + 6, 0x40);		/* LBA, master */
		outb(ATA + 2, 0);		/* the high bytes first */
		outb(ATA + 3, (uint8_t)(lba >> 24));
		outb(ATA + 4, 0);
		outb(ATA + 5, 0);
	} else {
		outb(ATA + 6, (uint8_t)(0xE0 | (lba >> 24 & 0x0F)));
	}
	outb(ATA + 2, 1);
	outb(ATA + 3, (uint8_t)lba);
	outb(ATA + 4, (uint8_t)(lba >> 8));
	outb(ATA + 5, (uint8_t)(lba >> 16));
	outb(ATA + 7, cmd);
	return wait(1);
}

static int read_sector(uint32_t lba, int ext)
{
	if (command(lba, ext ? 0x24 : 0x20, ext))
		return -1;
	for (int i = 0; i < 256; i++)
		buf[i] = inw(ATA);
	return 0;
}

static int write_sector(uint32_t lba)
{
	if (command(lba, 0x30, 0))
		return -1;
	for (int i = 0; i < 256; i++)
		outw(ATA, (uint16_t)(0xA500 + i));
	return wait(0);
}

static int check(const char *what, int ok)
{
	puts(what);
	puts(ok ? ": ok\n" : ": FAILED\n");
	return ok ? 0 : 1;
}

int kernel_main(uint32_t magic, uint32_t info);

int kernel_main(uint32_t magic, uint32_t info)
{
	int bad = 0, same = 1;
	uint32_t sectors;

	(void)magic;
	(void)info;
	if (command(0, 0xEC, 0))
		return check("identify", 0);
	for (int i = 0; i < 256; i++)
		buf[i] = inw(ATA);
	sectors = buf[60] | (uint32_t)buf[61] << 16;
	puts("identify: ");
	hex(sectors, 8);
	puts(" sectors, 48-bit ");
	puts(buf[83] & (1 << 10) ? "yes\n" : "no\n");
	bad |= check("read sector 0", read_sector(0, 0) == 0 && buf[255] == 0xAA55);
	bad |= check("write sector 5", write_sector(5) == 0);
	bad |= check("read sector 5", read_sector(5, 0) == 0);
	for (int i = 0; i < 256; i++)
		same &= buf[i] == (uint16_t)(0xA500 + i);
	bad |= check("read back", same);
	bad |= check("read sector 5 (48-bit)", read_sector(5, 1) == 0 && buf[7] == 0xA507);
	bad |= check("past the end is refused", read_sector(sectors, 0) != 0);
	return bad;
}
