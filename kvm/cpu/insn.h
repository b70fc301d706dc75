/*
 * insn.h - a few register-only x86 instructions executed in the daemon
 * (insn.c): what run_loop.c uses to get past a false condition's
 * breakpoint without a step.
 */
#ifndef KVMSTUB_INSN_H
#define KVMSTUB_INSN_H

#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Execute the instruction in code (avail bytes, the instruction at
 * r->rip) as a CPU in a mode of 16, 32 or 64 bits would, when it is one
 * of the few register-only ones insn.c knows.  Returns its length with
 * *r updated (registers, RFLAGS, RIP), or 0 with *r untouched.
 */
int insn__exec(const uint8_t *code, size_t avail, int mode_bits, struct kvm_regs *r);

#endif
