/*
 * monitor_snap.c - monitor snapshot: the whole machine kept by name in the
 * daemon's memory and put back (save, restore, delete, list), and kept in
 * a file (write; --restore reads one at start).  The target does the work
 * (target_ops.snapshot) and says what it did.
 *
 * After a restore the vCPUs are where the snapshot was taken: a stop that
 * was the guest's end (its exit) no longer holds, and gdb must read the
 * registers and memory again.  gdb keeps both while the guest is stopped;
 * gdbscripts/kvmstub.gdb flushes them after every monitor command.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "monitor_priv.h"
#include "session.h"

#define WORD_MAX	4096

/* The next blank-separated word of *p into buf; false when there is none. */
static bool word(const char **p, char *buf, size_t cap)
{
	const char *s = *p;
	size_t n = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	while (s[n] && s[n] != ' ' && s[n] != '\t')
		n++;
	if (n == 0 || n >= cap)
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	*p = s + n;
	return true;
}

int monitor__snapshot(struct session *s, const struct mon_cmd *cmd, const char *args,
		      struct mon_out *o)
{
	static const struct {
		const char *verb;
		enum target_snap_op op;
		int words;		/* after the verb: NAME, FILE */
	} verbs[] = {
		{ "save", TARGET_SNAP_SAVE, 1 }, { "restore", TARGET_SNAP_RESTORE, 1 },
		{ "delete", TARGET_SNAP_DELETE, 1 }, { "list", TARGET_SNAP_LIST, 0 },
		{ "write", TARGET_SNAP_WRITE, 2 },
	};
	struct target *t = s->target;
	char verb[16], name[WORD_MAX], file[WORD_MAX], rest[8];
	const char *p = args;
	size_t i;
	int ret;

	if (!word(&p, verb, sizeof(verb)))
		return monitor__usage(cmd, o);
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]) && strcmp(verbs[i].verb, verb); i++)
		;
	if (i == sizeof(verbs) / sizeof(verbs[0]) ||
	    (verbs[i].words >= 1 && !word(&p, name, sizeof(name))) ||
	    (verbs[i].words >= 2 && !word(&p, file, sizeof(file))) || word(&p, rest, sizeof(rest))) {
		monitor__usage(cmd, o);
		monitor__print(o, "  save NAME, restore NAME, delete NAME, list, write NAME FILE\n");
		return -EINVAL;
	}
	if (!t->ops->snapshot) {
		monitor__print(o, "this target takes no snapshots\n");
		return -EOPNOTSUPP;
	}
	ret = t->ops->snapshot(t, verbs[i].op, verbs[i].words ? name : NULL,
			       verbs[i].words > 1 ? file : NULL, o->p + o->len, o->cap - o->len);
	o->len += strnlen(o->p + o->len, o->cap - o->len - 1);
	o->p[o->len] = '\0';
	if (o->len && o->p[o->len - 1] != '\n')
		monitor__print(o, "\n");
	if (ret == 0 && verbs[i].op == TARGET_SNAP_RESTORE) {
		/* The guest is back where the snapshot was: not at its end. */
		s->exited = false;
		s->exit_status = 0;
		s->have_stop = false;
		s->xml_len = 0;		/* target.xml may follow the CPU mode (--arch auto) */
	}
	if (ret < 0 && o->len == 0)
		monitor__print(o, "monitor snapshot %s failed: %s\n", verb, strerror(-ret));
	return ret;
}
