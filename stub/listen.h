/* listen.h - the listening socket: TCP (loopback unless allowed) or unix. */
#ifndef KVMSTUB_LISTEN_H
#define KVMSTUB_LISTEN_H

#include <stdbool.h>
#include <stddef.h>

#include "options.h"

/*
 * Open, bind and listen.  Returns the fd, or -errno with a message in err.
 * target receives what gdb types after "target remote " (with the real
 * port when port 0 was asked for).  A non-loopback TCP address is refused
 * unless allow_remote; then *warn is set.  A stale unix socket file is
 * replaced; a live one or a file that is not a socket is an error.
 */
int listen__open(const struct listen_addr *l, bool allow_remote, bool *warn,
		 char *target, size_t targetlen, char *err, size_t errlen);
/*
 * Before anything else is set up: a TCP address that is not loopback,
 * without allow_remote, is a bad value of --listen (-EPERM, the reason in
 * err; main exits 2).  0 otherwise, also for a name that does not
 * resolve now (listen__open reports that, as a failure to listen).
 */
int listen__check(const struct listen_addr *l, bool allow_remote, char *err, size_t errlen);
/* Close it, removing a unix socket file. */
void listen__close(int fd, const struct listen_addr *l);

#endif
