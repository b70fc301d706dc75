/*
 * test_session.c - the session as the server loop drives it: raw bytes in
 * (framing, acknowledgements, checksums, interrupts, pipelining), framed
 * bytes out, and stop replies when the fake target stops.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../stub/packets.h"
#include "../../stub/rsp.h"
#include "../../stub/session.h"
#include "fake_target.h"

struct fixture {
	struct fake_target *ft;
	struct session *s;
	char *log_buf;
	size_t log_len;
	FILE *log;
	char out[SESSION_OUT_SIZE + 1];	/* what the "server" sent, NUL-terminated */
	size_t out_len;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->ft = fake_target__new(64 * 1024);
	assert_non_null(f->ft);
	f->s = calloc(1, sizeof(*f->s));
	assert_non_null(f->s);
	f->log = open_memstream(&f->log_buf, &f->log_len);
	assert_non_null(f->log);
	session__init(f->s, &f->ft->target, f->log, packets__dispatch);
	session__attach(f->s);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	fclose(f->log);
	free(f->log_buf);
	fake_target__free(f->ft);
	free(f->s);
	free(f);
	return 0;
}

/* The server's part: take everything in s->out. */
static const char *take_out(struct fixture *f)
{
	assert_true(f->s->out_len <= SESSION_OUT_SIZE);
	memcpy(f->out, f->s->out, f->s->out_len);
	f->out_len = f->s->out_len;
	f->out[f->out_len] = '\0';
	session__consumed(f->s, f->s->out_len);
	assert_int_equal(f->s->out_len, 0);
	return f->out;
}

/* Feed bytes in one call that must consume them all; returns the output. */
static const char *input(struct fixture *f, const void *data, size_t len,
			 enum session_action want)
{
	size_t consumed = 0;

	assert_int_equal(session__input(f->s, data, len, &consumed), want);
	assert_int_equal(consumed, len);
	return take_out(f);
}

static const char *input_str(struct fixture *f, const char *str)
{
	return input(f, str, strlen(str), SESSION_OK);
}

/* "$payload#cs", computed here, independently of rsp__frame. */
static char *frame(const char *payload)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = strlen(payload);
	char *p = malloc(n + 5);
	uint8_t cs = 0;
	size_t i;

	assert_non_null(p);
	p[0] = '$';
	for (i = 0; i < n; i++) {
		p[1 + i] = payload[i];
		cs += (uint8_t)payload[i];
	}
	p[n + 1] = '#';
	p[n + 2] = hex[cs >> 4];
	p[n + 3] = hex[cs & 15];
	p[n + 4] = '\0';
	return p;
}

/* Send a packet; the output must be exactly ack + framed reply. */
static void expect(struct fixture *f, const char *pkt, const char *reply)
{
	char *in = frame(pkt), *want = frame(reply);
	char buf[512];

	snprintf(buf, sizeof(buf), "%s%s", f->s->no_ack ? "" : "+", want);
	assert_string_equal(input_str(f, in), buf);
	free(in);
	free(want);
}


/* The payload of one framed packet, run-length encoding undone (a '*'
 * repeats the character before it, the next byte minus 29 more times). */
static const char *payload(const char *framed)
{
	static char out[4096];
	const char *p = strchr(framed, '$'), *end;
	size_t n = 0;

	assert_non_null(p);
	end = strchr(p, '#');
	assert_non_null(end);
	for (p++; p < end && n + 100 < sizeof(out); p++) {
		if (*p == '*' && n > 0 && p + 1 < end) {
			char c = out[n - 1];

			for (int k = 0; k < p[1] - 29; k++)
				out[n++] = c;
			p++;
			continue;
		}
		out[n++] = *p;
	}
	out[n] = '\0';
	return out;
}

/* A T stop reply as the session sends it: base, then the stack pointer,
 * the frame pointer and the linear pc of the thread it names, from the
 * fake target's registers ("04:...;05:...;08:...;", little-endian). */
static const char *T(struct fixture *f, const char *base)
{
	static char out[8][256];
	static int k;
	char *o = out[k++ % 8];
	const char *th = strstr(base, "thread:");
	const struct target_regs *r;
	uint32_t v[3];
	static const int nums[3] = { 4, 5, 8 };
	size_t n;

	if (base[0] != 'T' || !th)
		return base;
	r = &f->ft->regs[strtol(th + 7, NULL, 16) - 1];
	v[0] = (uint32_t)r->gpr[GPR_SP];
	v[1] = (uint32_t)r->gpr[GPR_BP];
	v[2] = (uint32_t)(r->seg[SEG_CS].base + r->rip);
	n = (size_t)snprintf(o, 256, "%s", base);
	for (int i = 0; i < 3; i++)
		n += (size_t)snprintf(o + n, 256 - n, "%02x:%02x%02x%02x%02x;", nums[i],
				      v[i] & 0xff, (v[i] >> 8) & 0xff, (v[i] >> 16) & 0xff, v[i] >> 24);
	return o;
}

