/*
 * keyboard.c - the PC's 8042 keyboard controller with a keyboard, at
 * ports 0x60 (data) and 0x64 (status, commands), IRQ 1; and port 0x92
 * ("system control port A": the fast A20 gate, always on here).
 *
 * The controller: status (output buffer full, system flag, command/data),
 * the configuration byte (0x20 read, 0x60 write: bit 0 IRQ 1, bit 4 the
 * keyboard's clock off, bit 6 translation to scancode set 1), self-test
 * (0xAA: 0x55), interface test (0xAB: 0x00), keyboard off/on (0xAD/0xAE),
 * the output port (0xD0/0xD1: A20 stays on).  The keyboard: reset (0xFF:
 * 0xFA 0xAA), enable/disable scanning (0xF4/0xF5), scancode set (0xF0:
 * sets 1 and 2), LEDs (0xED), identify (0xF2), echo (0xEE), typematic
 * (0xF3), defaults (0xF6); each acknowledged with 0xFA.
 *
 * Keys (typed on the daemon's terminal, monitor key, monitor sendkey)
 * become make and break codes, set 1 when the controller translates (its
 * default) or set 1 is selected, else set 2, and wait in a queue; the
 * output buffer takes the next byte when the guest has read the last, and
 * IRQ 1 rises with each byte while the configuration enables it.
 */
#include "device.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "../host/log.h"
#include "irqchip.h"
#include "keyboard.h"

#define KBD_DATA	0x60
#define KBD_STATUS	0x64
#define PORT_A		0x92
#define ST_OBF		0x01
#define ST_SYS		0x04
#define ST_CMD		0x08	/* the last write was to 0x64 */
#define ST_UNLOCKED	0x10
#define CFG_IRQ		0x01
#define CFG_SYS		0x04
#define CFG_CLOCK_OFF	0x10
#define CFG_TRANSLATE	0x40
#define CFG_RESET	(CFG_IRQ | CFG_SYS | CFG_TRANSLATE)
#define KBD_IRQ		1
#define QUEUE		512
#define ACK		0xFA

static const struct dev_range ports[] = { { KBD_DATA, 1 }, { KBD_STATUS, 1 }, { PORT_A, 1 } };

/* A key: its name, set 1 and set 2 make codes (0xE0-prefixed when ext),
 * and the characters it types without and with shift. */
struct key {
	const char *name;
	uint8_t set1, set2;
	bool ext;
	char plain, shifted;
};

