/*
 * session_fixture.h - what the unit tests of stub/ share: a session on a
 * fake target with 64 KiB of memory, a packet through the one dispatch
 * table with its reply, and a check that a text holds a line.
 */
#ifndef KVMSTUB_SESSION_FIXTURE_H
#define KVMSTUB_SESSION_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>

#include "../../stub/monitor.h"
#include "../../stub/session.h"
#include "fake_target.h"

/* A fake target and a session on the heap (struct session is large).
 * attach: initialised and attached as after gdb's first packet; else only
 * its target and vCPU set, as the monitor needs.  0, or -1 out of memory. */
int fixture__open(struct fake_target **ft, struct session **s, bool attach);
void fixture__close(struct fake_target *ft, struct session *s);
/* Dispatch a packet of len bytes; the reply, NUL-terminated ("" when
 * the packet has none, as a resume). */
const char *fixture__req(struct session *s, const void *pkt, size_t len);
/* The monitor's tests: a session as the monitor needs it (not attached)
 * and room for a command's output. */
struct mon_fixture {
	struct fake_target *ft;
	struct session *s;
	char out[MONITOR_OUT_SIZE];
};
/* cmocka's setup and teardown for them (*state is the fixture). */
int mon_fixture__setup(void **state);
int mon_fixture__teardown(void **state);
/* monitor__run of line into f->out (filled with 0x55 first). */
int mon_fixture__run(struct mon_fixture *f, const char *line);
/* Fails the test, showing hay, unless needle is in it. */
void fixture__assert_contains(const char *hay, const char *needle);

#endif
