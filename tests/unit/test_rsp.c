/*
 * test_rsp.c - the RSP framing layer: decoder state machine, escapes,
 * run-length encoding, hostile input, framing and hex helpers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../stub/rsp.h"

/* Room for an overlong packet and its framing. */
#define RAW_CAP		(2 * RSP_PACKET_SIZE + 256)

struct fixture {
	struct rsp_decoder dec;
	uint8_t raw[RAW_CAP];
	uint8_t data[RAW_CAP];
};

static int setup(void **state)
{
	struct fixture *f = test_malloc(sizeof(*f));

	rsp__decoder_init(&f->dec);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	test_free(*state);
	return 0;
}

/* Feed bytes; every byte but the last must give RSP_NONE. */
static enum rsp_event feed(struct rsp_decoder *d, const void *bytes, size_t len)
{
	const uint8_t *p = bytes;
	size_t i;

	assert_true(len > 0);
	for (i = 0; i + 1 < len; i++)
		assert_int_equal(rsp__decode_byte(d, p[i]), RSP_NONE);
	return rsp__decode_byte(d, p[len - 1]);
}

static enum rsp_event feed_str(struct rsp_decoder *d, const char *s)
{
	return feed(d, s, strlen(s));
}

/* Wrap raw (already escaped/encoded) bytes as "$raw#cs", computing the
 * checksum here rather than with rsp__frame, so the two are independent. */
static size_t wrap(uint8_t *out, const void *raw, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *p = raw;
	uint8_t sum = 0;
	size_t i;

	out[0] = '$';
	for (i = 0; i < len; i++) {
		out[1 + i] = p[i];
		sum += p[i];
	}
	out[1 + len] = '#';
	out[2 + len] = hex[sum >> 4];
	out[3 + len] = hex[sum & 0xf];
	return len + 4;
}

static enum rsp_event feed_wrapped(struct fixture *f, const void *raw, size_t len)
{
	return feed(&f->dec, f->raw, wrap(f->raw, raw, len));
}

static void assert_payload(struct rsp_decoder *d, const void *want, size_t len)
{
	assert_int_equal(d->len, len);
	assert_memory_equal(d->buf, want, len);
	assert_int_equal(d->buf[len], '\0');
}

static void test_valid_packet(void **state)
{
	struct fixture *f = *state;

	/* 'g' is 0x67. */
	assert_int_equal(feed_str(&f->dec, "$g#67"), RSP_PACKET);
	assert_payload(&f->dec, "g", 1);
	assert_int_equal(feed_wrapped(f, "qSupported:multiprocess+", 24), RSP_PACKET);
	assert_payload(&f->dec, "qSupported:multiprocess+", 24);
	/* Uppercase checksum digits are accepted ('m' is 0x6d). */
	assert_int_equal(feed_str(&f->dec, "$m#6D"), RSP_PACKET);
	assert_payload(&f->dec, "m", 1);
	/* The empty packet. */
	assert_int_equal(feed_str(&f->dec, "$#00"), RSP_PACKET);
	assert_payload(&f->dec, "", 0);
}

static void test_ack_nak_interrupt(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(rsp__decode_byte(&f->dec, '+'), RSP_ACK);
	assert_int_equal(rsp__decode_byte(&f->dec, '-'), RSP_NAK);
	assert_int_equal(rsp__decode_byte(&f->dec, 0x03), RSP_INTERRUPT);
	/* Inside a packet they are plain data. */
	assert_int_equal(feed_wrapped(f, "+-\x03", 3), RSP_PACKET);
	assert_payload(&f->dec, "+-\x03", 3);
	assert_int_equal(rsp__decode_byte(&f->dec, 0x03), RSP_INTERRUPT);
}

static void test_bad_checksum(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(feed_str(&f->dec, "$g#68"), RSP_BAD_CHECKSUM);
	assert_int_equal(feed_str(&f->dec, "$g#76"), RSP_BAD_CHECKSUM);
	/* The decoder is back between packets. */
	assert_int_equal(rsp__decode_byte(&f->dec, '+'), RSP_ACK);
	assert_int_equal(feed_str(&f->dec, "$g#67"), RSP_PACKET);
}

