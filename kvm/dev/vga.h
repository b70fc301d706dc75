/*
 * vga.h - what the machine asks of the VGA text screen (vga.c) beyond the
 * device interface: the screen as text.
 */
#ifndef KVMSTUB_VGA_H
#define KVMSTUB_VGA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vga;

/* The 80x25 screen as 25 lines of text (code page 437 as UTF-8, trailing
 * blanks dropped), with the attributes as ANSI colours when ansi, then a
 * line saying where the cursor is; with trim, blank lines at the bottom
 * are one line saying so.  The length written (at most len - 1,
 * NUL-terminated). */
size_t vga__screen(struct vga *v, bool ansi, bool trim, char *buf, size_t len);
/* The same from 4000 bytes of cells (character, attribute), pure. */
size_t vga__render(const uint8_t *cells, unsigned int cursor, bool cursor_on, bool ansi,
		   bool trim, char *buf, size_t len);

#endif
