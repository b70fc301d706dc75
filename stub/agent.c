/*
 * agent.c - a checked interpreter of gdb's agent-expression bytecode, the
 * integer subset gdb emits for breakpoint conditions on registers and
 * memory: arithmetic, comparisons, logic, sign and zero extension,
 * memory references, constants, registers, jumps and stack shuffles.
 *
 * Refused (agent__verify says -EOPNOTSUPP): the floating-point opcodes,
 * the tracing ones (trace, trace_quick, trace16, tracenz, tracev), trace
 * state variables (getv, setv) and printf.  A breakpoint whose condition
 * uses one of them is reported at every hit and gdb evaluates it.
 *
 * Operands are big-endian in the bytecode whatever the target (manual);
 * memory is read little-endian, as x86 stores it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "agent.h"
#include "regs.h"

enum op_status {
	OP_INVALID,	/* not an opcode: malformed */
	OP_OK,		/* implemented */
	OP_REFUSED,	/* in the manual, not implemented here */
};

struct op_desc {
	const char *name;
	uint8_t operand;	/* bytes of operand after the opcode */
	uint8_t status;
};

/* Indexed by opcode; numbers from the manual's "Bytecode Descriptions". */
static const struct op_desc op_table[] = {
	[0x01] = { "float",		0, OP_REFUSED },
	[0x02] = { "add",		0, OP_OK },
	[0x03] = { "sub",		0, OP_OK },
	[0x04] = { "mul",		0, OP_OK },
	[0x05] = { "div_signed",	0, OP_OK },
	[0x06] = { "div_unsigned",	0, OP_OK },
	[0x07] = { "rem_signed",	0, OP_OK },
	[0x08] = { "rem_unsigned",	0, OP_OK },
	[0x09] = { "lsh",		0, OP_OK },
	[0x0a] = { "rsh_signed",	0, OP_OK },
	[0x0b] = { "rsh_unsigned",	0, OP_OK },
	[0x0c] = { "trace",		0, OP_REFUSED },
	[0x0d] = { "trace_quick",	1, OP_REFUSED },
	[0x0e] = { "log_not",		0, OP_OK },
	[0x0f] = { "bit_and",		0, OP_OK },
	[0x10] = { "bit_or",		0, OP_OK },
	[0x11] = { "bit_xor",		0, OP_OK },
	[0x12] = { "bit_not",		0, OP_OK },
	[0x13] = { "equal",		0, OP_OK },
	[0x14] = { "less_signed",	0, OP_OK },
	[0x15] = { "less_unsigned",	0, OP_OK },
	[0x16] = { "ext",		1, OP_OK },
	[0x17] = { "ref8",		0, OP_OK },
	[0x18] = { "ref16",		0, OP_OK },
	[0x19] = { "ref32",		0, OP_OK },
	[0x1a] = { "ref64",		0, OP_OK },
	[0x1b] = { "ref_float",		0, OP_REFUSED },
	[0x1c] = { "ref_double",	0, OP_REFUSED },
	[0x1d] = { "ref_long_double",	0, OP_REFUSED },
	[0x1e] = { "l_to_d",		0, OP_REFUSED },
	[0x1f] = { "d_to_l",		0, OP_REFUSED },
	[0x20] = { "if_goto",		2, OP_OK },
	[0x21] = { "goto",		2, OP_OK },
	[0x22] = { "const8",		1, OP_OK },
	[0x23] = { "const16",		2, OP_OK },
	[0x24] = { "const32",		4, OP_OK },
	[0x25] = { "const64",		8, OP_OK },
	[0x26] = { "reg",		2, OP_OK },
	[0x27] = { "end",		0, OP_OK },
	[0x28] = { "dup",		0, OP_OK },
	[0x29] = { "pop",		0, OP_OK },
	[0x2a] = { "zero_ext",		1, OP_OK },
	[0x2b] = { "swap",		0, OP_OK },
	[0x2c] = { "getv",		2, OP_REFUSED },
	[0x2d] = { "setv",		2, OP_REFUSED },
	[0x2e] = { "tracev",		2, OP_REFUSED },
	[0x2f] = { "tracenz",		0, OP_REFUSED },
	[0x30] = { "trace16",		2, OP_REFUSED },
	[0x32] = { "pick",		1, OP_OK },
	[0x33] = { "rot",		0, OP_OK },
	[0x34] = { "printf",		0, OP_REFUSED },	/* operands of variable size */
};