static const struct key keys[] = {
	{ "esc", 0x01, 0x76, false, 0x1B, 0x1B },
	{ "1", 0x02, 0x16, false, '1', '!' }, { "2", 0x03, 0x1E, false, '2', '@' },
	{ "3", 0x04, 0x26, false, '3', '#' }, { "4", 0x05, 0x25, false, '4', '$' },
	{ "5", 0x06, 0x2E, false, '5', '%' }, { "6", 0x07, 0x36, false, '6', '^' },
	{ "7", 0x08, 0x3D, false, '7', '&' }, { "8", 0x09, 0x3E, false, '8', '*' },
	{ "9", 0x0A, 0x46, false, '9', '(' }, { "0", 0x0B, 0x45, false, '0', ')' },
	{ "minus", 0x0C, 0x4E, false, '-', '_' }, { "equal", 0x0D, 0x55, false, '=', '+' },
	{ "backspace", 0x0E, 0x66, false, '\b', 0 }, { "tab", 0x0F, 0x0D, false, '\t', 0 },
	{ "q", 0x10, 0x15, false, 'q', 'Q' }, { "w", 0x11, 0x1D, false, 'w', 'W' },
	{ "e", 0x12, 0x24, false, 'e', 'E' }, { "r", 0x13, 0x2D, false, 'r', 'R' },
	{ "t", 0x14, 0x2C, false, 't', 'T' }, { "y", 0x15, 0x35, false, 'y', 'Y' },
	{ "u", 0x16, 0x3C, false, 'u', 'U' }, { "i", 0x17, 0x43, false, 'i', 'I' },
	{ "o", 0x18, 0x44, false, 'o', 'O' }, { "p", 0x19, 0x4D, false, 'p', 'P' },
	{ "bracket_left", 0x1A, 0x54, false, '[', '{' },
	{ "bracket_right", 0x1B, 0x5B, false, ']', '}' },
	{ "enter", 0x1C, 0x5A, false, '\n', 0 }, { "ctrl", 0x1D, 0x14, false, 0, 0 },
	{ "a", 0x1E, 0x1C, false, 'a', 'A' }, { "s", 0x1F, 0x1B, false, 's', 'S' },
	{ "d", 0x20, 0x23, false, 'd', 'D' }, { "f", 0x21, 0x2B, false, 'f', 'F' },
	{ "g", 0x22, 0x34, false, 'g', 'G' }, { "h", 0x23, 0x33, false, 'h', 'H' },
	{ "j", 0x24, 0x3B, false, 'j', 'J' }, { "k", 0x25, 0x42, false, 'k', 'K' },
	{ "l", 0x26, 0x4B, false, 'l', 'L' }, { "semicolon", 0x27, 0x4C, false, ';', ':' },
	{ "apostrophe", 0x28, 0x52, false, '\'', '"' }, { "grave", 0x29, 0x0E, false, '`', '~' },
	{ "shift", 0x2A, 0x12, false, 0, 0 }, { "backslash", 0x2B, 0x5D, false, '\\', '|' },
	{ "z", 0x2C, 0x1A, false, 'z', 'Z' }, { "x", 0x2D, 0x22, false, 'x', 'X' },
	{ "c", 0x2E, 0x21, false, 'c', 'C' }, { "v", 0x2F, 0x2A, false, 'v', 'V' },
	{ "b", 0x30, 0x32, false, 'b', 'B' }, { "n", 0x31, 0x31, false, 'n', 'N' },
	{ "m", 0x32, 0x3A, false, 'm', 'M' }, { "comma", 0x33, 0x41, false, ',', '<' },
	{ "dot", 0x34, 0x49, false, '.', '>' }, { "slash", 0x35, 0x4A, false, '/', '?' },
	{ "shift_r", 0x36, 0x59, false, 0, 0 }, { "kp_multiply", 0x37, 0x7C, false, 0, 0 },
	{ "alt", 0x38, 0x11, false, 0, 0 }, { "spc", 0x39, 0x29, false, ' ', 0 },
	{ "caps_lock", 0x3A, 0x58, false, 0, 0 },
	{ "f1", 0x3B, 0x05, false, 0, 0 }, { "f2", 0x3C, 0x06, false, 0, 0 },
	{ "f3", 0x3D, 0x04, false, 0, 0 }, { "f4", 0x3E, 0x0C, false, 0, 0 },
	{ "f5", 0x3F, 0x03, false, 0, 0 }, { "f6", 0x40, 0x0B, false, 0, 0 },
	{ "f7", 0x41, 0x83, false, 0, 0 }, { "f8", 0x42, 0x0A, false, 0, 0 },
	{ "f9", 0x43, 0x01, false, 0, 0 }, { "f10", 0x44, 0x09, false, 0, 0 },
	{ "f11", 0x57, 0x78, false, 0, 0 }, { "f12", 0x58, 0x07, false, 0, 0 },
	{ "ctrl_r", 0x1D, 0x14, true, 0, 0 }, { "alt_r", 0x38, 0x11, true, 0, 0 },
	{ "home", 0x47, 0x6C, true, 0, 0 }, { "up", 0x48, 0x75, true, 0, 0 },
	{ "pgup", 0x49, 0x7D, true, 0, 0 }, { "left", 0x4B, 0x6B, true, 0, 0 },
	{ "right", 0x4D, 0x74, true, 0, 0 }, { "end", 0x4F, 0x69, true, 0, 0 },
	{ "down", 0x50, 0x72, true, 0, 0 }, { "pgdn", 0x51, 0x7A, true, 0, 0 },
	{ "insert", 0x52, 0x70, true, 0, 0 }, { "delete", 0x53, 0x71, true, 0, 0 },
};

#define NR_KEYS		(sizeof(keys) / sizeof(keys[0]))

/* Names QEMU's sendkey also knows, for the same keys. */
static const struct { const char *alias, *name; } aliases[] = {
	{ "del", "delete" }, { "escape", "esc" }, { "ret", "enter" }, { "return", "enter" },
	{ "space", "spc" }, { "control", "ctrl" }, { "ins", "insert" }, { "pageup", "pgup" },
	{ "pagedown", "pgdn" }, { "shift_l", "shift" }, { "ctrl_l", "ctrl" }, { "alt_l", "alt" },
	{ "bs", "backspace" }, { "altgr", "alt_r" },
};

