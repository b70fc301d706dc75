/*
 * fuzz_session.c - arbitrary bytes from "gdb" through the whole protocol
 * layer: session__input -> decoder -> packet table -> handlers -> the fake
 * target, with the server loop's part played here (send the output, pass
 * the target's stops on, re-attach after D or k).
 *
 * Each input gets a fresh session (session__init) and a fresh fake
 * target, so a crash reproduces from its input alone.  The session's
 * storage (half a megabyte) is one static object reused by every input:
 * allocating it anew each time made the fuzzer spend its time in page
 * faults.  Besides the sanitizers, it checks
 * what the session promises: its output stays inside s->out, everything
 * it sends is well framed (acks, naks, packets with good checksums), and
 * it always makes progress (no input makes it stop consuming).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../stub/packets.h"
#include "../../stub/rsp.h"
#include "../../stub/session.h"
#include "../unit/fake_target.h"
#include "fuzz.h"

/* 4 KiB of memory: accesses inside, across the end and far outside.  Not
 * more: a read of all of it makes a reply of twice its size, and the
 * fuzzer's time went into framing and checking such replies. */
#define FUZZ_MEM_SIZE	0x1000
#define FUZZ_CPUS	2

#ifdef __clang__
#define FUZZ_NO_COVERAGE	__attribute__((no_sanitize("coverage")))
#else
#define FUZZ_NO_COVERAGE
#endif

enum sent_state { SENT_IDLE, SENT_PAYLOAD, SENT_ESCAPED, SENT_COUNT, SENT_CSUM1, SENT_CSUM2 };

struct fuzz_state {
	struct fake_target *ft;
	struct session s;
	enum sent_state sent_state;	/* checks what the session sends */
	bool sent_any;			/* a payload byte a '*' could repeat */
	uint8_t sent_sum;
};

static void fuzz_die(const char *what)
{
	fprintf(stderr, "fuzz_session: %s\n", what);
	abort();
}

/* Stops the first resumes produce, so that every kind of stop reply and
 * stop message is reached; later continues run until interrupted. */
static void fuzz_queue_stops(struct fake_target *ft)
{
	static const struct target_stop stops[] = {
		{ .reason = STOP_SWBREAK, .addr = 0xffff0 },
		{ .reason = STOP_WATCH, .watch_kind = BP_WATCH_WRITE, .addr = 0x20000 },
		{ .reason = STOP_FAULT, .cpu = 1, .message = "triple fault (shutdown) at 0008:1000" },
		{ .reason = STOP_HWBREAK, .addr = 0xf0010 },
		{ .reason = STOP_WATCH, .watch_kind = BP_WATCH_ACCESS, .addr = 0x20004 },
		{ .reason = STOP_MODE_CHANGE, .message = "real mode -> protected mode" },
		{ .reason = STOP_HALT, .cpu = 7, .message = "hlt with interrupts disabled" },
		{ .reason = STOP_EXITED, .exit_status = 3 },
	};
	size_t i;

	for (i = 0; i < sizeof(stops) / sizeof(stops[0]); i++)
		fake_target__queue_stop(ft, &stops[i]);
}

/*
 * What the session sends must be what gdb can read: acks, naks and
 * "$payload#xx" with the right checksum, '$', '#' and '}' inside a
 * payload only escaped, '*' only as run-length encoding: after a byte to
 * repeat, followed by a count gdb accepts (never '#' or '$').  A checker of its own rather than the decoder:
 * this runs over every byte sent, and is kept out of the coverage
 * instrumentation that made it the fuzzer's hottest loop.
 */
