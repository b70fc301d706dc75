/*
 * sysview.h - the CPU's system state decoded for a learner: mode, segment
 * registers, GDT and IDT descriptors, selector:offset -> linear -> physical.
 * Pure x86 knowledge over struct target; no KVM.  Each function writes
 * human-readable text (lines ending in '\n') into out and returns the
 * length, or -errno (-EFAULT when guest memory cannot be read).
 */
#ifndef KVMSTUB_SYSVIEW_H
#define KVMSTUB_SYSVIEW_H

#include <stddef.h>
#include <stdint.h>

#include "target.h"

enum cpu_mode { MODE_REAL, MODE_PROTECTED, MODE_PAGED, MODE_LONG_COMPAT, MODE_LONG };

enum cpu_mode sysview__mode(const struct target_regs *r);
const char *sysview__mode_name(enum cpu_mode m);	/* "real", "protected", ... */

int sysview__show_mode(struct target *t, int cpu, char *out, size_t cap);
int sysview__show_sregs(struct target *t, int cpu, char *out, size_t cap);
int sysview__show_gdt(struct target *t, int cpu, char *out, size_t cap);
int sysview__show_idt(struct target *t, int cpu, char *out, size_t cap);
/* arg: "ADDR" (linear) or "SEL:OFF" (hex). -EINVAL when malformed. */
int sysview__show_xlate(struct target *t, int cpu, const char *arg, char *out, size_t cap);

/* sysview_msr.c: MSRs by name or hex address (IA32_EFER, efer, c0000080).
 * A refused MSR is -ENOENT, with the reason in out. */
int sysview__msr_parse(const char *arg, uint32_t *index);
int sysview__show_msr_read(struct target *t, int cpu, const char *arg, char *out, size_t cap);
int sysview__show_msr_write(struct target *t, int cpu, const char *addr, const char *value,
			    char *out, size_t cap);
int sysview__show_msr_list(struct target *t, int cpu, char *out, size_t cap);
/* sysview_apic.c: every vCPU's local APIC; sysview_irq.c: the 8259 pair
 * and the 8254.  -ENODEV, said in out, where the machine has none. */
int sysview__show_lapic(struct target *t, char *out, size_t cap);
int sysview__show_pic(struct target *t, char *out, size_t cap);
int sysview__show_pit(struct target *t, char *out, size_t cap);

#endif
