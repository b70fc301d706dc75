/*
 * vga.c - the VGA in 80x25 colour text mode: the screen is RAM at 0xB8000
 * (two bytes a cell: the character in code page 437, its attribute), its
 * start and the cursor are the CRT controller's registers 0x0C/0x0D and
 * 0x0E/0x0F (index at port 0x3D4, data at 0x3D5; bit 5 of register 0x0A
 * hides the cursor); 0x3DA's vertical retrace bit toggles at each read,
 * for code that waits for it; the miscellaneous output register (0x3C2,
 * read at 0x3CC) says colour.
 *
 * With --screen the screen is redrawn to its destination as it changes,
 * at most 20 times a second: a helper thread asks KVM every 50 ms which
 * pages of 0xB8000-0xBFFFF the guest wrote (dirty-page logging of that
 * slot, memory__dirty) and redraws when one was, or the cursor moved.
 */
#include "device.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vga.h"

#define VGA_TEXT	0xB8000ull
#define VGA_TEXT_LEN	0x8000ull	/* 32 KiB: 8 pages of 4000-byte screens */
#define COLS		80
#define ROWS		25
#define CELLS_LEN	(COLS * ROWS * 2)
#define CRTC_REGS	0x19
#define PICTURE_MAX	(ROWS * (COLS * 24 + 8) + 128)
#define PERIOD_NS	50000000l	/* 20 redraws a second at most */

static const struct dev_range ports[] = { { 0x3C2, 1 }, { 0x3CC, 1 }, { 0x3D4, 2 }, { 0x3DA, 1 } };

struct vga {
	uint8_t index, crtc[CRTC_REGS], misc;
	bool retrace;
	struct memory *mem;
	int screen_fd;
	bool rewrite, ansi;
	pthread_mutex_t lock;		/* the CRTC registers: vCPUs and the redraw thread */
	pthread_t thread;
	bool thread_on, stop;
	uint8_t drawn_crtc[CRTC_REGS];	/* the registers at the last look */
	char *last;			/* the picture last drawn */
	size_t last_len;
};

/* Code page 437 as Unicode: 0x00-0x1F and 0x7F-0xFF (0x20-0x7E are ASCII). */
static const uint16_t cp437_low[32] = {
	0x0020, 0x263A, 0x263B, 0x2665, 0x2666, 0x2663, 0x2660, 0x2022,
	0x25D8, 0x25CB, 0x25D9, 0x2642, 0x2640, 0x266A, 0x266B, 0x263C,
	0x25BA, 0x25C4, 0x2195, 0x203C, 0x00B6, 0x00A7, 0x25AC, 0x21A8,
	0x2191, 0x2193, 0x2192, 0x2190, 0x221F, 0x2194, 0x25B2, 0x25BC,
};
static const uint16_t cp437_high[129] = {
	0x2302,
	0x00C7, 0x00FC, 0x00E9, 0x00E2, 0x00E4, 0x00E0, 0x00E5, 0x00E7,
	0x00EA, 0x00EB, 0x00E8, 0x00EF, 0x00EE, 0x00EC, 0x00C4, 0x00C5,
	0x00C9, 0x00E6, 0x00C6, 0x00F4, 0x00F6, 0x00F2, 0x00FB, 0x00F9,
	0x00FF, 0x00D6, 0x00DC, 0x00A2, 0x00A3, 0x00A5, 0x20A7, 0x0192,
	0x00E1, 0x00ED, 0x00F3, 0x00FA, 0x00F1, 0x00D1, 0x00AA, 0x00BA,
	0x00BF, 0x2310, 0x00AC, 0x00BD, 0x00BC, 0x00A1, 0x00AB, 0x00BB,
	0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x2561, 0x2562, 0x2556,
	0x2555, 0x2563, 0x2551, 0x2557, 0x255D, 0x255C, 0x255B, 0x2510,
	0x2514, 0x2534, 0x252C, 0x251C, 0x2500, 0x253C, 0x255E, 0x255F,
	0x255A, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256C, 0x2567,
	0x2568, 0x2564, 0x2565, 0x2559, 0x2558, 0x2552, 0x2553, 0x256B,
	0x256A, 0x2518, 0x250C, 0x2588, 0x2584, 0x258C, 0x2590, 0x2580,
	0x03B1, 0x00DF, 0x0393, 0x03C0, 0x03A3, 0x03C3, 0x00B5, 0x03C4,
	0x03A6, 0x0398, 0x03A9, 0x03B4, 0x221E, 0x03C6, 0x03B5, 0x2229,
	0x2261, 0x00B1, 0x2265, 0x2264, 0x2320, 0x2321, 0x00F7, 0x2248,
	0x00B0, 0x2219, 0x00B7, 0x221A, 0x207F, 0x00B2, 0x25A0, 0x00A0,
};