/* A packet whose reply is a stop: '+' and the stop reply (T adds the
 * registers), compared without the run-length encoding. */
static void expect_stop_reply(struct fixture *f, const char *pkt, const char *reply)
{
	char *in = frame(pkt);
	const char *out = input_str(f, in);

	if (!f->s->no_ack)
		assert_int_equal(out[0], '+');
	assert_string_equal(payload(out), T(f, reply));
	free(in);
}

static void test_framing_and_acks(void **state)
{
	struct fixture *f = *state;

	assert_string_equal(input_str(f, "$qC#b4"), "+$QC01#f5");
	expect_stop_reply(f, "?", "T05thread:01;");
	expect(f, "qfThreadInfo", "m01");
	/* gdb's acks and line noise produce nothing. */
	assert_string_equal(input_str(f, "+++xyz\r\n"), "");
	/* A packet split over many calls. */
	assert_string_equal(input_str(f, "$q"), "");
	assert_string_equal(input_str(f, "C#"), "");
	assert_string_equal(input_str(f, "b"), "");
	assert_string_equal(input_str(f, "4"), "+$QC01#f5");
	/* Unknown: acknowledged, empty reply. */
	expect(f, "qNoSuchThing", "");
	/* Run-length encoded input is expanded before dispatch: "0*\"" is
	 * six zeros, so this writes four zero bytes. */
	memset(f->ft->mem + 0x1000, 0xee, 5);
	expect(f, "M1000,4:0*\"00", "OK");
	assert_memory_equal(f->ft->mem + 0x1000, "\0\0\0\0\xee", 5);

	/* Every packet in and out is in the log. */
	fflush(f->log);
	assert_non_null(strstr(f->log_buf, "kvmstub: <- $qC"));
	assert_non_null(strstr(f->log_buf, "kvmstub: -> $QC01"));
	assert_non_null(strstr(f->log_buf, "kvmstub: <- $qNoSuchThing"));
}

static void test_bad_checksum(void **state)
{
	struct fixture *f = *state;

	/* NAKed and not acted on: memory stays as it was. */
	assert_string_equal(input_str(f, "$M100,1:ab#00"), "-");
	assert_int_equal(f->ft->mem[0x100], 0);
	assert_string_equal(input_str(f, "$M100,1:ab#zz"), "-");
	assert_int_equal(f->ft->mem[0x100], 0);
	/* gdb sends it again, correctly this time. */
	expect(f, "M100,1:ab", "OK");
	assert_int_equal(f->ft->mem[0x100], 0xab);
}

static void test_retransmit(void **state)
{
	struct fixture *f = *state;
	char first[SESSION_OUT_SIZE + 1];

	/* A '-' before anything was sent: nothing to repeat. */
	assert_string_equal(input_str(f, "-"), "");
	input_str(f, "$g#67");
	assert_int_equal(f->out[0], '+');
	strcpy(first, f->out + 1);
	assert_string_equal(input_str(f, "-"), first);
	assert_string_equal(input_str(f, "-"), first);
	/* An empty reply is repeated too. */
	assert_string_equal(input_str(f, "$vMustReplyEmpty#3a"), "+$#00");
	assert_string_equal(input_str(f, "-"), "$#00");
}

static void test_no_ack_mode(void **state)
{
	struct fixture *f = *state;

	assert_string_equal(input_str(f, "$QStartNoAckMode#b0"), "+$OK#9a");
	assert_true(f->s->no_ack);
	/* gdb acks our OK, then stops acknowledging. */
	assert_string_equal(input_str(f, "+"), "");
	assert_string_equal(input_str(f, "$qC#b4"), "$QC01#f5");
	/* Bad checksums are dropped silently; '-' means nothing. */
	assert_string_equal(input_str(f, "$M100,1:ab#00"), "");
	assert_int_equal(f->ft->mem[0x100], 0);
	assert_string_equal(input_str(f, "-"), "");
	/* A new client starts in acknowledgement mode again. */
	session__attach(f->s);
	assert_false(f->s->no_ack);
	assert_string_equal(input_str(f, "$qC#b4"), "+$QC01#f5");
}

static void test_interrupt(void **state)
{
	struct fixture *f = *state;

	/* 0x03 while stopped: ignored. */
	assert_string_equal(input_str(f, "\x03"), "");
	assert_int_equal(f->ft->nr_interrupts, 0);

	assert_string_equal(input_str(f, "$c#63"), "+");
	assert_true(f->s->running);
	assert_true(f->ft->running);
	assert_string_equal(input_str(f, "\x03"), "");
	assert_int_equal(f->ft->nr_interrupts, 1);
	assert_int_equal(session__target_event(f->s), SESSION_OK);
	assert_string_equal(payload(take_out(f)), T(f, "T02thread:01;"));
	assert_false(f->s->running);
	/* '?' now tells the same story. */
	expect_stop_reply(f, "?", "T02thread:01;");
	/* A spurious wake-up: nothing pending, nothing sent. */
	assert_int_equal(session__target_event(f->s), SESSION_OK);
	assert_string_equal(take_out(f), "");
}

