/*
 * agent.h - gdb's agent expressions (the bytecode of a breakpoint
 * condition, gdb manual "Agent Expressions"), checked and evaluated
 * against a stopped vCPU.
 *
 * The bytecode comes from the network: agent__verify() checks it once,
 * when gdb inserts the breakpoint, and agent__eval() checks everything
 * again as it runs (stack bounds, operand and jump bounds, a step limit
 * for backward jumps).  Values are 64-bit, as the manual allows.
 */
#ifndef KVMSTUB_AGENT_H
#define KVMSTUB_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "target.h"

struct regs_layout;

#define AGENT_MAX_LEN		1024	/* bytes of one expression */
#define AGENT_STACK_SIZE	64	/* values */
#define AGENT_MAX_STEPS		10000	/* opcodes executed by one evaluation */

/* What an expression reads: one vCPU, its registers fetched on first use. */
struct agent_ctx {
	struct target *target;
	const struct regs_layout *layout;	/* gdb's register numbers (NULL: i386) */
	int cpu;
	enum target_space space;	/* of ref8..ref64 (linear unless "monitor phys on") */
	struct target_regs regs;
	bool have_regs;
};

void agent__ctx_init(struct agent_ctx *ctx, struct target *t, const struct regs_layout *layout,
		     int cpu, enum target_space space);

/* Write why something was refused into why (NULL or 0 long: nothing). */
void agent__say(char *why, size_t why_len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Check code before it is kept: every opcode known, every operand inside
 * the code, every jump onto the start of an instruction, every register
 * number one gdb can read in layout (NULL: i386).  0; -EOPNOTSUPP for an opcode of the manual that
 * we do not implement (floats, tracing, state variables, printf); -EINVAL
 * for anything else wrong.  why (may be NULL) gets a short reason.
 */
int agent__verify(const uint8_t *code, size_t len, const struct regs_layout *layout,
		  char *why, size_t why_len);

/*
 * Run code; *result is the value on top of the stack at "end".  0, or
 * -EFAULT (memory unreadable), -EDOM (division by zero), -ENOENT
 * (register unavailable), -EOVERFLOW (stack overflow or underflow),
 * -ELOOP (step limit), -EOPNOTSUPP / -EINVAL (as agent__verify), or what
 * get_regs returned.
 */
int agent__eval(struct agent_ctx *ctx, const uint8_t *code, size_t len, uint64_t *result);

/* The name of an opcode, "?" when none. */
const char *agent__op_name(uint8_t op);

#endif