struct out {
	char *p;
	size_t len, cap;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->len + n >= o->cap)
		n = o->cap > o->len + 1 ? o->cap - o->len - 1 : 0;
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

static void put_char(struct out *o, uint8_t ch)
{
	unsigned int u = ch < 0x20 ? cp437_low[ch] : ch >= 0x7F ? cp437_high[ch - 0x7F] : ch;
	char b[3];

	if (u < 0x80) {
		b[0] = (char)u;
		put(o, b, 1);
	} else if (u < 0x800) {
		b[0] = (char)(0xC0 | u >> 6);
		b[1] = (char)(0x80 | (u & 0x3F));
		put(o, b, 2);
	} else {
		b[0] = (char)(0xE0 | u >> 12);
		b[1] = (char)(0x80 | (u >> 6 & 0x3F));
		b[2] = (char)(0x80 | (u & 0x3F));
		put(o, b, 3);
	}
}

/* An attribute as ANSI SGR: VGA's colour order is blue=1, red=4. */
static void put_attr(struct out *o, uint8_t attr)
{
	static const char ansi[8] = { '0', '4', '2', '6', '1', '5', '3', '7' };
	char b[24];
	int n = snprintf(b, sizeof(b), "\033[0;%s3%c;4%cm", attr & 0x08 ? "1;" : "",
			 ansi[attr & 7], ansi[attr >> 4 & 7]);

	put(o, b, (size_t)n);
}

/* A row of spaces and NULs in grey on black, or (plain text) of any colour. */
static bool blank_row(const uint8_t *row, bool ansi)
{
	for (int c = 0; c < COLS; c++)
		if ((row[2 * c] != ' ' && row[2 * c]) || (ansi && row[2 * c + 1] != 0x07))
			return false;
	return true;
}

size_t vga__render(const uint8_t *cells, unsigned int cursor, bool cursor_on, bool ansi,
		   bool trim, char *buf, size_t len)
{
	struct out o = { .p = buf, .cap = len };
	int rows = ROWS;
	char line[64];
	int n;

	if (!len)
		return 0;
	buf[0] = '\0';
	while (trim && rows > 0 && blank_row(cells + (rows - 1) * COLS * 2, ansi))
		rows--;
	for (int r = 0; r < rows; r++) {
		const uint8_t *row = cells + r * COLS * 2;
		int last = COLS - 1;
		int attr = -1;

		/* Trailing blanks (space or NUL) left out, in plain text. */
		while (!ansi && last >= 0 && (row[2 * last] == ' ' || !row[2 * last]))
			last--;
		for (int c = 0; c <= last; c++) {
			if (ansi && row[2 * c + 1] != attr) {
				attr = row[2 * c + 1];
				put_attr(&o, (uint8_t)attr);
			}
			put_char(&o, row[2 * c]);
		}
		if (ansi)
			put(&o, "\033[0m", 4);
		put(&o, "\n", 1);
	}
	if (rows < ROWS) {
		n = snprintf(line, sizeof(line), "(rows %d-%d are blank)\n", rows, ROWS - 1);
		put(&o, line, (size_t)n);
	}
	if (cursor_on && cursor < COLS * ROWS)
		n = snprintf(line, sizeof(line), "cursor at row %u, column %u\n", cursor / COLS,
			     cursor % COLS);
	else
		n = snprintf(line, sizeof(line), "cursor %s\n", cursor_on ? "off the screen" :
			     "hidden");
	put(&o, line, (size_t)n);
	return o.len;
}

