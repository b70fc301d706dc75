/*
 * regs.h - the register layouts gdb sees, and their target descriptions.
 *
 * One layout for the whole session (so "Remote 'g' packet reply is too
 * long" cannot happen), chosen on the command line (--arch):
 *   i386 (default): gdb's 32-bit i386 core (eax..gs, x87), SSE, and our
 *     own feature with the system registers a learner needs.  Register 8
 *     (eip, gdb's $pc) is the LINEAR address of the next instruction,
 *     CS.base + IP; the raw IP is the register "ip".
 *   x86-64: gdb's amd64 core (rax..r15, rip, eflags, selectors, x87),
 *     16 SSE registers, and the system feature with 64-bit bases, control
 *     registers and EFER.  Register 16 (rip, $pc) is linear too: RIP in
 *     64-bit mode, CS.base + IP below it (upper halves are then zero).
 *
 * Both end with the extended state (x87, SSE, AVX, AVX-512, PKRU, XCR0:
 * struct target_fpu), numbered after every other register so that the
 * 'g' packet ends before it: gdb reads those registers with 'p' when it
 * needs them, and only the parts the target has (xfeatures) are described.
 *
 * The regs_layout__* functions take the layout (NULL = the default i386
 * one); the older regs__* functions are the i386 layout.
 */
#ifndef KVMSTUB_REGS_H
#define KVMSTUB_REGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "target.h"

#define REGS_PC		8	/* gdb regnum of eip (i386 layout) */
#define REGS64_PC	16	/* gdb regnum of rip (x86-64 layout) */
#define REGS_WHY_SIZE	200	/* room for the reason a register write was refused */

enum regs_arch { REGS_ARCH_I386, REGS_ARCH_X86_64 };

/* A constant register table; sessions hold a pointer to one. */
struct regs_layout;

const struct regs_layout *regs__layout(enum regs_arch arch);
/* --arch auto's choice for a vCPU in state r: x86-64 in 64-bit mode
 * (EFER.LMA and CS.L), i386 otherwise. */
const struct regs_layout *regs__layout_for(const struct target_regs *r);
/* "i386" or "x86-64" (also "i386:x86-64", "x86_64", "amd64"); -EINVAL. */
int regs__arch_parse(const char *name, enum regs_arch *arch);

/* The layout-aware interface: the same contracts as the regs__ functions
 * below of the same name, for layout L (NULL = i386). */
const char *regs_layout__name(const struct regs_layout *L);	/* the --arch value */
int regs_layout__pc(const struct regs_layout *L);		/* regnum of $pc */
/* The registers a stop reply carries (gdb needs them at every stop): the
 * stack pointer, the frame pointer and the pc, in ascending order. */
#define REGS_EXPEDITED	3
void regs_layout__expedited(const struct regs_layout *L, int regs[REGS_EXPEDITED]);
/* Every register, the extended state's included. */
int regs_layout__count(const struct regs_layout *L);
/* The registers of the 'g' and 'G' packets (0 .. g_count-1), and their bytes. */
int regs_layout__g_count(const struct regs_layout *L);
int regs_layout__total_size(const struct regs_layout *L);
/* Register regno lives in the extended state (struct target_fpu). */
bool regs_layout__is_xstate(const struct regs_layout *L, int regno);
/* Register regno is in the target description of a target whose vCPUs
 * have the TARGET_XF_* parts xfeatures. */
bool regs_layout__described(const struct regs_layout *L, int regno, uint32_t xfeatures);
int regs_layout__size(const struct regs_layout *L, int regno);
const char *regs_layout__reg_name(const struct regs_layout *L, int regno);
int regs_layout__find(const struct regs_layout *L, const char *name);
int regs_layout__get(const struct regs_layout *L, const struct target_regs *r, int regno,
		     uint64_t *val);
size_t regs_layout__encode(const struct regs_layout *L, const struct target_regs *r,
			   int regno, char *out);
size_t regs_layout__encode_all(const struct regs_layout *L, const struct target_regs *r,
			       char *out, size_t cap);