struct kbd_regs {			/* saved by a snapshot */
	uint8_t cfg, out, status;
	uint8_t pending_cmd;		/* a controller command waiting for its data byte */
	uint8_t pending_kbd;		/* a keyboard command waiting for its argument */
	uint8_t set;			/* the keyboard's scancode set, 1 or 2 */
	bool scanning;
	uint8_t queue[QUEUE];
	uint16_t q_head, q_len;
};

struct keyboard {
	struct kbd_regs r;
	int irq_fd;
	bool line;
	pthread_mutex_t lock;		/* the input thread and the machine press keys */
	FILE *log;
};

static void update_irq(struct keyboard *k)
{
	bool level = (k->r.status & ST_OBF) && (k->r.cfg & CFG_IRQ);

	if (level != k->line) {
		k->line = level;
		irqchip__line(k->irq_fd, KBD_IRQ, level);
	}
}

/* The next queued byte into the output buffer, when it is free. */
static void advance(struct keyboard *k)
{
	if ((k->r.status & ST_OBF) || !k->r.q_len)
		return;
	k->r.out = k->r.queue[k->r.q_head];
	k->r.q_head = (uint16_t)((k->r.q_head + 1) % QUEUE);
	k->r.q_len--;
	k->r.status |= ST_OBF;
}

static bool push(struct keyboard *k, uint8_t byte)
{
	if (k->r.q_len == QUEUE)
		return false;
	k->r.queue[(k->r.q_head + k->r.q_len) % QUEUE] = byte;
	k->r.q_len++;
	return true;
}

/* A controller or keyboard reply: ahead of keys not yet sent. */
static void reply(struct keyboard *k, uint8_t byte)
{
	if (k->r.q_len == QUEUE)
		k->r.q_len--;
	k->r.q_head = (uint16_t)((k->r.q_head + QUEUE - 1) % QUEUE);
	k->r.queue[k->r.q_head] = byte;
	k->r.q_len++;
}

static void replies(struct keyboard *k, const uint8_t *bytes, int n)
{
	for (int i = n - 1; i >= 0; i--)
		reply(k, bytes[i]);
	advance(k);
	update_irq(k);
}

static bool use_set1(const struct keyboard *k)
{
	return (k->r.cfg & CFG_TRANSLATE) || k->r.set == 1;
}

/* One key's make (down) or break code into the queue; false when full. */
static bool key_event(struct keyboard *k, const struct key *key, bool down)
{
	bool ok = true;

	if (!k->r.scanning || (k->r.cfg & CFG_CLOCK_OFF))
		return true;		/* the keyboard sends nothing */
	if (key->ext)
		ok = push(k, 0xE0);
	if (use_set1(k))
		return ok && push(k, (uint8_t)(key->set1 | (down ? 0 : 0x80)));
	if (!down)
		ok = ok && push(k, 0xF0);
	return ok && push(k, key->set2);
}

static void press(struct keyboard *k, const struct key *const *held, int n)
{
	for (int i = 0; i < n; i++)
		key_event(k, held[i], true);
	for (int i = n - 1; i >= 0; i--)
		key_event(k, held[i], false);
	advance(k);
	update_irq(k);
}

static const struct key *key_by_name(const char *name, size_t n);

static const struct key *key_for_char(char c, bool *shift)
{
	for (size_t i = 0; i < NR_KEYS; i++) {
		if (keys[i].plain == c && c) {
			*shift = false;
			return &keys[i];
		}
		if (keys[i].shifted == c && c && keys[i].shifted != keys[i].plain) {
			*shift = true;
			return &keys[i];
		}
	}
	if (c == '\r')			/* a terminal's Enter */
		return key_for_char('\n', shift);
	if (c == 0x7F)			/* a terminal's Backspace */
		return key_for_char('\b', shift);
	return NULL;
}