size_t vga__screen(struct vga *v, bool ansi, bool trim, char *buf, size_t len)
{
	uint8_t cells[CELLS_LEN];
	unsigned int start, cursor;
	bool on;

	pthread_mutex_lock(&v->lock);
	start = (unsigned int)v->crtc[0x0C] << 8 | v->crtc[0x0D];
	cursor = ((unsigned int)v->crtc[0x0E] << 8 | v->crtc[0x0F]) - start;
	on = !(v->crtc[0x0A] & 0x20);
	pthread_mutex_unlock(&v->lock);
	memset(cells, 0, sizeof(cells));
	if (v->mem)
		memory__read(v->mem, VGA_TEXT + (start * 2) % VGA_TEXT_LEN, cells, sizeof(cells));
	return vga__render(cells, cursor, on, ansi, trim, buf, len);
}

/* A new picture to the --screen destination, when it differs. */
static void redraw(struct vga *v)
{
	char *pic = malloc(PICTURE_MAX);
	size_t n;

	if (!pic)
		return;
	n = vga__screen(v, v->ansi, false, pic, PICTURE_MAX);
	if (v->last && n == v->last_len && !memcmp(pic, v->last, n)) {
		free(pic);
		return;
	}
	if (v->rewrite) {
		if (pwrite(v->screen_fd, pic, n, 0) == (ssize_t)n)
			(void)!ftruncate(v->screen_fd, (off_t)n);
	} else {
		if (v->ansi)
			(void)!write(v->screen_fd, "\033[H\033[2J", 7);
		(void)!write(v->screen_fd, pic, n);
		if (!v->ansi)
			(void)!write(v->screen_fd, "\n", 1);
	}
	free(v->last);
	v->last = pic;
	v->last_len = n;
}

static void *redrawer(void *arg)
{
	struct vga *v = arg;
	struct timespec period = { 0, PERIOD_NS };
	bool stop = false;

	while (!stop) {
		uint64_t dirty = 0;
		bool moved;

		nanosleep(&period, NULL);
		pthread_mutex_lock(&v->lock);
		stop = v->stop;
		moved = memcmp(v->crtc, v->drawn_crtc, sizeof(v->crtc)) != 0;
		memcpy(v->drawn_crtc, v->crtc, sizeof(v->crtc));
		pthread_mutex_unlock(&v->lock);
		/* Only what the guest wrote since the last look (KVM's log), or a
		 * moved cursor, is a reason to draw. */
		if (memory__dirty(v->mem, &dirty) < 0)
			dirty = 1;
		if (dirty || moved || stop)
			redraw(v);
	}
	return NULL;
}

static int vga_reset(void *st, char *err, size_t errlen)
{
	struct vga *v = st;

	(void)err;
	(void)errlen;
	pthread_mutex_lock(&v->lock);
	memset(v->crtc, 0, sizeof(v->crtc));
	v->crtc[0x0A] = 0x0D;		/* the cursor: scan lines 13-14 */
	v->crtc[0x0B] = 0x0E;
	v->misc = 0x67;			/* colour, 0x3Dx ports */
	v->index = 0;
	pthread_mutex_unlock(&v->lock);
	return 0;
}

