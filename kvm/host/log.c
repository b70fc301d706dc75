/* log.c - the machine's --verbose log (log.h). */
#include "log.h"

#include <stdarg.h>

void log__say(FILE *log, const char *fmt, ...)
{
	va_list ap;

	if (!log)
		return;
	va_start(ap, fmt);
	fputs("kvmstub: ", log);
	vfprintf(log, fmt, ap);
	fputc('\n', log);
	va_end(ap);
}