static void test_malformed(void **state)
{
	struct fixture *f = *state;
	size_t n = RSP_PACKET_SIZE + 100, i;
	char *big = malloc(n + 5);
	uint8_t cs = 0;

	assert_non_null(big);
	/* Oversized: acknowledged, E01, and the connection goes on. */
	big[0] = '$';
	for (i = 1; i <= n; i++) {
		big[i] = 'a';
		cs += 'a';
	}
	snprintf(big + n + 1, 4, "#%02x", cs);
	assert_string_equal(input(f, big, n + 4, SESSION_OK), "+$E01#a6");
	expect(f, "qC", "QC01");
	/* '*' with nothing to repeat, '}' at the end. */
	assert_string_equal(input_str(f, "$*a#8b"), "+$E01#a6");
	assert_string_equal(input_str(f, "$m}#ea"), "+$E01#a6");
	expect(f, "qC", "QC01");
	/* In no-ack mode: no '+'. */
	expect(f, "QStartNoAckMode", "OK");
	assert_string_equal(input_str(f, "$*a#8b"), "$E01#a6");
	free(big);
}

/* Feed everything as the server would: send out, call again with the rest. */
static size_t feed_all(struct fixture *f, const char *in, size_t len, char *out, size_t cap)
{
	size_t off = 0, got = 0, consumed, calls = 0;

	while (off < len) {
		assert_int_equal(session__input(f->s, (const uint8_t *)in + off, len - off,
						&consumed), SESSION_OK);
		assert_true(consumed <= len - off);
		assert_true(f->s->out_len <= SESSION_OUT_SIZE);
		assert_true(got + f->s->out_len <= cap);
		memcpy(out + got, f->s->out, f->s->out_len);
		got += f->s->out_len;
		session__consumed(f->s, f->s->out_len);
		off += consumed;
		calls++;
		assert_true(calls < 100000);
	}
	return got;
}

static void test_pipelined(void **state)
{
	struct fixture *f = *state;
	enum { N = 2000, BIG = 40 };
	char *in = malloc(N * 6 + BIG * 16), *out = malloc(BIG * (RSP_PACKET_SIZE + 16) + N * 9);
	size_t len = 0, got, i, consumed;
	char *p;

	assert_non_null(in);
	assert_non_null(out);
	for (i = 0; i < N; i++) {
		memcpy(in + len, "$qC#b4", 6);
		len += 6;
	}
	/* Does one call stop early?  It must, with this much output. */
	session__input(f->s, (const uint8_t *)in, len, &consumed);
	assert_true(consumed < len);
	assert_true(consumed > 0);
	session__consumed(f->s, f->s->out_len);
	rsp__decoder_init(&f->s->dec);

	got = feed_all(f, in, len, out, N * 9);
	assert_int_equal(got, N * 9);
	for (i = 0; i < N; i++)
		assert_memory_equal(out + 9 * i, "+$QC01#f5", 9);

	/* Maximal replies: each m reply fills a packet.  Consecutive bytes
	 * differ by 37, so their hex never has a run of 5 to compress. */
	for (i = 0; i < f->ft->mem_size; i++)
		f->ft->mem[i] = (uint8_t)(i * 37 + 11);
	len = 0;
	for (i = 0; i < BIG; i++) {
		p = frame("m0,8000");
		memcpy(in + len, p, strlen(p));
		len += strlen(p);
		free(p);
	}
	got = feed_all(f, in, len, out, BIG * (RSP_PACKET_SIZE + 16));
	assert_int_equal(got, BIG * (1 + 4 + RSP_PACKET_SIZE));
	free(in);
	free(out);
}

/* Resume with "$c#63" after queueing stop; return what gdb receives. */
static const char *stop_with(struct fixture *f, const struct target_stop *stop)
{
	fake_target__queue_stop(f->ft, stop);
	assert_string_equal(input_str(f, "$c#63"), "+");
	assert_true(f->s->running);
	assert_int_equal(session__target_event(f->s), SESSION_OK);
	assert_false(f->s->running);
	return take_out(f);
}

static void expect_stop(struct fixture *f, const struct target_stop *stop, const char *reply)
{
	assert_string_equal(payload(stop_with(f, stop)), T(f, reply));
}

