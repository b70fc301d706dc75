/*
 * monitor_out.c - a monitor command's output (monitor_priv.h), for the
 * table in monitor.c and the commands kept in files of their own: bounded,
 * NUL-terminated, what does not fit left out.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "monitor_priv.h"

void monitor__print(struct mon_out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->len + 1 >= o->cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	o->len += (size_t)n < o->cap - o->len ? (size_t)n : o->cap - o->len - 1;
}

int monitor__usage(const struct mon_cmd *cmd, struct mon_out *o)
{
	monitor__print(o, "usage: monitor %s%s%s\n", cmd->name, cmd->args[0] ? " " : "", cmd->args);
	return -EINVAL;
}
