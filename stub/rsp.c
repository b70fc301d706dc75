/*
 * rsp.c - GDB Remote Serial Protocol framing: the byte-at-a-time packet
 * decoder, framing of replies, hex and binary escaping.  Pure functions:
 * no I/O, no allocation, every write bounded by an explicit capacity.
 *
 * On the wire (gdb manual, "Remote Protocol", "Overview"):
 *   $payload#cs   cs = sum of the payload bytes AS SENT, modulo 256, two
 *                 hex digits (we accept either case, send lowercase);
 *   + / -         acknowledgement / request to retransmit;
 *   0x03          outside a packet: gdb's interrupt (Ctrl-C);
 *   } x           the byte x ^ 0x20 (escapes '#', '$', '}', '*');
 *   X * n         run-length encoding: X repeated n - 29 MORE times, n a
 *                 printable character (' ' = 3 more ... '~' = 97 more);
 *                 '#' and '$' are never used as n, so they cannot be here.
 */
#include <string.h>

#include "rsp.h"

enum rsp_state {
	RSP_STATE_IDLE,		/* between packets */
	RSP_STATE_DATA,		/* after '$', before '#' */
	RSP_STATE_CSUM1,	/* after '#' */
	RSP_STATE_CSUM2,	/* after the first checksum digit */
};

#define RSP_ESCAPE_CHAR		'}'
#define RSP_ESCAPE_XOR		0x20
#define RSP_RLE_CHAR		'*'
#define RSP_RLE_BIAS		29
#define RSP_RLE_MIN_CHAR	' '	/* 3 more repeats */
#define RSP_RLE_MAX_CHAR	'~'	/* 97 more repeats */
#define RSP_INTERRUPT_CHAR	0x03

static const char hex_digits[] = "0123456789abcdef";

int rsp__hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void rsp_start_packet(struct rsp_decoder *d)
{
	d->state = RSP_STATE_DATA;
	d->csum = 0;
	d->csum_rx = 0;
	d->escape = false;
	d->rle = false;
	d->error = false;
	d->len = 0;
	d->buf[0] = '\0';
}

void rsp__decoder_init(struct rsp_decoder *d)
{
	rsp_start_packet(d);
	d->state = RSP_STATE_IDLE;
}

/* Append one decoded byte; past the buffer the packet becomes malformed
 * (we keep reading to its end so the stream stays in step). */
static void rsp_put(struct rsp_decoder *d, uint8_t c)
{
	if (d->error)
		return;
	if (d->len >= RSP_PACKET_SIZE) {
		d->error = true;
		return;
	}
	d->buf[d->len++] = c;
}

/* c is the raw count character that followed '*'. */
static void rsp_expand_run(struct rsp_decoder *d, uint8_t c)
{
	size_t count;

	if (d->error)
		return;
	if (d->len == 0 || c < RSP_RLE_MIN_CHAR || c > RSP_RLE_MAX_CHAR) {
		d->error = true;	/* nothing to repeat, or not a count */
		return;
	}
	count = c - RSP_RLE_BIAS;
	if (count > RSP_PACKET_SIZE - d->len) {
		d->error = true;
		return;
	}
	memset(d->buf + d->len, d->buf[d->len - 1], count);
	d->len += count;
}

static void rsp_data_byte(struct rsp_decoder *d, uint8_t c)
{
	d->csum += c;
	if (d->escape) {
		d->escape = false;
		rsp_put(d, c ^ RSP_ESCAPE_XOR);
	} else if (d->rle) {
		d->rle = false;
		rsp_expand_run(d, c);
	} else if (c == RSP_ESCAPE_CHAR) {
		d->escape = true;
	} else if (c == RSP_RLE_CHAR) {
		d->rle = true;
	} else {
		rsp_put(d, c);
	}
}

/* The whole packet is in: a wrong checksum wins over malformed contents,
 * since corrupted bytes explain both and a retransmission may cure it. */
static enum rsp_event rsp_end_packet(struct rsp_decoder *d, bool csum_ok)
{
	d->state = RSP_STATE_IDLE;
	d->buf[d->len] = '\0';
	if (!csum_ok)
		return RSP_BAD_CHECKSUM;
	if (d->error)
		return RSP_MALFORMED;
	return RSP_PACKET;
}

/*
 * A '$' inside a packet (in its data or its checksum) abandons the packet
 * and starts a new one: gdb resends a whole packet when it timed out
 * waiting for our ack, and the new copy is what it wants answered.
 * gdb never sends a raw '$' inside a payload (it escapes it), so nothing
 * valid is lost.
 */
enum rsp_event rsp__decode_byte(struct rsp_decoder *d, uint8_t c)
{
	int digit;

	if (c == '$') {
		rsp_start_packet(d);
		return RSP_NONE;
	}