static void test_nonhex_checksum(void **state)
{
	struct fixture *f = *state;

	/* Reported at the first bad digit. */
	assert_int_equal(feed_str(&f->dec, "$g#6z"), RSP_BAD_CHECKSUM);
	assert_int_equal(feed_str(&f->dec, "$g#z"), RSP_BAD_CHECKSUM);
	/* What follows the bad digit is noise between packets. */
	assert_int_equal(rsp__decode_byte(&f->dec, '7'), RSP_NONE);
	assert_int_equal(feed_str(&f->dec, "$g# "), RSP_BAD_CHECKSUM);
	assert_int_equal(feed_str(&f->dec, "$g#67"), RSP_PACKET);
}

static void test_escapes(void **state)
{
	struct fixture *f = *state;
	static const uint8_t want[] = { '#', '$', '}', '*', 'a' };

	/* '}' then byte ^ 0x20; the checksum covers the raw bytes. */
	assert_int_equal(feed_wrapped(f, "}\x03}\x04}]}\x0a" "a", 9), RSP_PACKET);
	assert_payload(&f->dec, want, sizeof(want));
}

static void test_escape_at_end(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(feed_wrapped(f, "}", 1), RSP_MALFORMED);
	assert_int_equal(feed_wrapped(f, "ab}", 3), RSP_MALFORMED);
	assert_int_equal(feed_str(&f->dec, "$g#67"), RSP_PACKET);
}

static void test_rle(void **state)
{
	struct fixture *f = *state;
	char want[128];

	/* The manual's example: "0* " is "0000" (' ' = 32, 32 - 29 = 3 more). */
	assert_int_equal(feed_wrapped(f, "0* ", 3), RSP_PACKET);
	assert_payload(&f->dec, "0000", 4);
	/* '"' (34): 5 more, the manual's way around '#' and '$'. */
	assert_int_equal(feed_wrapped(f, "x0*\"y", 5), RSP_PACKET);
	assert_payload(&f->dec, "x000000y", 8);
	/* The largest count, '~' (126): 97 more. */
	memset(want, 'z', 98);
	assert_int_equal(feed_wrapped(f, "z*~", 3), RSP_PACKET);
	assert_payload(&f->dec, want, 98);
	/* '*' as the count character is just 42 - 29 = 13 more. */
	memset(want, 'k', 14);
	assert_int_equal(feed_wrapped(f, "k**", 3), RSP_PACKET);
	assert_payload(&f->dec, want, 14);
	/* A run repeats the previous DECODED byte, here an escaped '#'. */
	assert_int_equal(feed_wrapped(f, "}\x03* ", 4), RSP_PACKET);
	assert_payload(&f->dec, "####", 4);
	/* Two runs back to back. */
	assert_int_equal(feed_wrapped(f, "a* * ", 5), RSP_PACKET);
	assert_payload(&f->dec, "aaaaaaa", 7);
}

static void test_rle_malformed(void **state)
{
	struct fixture *f = *state;

	/* Nothing to repeat. */
	assert_int_equal(feed_wrapped(f, "* ", 2), RSP_MALFORMED);
	/* '*' with no count before '#'. */
	assert_int_equal(feed_wrapped(f, "0*", 2), RSP_MALFORMED);
	/* Counts outside ' '..'~' are not counts. */
	assert_int_equal(feed_wrapped(f, "0*\x1f", 3), RSP_MALFORMED);
	assert_int_equal(feed_wrapped(f, "0*\x7f", 3), RSP_MALFORMED);
	assert_int_equal(feed_wrapped(f, "0*\xff", 3), RSP_MALFORMED);
	/* The decoder recovers. */
	assert_int_equal(feed_str(&f->dec, "$g#67"), RSP_PACKET);
}

static void test_rle_overflow(void **state)
{
	struct fixture *f = *state;
	size_t n = RSP_PACKET_SIZE - 98;

	/* n bytes, then "a*~" = 98 more: exactly RSP_PACKET_SIZE fits. */
	memset(f->data, 'a', n);
	memcpy(f->data + n, "a*~", 3);
	assert_int_equal(feed_wrapped(f, f->data, n + 3), RSP_PACKET);
	assert_int_equal(f->dec.len, RSP_PACKET_SIZE);
	assert_int_equal(f->dec.buf[RSP_PACKET_SIZE - 1], 'a');
	assert_int_equal(f->dec.buf[RSP_PACKET_SIZE], '\0');

	/* One byte more and the run does not fit. */
	memset(f->data, 'a', n + 1);
	memcpy(f->data + n + 1, "a*~", 3);
	assert_int_equal(feed_wrapped(f, f->data, n + 4), RSP_MALFORMED);
	assert_true(f->dec.len <= RSP_PACKET_SIZE);
	assert_int_equal(feed_str(&f->dec, "$g#67"), RSP_PACKET);
}

