/*
 * machine.h - the KVM machine as the daemon's main sees it: create it from
 * a configuration, get its struct target, destroy it.  Everything else in
 * kvm/ is private to kvm/.
 */
#ifndef KVMSTUB_MACHINE_H
#define KVMSTUB_MACHINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../stub/target.h"

enum reset_style {
	RESET_LEGACY,		/* CS=F000 base F0000, IP=FFF0: first fetch at 0xFFFF0 */
	RESET_ARCHITECTURAL,	/* CS=F000 base FFFF0000, IP=FFF0: first fetch at 0xFFFFFFF0 */
};

#define MACHINE_MEM_MIN		(1ull << 20)	/* 1 MiB */
#define MACHINE_MEM_MAX		(3ull << 30)	/* 3 GiB: the APICs and the firmware are above */
#define MACHINE_MEM_DEFAULT	(16ull << 20)
#define MACHINE_IMAGE_MAX	(16u << 20)	/* raw image: the firmware window, ending at 4 GiB */
#define MACHINE_MAX_VCPUS	64		/* --smp: a sane ceiling (KVM's may be lower) */

#define MACHINE_MAX_MODULES	32		/* --module */

/* --module FILE[,ARGS] */
struct machine_module {
	const char *path;
	const char *args;		/* NULL: none */
};

struct machine_config {
	const char *image_path;		/* NULL: boot --floppy or --disk through the BIOS */
	uint64_t mem_size;
	bool load_set;			/* --load given */
	uint64_t load_addr;
	enum reset_style reset;
	int nr_cpus;			/* --smp: vCPUs, 1 (or 0) to MACHINE_MAX_VCPUS */
	int serial_fd;			/* guest output, -1 for none */
	FILE *log;			/* --verbose log (stderr), or NULL */
	/* Boot protocols: a multiboot kernel's command line and modules. */
	const char *append;		/* --append */
	struct machine_module modules[MACHINE_MAX_MODULES];
	int nr_modules;
	/* Drives: the ATA disk (--disk FILE[,rw]) and the floppy, and the
	 * BIOS that boots one of them when there is no image (--bios). */
	const char *disk_path;
	bool disk_rw;			/* ,rw: the guest's writes reach the file */
	const char *floppy_path;
	const char *bios_path;		/* NULL: kvmstub's own BIOS */
	/* The screen (--screen), redrawn as it changes: -1 for none; a file
	 * (screen_rewrite) holds the last picture, a terminal or pipe gets
	 * every picture in turn. */
	int screen_fd;
	bool screen_rewrite;
	/* Input: COM1's receive side (--serial-in FILE), and the daemon's
	 * terminal, whose key presses reach the keyboard and COM1; -1 none. */
	int serial_in_fd;
	int console_fd;
	/* Snapshots: --snapshot-dir DIR keeps each saved one as a file there
	 * too (NULL: memory only). */
	const char *snapshot_dir;
};

struct machine;

/*
 * Open /dev/kvm, create the VM and its vCPU thread, load the image, and
 * stop the vCPU at the reset state.  On failure return -errno and write a
 * message a user can act on into err ("cannot open /dev/kvm: Permission
 * denied (is your user in group kvm?)"), without the "kvmstub: " prefix.
 */
int machine__create(const struct machine_config *cfg, struct machine **out,
		    char *err, size_t errlen);
struct target *machine__target(struct machine *m);
/* Stop the vCPU threads, flush output, free everything. */
void machine__destroy(struct machine *m);

/* kvmstub --probe: measure what this host's KVM does and print it. */
int machine__probe(FILE *out, char *err, size_t errlen);

#endif
