/*
 * snap.h - snapshots of the whole machine (snap.c), kept in the daemon's
 * memory by name and written to files (snap_file.c): every vCPU's state
 * (cpu/power_on.h: registers, system registers, x87/SSE/AVX, MSRs,
 * pending events, local APIC, MP state), every device's (the in-kernel
 * PICs, I/O APIC and PIT among them: dev/), and guest memory as pages
 * shared between snapshots (pages.h).
 */
#ifndef KVMSTUB_SNAP_H
#define KVMSTUB_SNAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "../cpu/cpu.h"
#include "../cpu/power_on.h"
#include "../debug/breakpoints.h"
#include "../debug/view.h"
#include "../dev/device.h"
#include "../mem/memory.h"
#include "pages.h"

#define SNAP_NAME_MAX		64	/* with the NUL */
#define SNAP_MAX		64	/* snapshots held at once */
#define SNAP_MAX_CPUS		64
#define SNAP_FILE_EXT		".kvmsnap"

/* What a snapshot belongs to: a file is refused by a machine that differs. */
struct snap_id {
	uint64_t ram_size, fw_size;
	uint32_t nr_cpus;
	char image[128];		/* the image's file name, "" for none (a BIOS booting a disk) */
	uint64_t image_size;
	uint32_t image_crc;		/* CRC-32 of its bytes */
};

/* One vCPU: KVM's state, and what kvmstub keeps of it beside KVM. */
struct snap_cpu {
	struct cpu_state st;		/* with the registers */
	bool guest_tf;			/* the guest's own TF (KVM's while it steps) */
	struct debug_owed owed;		/* the #DB or int3 owed to the guest */
};

struct snap_dev {
	char name[96];			/* the device's name (device.h), its key in a file */
	size_t len;
	uint8_t *data;
};

struct snapshot {
	char name[SNAP_NAME_MAX];
	struct snap_id id;
	uint32_t nr_cpus;
	struct snap_cpu *cpus;
	int nr_devs;
	struct snap_dev *devs;
	struct mem_image mem;
	uint64_t copied;		/* pages it copied when taken (the rest it shares) */
	long long ns;			/* how long taking it took */
	time_t when;
};

/* The machine a snapshot is taken from and put back to (machine.c fills it). */
struct snap_machine {
	int kvm_fd;
	int nr_cpus;
	struct cpu *cpus[SNAP_MAX_CPUS];
	struct debug_owed *owed[SNAP_MAX_CPUS];
	bool irqchip;
	struct memory *mem;
	struct devices *devs;
	struct bp_manager *bpm;
	struct snap_id id;
};

/* The snapshots in memory, and what the next one shares. */
struct snap_store {
	struct snapshot *list[SNAP_MAX];
	int nr;
	struct mem_image now;		/* memory as last taken or put back */
	bool tracking;			/* memory__log_all(MEM_DIRTY_SNAP) is on: now is true */
	uint64_t *dirty;		/* a page bitmap to take the log into */
	const char *dir;		/* --snapshot-dir, or NULL */
	FILE *log;
};

/* A name for a snapshot (and its file): 1-63 of [A-Za-z0-9._-], not
 * starting with a dot.  true when good, else why into msg. */
bool snap__name_ok(const char *name, char *msg, size_t len);
void snap__init(struct snap_store *st, const char *dir, FILE *log);
void snap__free(struct snap_store *st);
/*
 * The operations of monitor snapshot, with the vCPUs parked; each says
 * in msg what it did or why not and returns 0 or -errno:
 *   save     the machine as NAME (a snapshot of that name is replaced);
 *            with --snapshot-dir also written to DIR/NAME.kvmsnap
 *   restore  NAME back into the machine (from DIR/NAME.kvmsnap when it is
 *            not in memory)
 *   delete   NAME from memory (and its file in DIR)
 *   list     the snapshots in memory and in DIR
 *   write    NAME into the file path
 *   load     the file path into memory (as the name it holds), and restore it
 */
int snap__save(struct snap_store *st, const struct snap_machine *m, const char *name,
	       char *msg, size_t len);
int snap__restore(struct snap_store *st, const struct snap_machine *m, const char *name,
		  char *msg, size_t len);
int snap__delete(struct snap_store *st, const char *name, char *msg, size_t len);
int snap__list(struct snap_store *st, char *msg, size_t len);
int snap__write(struct snap_store *st, const char *name, const char *path, char *msg,
		size_t len);
int snap__load(struct snap_store *st, const struct snap_machine *m, const char *path,
	       char *msg, size_t len);
/* The machine changed behind the store's back (a reset): what the next
 * snapshot shares is unknown, it compares every page. */
void snap__forget_memory(struct snap_store *st);

/* snap_file.c: a snapshot as a file, and back.  write: 0 or -errno with
 * the reason; read: a new snapshot (its pages its own), refused with the
 * reason when the file is not one, is damaged, or was taken of another
 * machine than want (another image, memory size, number of vCPUs). */
int snap__file_write(const struct snapshot *s, const char *path, char *msg, size_t len);
int snap__file_read(const char *path, const struct snap_id *want, struct snapshot **out,
		    char *msg, size_t len);
void snap__destroy(struct snapshot *s);

#endif