static void test_overlong(void **state)
{
	struct fixture *f = *state;

	memset(f->data, 'A', RSP_PACKET_SIZE + 100);
	/* Exactly the maximum is fine. */
	assert_int_equal(feed_wrapped(f, f->data, RSP_PACKET_SIZE), RSP_PACKET);
	assert_int_equal(f->dec.len, RSP_PACKET_SIZE);
	/* One more is not. */
	assert_int_equal(feed_wrapped(f, f->data, RSP_PACKET_SIZE + 1), RSP_MALFORMED);
	assert_int_equal(feed_wrapped(f, f->data, RSP_PACKET_SIZE + 100), RSP_MALFORMED);
	assert_true(f->dec.len <= RSP_PACKET_SIZE);
	assert_int_equal(f->dec.buf[f->dec.len], '\0');
	/* The very next packet decodes. */
	assert_int_equal(feed_str(&f->dec, "$g#67"), RSP_PACKET);
	assert_payload(&f->dec, "g", 1);
}

static void test_dollar_restarts(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(feed_str(&f->dec, "$abc$g#67"), RSP_PACKET);
	assert_payload(&f->dec, "g", 1);
	/* Also from the checksum digits. */
	assert_int_equal(feed_str(&f->dec, "$abc#$g#67"), RSP_PACKET);
	assert_payload(&f->dec, "g", 1);
	assert_int_equal(feed_str(&f->dec, "$abc#6$g#67"), RSP_PACKET);
	assert_payload(&f->dec, "g", 1);
	/* A pending escape or run does not leak into the new packet. */
	assert_int_equal(feed_str(&f->dec, "$a}$g#67"), RSP_PACKET);
	assert_payload(&f->dec, "g", 1);
	assert_int_equal(feed_str(&f->dec, "$a*$g#67"), RSP_PACKET);
	assert_payload(&f->dec, "g", 1);
	/* And an overrun does not either. */
	memset(f->data, 'A', RSP_PACKET_SIZE + 10);
	feed(&f->dec, "$", 1);
	feed(&f->dec, f->data, RSP_PACKET_SIZE + 10);
	assert_int_equal(feed_str(&f->dec, "$g#67"), RSP_PACKET);
	assert_payload(&f->dec, "g", 1);
}

static void test_noise_between_packets(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(feed_str(&f->dec, "hello\r\n#67\x7f\x00"), RSP_NONE);
	assert_int_equal(feed_str(&f->dec, "xyz$g#67"), RSP_PACKET);
	assert_int_equal(feed_str(&f->dec, "#00garbage"), RSP_NONE);
	/* The payload survives noise after it until the next '$'. */
	assert_payload(&f->dec, "g", 1);
}

static void test_binary_payload(void **state)
{
	struct fixture *f = *state;
	static const uint8_t bin[] = { 'X', 0x00, 0xff, 0x80, 0x01, 0x00 };

	assert_int_equal(feed_wrapped(f, bin, sizeof(bin)), RSP_PACKET);
	assert_payload(&f->dec, bin, sizeof(bin));
}

static void test_frame_roundtrip(void **state)
{
	struct fixture *f = *state;
	uint8_t payload[256 + 8];
	size_t i, n;

	for (i = 0; i < 256; i++)
		payload[i] = i;
	memcpy(payload + 256, "#$}*#$}*", 8);

	n = rsp__frame(f->raw, RAW_CAP, payload, sizeof(payload));
	assert_true(n > sizeof(payload) + 4);
	assert_int_equal(f->raw[0], '$');
	assert_int_equal(f->raw[n - 3], '#');
	/* No raw special byte inside the payload. */
	for (i = 1; i < n - 3; i++) {
		assert_true(f->raw[i] != '#' && f->raw[i] != '$' && f->raw[i] != '*');
		if (f->raw[i] == '}')
			i++;
	}
	assert_int_equal(feed(&f->dec, f->raw, n), RSP_PACKET);
	assert_payload(&f->dec, payload, sizeof(payload));

	/* A plain payload is framed as is, with a lowercase checksum. */
	n = rsp__frame(f->raw, RAW_CAP, "OK", 2);
	assert_int_equal(n, 6);
	assert_memory_equal(f->raw, "$OK#9a", 6);
	n = rsp__frame(f->raw, RAW_CAP, "", 0);
	assert_int_equal(n, 4);
	assert_memory_equal(f->raw, "$#00", 4);
}

