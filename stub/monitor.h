/*
 * monitor.h - gdb's "monitor CMD" (qRcmd): a table of commands, each
 * writing human-readable text.  The session sends the text as 'O'
 * packets, then OK, or an error reply when the command failed.
 */
#ifndef KVMSTUB_MONITOR_H
#define KVMSTUB_MONITOR_H

#include <stddef.h>

struct session;

#define MONITOR_OUT_SIZE	(48 * 1024)

/* Run one command line ("help", "xlate f000:fff0").  Writes text (lines
 * ending in '\n') into out, NUL-terminated, and returns 0, or -errno when
 * the command failed (-ENOENT unknown command, -EINVAL bad arguments), in
 * which case out says why in words a user can act on. */
int monitor__run(struct session *s, const char *line, char *out, size_t cap);

#endif