static void test_stop_replies(void **state)
{
	struct fixture *f = *state;
	struct target_stop st = { .reason = STOP_STEP };
	char *o, want[512];

	expect_stop(f, &st, "T05thread:01;");
	st.reason = STOP_SWBREAK;
	expect_stop(f, &st, "T05thread:01;");	/* gdb did not announce swbreak+ */
	st.reason = STOP_HWBREAK;
	expect_stop(f, &st, "T05thread:01;");
	input_str(f, "$qSupported:swbreak+;hwbreak+#d5");
	assert_true(f->s->gdb_swbreak);
	assert_true(f->s->gdb_hwbreak);
	st.reason = STOP_SWBREAK;
	expect_stop(f, &st, "T05thread:01;swbreak:;");
	st.reason = STOP_HWBREAK;
	expect_stop(f, &st, "T05thread:01;hwbreak:;");
	expect_stop_reply(f, "?", "T05thread:01;hwbreak:;");

	st.reason = STOP_WATCH;
	st.addr = 0x1234;
	st.watch_kind = BP_WATCH_WRITE;
	expect_stop(f, &st, "T05watch:1234;thread:01;");
	st.watch_kind = BP_WATCH_READ;
	expect_stop(f, &st, "T05rwatch:1234;thread:01;");
	st.watch_kind = BP_WATCH_ACCESS;
	st.addr = 0xffffffffffffffffull;
	/* Sixteen f's go out run-length encoded: 'f', then '*' and ','
	 * (44 - 29 = 15 more). */
	expect_stop(f, &st, "T05awatch:ffffffffffffffff;thread:01;");

	st.reason = STOP_MODE_CHANGE;
	expect_stop(f, &st, "T05thread:01;");

	/* A message goes first, as console output ("O" + hex). */
	st.reason = STOP_HALT;
	strcpy(st.message, "hlt");
	o = frame("O686c740a");
	snprintf(want, sizeof(want), "%s$T05thread:01;", o);
	assert_memory_equal(stop_with(f, &st), want, strlen(want));
	free(o);

	st.reason = STOP_FAULT;
	strcpy(st.message, "triple fault");
	o = frame("O747269706c65206661756c740a");
	snprintf(want, sizeof(want), "%s$T0bthread:01;", o);
	assert_memory_equal(stop_with(f, &st), want, strlen(want));
	free(o);
	fflush(f->log);
	assert_non_null(strstr(f->log_buf, "triple fault"));

	/* A full-length message is not cut short by the '\n'. */
	memset(st.message, 'a', sizeof(st.message));
	stop_with(f, &st);
	assert_non_null(strstr(f->out, "610a#"));

	st.reason = STOP_INTERRUPT;
	st.message[0] = '\0';
	expect_stop(f, &st, "T02thread:01;");
}

static void test_stop_other_cpu(void **state)
{
	struct fixture *f = *state;
	struct target_stop st = { .reason = STOP_SWBREAK, .cpu = 1 };

	f->ft->nr_cpus = 2;
	expect_stop(f, &st, "T05thread:02;");
	/* The stopped vCPU becomes the current thread. */
	expect(f, "qC", "QC02");
}

static void test_exit(void **state)
{
	struct fixture *f = *state;
	struct target_stop st = { .reason = STOP_EXITED, .exit_status = 3 };

	expect_stop(f, &st, "W03");
	assert_true(f->s->exited);
	assert_int_equal(f->s->exit_status, 3);
	expect(f, "?", "W03");
	/* Killing (reset) brings the machine back to the reset vector. */
	assert_int_equal(session__input(f->s, (const uint8_t *)"$k#6b", 5, &(size_t){ 0 }),
			 SESSION_KILL);
	assert_string_equal(take_out(f), "+$X09#c1");
	assert_false(f->s->exited);
	expect_stop_reply(f, "?", "T05thread:01;");
}

static void test_no_client(void **state)
{
	struct fixture *f = *state;
	struct target_stop st = { .reason = STOP_EXITED, .exit_status = 7 };

	/* Resumed, then the client went away: the stop is kept, not sent. */
	fake_target__queue_stop(f->ft, &st);
	input_str(f, "$c#63");
	f->s->attached = false;
	assert_int_equal(session__target_event(f->s), SESSION_OK);
	assert_int_equal(f->s->out_len, 0);
	assert_false(f->s->running);
	session__attach(f->s);
	expect(f, "?", "W07");
}

static void test_detach(void **state)
{
	struct fixture *f = *state;
	size_t consumed;
	const char *in = "$D#44$qC#b4";

	/* Input after 'D' is left for nobody: the server closes. */
	assert_int_equal(session__input(f->s, (const uint8_t *)in, strlen(in), &consumed),
			 SESSION_DETACH);
	assert_int_equal(consumed, 5);
	assert_string_equal(take_out(f), "+$OK#9a");
	assert_true(f->ft->running);
	assert_false(f->s->running);
	/* The guest stopping later with no client: remembered quietly. */
	f->s->attached = false;
	f->ft->target.ops->interrupt(&f->ft->target);
	session__target_event(f->s);
	assert_int_equal(f->s->out_len, 0);
}

