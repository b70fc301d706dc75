/*
 * breakpoints.h - the breakpoint manager (breakpoints.c): gdb's Z0 and Z1,
 * served by what this host's KVM really does, and guest memory as gdb
 * sees it (our int3 bytes hidden).
 */
#ifndef KVMSTUB_BREAKPOINTS_H
#define KVMSTUB_BREAKPOINTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "../../stub/target.h"
#include "../cpu/cpu.h"
#include "../host/probe.h"
#include "../mem/memory.h"

#define BP_MAX			256
#define BP_NR_DRS		CPU_NR_DRS

/* A breakpoint gdb asked for (Z0 or Z1); addresses are linear. */
struct bp {
	enum target_bp_kind kind;	/* BP_SOFTWARE or BP_HARDWARE */
	uint64_t addr;
	uint8_t *host;			/* int3 mechanism: where the 0xCC sits */
	uint8_t orig;			/* ... and the byte it replaced */
	bool placed;
	int dr;				/* debug register for this run, or -1 */
};

/* monitor sw-break: what a Z0 becomes (breakpoints.c). */
enum bp_sw_mech {
	BP_SW_AUTO,			/* the probe's choice (use_int3) */
	BP_SW_INT3,			/* 0xCC wherever the host stops at it */
	BP_SW_DR,			/* debug registers, then step and compare */
};

struct bp_manager {
	struct bp bps[BP_MAX];
	int nr;
	bool use_int3;			/* Z0 as 0xCC: int3 is intercepted in all modes */
	enum bp_sw_mech sw_mech;	/* set_option("sw-break-int3"/"sw-break-dr") */
	bool int3_stops[PROBE_NR_MODES];	/* an int3 exits (intercepted, or fails) */
	FILE *log;
};

void bp__init(struct bp_manager *bpm, const struct host_caps *caps, FILE *log);
/* Insert a Z0 or Z1 at a linear address, translated with c's paging; an
 * int3 goes into mem.  dr_taken: debug registers the watchpoints hold (a
 * Z1 beyond the free ones is served as a Z0 without one would be). */
int bp__insert(struct bp_manager *bpm, struct cpu *c, struct memory *mem,
	       enum target_bp_kind kind, uint64_t addr, uint64_t len, int dr_taken);
int bp__remove(struct bp_manager *bpm, enum target_bp_kind kind, uint64_t addr, uint64_t len);
void bp__remove_all(struct bp_manager *bpm);
struct bp *bp__find_at(struct bp_manager *bpm, uint64_t addr);
/* Z1s that will hold a debug register (those not served by an int3). */
int bp__nr_dr(const struct bp_manager *bpm);
/* True when breakpoints are left over for step-and-compare (after
 * dregs__assign); bp__compared names the first of them. */
bool bp__compare(const struct bp_manager *bpm);
const struct bp *bp__compared(const struct bp_manager *bpm);
/* One line per breakpoint: where it is and the mechanism serving it. */
int bp__describe_each(const struct bp_manager *bpm, char *buf, size_t len);
struct bp *bp__by_dr(struct bp_manager *bpm, uint64_t dr6);
void bp__shadow_read(const struct bp_manager *bpm, const uint8_t *host, uint8_t *buf,
		     size_t len);
void bp__shadow_write(struct bp_manager *bpm, uint8_t *host, const uint8_t *buf, size_t len);
/* Guest memory as gdb and the step rules see it: cpu__access with our
 * int3 bytes hidden (reads show the guest's byte, writes keep the int3). */
ssize_t bp__access(struct bp_manager *bpm, struct cpu *c, struct memory *mem,
		   enum target_space space, uint64_t addr, void *buf, size_t len, bool write);
const char *bp__describe_sw(const struct bp_manager *bpm);
/* monitor sw-break: -EBUSY while Z0s are inserted, -EOPNOTSUPP for int3
 * on a host that stops at an int3 in no mode. */
int bp__set_sw_mech(struct bp_manager *bpm, enum bp_sw_mech mech);
/* A placed int3 whose 0xCC is still in memory (the guest did not write over it). */
bool bp__ours(const struct bp *bp);
/* Step from a placed int3: put the original byte back for one KVM_RUN
 * (false, nothing done, when the int3 is not ours any more); unlift
 * writes the int3 again unless the guest changed the byte meanwhile. */
bool bp__lift(struct bp *bp);
void bp__unlift(struct bp *bp);
/* Can a vCPU resumed with how run past a breakpoint by itself (past_bp,
 * bp_filter)?  Not over an int3 while other vCPUs run: lifting it for
 * one instruction would let them pass it unseen. */
bool bp__can_pass(const struct bp_manager *bpm, const struct target_resume *how, int nr_vcpus);

#endif