static void test_frame_too_small(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(rsp__frame(f->raw, 5, "OK", 2), 0);
	assert_int_equal(rsp__frame(f->raw, 6, "OK", 2), 6);
	assert_int_equal(rsp__frame(f->raw, 3, "", 0), 0);
	assert_int_equal(rsp__frame(f->raw, 4, "", 0), 4);
	/* An escaped byte needs two. */
	assert_int_equal(rsp__frame(f->raw, 5, "#", 1), 0);
	assert_int_equal(rsp__frame(f->raw, 6, "#", 1), 6);
	assert_memory_equal(f->raw, "$}\x03#80", 6);
}

static void test_parse_hex_u64(void **state)
{
	const char *s, *end;
	uint64_t v;

	(void)state;
	assert_true(rsp__parse_hex_u64("0", NULL, &v, &end));
	assert_int_equal(v, 0);
	assert_true(rsp__parse_hex_u64("ffffffffffffffff", NULL, &v, &end));
	assert_true(v == UINT64_MAX);
	assert_int_equal(*end, '\0');
	assert_true(rsp__parse_hex_u64("DeadBeef", NULL, &v, NULL));
	assert_true(v == 0xdeadbeef);
	/* Leading zeros are not an overflow. */
	assert_true(rsp__parse_hex_u64("00000000000000000001", NULL, &v, NULL));
	assert_int_equal(v, 1);

	v = 42;
	assert_false(rsp__parse_hex_u64("10000000000000000", NULL, &v, NULL));
	assert_false(rsp__parse_hex_u64("fffffffffffffffff", NULL, &v, NULL));
	assert_false(rsp__parse_hex_u64("", NULL, &v, NULL));
	assert_false(rsp__parse_hex_u64("g", NULL, &v, NULL));
	assert_false(rsp__parse_hex_u64(",10", NULL, &v, NULL));
	assert_int_equal(v, 42);	/* untouched on failure */

	s = "ffff0,4:xx";
	assert_true(rsp__parse_hex_u64(s, NULL, &v, &end));
	assert_true(v == 0xffff0);
	assert_ptr_equal(end, s + 5);
	assert_true(rsp__parse_hex_u64(end + 1, NULL, &v, &end));
	assert_int_equal(v, 4);
	assert_int_equal(*end, ':');

	/* The limit bounds the scan even with more digits after it. */
	s = "12345678";
	assert_true(rsp__parse_hex_u64(s, s + 3, &v, &end));
	assert_int_equal(v, 0x123);
	assert_ptr_equal(end, s + 3);
	assert_false(rsp__parse_hex_u64(s, s, &v, NULL));
}

static void test_hex_codec(void **state)
{
	static const uint8_t bytes[] = { 0x00, 0xff, 0x7f, 0xa5 };
	uint8_t out[8];
	char hex[16];

	(void)state;
	assert_int_equal(rsp__hex_digit('0'), 0);
	assert_int_equal(rsp__hex_digit('a'), 10);
	assert_int_equal(rsp__hex_digit('F'), 15);
	assert_int_equal(rsp__hex_digit('g'), -1);
	assert_int_equal(rsp__hex_digit('\0'), -1);
	assert_int_equal(rsp__hex_digit(0xff), -1);

	assert_int_equal(rsp__hex_encode(hex, bytes, sizeof(bytes)), 8);
	assert_memory_equal(hex, "00ff7fa5", 8);

	assert_true(rsp__hex_decode(out, "00FF7fA5", 4));
	assert_memory_equal(out, bytes, 4);
	assert_true(rsp__hex_decode(out, "", 0));
	/* Odd: the last digit has no partner (the NUL is not a digit). */
	assert_false(rsp__hex_decode(out, "abc", 2));
	assert_false(rsp__hex_decode(out, "a", 1));
	assert_false(rsp__hex_decode(out, "zz", 1));
	assert_false(rsp__hex_decode(out, "0g", 1));
	assert_false(rsp__hex_decode(out, "00 1", 2));
}