/*
 * After a detach the guest runs on with nobody following it: a stop that
 * is not its end (an event kept from before the detach, a mode change)
 * resumes it again; its end, or the daemon's own interrupt, is kept.
 */
static void test_detach_runs_on(void **state)
{
	struct fixture *f = *state;
	struct target_stop watch = { .reason = STOP_WATCH, .addr = 0x200,
				     .watch_kind = BP_WATCH_WRITE };
	struct target_stop mode = { .reason = STOP_MODE_CHANGE };
	struct target_stop end = { .reason = STOP_EXITED, .exit_status = 5 };

	fake_target__queue_stop(f->ft, &watch);
	fake_target__queue_stop(f->ft, &mode);
	fake_target__queue_stop(f->ft, &end);
	assert_int_equal(session__input(f->s, (const uint8_t *)"$D#44", 5, &(size_t){ 0 }),
			 SESSION_DETACH);
	assert_string_equal(take_out(f), "+$OK#9a");
	f->s->attached = false;
	assert_true(f->s->free_running);
	assert_int_equal(f->ft->nr_resumes, 1);
	/* The kept watchpoint event: on with the guest, nothing recorded. */
	assert_int_equal(session__target_event(f->s), SESSION_OK);
	assert_int_equal(f->ft->nr_resumes, 2);
	assert_int_equal(f->ft->last_resume.kind, RESUME_CONTINUE);
	assert_null(f->ft->last_resume.bp_filter);
	assert_int_equal(f->s->nr_stops, 0);
	/* A mode change: the same. */
	assert_int_equal(session__target_event(f->s), SESSION_OK);
	assert_int_equal(f->ft->nr_resumes, 3);
	assert_true(f->s->free_running);
	/* Its end is kept. */
	assert_int_equal(session__target_event(f->s), SESSION_OK);
	assert_int_equal(f->ft->nr_resumes, 3);
	assert_int_equal(f->s->nr_stops, 1);
	assert_true(f->s->exited);
	assert_int_equal(f->s->exit_status, 5);
	assert_false(f->s->free_running);
	assert_int_equal(f->s->out_len, 0);

	/* And the daemon's own interrupt stops it for good. */
	f->s->exited = false;
	assert_int_equal(f->ft->target.ops->resume(&f->ft->target,
		&(struct target_resume){ .kind = RESUME_CONTINUE }), 0);
	f->s->free_running = true;
	session__interrupt_quietly(f->s);
	assert_int_equal(session__target_event(f->s), SESSION_OK);
	assert_false(f->ft->running);
	assert_false(f->s->free_running);
	assert_int_equal(f->s->last_stop.reason, STOP_INTERRUPT);
}

static void test_monitor_packets(void **state)
{
	struct fixture *f = *state;
	char *in = frame("qRcmd,68656c70");	/* "help" */

	input_str(f, in);
	free(in);
	/* '+', then one or more O packets, then OK. */
	assert_int_equal(f->out[0], '+');
	assert_memory_equal(f->out + 1, "$O", 2);
	assert_int_equal(strcmp(f->out + f->out_len - 6, "$OK#9a"), 0);
}

/* ---- target-side breakpoint conditions: hidden hits ---- */

static void queue(struct fixture *f, enum target_stop_reason reason, uint64_t addr)
{
	struct target_stop st = { .reason = reason, .addr = addr };

	fake_target__queue_stop(f->ft, &st);
}

/* Send a resuming packet: only the acknowledgement comes back now. */
static void resume_pkt(struct fixture *f, const char *pkt)
{
	char *in = frame(pkt);

	assert_string_equal(input_str(f, in), "+");
	free(in);
}

/* Collect a stop: out must be exactly the framed payload ("" for none). */
static void event(struct fixture *f, const char *reply)
{
	const char *out;

	assert_int_equal(session__target_event(f->s), SESSION_OK);
	out = take_out(f);
	if (!reply[0]) {
		assert_string_equal(out, "");
		return;
	}
	assert_string_equal(payload(out), T(f, reply));
}

static void cond_bp(struct fixture *f)
{
	expect(f, "Z0,100,1;X9,260000162022051327", "OK");
}

