/*
 * keyboard.h - what the input and the machine ask of the keyboard
 * controller (keyboard.c) beyond the device interface: keys to press.
 */
#ifndef KVMSTUB_KEYBOARD_H
#define KVMSTUB_KEYBOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct keyboard;

/* Type text: each character a key press and release (with shift for
 * capitals and shifted symbols, US layout); \n is Enter, \t Tab, \b
 * Backspace, \x1b Esc.  -EINVAL with a message for a character that has
 * no key.  From any thread. */
int keyboard__type(struct keyboard *k, const char *text, size_t len, char *err, size_t errlen);
/* Keys held together and released in reverse: "ctrl-alt-del", "shift-a",
 * "f1", "up".  -EINVAL with a message naming an unknown key. */
int keyboard__sendkey(struct keyboard *k, const char *combo, char *err, size_t errlen);

#endif
