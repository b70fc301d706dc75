/*
 * monitor_record.c - monitor record: recording for reverse execution
 * (on, off, status, limit N instructions or SIZE bytes).  The target does
 * the work (target_ops.record) and says what it did.
 *
 * gdb asks for reverse execution only of a target that announced it in
 * qSupported, when it connected: with recording turned on later, gdb
 * needs "set remote reverse-step-packet on" and "set remote
 * reverse-continue-packet on" (gdbscripts/kvmstub.gdb's reverse-on).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor_priv.h"
#include "session.h"

/* "N" instructions, or "N[K|M|G]B" / "N bytes" bytes. */
static bool parse_limit(const char *p, uint64_t *n, bool *bytes)
{
	char *end;
	unsigned long long v;

	if (*p < '0' || *p > '9')
		return false;
	v = strtoull(p, &end, 10);
	*bytes = false;
	if (*end == 'K' || *end == 'M' || *end == 'G') {
		int shift = *end == 'K' ? 10 : *end == 'M' ? 20 : 30;

		if (v > (UINT64_MAX >> shift))
			return false;
		v <<= shift;
		end++;
		*bytes = true;
	}
	while (*end == ' ')
		end++;
	if (*end == 'B' && end[1] == '\0') {
		*bytes = true;
		end++;
	} else if (!strcmp(end, "bytes")) {
		*bytes = true;
		end += 5;
	} else if (!strcmp(end, "instructions")) {
		end += 12;
	}
	if (*end)
		return false;
	*n = v;
	return true;
}

int monitor__record(struct session *s, const struct mon_cmd *cmd, const char *args,
		    struct mon_out *o)
{
	struct target *t = s->target;
	enum target_rec_op op;
	uint64_t arg = 0;
	bool bytes = false;
	int ret;

	if (!strcmp(args, "on"))
		op = TARGET_REC_ON;
	else if (!strcmp(args, "off"))
		op = TARGET_REC_OFF;
	else if (!strcmp(args, "status") || !args[0])
		op = TARGET_REC_STATUS;
	else if (!strncmp(args, "limit ", 6) && parse_limit(args + 6, &arg, &bytes))
		op = bytes ? TARGET_REC_LIMIT_BYTES : TARGET_REC_LIMIT;
	else {
		monitor__usage(cmd, o);
		monitor__print(o, "  on, off, status, limit N (instructions), limit SIZE[K|M|G]B "
			       "(bytes)\n");
		return -EINVAL;
	}
	if (!t->ops->record) {
		monitor__print(o, "this target does not record\n");
		return -EOPNOTSUPP;
	}
	ret = t->ops->record(t, op, arg, o->p + o->len, o->cap - o->len);
	o->len += strnlen(o->p + o->len, o->cap - o->len - 1);
	o->p[o->len] = '\0';
	if (o->len && o->p[o->len - 1] != '\n')
		monitor__print(o, "\n");
	if (ret < 0 && o->len == 0)
		monitor__print(o, "monitor record %s failed: %s\n", args, strerror(-ret));
	if (ret == 0 && op == TARGET_REC_ON)
		monitor__print(o, "gdb: reverse-stepi, reverse-continue... (a gdb connected before "
			       "this needs: set remote reverse-step-packet on, set remote "
			       "reverse-continue-packet on; kvmstub.gdb's reverse-on does both)\n");
	return ret;
}