/* A target without past_bp: the session steps over the false hit itself. */
static void test_cond_false_is_hidden(void **state)
{
	struct fixture *f = *state;

	f->ft->no_past_bp = true;
	cond_bp(f);
	queue(f, STOP_SWBREAK, 0x100);	/* eax 4: false */
	queue(f, STOP_STEP, 0x101);	/* our step over it */
	queue(f, STOP_SWBREAK, 0x100);	/* eax 5: true */
	f->ft->regs[0].gpr[GPR_AX] = 4;
	f->ft->nr_resumes = 0;
	resume_pkt(f, "c");
	/* The false hit: a step, nothing to gdb. */
	event(f, "");
	assert_int_equal(f->ft->last_resume.kind, RESUME_STEP);
	assert_int_equal(f->ft->last_resume.cpu, 0);
	assert_true(f->ft->last_resume.alone);
	assert_false(f->ft->last_resume.past_bp);
	assert_true(f->s->running);
	/* The step done: gdb's continue again, still nothing to gdb. */
	event(f, "");
	assert_int_equal(f->ft->last_resume.kind, RESUME_CONTINUE);
	/* The true hit is reported. */
	f->ft->regs[0].gpr[GPR_AX] = 5;
	event(f, "T05thread:01;");
	assert_int_equal(f->ft->nr_resumes, 3);
	assert_int_equal(f->s->cond_skips, 1);
	assert_false(f->s->running);
	assert_false(f->s->skipping);
}

static void test_cond_true_and_unconditional(void **state)
{
	struct fixture *f = *state;

	{
		char *q = frame("qSupported:swbreak+");

		input_str(f, q);	/* the reply is test_packets' business */
		free(q);
	}
	assert_true(f->s->gdb_swbreak);
	cond_bp(f);
	f->ft->regs[0].gpr[GPR_AX] = 5;
	queue(f, STOP_SWBREAK, 0x100);
	resume_pkt(f, "c");
	event(f, "T05thread:01;swbreak:;");
	/* Another breakpoint, without conditions, at another address. */
	f->ft->regs[0].gpr[GPR_AX] = 4;
	queue(f, STOP_SWBREAK, 0x200);
	resume_pkt(f, "c");
	event(f, "T05thread:01;swbreak:;");
	/* z removes the conditions: the hit at 0x100 now stops. */
	expect(f, "z0,100,1", "OK");
	queue(f, STOP_SWBREAK, 0x100);
	resume_pkt(f, "c");
	event(f, "T05thread:01;swbreak:;");
	/* So does a Z without them. */
	cond_bp(f);
	expect(f, "Z0,100,1", "OK");
	queue(f, STOP_SWBREAK, 0x100);
	resume_pkt(f, "c");
	event(f, "T05thread:01;swbreak:;");
	assert_int_equal(f->s->cond_skips, 0);
}

/* gdb's own steps see every stop, false conditions included. */
static void test_cond_during_step(void **state)
{
	struct fixture *f = *state;

	cond_bp(f);
	f->ft->regs[0].gpr[GPR_AX] = 4;
	queue(f, STOP_SWBREAK, 0x100);
	resume_pkt(f, "s");
	event(f, "T05thread:01;");
	queue(f, STOP_SWBREAK, 0x100);
	resume_pkt(f, "vCont;r100,200:1");
	event(f, "T05thread:01;");
}

/* The step over a false breakpoint lands on something else: shown. */
static void test_cond_step_lands_elsewhere(void **state)
{
	struct fixture *f = *state;
	struct target_stop watch = { .reason = STOP_WATCH, .addr = 0x20000,
				     .watch_kind = BP_WATCH_WRITE };

	f->ft->no_past_bp = true;
	cond_bp(f);
	f->ft->regs[0].gpr[GPR_AX] = 4;
	queue(f, STOP_SWBREAK, 0x100);
	fake_target__queue_stop(f->ft, &watch);
	resume_pkt(f, "c");
	event(f, "");
	event(f, "T05watch:20000;thread:01;");
	assert_false(f->s->skipping);

	/* A hardware breakpoint with a false condition right after: hidden too. */
	expect(f, "Z1,101,1;X3,220027", "OK");
	queue(f, STOP_SWBREAK, 0x100);
	queue(f, STOP_HWBREAK, 0x101);	/* the step's stop, as a breakpoint */
	queue(f, STOP_STEP, 0x102);
	queue(f, STOP_EXITED, 0);
	resume_pkt(f, "c");
	assert_int_equal(session__target_event(f->s), SESSION_OK);
	assert_int_equal(session__target_event(f->s), SESSION_OK);
	assert_int_equal(f->ft->last_resume.kind, RESUME_STEP);
	assert_int_equal(session__target_event(f->s), SESSION_OK);
	assert_int_equal(f->ft->last_resume.kind, RESUME_CONTINUE);
	assert_string_equal(take_out(f), "");
	event(f, "W00");
	assert_int_equal(f->s->cond_skips, 3);
}

