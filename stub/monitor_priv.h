/*
 * monitor_priv.h - what the monitor's command table (monitor.c) and the
 * commands kept in files of their own (monitor_snap.c, ...) share: the
 * bounded output of one command and the shape of a command.
 */
#ifndef KVMSTUB_MONITOR_PRIV_H
#define KVMSTUB_MONITOR_PRIV_H

#include <stddef.h>

struct session;

/* The output of one command: bounded, always NUL-terminated. */
struct mon_out {
	char *p;
	size_t cap, len;
};

struct mon_cmd {
	const char *name;
	const char *args;	/* usage of the arguments, "" for none */
	const char *help;
	/* args: the rest of the line, leading blanks skipped, never NULL. */
	int (*run)(struct session *s, const struct mon_cmd *cmd, const char *args,
		   struct mon_out *o);
};

#define MON_HANDLER(fn) \
	static int fn(struct session *s, const struct mon_cmd *cmd, const char *args, \
		      struct mon_out *o)

/* Text into o (kept to what fits) and "usage: monitor NAME ARGS" (-EINVAL),
 * for the commands of the other files (monitor_out.c). */
void monitor__print(struct mon_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int monitor__usage(const struct mon_cmd *cmd, struct mon_out *o);

/* monitor_snap.c: monitor snapshot */
int monitor__snapshot(struct session *s, const struct mon_cmd *cmd, const char *args,
		      struct mon_out *o);

/* monitor_record.c: monitor record */
int monitor__record(struct session *s, const struct mon_cmd *cmd, const char *args,
		    struct mon_out *o);

#endif
