/*
 * fake_target.h - a struct target in plain memory for unit tests of the
 * protocol layer: registers, a flat memory (linear == physical), a
 * breakpoint list, and a queue of stops that resume() makes pending.
 */
#ifndef KVMSTUB_FAKE_TARGET_H
#define KVMSTUB_FAKE_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../stub/target.h"

#define FAKE_MAX_BPS	64
#define FAKE_MAX_STOPS	8

struct fake_bp {
	enum target_bp_kind kind;
	uint64_t addr, len;
};

struct fake_target {
	struct target target;
	int nr_cpus;
	struct target_regs regs[4];
	/* The extended state: xfeatures says which parts exist (x87 and SSE
	 * after fake_target__new); get_fpu counts its reads. */
	struct target_fpu fpu[4];
	uint32_t xfeatures;
	int nr_get_fpu, nr_set_fpu, nr_get_regs;
	int set_fpu_err;		/* set_fpu fails with this (0: it works) */
	/* MSRs (get_msr/set_msr): those in the list exist; set_msr refuses
	 * msr_read_only.  The local APICs, the PICs and the PIT as given;
	 * no_irqchip makes their ops say -ENODEV. */
	struct { uint32_t index; uint64_t val; } msrs[16];
	int nr_msrs;
	uint32_t msr_read_only;
	uint8_t lapic[4][TARGET_LAPIC_SIZE];
	struct target_pic pic[2];
	struct target_pit pit;
	bool no_irqchip;
	uint8_t *mem;
	size_t mem_size;
	struct fake_bp bps[FAKE_MAX_BPS];
	int nr_bps;
	int hw_slots;			/* Z1 + Z2..Z4 limit, default 4 */
	bool running;
	int efd;			/* eventfd, readable while a stop is pending */
	struct target_stop stops[FAKE_MAX_STOPS];	/* what the next resumes produce */
	int nr_stops;			/* queued */
	bool stop_pending;
	struct target_stop pending;
	struct target_resume last_resume;	/* kind, cpu, range and alone of the last resume */
	bool no_past_bp;		/* resume() refuses past_bp (-EOPNOTSUPP) */
	int nr_resumes, nr_resets, nr_interrupts, nr_remove_alls;
	/* snapshot(): the last op asked, its name and file, and what it answers */
	int nr_snaps;
	enum target_snap_op snap_op;
	char snap_name[64], snap_file[256];
	int snap_ret;
	bool recording;			/* record(): on; resume() refuses reverse without it */
};

/* mem_size bytes of zeroed memory; real-mode reset state (CS f000:fff0). */
struct fake_target *fake_target__new(size_t mem_size);
void fake_target__free(struct fake_target *ft);
/* Queue the stop that the next resume() produces.  Without one, a resume
 * that steps produces STOP_STEP (and advances rip by 1), and a continue
 * stays running until interrupt(). */
void fake_target__queue_stop(struct fake_target *ft, const struct target_stop *stop);

#endif
