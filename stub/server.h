/*
 * server.h - the connection loop: the only code that touches sockets.
 * One client at a time; the target's stop events, the client and the
 * daemon's signals meet in one poll() set.
 */
#ifndef KVMSTUB_SERVER_H
#define KVMSTUB_SERVER_H

#include <stdbool.h>
#include <stdio.h>

#include "options.h"
#include "target.h"

struct server_config {
	struct listen_addr listen;
	bool allow_remote;
	bool once;
	enum regs_arch arch;	/* --arch: the register layout gdb sees */
	bool arch_auto;		/* --arch auto: chosen when gdb reads target.xml */
	FILE *log;		/* --verbose, or NULL */
};

/* Serve gdb until SIGINT/SIGTERM arrives on sig_fd (a signalfd), or with
 * --once until the first session ends.  Returns the process exit status;
 * on a setup failure prints the reason and returns 1. */
int server__run(const struct server_config *cfg, struct target *t, int sig_fd);

/* Run the guest to its end with no debugger (--no-gdb).  Returns the
 * exit status: 0 for hlt, the exit-port byte, 1 for a fault. */
int server__run_no_gdb(struct target *t, int sig_fd, FILE *log);

#endif
