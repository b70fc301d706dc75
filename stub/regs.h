/*
 * regs.h - the fixed register layout gdb sees, and its target description.
 *
 * One layout for the whole session (so "Remote 'g' packet reply is too
 * long" cannot happen): gdb's 32-bit i386 core (eax..gs, x87), SSE, and
 * our own feature with the system registers a learner needs.  Register 8
 * (eip, gdb's $pc) is the LINEAR address of the next instruction,
 * CS.base + IP; the raw IP is the register "ip".
 */
#ifndef KVMSTUB_REGS_H
#define KVMSTUB_REGS_H

#include <stddef.h>
#include <stdint.h>

#include "target.h"

#define REGS_PC		8	/* gdb regnum of eip */

int regs__count(void);
/* Bytes of the whole layout: the 'G' payload size, half the 'g' reply. */
int regs__total_size(void);
/* Size in bytes of register regno, 0 when no such register. */
int regs__size(int regno);
const char *regs__name(int regno);
/* Look a register up by name; -1 when none. */
int regs__find(const char *name);

uint64_t regs__linear_pc(const struct target_regs *r);
/* Read one register's value (zero-extended); -ENOENT when unavailable
 * (x87/SSE) or no such register. */
int regs__get(const struct target_regs *r, int regno, uint64_t *val);

/* Hex of register regno (little-endian, or "xx.." when unavailable) into
 * out (2*size chars + NUL).  Returns chars written, 0 for a bad regno. */
size_t regs__encode(const struct target_regs *r, int regno, char *out);
/* The whole 'g' reply.  Returns chars written, 0 if cap is too small. */
size_t regs__encode_all(const struct target_regs *r, char *out, size_t cap);

/* Write register regno from len raw little-endian bytes, following the
 * address rules: writing eip sets IP relative to CS (real mode: moves CS
 * only when the target is outside its 64 KiB); writing a selector in real
 * mode sets its base to selector*16, in protected mode loads the
 * descriptor from the GDT through t.  0, -EINVAL (bad regno or size),
 * -EFAULT (descriptor unreadable). Writes to x87/SSE are ignored. */
int regs__write(struct target *t, int cpu, struct target_regs *r, int regno,
		const uint8_t *val, size_t len);
/* 'G': the whole layout in raw bytes; len must be the layout's size. */
int regs__write_all(struct target *t, int cpu, struct target_regs *r,
		    const uint8_t *buf, size_t len);

/* eflags as gdb shows a flags register, "[ ZF IF ]".  Returns the
 * length, 0 if cap is too small. */
size_t regs__eflags_str(uint64_t rflags, char *out, size_t cap);

/* target.xml: <architecture> is i8086 in real mode, i386 otherwise.
 * Returns its length, 0 if cap is too small. */
size_t regs__target_xml(const struct target_regs *r, char *out, size_t cap);

#endif