/* A Ctrl-C that races a hidden hit is not lost. */
static void test_cond_interrupt(void **state)
{
	struct fixture *f = *state;

	f->ft->no_past_bp = true;
	cond_bp(f);
	f->ft->regs[0].gpr[GPR_AX] = 4;
	queue(f, STOP_SWBREAK, 0x100);
	resume_pkt(f, "c");
	/* The stop is pending, not yet collected, when 0x03 arrives. */
	assert_string_equal(input_str(f, "\x03"), "");
	event(f, "T02thread:01;");
	assert_false(f->s->interrupt_wanted);
	/* And during the step over it. */
	queue(f, STOP_SWBREAK, 0x100);
	queue(f, STOP_STEP, 0x101);
	resume_pkt(f, "c");
	assert_int_equal(session__target_event(f->s), SESSION_OK);
	assert_string_equal(input_str(f, "\x03"), "");
	event(f, "T02thread:01;");
	assert_false(f->s->skipping);
	/* The next continue hides false hits again. */
	queue(f, STOP_SWBREAK, 0x100);
	resume_pkt(f, "c");
	event(f, "");
	assert_true(f->s->skipping);
}

/* The server stopping the guest for its own sake (a lost client, the
 * daemon exiting): a hidden hit collected then is the stop, and nothing
 * is resumed with nobody attached. */
static void test_cond_interrupt_quietly(void **state)
{
	struct fixture *f = *state;

	cond_bp(f);
	f->ft->regs[0].gpr[GPR_AX] = 4;	/* false */
	queue(f, STOP_SWBREAK, 0x100);
	resume_pkt(f, "c");
	f->s->attached = false;
	f->ft->nr_resumes = 0;
	session__interrupt_quietly(f->s);
	assert_int_equal(f->ft->nr_interrupts, 1);
	event(f, "");
	assert_int_equal(f->ft->nr_resumes, 0);
	assert_false(f->ft->running);
	assert_false(f->s->running);
	assert_int_equal(f->s->last_stop.reason, STOP_INTERRUPT);
	assert_false(f->s->interrupt_wanted);
}

/* A target with past_bp: a false hit costs one resume, no step. */
static void test_cond_past_bp(void **state)
{
	struct fixture *f = *state;

	cond_bp(f);
	queue(f, STOP_SWBREAK, 0x100);	/* eax 4: false */
	queue(f, STOP_SWBREAK, 0x100);	/* eax 4 again (the fake leaves it): false */
	queue(f, STOP_SWBREAK, 0x100);	/* eax 5: true */
	f->ft->regs[0].gpr[GPR_AX] = 4;
	f->ft->nr_resumes = 0;
	resume_pkt(f, "c");
	assert_false(f->ft->last_resume.past_bp);	/* gdb's own continue */
	event(f, "");
	assert_int_equal(f->ft->last_resume.kind, RESUME_CONTINUE);
	assert_true(f->ft->last_resume.past_bp);
	assert_int_equal(f->ft->last_resume.cpu, 0);
	assert_false(f->ft->last_resume.alone);	/* as gdb's continue: everyone runs */
	assert_false(f->s->skipping);
	assert_true(f->s->running);
	event(f, "");
	assert_true(f->ft->last_resume.past_bp);
	f->ft->regs[0].gpr[GPR_AX] = 5;
	event(f, "T05thread:01;");
	assert_int_equal(f->ft->nr_resumes, 3);
	assert_int_equal(f->s->cond_skips, 2);
	assert_false(f->s->running);
	/* gdb's next continue is its own: no past_bp (gdb steps over its
	 * breakpoints itself). */
	queue(f, STOP_EXITED, 0);
	resume_pkt(f, "c");
	assert_false(f->ft->last_resume.past_bp);
	event(f, "W00");
}

/* past_bp keeps what gdb's continue asked: a lone vCPU stays alone; the
 * vCPU run past its breakpoint is the one that hit it. */
static void test_cond_past_bp_cpu(void **state)
{
	struct fixture *f = *state;
	struct target_stop hit = { .reason = STOP_SWBREAK, .addr = 0x100, .cpu = 1 };
	struct target_stop other = { .reason = STOP_SWBREAK, .addr = 0x200, .cpu = 1 };

	f->ft->nr_cpus = 2;
	cond_bp(f);
	f->ft->regs[1].gpr[GPR_AX] = 4;
	fake_target__queue_stop(f->ft, &hit);
	fake_target__queue_stop(f->ft, &other);
	resume_pkt(f, "c");
	event(f, "");
	assert_true(f->ft->last_resume.past_bp);
	assert_int_equal(f->ft->last_resume.cpu, 1);
	assert_false(f->ft->last_resume.alone);
	event(f, "T05thread:02;");

	/* scheduler-locking: vCont;c:2 runs vCPU 2 (cpu 1) alone */
	fake_target__queue_stop(f->ft, &hit);
	queue(f, STOP_EXITED, 0);
	resume_pkt(f, "vCont;c:2");
	event(f, "");
	assert_true(f->ft->last_resume.past_bp);
	assert_true(f->ft->last_resume.alone);
	assert_int_equal(f->ft->last_resume.cpu, 1);
	event(f, "W00");
}