#define OP_TABLE_LEN	(sizeof(op_table) / sizeof(op_table[0]))

enum {
	OP_ADD = 0x02, OP_SUB, OP_MUL, OP_DIV_S, OP_DIV_U, OP_REM_S, OP_REM_U,
	OP_LSH, OP_RSH_S, OP_RSH_U,
	OP_LOG_NOT = 0x0e, OP_AND, OP_OR, OP_XOR, OP_NOT, OP_EQUAL, OP_LESS_S, OP_LESS_U,
	OP_EXT, OP_REF8, OP_REF16, OP_REF32, OP_REF64,
	OP_IF_GOTO = 0x20, OP_GOTO, OP_CONST8, OP_CONST16, OP_CONST32, OP_CONST64,
	OP_REG, OP_END, OP_DUP, OP_POP, OP_ZERO_EXT, OP_SWAP,
	OP_PICK = 0x32, OP_ROT,
};

static const struct op_desc *op_desc(uint8_t op)
{
	if (op >= OP_TABLE_LEN || !op_table[op].name)
		return NULL;
	return &op_table[op];
}

const char *agent__op_name(uint8_t op)
{
	const struct op_desc *d = op_desc(op);

	return d ? d->name : "?";
}

void agent__say(char *why, size_t why_len, const char *fmt, ...)
{
	va_list ap;

	if (!why || !why_len)
		return;
	va_start(ap, fmt);
	vsnprintf(why, why_len, fmt, ap);
	va_end(ap);
}

/* n big-endian bytes at code[at]; the caller checked they are there. */
static uint64_t operand(const uint8_t *code, size_t at, unsigned int n)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < n; i++)
		v = v << 8 | code[at + i];
	return v;
}

/* Whether a register exists and has a value (x87 and SSE do not). */
static bool reg_readable(const struct regs_layout *layout, unsigned int regno)
{
	static const struct target_regs zero;
	uint64_t v;

	return regno < 0x10000 && regs_layout__get(layout, &zero, (int)regno, &v) == 0;
}

int agent__verify(const uint8_t *code, size_t len, const struct regs_layout *layout,
		  char *why, size_t why_len)
{
	uint8_t start[(AGENT_MAX_LEN + 7) / 8];
	const struct op_desc *d;
	size_t pc, target;
	unsigned int arg;

	if (len == 0 || len > AGENT_MAX_LEN) {
		agent__say(why, why_len, "expression of %zu bytes (1 to %d allowed)", len, AGENT_MAX_LEN);
		return -EINVAL;
	}
	/* Pass 1: decode every instruction, note where each one starts. */
	memset(start, 0, sizeof(start));
	for (pc = 0; pc < len; pc += 1 + d->operand) {
		d = op_desc(code[pc]);
		if (!d) {
			agent__say(why, why_len, "unknown opcode 0x%02x at %u", code[pc], (unsigned int)pc);
			return -EINVAL;
		}
		if (d->status == OP_REFUSED) {
			agent__say(why, why_len, "opcode 0x%02x at %u is not implemented", code[pc],
			    (unsigned int)pc);
			return -EOPNOTSUPP;
		}
		if (d->operand > len - pc - 1) {
			agent__say(why, why_len, "operand of opcode 0x%02x at %u is cut short", code[pc],
			    (unsigned int)pc);
			return -EINVAL;
		}
		start[pc / 8] |= (uint8_t)(1u << (pc % 8));
	}
	/* Pass 2: the operands. */
	for (pc = 0; pc < len; pc += 1 + op_desc(code[pc])->operand) {
		d = op_desc(code[pc]);
		arg = d->operand ? (unsigned int)operand(code, pc + 1, d->operand) : 0;
		switch (code[pc]) {
		case OP_IF_GOTO:
		case OP_GOTO:
			target = arg;
			if (target >= len || !(start[target / 8] & (1u << (target % 8)))) {
				agent__say(why, why_len, "jump at %u to %u, not an instruction",
				    (unsigned int)pc, arg);
				return -EINVAL;
			}
			break;
		case OP_REG:
			if (!reg_readable(layout, arg)) {
				agent__say(why, why_len, "register %u at %u is not readable", arg,
				    (unsigned int)pc);
				return -EOPNOTSUPP;
			}
			break;
		case OP_EXT:
		case OP_ZERO_EXT:
			if (arg == 0) {
				agent__say(why, why_len, "extension from 0 bits at %u", (unsigned int)pc);
				return -EINVAL;
			}
			break;
		default:
			break;
		}
	}
	return 0;
}

