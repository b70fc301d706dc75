/*
 * hello.c - lesson 11: a multiboot kernel in C, the osdev wiki's "Bare
 * Bones" shape.  hello_boot.S gives it a stack and calls kernel_main with
 * the two registers the boot loader set: the magic number and the address
 * of the multiboot information.
 *
 * WHAT YOU LEARN
 *   The screen of a PC in text mode is memory: 80 x 25 cells from
 *   physical address 0xB8000, two bytes each, the character (code page
 *   437) and its attribute (the low 4 bits the foreground colour, the high
 *   4 the background).  Writing there is all it takes to print; the
 *   cursor is the VGA CRT controller's, set through ports 0x3D4/0x3D5.
 *   The multiboot information tells the kernel what the loader found:
 *   here the command line it was given (kvmstub --append) is printed.
 *   `monitor screen` shows the screen in gdb; `--screen FILE` keeps it in
 *   a file, redrawn as it changes.
 */
#include <stdint.h>

#define VGA_WIDTH	80
#define VGA_HEIGHT	25
#define MB_BOOT_MAGIC	0x2BADB002u
#define MBI_CMDLINE	(1u << 2)

enum vga_color {
	BLACK = 0, BLUE = 1, GREEN = 2, CYAN = 3, RED = 4, MAGENTA = 5, BROWN = 6,
	LIGHT_GREY = 7, DARK_GREY = 8, LIGHT_BLUE = 9, LIGHT_GREEN = 10, LIGHT_CYAN = 11,
	LIGHT_RED = 12, LIGHT_MAGENTA = 13, YELLOW = 14, WHITE = 15,
};

/* The start of the multiboot information (the specification's layout). */
struct multiboot_info {
	uint32_t flags;
	uint32_t mem_lower, mem_upper;
	uint32_t boot_device;
	uint32_t cmdline;
};

static volatile uint16_t *const vga = (volatile uint16_t *)0xB8000;
static unsigned int row, column;
static uint8_t color;

static void outb(uint16_t port, uint8_t val)
{
	__asm__ volatile("outb %0, %1" : : "a"(val), "Nd"(port));
}

static uint16_t cell(char c, uint8_t attr)
{
	return (uint16_t)(uint8_t)c | (uint16_t)attr << 8;
}

/* The hardware cursor under the next character. */
static void move_cursor(void)
{
	uint16_t pos = (uint16_t)(row * VGA_WIDTH + column);

	outb(0x3D4, 0x0F);
	outb(0x3D5, (uint8_t)pos);
	outb(0x3D4, 0x0E);
	outb(0x3D5, (uint8_t)(pos >> 8));
}

static void terminal_clear(void)
{
	for (unsigned int i = 0; i < VGA_WIDTH * VGA_HEIGHT; i++)
		vga[i] = cell(' ', LIGHT_GREY | BLACK << 4);
	row = column = 0;
}

static void terminal_putchar(char c)
{
	if (c == '\n') {
		column = 0;
		row = (row + 1) % VGA_HEIGHT;
		return;
	}
	vga[row * VGA_WIDTH + column] = cell(c, color);
	if (++column == VGA_WIDTH) {
		column = 0;
		row = (row + 1) % VGA_HEIGHT;
	}
}

static void terminal_write(const char *s, uint8_t attr)
{
	color = attr;
	while (*s)
		terminal_putchar(*s++);
	move_cursor();
}

void kernel_main(uint32_t magic, const struct multiboot_info *info);

void kernel_main(uint32_t magic, const struct multiboot_info *info)
{
	terminal_clear();
	if (magic != MB_BOOT_MAGIC) {
		terminal_write("not started by a multiboot boot loader\n", WHITE | RED << 4);
		return;
	}
	terminal_write("Hello", YELLOW | BLUE << 4);
	terminal_write(", kernel World!\n", LIGHT_GREEN | BLACK << 4);
	if (info->flags & MBI_CMDLINE) {
		terminal_write("command line: ", LIGHT_GREY | BLACK << 4);
		terminal_write((const char *)info->cmdline, WHITE | BLACK << 4);
		terminal_write("\n", LIGHT_GREY | BLACK << 4);
	}
}