/* why (NULL, or why_len bytes): when a write is refused, the reason in
 * words, for the user ("selector 0x0018 (GDT index 3) lies beyond the GDT
 * limit 0x0017: ..."); "" when there is none to give. */
int regs_layout__write(const struct regs_layout *L, struct target *t, int cpu,
		       struct target_regs *r, int regno, const uint8_t *val, size_t len,
		       char *why, size_t why_len);
int regs_layout__write_all(const struct regs_layout *L, struct target *t, int cpu,
			   struct target_regs *r, const uint8_t *buf, size_t len,
			   char *why, size_t why_len);
/* The extended state's registers (regs_fpu.c): hex of register regno
 * from f (2*size chars + NUL; chars written, 0 for a register that is not
 * one of them); its value when it has at most 64 bits (-ENOENT else); a
 * write into f (-EINVAL with why for a value the register cannot hold). */
size_t regs_layout__encode_fpu(const struct regs_layout *L, const struct target_fpu *f,
			       int regno, char *out);
int regs_layout__get_fpu(const struct regs_layout *L, const struct target_fpu *f, int regno,
			 uint64_t *val);
int regs_layout__write_fpu(const struct regs_layout *L, struct target_fpu *f, int regno,
			   const uint8_t *val, size_t len, char *why, size_t why_len);
/* xfeatures: the TARGET_XF_* parts described.  x86-64: <architecture> is
 * always i386:x86-64. */
size_t regs_layout__target_xml(const struct regs_layout *L, const struct target_regs *r,
			       uint32_t xfeatures, char *out, size_t cap);

/* ---- the i386 layout ---- */

int regs__count(void);
/* Bytes of the whole layout: the 'G' payload size, half the 'g' reply. */
int regs__total_size(void);
/* Size in bytes of register regno, 0 when no such register. */
int regs__size(int regno);
const char *regs__name(int regno);
/* Look a register up by name; -1 when none. */
int regs__find(const char *name);

/* CS.base + IP, wrapped at 4 GiB; in 64-bit mode (EFER.LMA, CS.L) RIP. */
uint64_t regs__linear_pc(const struct target_regs *r);
/* Read one register's value (zero-extended); -ENOENT for the extended
 * state (x87, SSE ...: regs_layout__get_fpu) or no such register. */
int regs__get(const struct target_regs *r, int regno, uint64_t *val);

/* Hex of register regno (little-endian, or "xx.." for the extended state,
 * which regs_layout__encode_fpu encodes) into out (2*size chars + NUL).
 * Returns chars written, 0 for a bad regno. */
size_t regs__encode(const struct target_regs *r, int regno, char *out);
/* The whole 'g' reply.  Returns chars written, 0 if cap is too small. */
size_t regs__encode_all(const struct target_regs *r, char *out, size_t cap);

/* Write register regno from len raw little-endian bytes, following the
 * address rules: writing eip sets IP relative to CS (real mode: moves CS
 * only when the target is outside its 64 KiB); writing a selector in real
 * mode sets its base to selector*16, in protected mode loads the
 * descriptor from the GDT through t.  0, -EINVAL (bad regno or size),
 * -EFAULT (descriptor unreadable), -EINVAL for the extended state
 * (regs_layout__write_fpu). */
int regs__write(struct target *t, int cpu, struct target_regs *r, int regno,
		const uint8_t *val, size_t len);
/* 'G': the 'g' registers in raw bytes; len must be their size. */
int regs__write_all(struct target *t, int cpu, struct target_regs *r,
		    const uint8_t *buf, size_t len);

/* eflags as gdb shows a flags register, "[ ZF IF ]".  Returns the
 * length, 0 if cap is too small. */
size_t regs__eflags_str(uint64_t rflags, char *out, size_t cap);

/* target.xml: <architecture> is i8086 in real mode, i386 otherwise.
 * Returns its length, 0 if cap is too small. */
size_t regs__target_xml(const struct target_regs *r, char *out, size_t cap);

#endif
