/*
 * main.c - kvmstub: boot a raw x86 image under KVM and let gdb debug it
 * from the reset vector.  main alone decides to exit; everything below it
 * returns errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "../kvm/machine.h"
#include "listen.h"
#include "options.h"
#include "server.h"

#ifndef KVMSTUB_VERSION
#define KVMSTUB_VERSION "0.1.0"
#endif

/* SIGINT and SIGTERM arrive through a signalfd in the main loop; every
 * thread created later inherits them blocked. */
static int block_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &set, SFD_CLOEXEC);
}

static int open_serial(const struct options *o)
{
	int fd;

	switch (o->serial) {
	case SERIAL_STDOUT:
		return STDOUT_FILENO;
	case SERIAL_STDERR:
		return STDERR_FILENO;
	case SERIAL_NONE:
		return -1;
	case SERIAL_FILE:
		break;
	}
	fd = open(o->serial_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		fprintf(stderr, "kvmstub: --serial: cannot open %s: %s\n", o->serial_path, strerror(errno));
	return fd < 0 ? -2 : fd;
}

/* --screen: stdout, or the file that holds the last picture. */
static int open_screen(const struct options *o, bool *rewrite)
{
	int fd;

	*rewrite = false;
	if (o->screen == SCREEN_NONE)
		return -1;
	if (o->screen == SCREEN_STDOUT)
		return STDOUT_FILENO;
	fd = open(o->screen_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		fprintf(stderr, "kvmstub: --screen: cannot open %s: %s\n", o->screen_path,
			strerror(errno));
	*rewrite = true;
	return fd < 0 ? -2 : fd;
}

/* The input the guest gets: --serial-in FILE, and stdin when it is a terminal. */
static int open_inputs(const struct options *o, struct machine_config *mc)
{
	mc->console_fd = isatty(STDIN_FILENO) ? STDIN_FILENO : -1;
	mc->serial_in_fd = -1;
	if (!o->serial_in)
		return 0;
	mc->serial_in_fd = open(o->serial_in, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (mc->serial_in_fd < 0) {
		fprintf(stderr, "kvmstub: --serial-in: cannot open %s: %s\n", o->serial_in,
			strerror(errno));
		return -1;
	}
	return 0;
}

/* --restore FILE: the machine as the snapshot in FILE left it. */
static int restore(struct target *t, const char *path)
{
	char msg[1024];
	size_t n;
	int r = t->ops->snapshot(t, TARGET_SNAP_LOAD, NULL, path, msg, sizeof(msg));

	n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	fprintf(stderr, "kvmstub: %s%s\n", r < 0 ? "--restore: " : "", msg);
	return r;
}

/* --record: recording from the first instruction. */
static int record_on(struct target *t)
{
	char msg[512];
	int r = t->ops->record(t, TARGET_REC_ON, 0, msg, sizeof(msg));

	if (r < 0)
		fprintf(stderr, "kvmstub: --record: %s\n", msg);
	return r;
}

int main(int argc, char **argv)
{
	struct machine_config mc = { 0 };
	struct server_config sc = { 0 };
	struct machine *m;
	struct options o;
	char err[512];
	int sig_fd, status;

	if (options__parse(argc, argv, &o, err, sizeof(err)) < 0) {
		fprintf(stderr, "kvmstub: %s\nTry 'kvmstub --help' for the options.\n", err);
		return 2;
	}
	if (o.help) {
		options__usage(stdout);
		return 0;
	}
	if (o.version) {
		printf("kvmstub %s\n", KVMSTUB_VERSION);
		return 0;
	}
	/* --listen 0.0.0.0 without --allow-remote: a bad value, before the
	 * machine is made. */
	if (!o.no_gdb && !o.probe && listen__check(&o.listen, o.allow_remote, err, sizeof(err)) < 0) {
		fprintf(stderr, "kvmstub: %s\n", err);
		return 2;
	}
	if (o.probe) {
		if (machine__probe(stdout, err, sizeof(err)) < 0) {
			fprintf(stderr, "kvmstub: %s\n", err);
			return 1;
		}
		return 0;
	}

	sig_fd = block_signals();
	if (sig_fd < 0) {
		fprintf(stderr, "kvmstub: signalfd: %s\n", strerror(errno));
		return 1;
	}
	mc.image_path = o.image;
	mc.mem_size = o.mem_size;
	mc.nr_cpus = o.smp;
	mc.load_set = o.load_set;
	mc.load_addr = o.load_addr;
	mc.reset = o.reset_architectural ? RESET_ARCHITECTURAL : RESET_LEGACY;
	mc.log = o.verbose ? stderr : NULL;
	mc.append = o.append;
	mc.nr_modules = o.nr_modules;
	for (int i = 0; i < o.nr_modules; i++)
		mc.modules[i] = (struct machine_module){ o.modules[i].path,
			o.modules[i].args[0] ? o.modules[i].args : NULL };
	mc.disk_path = o.disk;
	mc.disk_rw = o.disk_rw;
	mc.floppy_path = o.floppy;
	mc.bios_path = o.bios;
	mc.snapshot_dir = o.snapshot_dir;
	mc.serial_fd = open_serial(&o);
	if (mc.serial_fd == -2)
		return 1;
	mc.screen_fd = open_screen(&o, &mc.screen_rewrite);
	if (mc.screen_fd == -2 || open_inputs(&o, &mc) < 0)
		return 1;
	if (machine__create(&mc, &m, err, sizeof(err)) < 0) {
		fprintf(stderr, "kvmstub: %s\n", err);
		return 1;
	}
	if (o.restore && restore(machine__target(m), o.restore) < 0) {
		machine__destroy(m);
		return 1;
	}
	if (o.record && record_on(machine__target(m)) < 0) {
		machine__destroy(m);
		return 1;
	}

	if (o.no_gdb) {
		status = server__run_no_gdb(machine__target(m), sig_fd, mc.log);
	} else {
		sc.listen = o.listen;
		sc.allow_remote = o.allow_remote;
		sc.once = o.once;
		sc.arch = o.arch;
		sc.arch_auto = o.arch_auto;
		sc.log = mc.log;
		status = server__run(&sc, machine__target(m), sig_fd);
	}
	machine__destroy(m);
	if (mc.serial_fd > STDERR_FILENO)
		close(mc.serial_fd);
	if (mc.screen_fd > STDERR_FILENO)
		close(mc.screen_fd);
	if (mc.serial_in_fd > STDERR_FILENO)
		close(mc.serial_in_fd);
	close(sig_fd);
	return status;
}
