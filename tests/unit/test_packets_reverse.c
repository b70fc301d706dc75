/*
 * test_packets_reverse.c - reverse execution at the protocol (issue 16), on
 * the fake target: ReverseStep+ and ReverseContinue+ in qSupported only
 * while the target records; bs and bc resume backwards (a step, a
 * continue) and reply later with the stop; without recording they are
 * error replies; a stop at the start of the log says replaylog:begin;
 * monitor record reaches the target's record operation.
 */
#include <errno.h>
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
#include "session_fixture.h"

struct fixture {
	struct fake_target *ft;
	struct session *s;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(fixture__open(&f->ft, &f->s, true), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	fixture__close(f->ft, f->s);
	free(f);
	return 0;
}

static const char *req(struct fixture *f, const char *pkt)
{
	return fixture__req(f->s, pkt, strlen(pkt));
}

static void test_not_recording(void **state)
{
	struct fixture *f = *state;

	assert_null(strstr(req(f, "qSupported:swbreak+"), "Reverse"));
	assert_string_equal(req(f, "bs"), "E22");
	assert_string_equal(req(f, "bc"), "E22");
	assert_int_equal(f->ft->nr_resumes, 0);
	assert_false(f->s->running);
}

static void test_recording(void **state)
{
	struct fixture *f = *state;

	f->ft->recording = true;
	assert_non_null(strstr(req(f, "qSupported:swbreak+"), ";ReverseStep+;ReverseContinue+"));
	req(f, "bs");
	assert_true(f->s->no_reply);	/* the stop reply comes with the stop */
	assert_int_equal(f->ft->nr_resumes, 1);
	assert_true(f->ft->last_resume.reverse);
	assert_int_equal(f->ft->last_resume.kind, RESUME_STEP);
}

static void test_reverse_continue(void **state)
{
	struct fixture *f = *state;

	f->ft->recording = true;
	req(f, "bc");
	assert_true(f->s->no_reply);
	assert_true(f->ft->last_resume.reverse);
	assert_int_equal(f->ft->last_resume.kind, RESUME_CONTINUE);
	/* bs and bc take no arguments */
	assert_string_equal(req(f, "bs1"), "");
	assert_string_equal(req(f, "bcx"), "");
}

static void test_replaylog(void **state)
{
	struct fixture *f = *state;
	struct target_stop stop = { .reason = STOP_STEP, .cpu = 0 };
	char out[256];
	size_t n;

	stop.replaylog = REPLAYLOG_BEGIN;
	n = session__stop_reply(f->s, &stop, out, sizeof(out));
	assert_true(n > 0 && n < sizeof(out));
	out[n] = '\0';
	assert_true(out[0] == 'T');
	assert_non_null(strstr(out, "replaylog:begin;"));
	stop.replaylog = REPLAYLOG_NONE;
	n = session__stop_reply(f->s, &stop, out, sizeof(out));
	out[n] = '\0';
	assert_null(strstr(out, "replaylog"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_not_recording, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recording, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reverse_continue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replaylog, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
