/*
 * insn_access.h - the memory one x86 instruction reads and writes, known
 * before it runs (insn_access*.c): what a watchpoint served by stepping
 * needs in order to leave the watched page in normal service.
 *
 * A pure function of the instruction's bytes and the vCPU's registers: no
 * KVM, no machine state.  Optionally it may read guest memory through a
 * callback, for the few instructions whose accesses memory decides (the
 * gate an int goes through, the CS an iret pops); without one, those are
 * "unknown".
 */
#ifndef KVMSTUB_INSN_ACCESS_H
#define KVMSTUB_INSN_ACCESS_H

#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>

/* struct insn_access.rw */
#define INSN_R		0x01	/* read */
#define INSN_W		0x02	/* written */
#define INSN_RW		(INSN_R | INSN_W)
/*
 * Only if data the decoder does not see says so: the iterations of repe
 * and repne after the first (the count is the maximum), the accessed bit
 * of a segment descriptor (set only when clear), a shift's write when its
 * count is 0, the bytes of a segment register push that Intel leaves
 * alone and AMD writes, and the like.
 */
#define INSN_MAYBE	0x04
/*
 * Made by the CPU for itself, with supervisor rights, rather than on an
 * operand: descriptor tables (GDT, LDT, IDT), the real-mode interrupt
 * vector table, the TSS.
 */
#define INSN_SYS	0x08

/* More than any instruction needs: out[] of this size never overflows. */
#define INSN_ACCESS_MAX	16

struct insn_access {
	uint64_t lin;	/* linear address of the first byte */
	uint64_t len;	/* bytes, at least 1 (a rep string may cover gigabytes) */
	uint8_t rw;	/* INSN_R, INSN_W or INSN_RW, with INSN_MAYBE, INSN_SYS */
};

/*
 * Optional: read len bytes of guest memory at linear address lin (the
 * caller translates), returning 0 or -errno.  Lets the decoder follow what
 * memory decides: a far jmp's or call's descriptor, an int's gate, the CS
 * an iret or far ret pops, the TSS's I/O bitmap.
 */
struct insn_mem {
	int (*read)(void *ctx, uint64_t lin, void *buf, size_t len);
	void *ctx;
};

/*
 * The memory the instruction at code[0] (avail bytes of it, at most 15
 * used; r->rip is its address) accesses when it executes once and
 * completes, in the CPU mode that s gives (CR0.PE, EFER.LMA with CS.L,
 * RFLAGS.VM, CS.DB, SS.DB): each access as a linear range, with the
 * address size's wrap-around applied (16-bit offsets wrap at 64 KiB,
 * 32-bit linear addresses at 4 GiB; in 64-bit mode only FS and GS bases
 * apply and canonical form is not checked).  An instruction that faults
 * makes a subset of them first; the exception's delivery is not listed.
 * Page-table walks (physical, not linear) are not listed either.  A rep
 * string instruction is listed whole (all rCX turns left); a single step
 * may end after any turn (KVM's emulator ends it after each turn that
 * touched MMIO), and decoding it again then gives the turns still to come.
 * tests/e2e/access_vs_cpu.c compares the list with the bytes a KVM vCPU
 * reads and writes, access_vs_objdump.c the lengths and operand sizes with
 * objdump's.
 *
 * Returns the number of accesses written to out[] (0: none, e.g. lea,
 * nop, prefetch, clflush) with *insn_len set, or a negative errno when
 * the decoder cannot say, which the caller must take as "may access
 * anything":
 *   -EOPNOTSUPP  not modelled (xsave, AVX-512, most of 0F 38/0F 3A, ...),
 *                or decided by memory it was not given (mem is NULL), or
 *                by a privilege change, a task switch, or the CPU's vendor;
 *   -EILSEQ      not a valid instruction here (#UD): its exception is all
 *                it does;
 *   -ENODATA     the instruction runs past avail;
 *   -ENOSPC      more accesses than max (never with INSN_ACCESS_MAX);
 *   -EINVAL      bad arguments.
 * mem may be NULL.
 */
int insn__accesses(const uint8_t *code, size_t avail, const struct kvm_regs *r,
		   const struct kvm_sregs *s, struct insn_access *out, int max, int *insn_len);
int insn__accesses_mem(const uint8_t *code, size_t avail, const struct kvm_regs *r,
		       const struct kvm_sregs *s, const struct insn_mem *mem,
		       struct insn_access *out, int max, int *insn_len);

#endif
