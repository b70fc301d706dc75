/*
 * session_fixture.c - a session on a fake target, for the unit tests.
 */
#include "session_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../stub/packets.h"
#include "../../stub/rsp.h"

int fixture__open(struct fake_target **ft, struct session **s, bool attach)
{
	*ft = fake_target__new(64 * 1024);
	*s = calloc(1, sizeof(**s));
	if (!*ft || !*s)
		return -1;
	if (attach) {
		session__init(*s, &(*ft)->target, NULL, packets__dispatch);
		session__attach(*s);
	} else {
		(*s)->target = &(*ft)->target;
		(*s)->g_cpu = 0;
	}
	return 0;
}

void fixture__close(struct fake_target *ft, struct session *s)
{
	fake_target__free(ft);
	free(s);
}

const char *fixture__req(struct session *s, const void *pkt, size_t len)
{
	s->out_len = 0;
	s->no_reply = false;
	s->reply_len = 0;	/* a packet with no reply leaves "" */
	packets__dispatch(s, (const char *)pkt, len);
	assert_true(s->reply_len <= RSP_PACKET_SIZE);
	s->reply[s->reply_len] = '\0';
	return s->reply;
}

int mon_fixture__setup(void **state)
{
	struct mon_fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	/* Only what the monitor uses: no session__init, no server loop. */
	if (fixture__open(&f->ft, &f->s, false) < 0)
		return -1;
	*state = f;
	return 0;
}

int mon_fixture__teardown(void **state)
{
	struct mon_fixture *f = *state;

	fixture__close(f->ft, f->s);
	free(f);
	return 0;
}

int mon_fixture__run(struct mon_fixture *f, const char *line)
{
	memset(f->out, 0x55, sizeof(f->out));
	return monitor__run(f->s, line, f->out, sizeof(f->out));
}

void fixture__assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("'%s' not found in:\n%s", needle, hay);
}