int keyboard__type(struct keyboard *k, const char *text, size_t len, char *err, size_t errlen)
{
	for (size_t i = 0; i < len; i++) {
		bool shift;

		if (!key_for_char(text[i], &shift)) {
			snprintf(err, errlen, "no key types the character 0x%02x (US layout: "
				 "printable ASCII, \\n, \\t, \\b, \\e)", (uint8_t)text[i]);
			return -EINVAL;
		}
	}
	pthread_mutex_lock(&k->lock);
	for (size_t i = 0; i < len; i++) {
		bool shift;
		const struct key *key = key_for_char(text[i], &shift);
		const struct key *held[2] = { key_by_name("shift", 5), key };

		press(k, shift ? held : held + 1, shift ? 2 : 1);
	}
	pthread_mutex_unlock(&k->lock);
	return 0;
}

static const struct key *key_by_name(const char *name, size_t n)
{
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strlen(aliases[i].alias) == n && !strncasecmp(aliases[i].alias, name, n))
			return key_by_name(aliases[i].name, strlen(aliases[i].name));
	for (size_t i = 0; i < NR_KEYS; i++)
		if (strlen(keys[i].name) == n && !strncasecmp(keys[i].name, name, n))
			return &keys[i];
	return NULL;
}

int keyboard__sendkey(struct keyboard *k, const char *combo, char *err, size_t errlen)
{
	const struct key *held[8];
	int n = 0;

	for (const char *p = combo; *p; ) {
		size_t len = strcspn(p, "-");
		const struct key *key = key_by_name(p, len);

		if (!key || n == 8) {
			snprintf(err, errlen, n == 8 ? "at most 8 keys at once" :
				 "unknown key '%.*s' (names: a-z, 0-9, f1-f12, esc, enter, tab, "
				 "backspace, spc, ctrl, alt, shift, del, up, down, left, right, "
				 "home, end, pgup, pgdn, insert...)", (int)len, p);
			return -EINVAL;
		}
		held[n++] = key;
		p += len;
		if (*p == '-')
			p++;
	}
	if (!n) {
		snprintf(err, errlen, "no key named");
		return -EINVAL;
	}
	pthread_mutex_lock(&k->lock);
	press(k, held, n);
	pthread_mutex_unlock(&k->lock);
	return 0;
}

/* A byte written to port 0x60 for the keyboard itself. */
static void keyboard_command(struct keyboard *k, uint8_t val)
{
	static const uint8_t reset_reply[2] = { ACK, 0xAA }, id_reply[3] = { ACK, 0xAB, 0x83 };
	uint8_t ack = ACK;

	if (k->r.pending_kbd) {
		uint8_t cmd = k->r.pending_kbd;

		k->r.pending_kbd = 0;
		if (cmd == 0xF0 && val == 0) {
			uint8_t r[2] = { ACK, k->r.set };

			replies(k, r, 2);
			return;
		}
		if (cmd == 0xF0 && val != 1 && val != 2) {
			ack = 0xFE;	/* set 3: resend, not supported */
		} else if (cmd == 0xF0) {
			k->r.set = val;
		}
		replies(k, &ack, 1);
		return;
	}
	switch (val) {
	case 0xFF:
		k->r.set = 2;
		k->r.scanning = true;
		replies(k, reset_reply, 2);
		return;
	case 0xF2:
		replies(k, id_reply, 3);
		return;
	case 0xEE:
		ack = 0xEE;
		break;
	case 0xF4:
		k->r.scanning = true;
		break;
	case 0xF5:
		k->r.scanning = false;
		break;
	case 0xF6:
		k->r.scanning = true;
		k->r.set = 2;
		break;
	case 0xED: case 0xF0: case 0xF3:
		k->r.pending_kbd = val;
		break;
	default:
		ack = 0xFE;		/* resend: not a command we know */
		break;
	}
	replies(k, &ack, 1);
}

static void controller_command(struct keyboard *k, uint8_t cmd)
{
	uint8_t r;

	switch (cmd) {
	case 0x20:
		r = k->r.cfg;
		replies(k, &r, 1);
		return;
	case 0x60: case 0xD1: case 0xD2:
		k->r.pending_cmd = cmd;
		return;
	case 0xAA:
		r = 0x55;
		k->r.status |= ST_SYS;
		replies(k, &r, 1);
		return;
	case 0xAB:
		r = 0x00;
		replies(k, &r, 1);
		return;
	case 0xAD:
		k->r.cfg |= CFG_CLOCK_OFF;
		break;
	case 0xAE:
		k->r.cfg &= (uint8_t)~CFG_CLOCK_OFF;
		break;
	case 0xD0:
		r = 0x03 | (k->r.status & ST_OBF ? 0x10 : 0);	/* reset line high, A20 on */
		replies(k, &r, 1);
		return;
	case 0xFE:
		log__say(k->log, "keyboard controller: the guest pulsed the reset line "
			 "(command 0xfe); kvmstub does not reset the machine for it");
		break;
	default:
		break;
	}
	advance(k);
	update_irq(k);
}

