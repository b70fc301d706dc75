/*
 * options.h - the command line, parsed strictly into a struct (no globals,
 * no getopt state), so every bad option or value has its own message.
 */
#ifndef KVMSTUB_OPTIONS_H
#define KVMSTUB_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "regs.h"

enum listen_kind { LISTEN_TCP, LISTEN_UNIX };

struct listen_addr {
	enum listen_kind kind;
	char host[256];		/* TCP: numeric address or name */
	unsigned port;		/* TCP: 0 picks a free port */
	char path[108];		/* UNIX: socket path (sun_path size) */
};

enum serial_kind { SERIAL_STDOUT, SERIAL_STDERR, SERIAL_FILE, SERIAL_NONE };
enum screen_kind { SCREEN_NONE, SCREEN_STDOUT, SCREEN_FILE };

#define OPTIONS_MAX_MODULES	32

struct options_module {
	const char *path;
	char args[256];			/* "" for none */
	char path_buf[256];		/* FILE of FILE,ARGS */
};

struct options {
	const char *image;
	uint64_t mem_size;
	int smp;			/* --smp: vCPUs */
	bool load_set;
	uint64_t load_addr;
	bool reset_architectural;
	enum regs_arch arch;		/* --arch: gdb's register layout */
	bool arch_auto;			/* --arch auto: chosen at each connection */
	enum serial_kind serial;
	const char *serial_path;	/* SERIAL_FILE */
	struct listen_addr listen;
	bool allow_remote;		/* listening beyond loopback was asked for */
	bool no_gdb;
	bool once;
	bool verbose;
	bool probe;
	bool help;
	bool version;
	/* Boot protocols and drives. */
	const char *append;		/* --append */
	struct options_module modules[OPTIONS_MAX_MODULES];
	int nr_modules;
	const char *disk;		/* --disk FILE[,rw] */
	char disk_buf[256];
	bool disk_rw;
	const char *floppy;		/* --floppy FILE */
	const char *bios;		/* --bios FILE */
	enum screen_kind screen;	/* --screen stdout|FILE */
	const char *screen_path;
	const char *serial_in;		/* --serial-in FILE */
	const char *snapshot_dir;	/* --snapshot-dir DIR */
	const char *restore;		/* --restore FILE */
	bool record;			/* --record */
};

#define OPTIONS_DEFAULT_HOST	"127.0.0.1"
#define OPTIONS_DEFAULT_PORT	1234

/* 0, or -EINVAL with a message in err (main prints it, exit status 2). */
int options__parse(int argc, char *const argv[], struct options *o, char *err, size_t errlen);
/* "16M", "512K", "1G", "0x100000", "1048576"; K/M/G are binary (KiB...). */
int options__parse_size(const char *s, uint64_t *out);
/* Strict unsigned number: decimal, or hex with 0x; whole string. */
int options__parse_u64(const char *s, uint64_t *out);
int options__parse_listen(const char *s, struct listen_addr *l, char *err, size_t errlen);
void options__usage(FILE *out);

#endif
