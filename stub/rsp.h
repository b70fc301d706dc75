/*
 * rsp.h - GDB Remote Serial Protocol framing: pure, bounded functions with
 * no I/O, no allocation and no target.  The decoder takes one byte at a
 * time (as QEMU's does) into a fixed buffer and reports what it saw.
 */
#ifndef KVMSTUB_RSP_H
#define KVMSTUB_RSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest payload we accept or send, advertised as PacketSize (hex). */
#define RSP_PACKET_SIZE		(64 * 1024)

enum rsp_event {
	RSP_NONE,		/* byte consumed, nothing complete yet */
	RSP_PACKET,		/* a packet with a good checksum: d->buf[0..d->len) */
	RSP_ACK,		/* '+' */
	RSP_NAK,		/* '-' */
	RSP_INTERRUPT,		/* 0x03 outside a packet */
	RSP_BAD_CHECKSUM,	/* a complete packet whose checksum is wrong */
	RSP_MALFORMED,		/* a complete packet that cannot be decoded:
				   overrun of the buffer, '*' with nothing to
				   repeat, a bad run length, '}' at the end */
};

struct rsp_decoder {
	int state;
	uint8_t csum;		/* running sum of the raw payload bytes */
	uint8_t csum_rx;	/* the two hex digits after '#' */
	bool escape;		/* previous raw byte was '}' */
	bool rle;		/* previous raw byte was '*' */
	bool error;		/* this packet is malformed; report at '#xx' */
	size_t len;		/* decoded bytes in buf */
	uint8_t buf[RSP_PACKET_SIZE + 1];	/* NUL-terminated for convenience */
};

void rsp__decoder_init(struct rsp_decoder *d);
/* Feed one byte.  After RSP_PACKET, d->buf/d->len hold the payload with
 * escapes and run-length encoding already expanded, until the next call. */
enum rsp_event rsp__decode_byte(struct rsp_decoder *d, uint8_t c);

/* Frame a payload as "$payload#cs", escaping '#', '$', '}' and '*', and
 * run-length encoding runs of 5 or more bytes.  Returns the framed
 * length, or 0 if it does not fit in cap. */
size_t rsp__frame(uint8_t *out, size_t cap, const void *payload, size_t len);

/* The longest run one '*' count can repeat: '~' - 29. */
#define RSP_RLE_MAX	97
/* Run-length encode an escaped payload in place; returns the new length. */
size_t rsp__rle_compress(uint8_t *buf, size_t len);

/* Hex.  Encoders return the number of characters written (2 per byte). */
size_t rsp__hex_encode(char *out, const void *data, size_t len);
/* Decode exactly 2*len hex digits; false on a non-hex digit. */
bool rsp__hex_decode(void *out, const char *hex, size_t len);
int rsp__hex_digit(int c);	/* 0..15, or -1 */
/* Strict unsigned hex number: at least one digit, no overflow of 64 bits,
 * stops at the first non-hex character (*end).  false when malformed. */
bool rsp__parse_hex_u64(const char *s, const char *limit, uint64_t *val, const char **end);

/* Binary data as in 'X' packets (escapes already removed by the decoder
 * for input); for output, escape into out.  Returns bytes written, or 0 if
 * out is too small. */
size_t rsp__escape_binary(uint8_t *out, size_t cap, const void *data, size_t len);

#endif