static void test_escape_binary(void **state)
{
	static const uint8_t in[] = { 'a', '#', '$', '}', '*', 0x00, 0xff };
	static const uint8_t want[] = {
		'a', '}', 0x03, '}', 0x04, '}', 0x5d, '}', 0x0a, 0x00, 0xff };
	uint8_t out[32];

	(void)state;
	assert_int_equal(rsp__escape_binary(out, sizeof(out), in, sizeof(in)), sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
	/* Exact fit, one short, and an escape that would be cut in half. */
	assert_int_equal(rsp__escape_binary(out, sizeof(want), in, sizeof(in)), sizeof(want));
	assert_int_equal(rsp__escape_binary(out, sizeof(want) - 1, in, sizeof(in)), 0);
	assert_int_equal(rsp__escape_binary(out, 2, in, 2), 0);
	assert_int_equal(rsp__escape_binary(out, 3, in, 2), 3);
	assert_int_equal(rsp__escape_binary(out, 0, in, 1), 0);
	assert_int_equal(rsp__escape_binary(out, 1, "a", 1), 1);
}

/* Compress a copy of s; the result must equal want. */
static void rle_is(const char *s, const char *want)
{
	uint8_t buf[512];
	size_t n = strlen(s);

	memcpy(buf, s, n);
	n = rsp__rle_compress(buf, n);
	if (n != strlen(want) || memcmp(buf, want, n) != 0)
		fail_msg("rle(\"%s\") = \"%.*s\", want \"%s\"", s, (int)n, buf, want);
}

static void test_rle_compress(void **state)
{
	(void)state;
	rle_is("", "");
	rle_is("0000", "0000");			/* 4: a run would not pay */
	rle_is("00000", "0*!");			/* 5: '!' = 33 = 4 + 29 more */
	rle_is("000000", "0*\"");		/* 6: 5 more */
	/* 7 and 8 would need '#' and '$' as counts: cut to 6, the rest literal. */
	rle_is("0000000", "0*\"0");
	rle_is("00000000", "0*\"00");
	rle_is("000000000", "0*%");		/* 9: 8 more = '%' */
	rle_is("ab00000cd", "ab0*!cd");
	/* An escape pair is never split or repeated. */
	rle_is("}]}]}]}]}]", "}]}]}]}]}]");
	rle_is("}]]]]]]", "}]]*!");
}

/* Long runs hit the 97-more cap and frame/decode round-trips exactly. */
static void test_rle_round_trip(void **state)
{
	struct fixture *f = *state;
	static uint8_t payload[3000], framed[7000];
	size_t n, i;

	for (i = 0; i < sizeof(payload); i++)
		payload[i] = i < 1000 ? '0' : i < 2000 ? (uint8_t)('a' + i % 7) : (i % 3 ? 'x' : '#');
	n = rsp__frame(framed, sizeof(framed), payload, sizeof(payload));
	assert_true(n > 0);
	assert_true(n < sizeof(payload));	/* the zeros compressed */
	for (i = 1; i + 2 < n; i++)
		if (framed[i] == '*')
			assert_true(framed[i + 1] >= ' ' && framed[i + 1] <= '~' &&
				    framed[i + 1] != '#' && framed[i + 1] != '$');
	assert_int_equal(feed(&f->dec, framed, n), RSP_PACKET);
	assert_payload(&f->dec, payload, sizeof(payload));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_valid_packet, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ack_nak_interrupt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_checksum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nonhex_checksum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_escapes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_escape_at_end, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rle_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rle_overflow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlong, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dollar_restarts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_noise_between_packets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_binary_payload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_frame_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_frame_too_small, setup, teardown),
		cmocka_unit_test(test_parse_hex_u64),
		cmocka_unit_test(test_hex_codec),
		cmocka_unit_test(test_escape_binary),
		cmocka_unit_test(test_rle_compress),
		cmocka_unit_test_setup_teardown(test_rle_round_trip, setup, teardown),
	};

	return cmocka_run_group_tests_name("rsp", tests, NULL, NULL);
}
