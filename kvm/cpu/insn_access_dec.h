/*
 * insn_access_dec.h - the decoder state that the files of the memory-access
 * decoder share, its primitives (insn_access_dec.c: bytes, ModRM and SIB,
 * the address arithmetic) and the opcode maps' entry points
 * (insn_access_map1.c, insn_access_0f.c; insn_access_vec.c: x87, SSE and
 * VEX; insn_access_sys.c: stack, far transfers, interrupts and descriptor
 * tables), under insn_access.c, the entry: prefixes and the CPU mode.
 * Private to kvm/cpu/insn_access*.c.
 */
#ifndef KVMSTUB_INSN_ACCESS_DEC_H
#define KVMSTUB_INSN_ACCESS_DEC_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "insn_access.h"

#define INSN_MAX_LEN	15	/* the architecture's longest instruction */

/* Segment registers in the encoding's order (sreg field, prefixes). */
enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_NONE = -1 };

#define RFLAGS_CF	0x00001ull
#define RFLAGS_OF	0x00800ull
#define RFLAGS_DF	0x00400ull
#define RFLAGS_NT	0x04000ull
#define RFLAGS_VM	0x20000ull
#define RFLAGS_IOPL(f)	((int)(((f) >> 12) & 3))

struct dec {
	/* the input */
	const uint8_t *code;
	size_t avail;
	const struct kvm_regs *r;
	const struct kvm_sregs *s;
	const struct insn_mem *mem;	/* or NULL */

	/* the CPU mode */
	int bits;		/* the code's default size: 16, 32 or 64 */
	bool pe, v86, lm64;	/* protected mode, virtual-8086, 64-bit mode */
	int cpl;
	uint64_t lin_mask;	/* linear addresses wrap here: 4 GiB outside 64-bit mode */

	/* prefixes */
	size_t pos;		/* the next byte to decode */
	int seg;		/* the last segment override, or SEG_NONE */
	uint8_t rep;		/* the last of F2 and F3, or 0 */
	bool p66, p67, lock;
	uint8_t rex;		/* 0x40-0x4F, or 0 (VEX sets its W R X B here too) */
	bool vex;
	uint8_t vex_map, vex_pp, vex_l;	/* map 1: 0F, 2: 0F 38, 3: 0F 3A; pp as a prefix */

	/* sizes in bytes */
	int osz, asz, ssz;	/* operand, address, stack address */

	/* ModRM */
	bool has_modrm, is_mem;
	uint8_t mod, reg, rm;	/* reg and rm with REX.R and REX.B */
	int ea_seg;		/* the memory operand's segment, override applied */
	int base_reg;		/* its base register, or -1 */
	uint64_t ea;		/* its offset, before RIP-relative and the mask */
	bool rip_rel;
	bool ended;		/* every byte of the instruction decoded */

	/* the output */
	struct insn_access *out;
	int max, n;
};

#define REX_W(d)	(((d)->rex & 8) != 0)
#define REX_R(d)	(((d)->rex & 4) != 0)
#define REX_X(d)	(((d)->rex & 2) != 0)
#define REX_B(d)	(((d)->rex & 1) != 0)

/* ---- insn_access.c: decoding ---- */
int dec__byte(struct dec *d, uint8_t *b);
int dec__imm(struct dec *d, int n, uint64_t *v);	/* little-endian, zero-extended */
int dec__modrm(struct dec *d);
/* The instruction is fully decoded: checks its length; RIP-relative resolves. */
int dec__end(struct dec *d);
/* dec__end, and #UD for a lock prefix anywhere but a lockable memory destination. */
int dec__finish(struct dec *d, bool lockable);
/* A ModRM instruction: size bytes of kind rw when r/m is memory, then immn
 * immediate bytes. */
int dec__rm_op(struct dec *d, uint64_t size, uint8_t rw, bool lockable, int immn);
uint64_t dec__reg(const struct dec *d, int n);	/* general register n, 64 bits */
uint64_t dec__seg_base(const struct dec *d, int seg);
uint64_t dec__amask(int size);			/* 2, 4, 8 bytes -> mask */
/* The operand size of an instruction that defaults to 64 bits in 64-bit mode. */
int dec__osz64(const struct dec *d);