void agent__ctx_init(struct agent_ctx *ctx, struct target *t, const struct regs_layout *layout,
		     int cpu, enum target_space space)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->target = t;
	ctx->layout = layout;
	ctx->cpu = cpu;
	ctx->space = space;
}

static int read_reg(struct agent_ctx *ctx, unsigned int regno, uint64_t *val)
{
	struct target *t = ctx->target;
	int ret;

	if (!ctx->have_regs) {
		ret = t->ops->get_regs(t, ctx->cpu, &ctx->regs);
		if (ret < 0)
			return ret;
		ctx->have_regs = true;
	}
	return regs_layout__get(ctx->layout, &ctx->regs, (int)regno, val);
}

static int read_mem(struct agent_ctx *ctx, uint64_t addr, unsigned int size, uint64_t *val)
{
	struct target *t = ctx->target;
	uint8_t buf[8];
	ssize_t n;

	n = t->ops->read_mem(t, ctx->cpu, ctx->space, addr, buf, size);
	if (n < 0)
		return (int)n;
	if ((size_t)n != size)
		return -EFAULT;
	*val = 0;
	while (size--)
		*val = *val << 8 | buf[size];
	return 0;
}

static uint64_t sign_extend(uint64_t v, unsigned int bits)
{
	uint64_t sign;

	if (bits >= 64)
		return v;	/* the manual: no effect */
	sign = 1ull << (bits - 1);
	v &= (sign << 1) - 1;
	return (v ^ sign) - sign;
}

static uint64_t zero_extend(uint64_t v, unsigned int bits)
{
	return bits >= 64 ? v : v & ((1ull << bits) - 1);
}

/* a OP b for the two-operand opcodes; -EDOM on division by zero. */
static int binary(uint8_t op, uint64_t a, uint64_t b, uint64_t *r)
{
	int64_t sa = (int64_t)a, sb = (int64_t)b;

	switch (op) {
	case OP_ADD:	*r = a + b; return 0;
	case OP_SUB:	*r = a - b; return 0;
	case OP_MUL:	*r = a * b; return 0;
	case OP_AND:	*r = a & b; return 0;
	case OP_OR:	*r = a | b; return 0;
	case OP_XOR:	*r = a ^ b; return 0;
	case OP_EQUAL:	*r = a == b; return 0;
	case OP_LESS_S:	*r = sa < sb; return 0;
	case OP_LESS_U:	*r = a < b; return 0;
	/* Shifts by 64 or more are defined here, not left to C. */
	case OP_LSH:	*r = b >= 64 ? 0 : a << b; return 0;
	case OP_RSH_U:	*r = b >= 64 ? 0 : a >> b; return 0;
	case OP_RSH_S:
		*r = (uint64_t)(sa >> (b >= 64 ? 63 : b));
		return 0;
	case OP_DIV_U:
	case OP_REM_U:
		if (b == 0)
			return -EDOM;
		*r = op == OP_DIV_U ? a / b : a % b;
		return 0;
	case OP_DIV_S:
	case OP_REM_S:
		if (b == 0)
			return -EDOM;
		if (sb == -1)	/* INT64_MIN / -1 overflows in C: wrap instead */
			*r = op == OP_DIV_S ? 0 - a : 0;
		else
			*r = (uint64_t)(op == OP_DIV_S ? sa / sb : sa % sb);
		return 0;
	default:
		return -EINVAL;
	}
}