static int kbd_out(void *st, uint16_t port, uint8_t val)
{
	struct keyboard *k = st;

	pthread_mutex_lock(&k->lock);
	if (port == KBD_STATUS) {
		k->r.status |= ST_CMD;
		controller_command(k, val);
	} else if (port == KBD_DATA) {
		uint8_t cmd = k->r.pending_cmd;

		k->r.status &= (uint8_t)~ST_CMD;
		k->r.pending_cmd = 0;
		if (cmd == 0x60) {
			k->r.cfg = val;
			if (val & CFG_SYS)
				k->r.status |= ST_SYS;
			advance(k);
			update_irq(k);
		} else if (cmd == 0xD2) {
			replies(k, &val, 1);	/* as if the keyboard sent it */
		} else if (cmd != 0xD1) {	/* 0xD1: the output port; A20 stays on */
			keyboard_command(k, val);
		}
	}
	pthread_mutex_unlock(&k->lock);
	return 0;
}

static uint8_t kbd_in(void *st, uint16_t port)
{
	struct keyboard *k = st;
	uint8_t v;

	if (port == PORT_A)
		return 0x02;		/* A20 on, no reset */
	pthread_mutex_lock(&k->lock);
	if (port == KBD_STATUS) {
		v = k->r.status | ST_UNLOCKED;
	} else {
		v = k->r.out;
		k->r.status &= (uint8_t)~ST_OBF;
		update_irq(k);		/* the line falls ... */
		advance(k);		/* ... and rises again for the next byte */
		update_irq(k);
	}
	pthread_mutex_unlock(&k->lock);
	return v;
}

static int kbd_reset(void *st, char *err, size_t errlen)
{
	struct keyboard *k = st;

	(void)err;
	(void)errlen;
	pthread_mutex_lock(&k->lock);
	memset(&k->r, 0, sizeof(k->r));
	k->r.cfg = CFG_RESET;
	k->r.set = 2;
	k->r.scanning = true;
	update_irq(k);
	pthread_mutex_unlock(&k->lock);
	return 0;
}

static int kbd_create(void *st, const struct dev_env *env, char *err, size_t errlen)
{
	struct keyboard *k = st;

	k->irq_fd = env->caps && env->caps->irqchip ? env->vm_fd : -1;
	k->log = env->log;
	pthread_mutex_init(&k->lock, NULL);
	return kbd_reset(k, err, errlen);
}

static void kbd_destroy(void *st)
{
	struct keyboard *k = st;

	pthread_mutex_destroy(&k->lock);
}

static ssize_t kbd_save(void *st, void *buf, size_t len)
{
	struct keyboard *k = st;

	if (buf && len >= sizeof(k->r))
		memcpy(buf, &k->r, sizeof(k->r));
	return (ssize_t)sizeof(k->r);
}

static int kbd_load(void *st, const void *buf, size_t len)
{
	struct keyboard *k = st;

	if (len != sizeof(k->r))
		return -EINVAL;
	pthread_mutex_lock(&k->lock);
	memcpy(&k->r, buf, sizeof(k->r));
	k->r.q_head %= QUEUE;
	if (k->r.q_len > QUEUE)
		k->r.q_len = QUEUE;
	update_irq(k);
	pthread_mutex_unlock(&k->lock);
	return 0;
}

const struct device keyboard_device = {
	.name = "keyboard controller (8042, IRQ 1; port 0x92)",
	.ports = ports,
	.nr_ports = 3,
	.state_size = sizeof(struct keyboard),
	.create = kbd_create,
	.destroy = kbd_destroy,
	.in = kbd_in,
	.out = kbd_out,
	.reset = kbd_reset,
	.save = kbd_save,
	.load = kbd_load,
};