/*
 * Guest memory through the caller's reader: len bytes at offset off of
 * seg, or at a linear address; -EOPNOTSUPP without a reader.
 */
int dec__read(const struct dec *d, int seg, uint64_t off, void *buf, size_t len);
int dec__read_lin(const struct dec *d, uint64_t lin, void *buf, size_t len);

/* ---- insn_access.c: output ---- */
/* len bytes at offset off (already wrapped) in segment seg. */
int acc__at(struct dec *d, int seg, uint64_t off, uint64_t len, uint8_t rw);
/* The ModRM memory operand, or len bytes beyond it (off added, wrapped). */
int acc__mem(struct dec *d, uint64_t len, uint8_t rw);
int acc__mem_at(struct dec *d, int64_t off, uint64_t len, uint8_t rw);
/* A linear range, as is (descriptor tables). */
int acc__lin(struct dec *d, uint64_t lin, uint64_t len, uint8_t rw);
/*
 * A 16-bit store of a selector or of the MSW to memory: 2 bytes; with
 * REX.W, AMD (seen on this project's hosts) stores 8, Intel 2, so the
 * other 6 are INSN_MAYBE.
 */
int acc__mem_store16(struct dec *d);
/*
 * count elements of size bytes at offsets start, start + size, ... in seg,
 * each offset wrapped by amask (an element itself is contiguous).
 */
int acc__run(struct dec *d, int seg, uint64_t start, uint64_t size, uint64_t count,
	     uint64_t amask, uint8_t rw);

/* ---- the maps ---- */
int map1__decode(struct dec *d, uint8_t op);
/* Shared with the 0F map: push/pop of a segment register, lds-style loads. */
int sys__push_sreg(struct dec *d, int seg);
int sys__pop_sreg(struct dec *d, int seg);
int sys__load_far(struct dec *d, int seg);
int map0f__decode(struct dec *d, uint8_t op);
int map0f38__decode(struct dec *d, uint8_t op);
int map0f3a__decode(struct dec *d, uint8_t op);

/* ---- insn_access_vec.c ---- */
int vec__x87(struct dec *d, uint8_t op);		/* D8-DF */
/* An SSE/SSE2/MMX opcode of the 0F map (legacy or VEX); -ENOENT: not one. */
int vec__sse(struct dec *d, uint8_t op);
int vec__vex(struct dec *d, uint8_t first);		/* C4 or C5 */

/* ---- insn_access_sys.c: implicit accesses ---- */
/* n items of size bytes pushed below, or popped from, the stack pointer. */
int sys__push(struct dec *d, int n, int size, uint8_t rw);
int sys__pop(struct dec *d, int n, int size);
/* Pops at the stack pointer plus skip bytes. */
int sys__pop_at(struct dec *d, uint64_t skip, int n, int size);
/* Loading sreg seg with sel: the descriptor read, in protected mode. */
int sys__load_seg(struct dec *d, int seg, uint16_t sel);
int sys__string(struct dec *d, uint8_t op);		/* A4-A7, AA-AF, 6C-6F */
int sys__enter(struct dec *d, uint16_t alloc, uint8_t level);
int sys__int(struct dec *d, int vector, bool soft);	/* int n, int3, into, int1 */
int sys__iret(struct dec *d);
int sys__retf(struct dec *d, uint16_t imm);
/* Far jmp or call to sel:offset; for call, the pushes. */
int sys__far(struct dec *d, uint16_t sel, bool call);
/* in, out, ins, outs: the TSS I/O bitmap when CPL > IOPL. */
int sys__io_perm(struct dec *d, uint16_t port, int size);
int sys__group6(struct dec *d);				/* 0F 00 */
int sys__lar_lsl(struct dec *d);			/* 0F 02, 0F 03 */

#endif