int agent__eval(struct agent_ctx *ctx, const uint8_t *code, size_t len, uint64_t *result)
{
	uint64_t stack[AGENT_STACK_SIZE], v, a, b;
	const struct op_desc *d;
	unsigned int sp = 0, steps = 0, arg;
	size_t pc = 0;
	uint8_t op;
	int ret;

/* Stack checks: need n values, room for n more. */
#define NEED(n)		do { if (sp < (n)) return -EOVERFLOW; } while (0)
#define ROOM(n)		do { if (AGENT_STACK_SIZE - sp < (n)) return -EOVERFLOW; } while (0)

	if (len > AGENT_MAX_LEN)
		return -EINVAL;
	for (;;) {
		if (pc >= len)
			return -EINVAL;		/* ran off the end without "end" */
		if (++steps > AGENT_MAX_STEPS)
			return -ELOOP;
		op = code[pc];
		d = op_desc(op);
		if (!d)
			return -EINVAL;
		if (d->status != OP_OK)
			return -EOPNOTSUPP;
		if (d->operand > len - pc - 1)
			return -EINVAL;
		arg = d->operand && d->operand <= 2 ? (unsigned int)operand(code, pc + 1, d->operand) : 0;
		pc += 1 + d->operand;

		switch (op) {
		case OP_END:
			NEED(1);
			*result = stack[sp - 1];
			return 0;
		case OP_LOG_NOT:
			NEED(1);
			stack[sp - 1] = !stack[sp - 1];
			break;
		case OP_NOT:
			NEED(1);
			stack[sp - 1] = ~stack[sp - 1];
			break;
		case OP_EXT:
			NEED(1);
			if (arg == 0)
				return -EINVAL;
			stack[sp - 1] = sign_extend(stack[sp - 1], arg);
			break;
		case OP_ZERO_EXT:
			NEED(1);
			if (arg == 0)
				return -EINVAL;
			stack[sp - 1] = zero_extend(stack[sp - 1], arg);
			break;
		case OP_REF8:
		case OP_REF16:
		case OP_REF32:
		case OP_REF64:
			NEED(1);
			ret = read_mem(ctx, stack[sp - 1], 1u << (op - OP_REF8), &v);
			if (ret < 0)
				return ret;
			stack[sp - 1] = v;
			break;
		case OP_IF_GOTO:
			NEED(1);
			if (stack[--sp])
				pc = arg;
			break;
		case OP_GOTO:
			pc = arg;
			break;
		case OP_CONST8:
		case OP_CONST16:
		case OP_CONST32:
		case OP_CONST64:
			ROOM(1);
			stack[sp++] = operand(code, pc - d->operand, d->operand);
			break;
		case OP_REG:
			ROOM(1);
			ret = read_reg(ctx, arg, &v);
			if (ret < 0)
				return ret;
			stack[sp++] = v;
			break;
		case OP_DUP:
			NEED(1);
			ROOM(1);
			stack[sp] = stack[sp - 1];
			sp++;
			break;
		case OP_POP:
			NEED(1);
			sp--;
			break;
		case OP_SWAP:
			NEED(2);
			v = stack[sp - 1];
			stack[sp - 1] = stack[sp - 2];
			stack[sp - 2] = v;
			break;
		case OP_PICK:
			/* pick 0 is dup, pick 1 copies the item under the top ... */
			NEED(arg + 1);
			ROOM(1);
			stack[sp] = stack[sp - 1 - arg];
			sp++;
			break;
		case OP_ROT:
			/* a b c => c a b: the top goes third, the rest move up. */
			NEED(3);
			v = stack[sp - 1];
			stack[sp - 1] = stack[sp - 2];
			stack[sp - 2] = stack[sp - 3];
			stack[sp - 3] = v;
			break;
		default:
			NEED(2);
			b = stack[--sp];
			a = stack[sp - 1];
			ret = binary(op, a, b, &v);
			if (ret < 0)
				return ret;
			stack[sp - 1] = v;
			break;
		}
	}
#undef NEED
#undef ROOM
}
