/*
 * fuzz_rsp.c - the decoder alone, byte by byte, with properties that must
 * hold for every input: a decoded packet fits the buffer and is
 * NUL-terminated; framing it again (rsp__frame) and decoding the frame
 * gives the same payload back, as one packet ending at the frame's last
 * byte; and the strict hex parser never reads past its limit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../stub/rsp.h"
#include "fuzz.h"

struct fuzz_rsp {
	struct rsp_decoder in, again;
	uint8_t frame[2 * RSP_PACKET_SIZE + 8];
};

static void fuzz_die(const char *what)
{
	fprintf(stderr, "fuzz_rsp: %s\n", what);
	abort();
}

static void fuzz_roundtrip(struct fuzz_rsp *f)
{
	size_t n, i;

	n = rsp__frame(f->frame, sizeof(f->frame), f->in.buf, f->in.len);
	if (n == 0)
		fuzz_die("rsp__frame refused a packet the decoder accepted");
	rsp__decoder_init(&f->again);
	for (i = 0; i < n; i++) {
		enum rsp_event ev = rsp__decode_byte(&f->again, f->frame[i]);

		if (i + 1 < n && ev != RSP_NONE)
			fuzz_die("a framed packet decodes to an event before its end");
		if (i + 1 == n && ev != RSP_PACKET)
			fuzz_die("a framed packet does not decode to a packet");
	}
	if (f->again.len != f->in.len || memcmp(f->again.buf, f->in.buf, f->in.len))
		fuzz_die("frame + decode does not give the payload back");
}

static void fuzz_hex(const struct rsp_decoder *d)
{
	const char *p = (const char *)d->buf, *limit = p + d->len, *end;
	uint64_t v;

	/* Every number in the packet, as the handlers parse them. */
	while (p < limit) {
		if (rsp__parse_hex_u64(p, limit, &v, &end)) {
			if (end <= p || end > limit)
				fuzz_die("rsp__parse_hex_u64: end outside (start, limit]");
			p = end;
		} else {
			p++;
		}
	}
}

int fuzz_rsp__one(const uint8_t *data, size_t size)
{
	static struct fuzz_rsp state;	/* 260 KiB, reused: no page faults per input */
	struct fuzz_rsp *f = &state;
	size_t i;

	rsp__decoder_init(&f->in);
	for (i = 0; i < size; i++) {
		if (rsp__decode_byte(&f->in, data[i]) != RSP_PACKET)
			continue;
		if (f->in.len > RSP_PACKET_SIZE || f->in.buf[f->in.len] != '\0')
			fuzz_die("decoded packet overruns or is not NUL-terminated");
		fuzz_hex(&f->in);
		fuzz_roundtrip(f);
	}
	return 0;
}

#ifdef KVMSTUB_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_rsp__one(data, size);
}
#endif