FUZZ_NO_COVERAGE
static void fuzz_check_sent(struct fuzz_state *st, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint8_t c = p[i];

		switch (st->sent_state) {
		case SENT_IDLE:
			if (c == '$') {
				st->sent_state = SENT_PAYLOAD;
				st->sent_sum = 0;
				st->sent_any = false;
			} else if (c != '+' && c != '-') {
				fuzz_die("the session sent a byte outside a packet");
			}
			break;
		case SENT_PAYLOAD:
			if (c == '#') {
				st->sent_state = SENT_CSUM1;
				break;
			}
			if (c == '$')
				fuzz_die("the session sent an unescaped '$' in a packet");
			if (c == '*' && !st->sent_any)
				fuzz_die("the session sent '*' with nothing to repeat");
			st->sent_sum += c;
			st->sent_any = true;
			if (c == '}')
				st->sent_state = SENT_ESCAPED;
			else if (c == '*')
				st->sent_state = SENT_COUNT;
			break;
		case SENT_ESCAPED:
			st->sent_sum += c;
			st->sent_state = SENT_PAYLOAD;
			break;
		case SENT_COUNT:
			if (c < ' ' || c > '~' || c == '#' || c == '$')
				fuzz_die("the session sent a bad run-length count");
			st->sent_sum += c;
			st->sent_any = false;	/* a run is not repeated again */
			st->sent_state = SENT_PAYLOAD;
			break;
		case SENT_CSUM1:
		case SENT_CSUM2: {
			static const char hex[] = "0123456789abcdef";
			int shift = st->sent_state == SENT_CSUM1 ? 4 : 0;

			if (c != (uint8_t)hex[(st->sent_sum >> shift) & 0xf])
				fuzz_die("the session sent a packet with a bad checksum");
			st->sent_state = st->sent_state == SENT_CSUM1 ? SENT_CSUM2 : SENT_IDLE;
			break;
		}
		}
	}
}

/* The server's send. */
static void fuzz_drain(struct fuzz_state *st)
{
	struct session *s = &st->s;

	if (s->out_len > SESSION_OUT_SIZE)
		fuzz_die("s->out_len beyond SESSION_OUT_SIZE");
	fuzz_check_sent(st, s->out, s->out_len);
	session__consumed(s, s->out_len);
}

/* The target's event fd is readable: what server.c's target_event does. */
static void fuzz_target_events(struct fuzz_state *st)
{
	while (st->ft->stop_pending) {
		session__target_event(&st->s);
		fuzz_drain(st);
	}
}

static void fuzz_run(struct fuzz_state *st, const uint8_t *data, size_t size)
{
	struct session *s = &st->s;
	struct target *t = &st->ft->target;
	size_t off = 0;
	int stalls = 0;

	while (off < size) {
		enum session_action act;
		size_t used = 0;

		/* server.c: a guest left running by D is stopped by the next
		 * client's first packet, not by its connecting. */
		if (!s->running && t->ops->is_running(t) && memchr(data + off, '$', size - off)) {
			t->ops->interrupt(t);
			fuzz_target_events(st);
		}
		act = session__input(s, data + off, size - off, &used);
		if (used > size - off)
			fuzz_die("session__input consumed more than it was given");
		off += used;
		fuzz_drain(st);
		fuzz_target_events(st);
		if (act == SESSION_DETACH || act == SESSION_KILL) {
			/* The client is closed; the next one attaches. */
			s->attached = false;
			session__attach(s);
			st->sent_state = SENT_IDLE;
		}
		/* With s->out drained, the session must take at least a byte. */
		if (used == 0 && act == SESSION_OK && ++stalls > 1)
			fuzz_die("session__input makes no progress");
		if (used)
			stalls = 0;
	}
}

int fuzz_session__one(const uint8_t *data, size_t size)
{
	static struct fuzz_state state;
	struct fuzz_state *st = &state;
	FILE *log;

	st->ft = fake_target__new(FUZZ_MEM_SIZE);
	if (!st->ft)
		fuzz_die("fake_target__new failed");
	st->ft->nr_cpus = FUZZ_CPUS;
	fuzz_queue_stops(st->ft);
	/* The --verbose log is code too: run it, into nowhere. */
	log = fopen("/dev/null", "w");
	session__init(&st->s, &st->ft->target, log, packets__dispatch);
	session__attach(&st->s);
	st->sent_state = SENT_IDLE;

	fuzz_run(st, data, size);

	if (log)
		fclose(log);
	fake_target__free(st->ft);
	st->ft = NULL;
	return 0;
}

#ifdef KVMSTUB_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_session__one(data, size);
}
#endif