static int vga_create(void *st, const struct dev_env *env, char *err, size_t errlen)
{
	struct vga *v = st;
	int r;

	v->mem = env->mem;
	v->screen_fd = env->screen_fd;
	v->rewrite = env->screen_rewrite;
	v->ansi = !v->rewrite && isatty(v->screen_fd) == 1;
	pthread_mutex_init(&v->lock, NULL);
	vga_reset(v, err, errlen);
	if (v->screen_fd < 0 || !v->mem)
		return 0;
	r = memory__log_dirty(v->mem, VGA_TEXT, VGA_TEXT_LEN, err, errlen);
	if (r < 0)
		return r;
	v->thread_on = pthread_create(&v->thread, NULL, redrawer, v) == 0;
	if (!v->thread_on) {
		snprintf(err, errlen, "--screen: cannot start the thread that redraws it");
		return -EAGAIN;
	}
	return 0;
}

static void vga_destroy(void *st)
{
	struct vga *v = st;

	if (v->thread_on) {
		pthread_mutex_lock(&v->lock);
		v->stop = true;
		pthread_mutex_unlock(&v->lock);
		pthread_join(v->thread, NULL);
	}
	free(v->last);
	pthread_mutex_destroy(&v->lock);
}

static uint8_t vga_in(void *st, uint16_t port)
{
	struct vga *v = st;
	uint8_t val = 0xFF;

	pthread_mutex_lock(&v->lock);
	if (port == 0x3D4)
		val = v->index;
	else if (port == 0x3D5)
		val = v->index < CRTC_REGS ? v->crtc[v->index] : 0xFF;
	else if (port == 0x3CC)
		val = v->misc;
	else if (port == 0x3DA)
		val = (v->retrace = !v->retrace) ? 0x09 : 0x00;	/* retrace, display off */
	pthread_mutex_unlock(&v->lock);
	return val;
}

static int vga_out(void *st, uint16_t port, uint8_t val)
{
	struct vga *v = st;

	pthread_mutex_lock(&v->lock);
	if (port == 0x3D4)
		v->index = val;
	else if (port == 0x3D5 && v->index < CRTC_REGS)
		v->crtc[v->index] = val;
	else if (port == 0x3C2)
		v->misc = val;
	pthread_mutex_unlock(&v->lock);
	return 0;
}

/* What a snapshot keeps: the CRT controller's registers, its index, the
 * miscellaneous output register and the retrace bit 0x3da shows next. */
static ssize_t vga_save(void *st, void *buf, size_t len)
{
	struct vga *v = st;
	size_t n = sizeof(v->crtc) + 3;
	uint8_t *b = buf;

	if (buf && len >= n) {
		pthread_mutex_lock(&v->lock);
		memcpy(b, v->crtc, sizeof(v->crtc));
		b[sizeof(v->crtc)] = v->index;
		b[sizeof(v->crtc) + 1] = v->misc;
		b[sizeof(v->crtc) + 2] = v->retrace;
		pthread_mutex_unlock(&v->lock);
	}
	return (ssize_t)n;
}

static int vga_load(void *st, const void *buf, size_t len)
{
	struct vga *v = st;
	const uint8_t *b = buf;

	if (len != sizeof(v->crtc) + 3)
		return -EINVAL;
	pthread_mutex_lock(&v->lock);
	memcpy(v->crtc, b, sizeof(v->crtc));
	v->index = b[sizeof(v->crtc)];
	v->misc = b[sizeof(v->crtc) + 1];
	v->retrace = b[sizeof(v->crtc) + 2] != 0;
	pthread_mutex_unlock(&v->lock);
	return 0;
}

const struct device vga_device = {
	.name = "VGA text screen (0xb8000, CRT controller 0x3d4)",
	.ports = ports,
	.nr_ports = 4,
	.state_size = sizeof(struct vga),
	.create = vga_create,
	.destroy = vga_destroy,
	.in = vga_in,
	.out = vga_out,
	.reset = vga_reset,
	.save = vga_save,
	.load = vga_load,
};
