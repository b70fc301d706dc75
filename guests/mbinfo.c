/*
 * mbinfo.c - a test kernel: prints the multiboot 1 or 2 information it was
 * started with on COM1, one fact a line, so that tests compare what
 * kvmstub and another loader (QEMU's -kernel) hand over.  Returns the
 * exit status (0 when the magic number is a multiboot loader's).
 */
#include <stdint.h>

#define MB1_BOOT_MAGIC	0x2BADB002u
#define MB2_BOOT_MAGIC	0x36D76289u

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

static void putc(char c)
{
	while (!(inb(0x3FD) & 0x20))
		;
	outb(0x3F8, (uint8_t)c);
}

static void puts(const char *s)
{
	while (*s)
		putc(*s++);
}

static void hex(uint64_t v)
{
	int shift = 60;

	puts("0x");
	while (shift > 0 && !(v >> shift))
		shift -= 4;
	for (; shift >= 0; shift -= 4)
		putc("0123456789abcdef"[(v >> shift) & 15]);
}

static void dec(uint32_t v)
{
	char buf[12];
	int i = 0;

	do
		buf[i++] = (char)('0' + v % 10);
	while (v /= 10);
	while (i)
		putc(buf[--i]);
}

static uint32_t rd32(uint32_t addr)
{
	return *(const volatile uint32_t *)addr;
}

static uint64_t rd64(uint32_t addr)
{
	return rd32(addr) | (uint64_t)rd32(addr + 4) << 32;
}

/* A module: its size, the sum of its bytes, its command line. */
static void module(uint32_t i, uint32_t start, uint32_t end, uint32_t string)
{
	uint32_t sum = 0;

	for (uint32_t a = start; a < end; a++)
		sum += *(const volatile uint8_t *)a;
	puts("module ");
	dec(i);
	puts(" size ");
	dec(end - start);
	puts(" sum ");
	dec(sum);
	puts(start & 0xFFF ? " unaligned" : " page-aligned");
	puts(" string '");
	puts((const char *)string);
	puts("'\n");
}

static void mmap_entry(uint64_t base, uint64_t len, uint32_t type)
{
	puts("mmap ");
	hex(base);
	puts(" ");
	hex(len);
	puts(" type ");
	dec(type);
	puts("\n");
}

static void framebuffer(uint64_t addr, uint32_t pitch, uint32_t w, uint32_t h, uint32_t bpp,
			uint32_t type)
{
	puts("framebuffer ");
	hex(addr);
	puts(" pitch ");
	dec(pitch);
	puts(" ");
	dec(w);
	puts("x");
	dec(h);
	puts("x");
	dec(bpp);
	puts(" type ");
	dec(type);
	puts("\n");
}

static void mb1(uint32_t info)
{
	uint32_t flags = rd32(info);

	puts("flags ");
	hex(flags);
	puts("\n");
	if (flags & 1) {
		puts("mem_lower ");
		dec(rd32(info + 4));
		puts("\nmem_upper ");
		dec(rd32(info + 8));
		puts("\n");
	}
	if (flags & (1 << 2)) {
		puts("cmdline '");
		puts((const char *)rd32(info + 16));
		puts("'\n");
	}
	if (flags & (1 << 3)) {
		uint32_t n = rd32(info + 20), mods = rd32(info + 24);

		puts("modules ");
		dec(n);
		puts("\n");
		for (uint32_t i = 0; i < n; i++)
			module(i, rd32(mods + 16 * i), rd32(mods + 16 * i + 4),
			       rd32(mods + 16 * i + 8));
	}
	if (flags & (1 << 6)) {
		uint32_t at = rd32(info + 48), end = at + rd32(info + 44);

		for (; at < end; at += rd32(at) + 4)
			mmap_entry(rd64(at + 4), rd64(at + 12), rd32(at + 20));
	}
	if (flags & (1 << 9)) {
		puts("loader '");
		puts((const char *)rd32(info + 64));
		puts("'\n");
	}
	if (flags & (1 << 12))
		framebuffer(rd64(info + 88), rd32(info + 96), rd32(info + 100), rd32(info + 104),
			    *(const volatile uint8_t *)(info + 108),
			    *(const volatile uint8_t *)(info + 109));
}

static void mb2(uint32_t info)
{
	uint32_t total = rd32(info), nmod = 0;

	puts("total_size ");
	dec(total);
	puts(info & 7 ? " unaligned\n" : " aligned\n");
	for (uint32_t at = info + 8; at < info + total; at += (rd32(at + 4) + 7) & ~7u) {
		uint32_t type = rd32(at), size = rd32(at + 4);

		switch (type) {
		case 0:
			puts("end\n");
			return;
		case 1:
			puts("cmdline '");
			puts((const char *)(at + 8));
			puts("'\n");
			break;
		case 2:
			puts("loader '");
			puts((const char *)(at + 8));
			puts("'\n");
			break;
		case 3:
			module(nmod++, rd32(at + 8), rd32(at + 12), at + 16);
			break;
		case 4:
			puts("mem_lower ");
			dec(rd32(at + 8));
			puts("\nmem_upper ");
			dec(rd32(at + 12));
			puts("\n");
			break;
		case 6:
			for (uint32_t e = at + 16; e < at + size; e += rd32(at + 8))
				mmap_entry(rd64(e), rd64(e + 8), rd32(e + 16));
			break;
		case 8:
			framebuffer(rd64(at + 8), rd32(at + 16), rd32(at + 20), rd32(at + 24),
				    *(const volatile uint8_t *)(at + 28),
				    *(const volatile uint8_t *)(at + 29));
			break;
		default:
			puts("tag ");
			dec(type);
			puts(" size ");
			dec(size);
			puts("\n");
			break;
		}
	}
	puts("no end tag\n");
}

int kernel_main(uint32_t magic, uint32_t info);

int kernel_main(uint32_t magic, uint32_t info)
{
	puts("magic ");
	hex(magic);
	puts("\ninfo ");
	puts(info & 0xFFF ? "in a page\n" : "page-aligned\n");
	if (magic == MB1_BOOT_MAGIC)
		mb1(info);
	else if (magic == MB2_BOOT_MAGIC)
		mb2(info);
	else
		return 1;
	puts("done\n");
	return 0;
}