	switch (d->state) {
	case RSP_STATE_IDLE:
		if (c == '+')
			return RSP_ACK;
		if (c == '-')
			return RSP_NAK;
		if (c == RSP_INTERRUPT_CHAR)
			return RSP_INTERRUPT;
		return RSP_NONE;	/* line noise between packets */

	case RSP_STATE_DATA:
		if (c != '#') {
			rsp_data_byte(d, c);
			return RSP_NONE;
		}
		/* A '}' or '*' still waiting for its byte: truncated. */
		if (d->escape || d->rle)
			d->error = true;
		d->state = RSP_STATE_CSUM1;
		return RSP_NONE;

	case RSP_STATE_CSUM1:
		digit = rsp__hex_digit(c);
		if (digit < 0)
			return rsp_end_packet(d, false);
		d->csum_rx = digit << 4;
		d->state = RSP_STATE_CSUM2;
		return RSP_NONE;

	case RSP_STATE_CSUM2:
		digit = rsp__hex_digit(c);
		if (digit < 0)
			return rsp_end_packet(d, false);
		d->csum_rx |= digit;
		return rsp_end_packet(d, d->csum_rx == d->csum);
	}
	/* Not reached unless the struct was corrupted: start over. */
	rsp__decoder_init(d);
	return RSP_NONE;
}

static bool rsp_needs_escape(uint8_t c)
{
	return c == '#' || c == '$' || c == RSP_ESCAPE_CHAR || c == RSP_RLE_CHAR;
}

size_t rsp__escape_binary(uint8_t *out, size_t cap, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		if (rsp_needs_escape(p[i])) {
			if (cap - n < 2)
				return 0;
			out[n++] = RSP_ESCAPE_CHAR;
			out[n++] = p[i] ^ RSP_ESCAPE_XOR;
		} else {
			if (cap - n < 1)
				return 0;
			out[n++] = p[i];
		}
	}
	return n;
}

/*
 * Run-length encode an escaped payload in place: a byte repeated is sent
 * once, then '*' and a count character, n + 29 for n more copies.  Memory
 * dumps are mostly runs ("00000000..."), and gdb decodes this in every
 * packet.  Only runs of 5 or more pay (a run costs 3 bytes); counts whose
 * character would be '#' or '$' (6 and 7 more) are cut to 5, and an
 * escape pair ('}' and the byte after it) is never split or repeated.
 * The result is never longer than the input.  Returns the new length.
 */
size_t rsp__rle_compress(uint8_t *buf, size_t len)
{
	size_t r = 0, w = 0;

	while (r < len) {
		uint8_t c = buf[r];
		size_t run = 1, more;

		if (c == '}') {
			buf[w++] = buf[r++];
			if (r < len)
				buf[w++] = buf[r++];
			continue;
		}
		while (r + run < len && buf[r + run] == c && run < RSP_RLE_MAX + 1)
			run++;
		if (run < 5) {
			while (run--)
				buf[w++] = buf[r++];
			continue;
		}
		more = run - 1;
		if (more == 6 || more == 7)
			more = 5;
		buf[w++] = c;
		buf[w++] = '*';
		buf[w++] = (uint8_t)(more + 29);
		r += more + 1;
	}
	return w;
}

/*
 * Only payloads that gdb unescapes (binary replies: qXfer, vFile, m with
 * binary-upload) may contain the four special bytes; text replies never
 * do, so escaping everything is harmless and keeps every reply framable.
 */
size_t rsp__frame(uint8_t *out, size_t cap, const void *payload, size_t len)
{
	size_t n, i;
	uint8_t csum = 0;

	/* "$" + "#xx" around the payload. */
	if (cap < 4)
		return 0;
	out[0] = '$';
	n = rsp__escape_binary(out + 1, cap - 4, payload, len);
	if (n == 0 && len > 0)
		return 0;
	n = rsp__rle_compress(out + 1, n);
	for (i = 1; i <= n; i++)
		csum += out[i];
	n++;
	out[n++] = '#';
	out[n++] = hex_digits[csum >> 4];
	out[n++] = hex_digits[csum & 0xf];
	return n;
}

size_t rsp__hex_encode(char *out, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = hex_digits[p[i] >> 4];
		out[2 * i + 1] = hex_digits[p[i] & 0xf];
	}
	return 2 * len;
}

bool rsp__hex_decode(void *out, const char *hex, size_t len)
{
	uint8_t *p = out;
	int hi, lo;
	size_t i;

	for (i = 0; i < len; i++) {
		/* Checked one at a time so a NUL stops us before reading on. */
		hi = rsp__hex_digit((unsigned char)hex[2 * i]);
		if (hi < 0)
			return false;
		lo = rsp__hex_digit((unsigned char)hex[2 * i + 1]);
		if (lo < 0)
			return false;
		p[i] = hi << 4 | lo;
	}
	return true;
}

/* limit may be NULL for a NUL-terminated string; end may be NULL. */
bool rsp__parse_hex_u64(const char *s, const char *limit, uint64_t *val, const char **end)
{
	const char *p = s;
	uint64_t v = 0;
	int digit;

	while ((!limit || p < limit) && (digit = rsp__hex_digit((unsigned char)*p)) >= 0) {
		if (v >> 60)
			goto fail;	/* a fifth nibble would fall off the top */
		v = v << 4 | digit;
		p++;
	}
	if (p == s)
		goto fail;
	*val = v;
	if (end)
		*end = p;
	return true;
fail:
	if (end)
		*end = p;
	return false;
}
