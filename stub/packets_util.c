/*
 * packets_util.c - what every packet handler uses: reply builders and
 * strict argument parsers (explicit end pointer, every number through
 * rsp__parse_hex_u64, nothing guessed).
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "packets_priv.h"
#include "rsp.h"

enum session_action pkt__reply_str(struct session *s, const char *str)
{
	size_t n = strlen(str);

	memcpy(s->reply, str, n);
	s->reply_len = n;
	return SESSION_OK;
}

enum session_action pkt__reply_fmt(struct session *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(s->reply, sizeof(s->reply), fmt, ap);
	va_end(ap);
	s->reply_len = (n < 0 || (size_t)n >= sizeof(s->reply)) ? 0 : (size_t)n;
	return SESSION_OK;
}

/* "Enn" with nn the errno in decimal (E14 EFAULT, E22 EINVAL, E28 ENOSPC). */
enum session_action pkt__reply_err(struct session *s, int err)
{
	if (err < 0)
		err = -err;
	return pkt__reply_fmt(s, "E%02d", err < 100 ? err : 1);
}

enum session_action pkt__reply_text_err(struct session *s, const char *text, size_t len)
{
	size_t at = 0;

	s->reply[at++] = 'E';
	s->reply[at++] = '.';
	for (size_t i = 0; i < len && text[i] && at < sizeof(s->reply) - 1; i++) {
		char c = text[i];

		/* Framing characters would be escaped, which gdb does not undo
		 * in a text reply, and '*' would be read as run-length. */
		if (c == '#' || c == '$')
			continue;
		if (c == '}')
			c = ')';
		else if (c == '*')
			c = 'x';
		s->reply[at++] = c;
	}
	s->reply_len = at;
	return SESSION_OK;
}

enum session_action pkt__reply_hex(struct session *s, const void *data, size_t len)
{
	s->reply_len = rsp__hex_encode(s->reply, data, len);
	return SESSION_OK;
}

/* ---- strict parsing helpers: p advances, end is exclusive ---- */

bool pkt__parse_num(const char **p, const char *end, uint64_t *val)
{
	const char *next;

	if (!rsp__parse_hex_u64(*p, end, val, &next))
		return false;
	*p = next;
	return true;
}

bool pkt__parse_char(const char **p, const char *end, char c)
{
	if (*p >= end || **p != c)
		return false;
	(*p)++;
	return true;
}

/* "addr,len" */
bool pkt__parse_addr_len(const char **p, const char *end, uint64_t *addr, uint64_t *len)
{
	return pkt__parse_num(p, end, addr) && pkt__parse_char(p, end, ',') && pkt__parse_num(p, end, len);
}

/* A thread id: "-1" (all), "0" (any) or a positive hex number. */
bool pkt__parse_tid(const char **p, const char *end, int64_t *tid)
{
	uint64_t v;

	if (end - *p >= 2 && (*p)[0] == '-' && (*p)[1] == '1') {
		*p += 2;
		*tid = -1;
		return true;
	}
	if (!pkt__parse_num(p, end, &v) || v > INT_MAX)
		return false;
	*tid = (int64_t)v;
	return true;
}

int pkt__nr_cpus(struct session *s)
{
	return s->target->ops->nr_cpus(s->target);
}

/* Thread ids are cpu + 1: gdb reserves 0 for "any" and -1 for "all". */
bool pkt__tid_is_cpu(struct session *s, int64_t tid)
{
	return tid >= 1 && tid <= pkt__nr_cpus(s);
}

uint32_t pkt__xfeatures(struct session *s)
{
	struct target *t = s->target;

	if (t->ops->xfeatures && t->ops->get_fpu)
		return t->ops->xfeatures(t);
	return TARGET_XF_X87 | TARGET_XF_SSE;	/* described, read as unavailable */
}

enum target_space pkt__mem_space(const struct session *s)
{
	return s->physical ? TARGET_PHYSICAL : TARGET_LINEAR;
}