/* Ctrl-C racing a false hit wins with past_bp too; a watchpoint met on
 * the way past the breakpoint is shown. */
static void test_cond_past_bp_races(void **state)
{
	struct fixture *f = *state;
	struct target_stop watch = { .reason = STOP_WATCH, .addr = 0x20000,
				     .watch_kind = BP_WATCH_WRITE };

	cond_bp(f);
	f->ft->regs[0].gpr[GPR_AX] = 4;
	queue(f, STOP_SWBREAK, 0x100);
	queue(f, STOP_SWBREAK, 0x100);
	resume_pkt(f, "c");
	event(f, "");
	assert_string_equal(input_str(f, "\x03"), "");
	event(f, "T02thread:01;");
	assert_false(f->s->interrupt_wanted);
	assert_false(f->s->skipping);

	queue(f, STOP_SWBREAK, 0x100);
	fake_target__queue_stop(f->ft, &watch);
	resume_pkt(f, "c");
	event(f, "");
	assert_true(f->ft->last_resume.past_bp);
	event(f, "T05watch:20000;thread:01;");
}

/*
 * gdb's continue carries the conditions to the target (bp_filter), which
 * asks them where the breakpoint is hit; steps and breakpoints without
 * conditions carry none.  A hit the filter let through is not asked again.
 */
static void test_cond_filter(void **state)
{
	struct fixture *f = *state;
	struct target_stop hit = { .reason = STOP_SWBREAK, .addr = 0x100 };
	struct target_stop other = { .reason = STOP_SWBREAK, .addr = 0x200 };
	const struct target_resume *how = &f->ft->last_resume;

	queue(f, STOP_EXITED, 0);
	resume_pkt(f, "c");
	assert_null(how->bp_filter);	/* no conditions yet */
	event(f, "W00");
	session__machine_reset(f->s);

	cond_bp(f);
	queue(f, STOP_STEP, 0x101);
	resume_pkt(f, "s");
	assert_null(how->bp_filter);	/* gdb's steps see every hit */
	event(f, "T05thread:01;");

	/* What the target will report once the filter let a hit through. */
	hit.filtered = true;
	fake_target__queue_stop(f->ft, &hit);
	hit.filtered = false;
	f->ft->nr_resumes = 0;
	resume_pkt(f, "c");
	assert_non_null(how->bp_filter);
	assert_ptr_equal(how->bp_filter_ctx, f->s);
	f->ft->regs[0].gpr[GPR_AX] = 4;
	assert_false(how->bp_filter(how->bp_filter_ctx, &hit));
	assert_false(how->bp_filter(how->bp_filter_ctx, &hit));
	assert_int_equal(f->s->cond_skips, 2);
	assert_true(how->bp_filter(how->bp_filter_ctx, &other));	/* no conditions there */
	f->ft->regs[0].gpr[GPR_AX] = 5;
	assert_true(how->bp_filter(how->bp_filter_ctx, &hit));
	assert_int_equal(f->s->cond_skips, 2);

	/* The target reports the true hit; EAX changed since (another
	 * vCPU, say): the filter's answer stands, no second evaluation. */
	f->ft->regs[0].gpr[GPR_AX] = 4;
	event(f, "T05thread:01;");
	assert_int_equal(f->ft->nr_resumes, 1);
	assert_int_equal(f->s->cond_skips, 2);
}

/* A condition that fails (unreadable memory) stops, and the log says why. */
static void test_cond_error_stops(void **state)
{
	struct fixture *f = *state;

	expect(f, "Z0,100,1;X7,24ffff00001927", "OK");
	queue(f, STOP_SWBREAK, 0x100);
	resume_pkt(f, "c");
	event(f, "T05thread:01;");
	fflush(f->log);
	assert_non_null(strstr(f->log_buf, "condition of the breakpoint at 0x100 failed"));
	/* A machine reset forgets every condition. */
	cond_bp(f);
	session__machine_reset(f->s);
	assert_null(conds__find(&f->s->conds, BP_SOFTWARE, 0x100));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_framing_and_acks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_checksum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retransmit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_ack_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interrupt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pipelined, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_replies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_other_cpu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_client, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detach, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detach_runs_on, setup, teardown),
		cmocka_unit_test_setup_teardown(test_monitor_packets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cond_false_is_hidden, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cond_true_and_unconditional, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cond_during_step, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cond_step_lands_elsewhere, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cond_interrupt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cond_error_stops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cond_interrupt_quietly, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cond_past_bp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cond_past_bp_cpu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cond_past_bp_races, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cond_filter, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
