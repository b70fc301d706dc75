/*
 * test_insn_access.c - the memory-access decoder (kvm/insn_access*.c) on
 * hand-checked encodings: ModRM/SIB/displacement in 16-, 32- and 64-bit
 * addressing, segment defaults and overrides, the address-size and 4 GiB
 * wraps, prefixes, the stack (pushes, pops, enter, pusha with a wrapping
 * SP), string instructions with rep counts and DF, x87/SSE/VEX sizes,
 * descriptor loads, far transfers and interrupts through a memory reader,
 * and the refusals (lock, #UD, too long, cut short, out of room).
 * Each expectation was worked out from the SDM by hand.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../kvm/cpu/insn_access.h"

#define R	INSN_R
#define W	INSN_W
#define RW	INSN_RW
#define M	INSN_MAYBE
#define S	INSN_SYS

struct cpu {
	struct kvm_regs r;
	struct kvm_sregs s;
	uint8_t *mem;		/* the reader's memory: linear 0 - 1 MiB */
};

#define MEM_SIZE	0x100000

static int read_mem(void *ctx, uint64_t lin, void *buf, size_t len)
{
	struct cpu *c = ctx;

	if (lin >= MEM_SIZE || len > MEM_SIZE - lin)
		return -EFAULT;
	memcpy(buf, c->mem + lin, len);
	return 0;
}

static void seg(struct kvm_segment *s, uint16_t sel, uint64_t base, int db)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->base = base;
	s->limit = 0xFFFFFFFF;
	s->present = 1;
	s->s = 1;
	s->type = 3;
	s->db = (uint8_t)db;
}

/* Real mode: DS 0x1000 (base 0x10000), ES 0x2000, SS 0x3000, FS 0x4000, GS 0x5000. */
static void real_mode(struct cpu *c)
{
	memset(&c->r, 0, sizeof(c->r));
	memset(&c->s, 0, sizeof(c->s));
	seg(&c->s.cs, 0xF000, 0xF0000, 0);
	seg(&c->s.ds, 0x1000, 0x10000, 0);
	seg(&c->s.es, 0x2000, 0x20000, 0);
	seg(&c->s.ss, 0x3000, 0x30000, 0);
	seg(&c->s.fs, 0x4000, 0x40000, 0);
	seg(&c->s.gs, 0x5000, 0x50000, 0);
	c->s.idt.limit = 0x3FF;
	c->s.ldt.unusable = 1;
	c->r.rip = 0x100;
	c->r.rflags = 2;
}

/* Flat 32-bit protected mode, CPL 0; DS based at 0x100000 to see bases added. */
static void prot32(struct cpu *c)
{
	memset(&c->r, 0, sizeof(c->r));
	memset(&c->s, 0, sizeof(c->s));
	seg(&c->s.cs, 0x08, 0, 1);
	c->s.cs.type = 11;
	seg(&c->s.ds, 0x10, 0x100000, 1);
	seg(&c->s.es, 0x10, 0, 1);
	seg(&c->s.ss, 0x10, 0, 1);
	seg(&c->s.fs, 0x10, 0x200000, 1);
	seg(&c->s.gs, 0x10, 0x300000, 1);
	c->s.cr0 = 0x11;
	c->s.gdt.base = 0x800;
	c->s.gdt.limit = 0x3F;
	c->s.idt.base = 0x1000;
	c->s.idt.limit = 0x7FF;
	c->s.ldt.unusable = 1;
	c->r.rip = 0x9000;
	c->r.rflags = 2;
}

/* 64-bit mode; DS has a base that must not count, FS and GS do. */
static void long64(struct cpu *c)
{
	prot32(c);
	c->s.cs.l = 1;
	c->s.cs.db = 0;
	c->s.efer = 0x500;
	c->s.cr0 |= 0x80000000u;
	c->s.fs.base = 0x7000000000ull;
	c->s.gs.base = 0x8000000000ull;
	c->s.idt.base = 0x2000;
	c->s.idt.limit = 0xFFF;
}

static int decode(struct cpu *c, const uint8_t *code, size_t n, struct insn_access *a, int *len)
{
	struct insn_mem mem = { read_mem, c };

	return insn__accesses_mem(code, n, &c->r, &c->s, c->mem ? &mem : NULL, a,
				  INSN_ACCESS_MAX, len);
}

/* Failures name the CHECK's line. */
static void expect_list(const struct insn_access *got, int n, const struct insn_access *want,
			int nwant, int line)
{
	bool same = n == nwant;

	for (int i = 0; same && i < n; i++)
		same = got[i].lin == want[i].lin && got[i].len == want[i].len &&
		       got[i].rw == want[i].rw;
	if (!same)
		for (int i = 0; i < n; i++)
			print_message("got %#llx+%llu rw %#x\n", (unsigned long long)got[i].lin,
				      (unsigned long long)got[i].len, got[i].rw);
	_assert_true(same, "the accesses", __FILE__, line);
}

/* CHECK(cpu, insn_len, { bytes }, { lin, len, rw }...) */
#define BYTES(...)	((const uint8_t[]){ __VA_ARGS__ })
#define CHECK(c, ilen, code, ...)						\
	do {									\
		const uint8_t *code_ = code;					\
		const struct insn_access want_[] = { __VA_ARGS__ };		\
		struct insn_access got_[INSN_ACCESS_MAX];			\
		int len_ = -1;							\
		int n_ = decode((c), code_, sizeof(code), got_, &len_);	\
		_assert_int_equal((uintmax_t)len_, (uintmax_t)(ilen), __FILE__, __LINE__); \
		expect_list(got_, n_, want_, (int)(sizeof(want_) / sizeof(want_[0])) - 1, \
			    __LINE__);						\
	} while (0)
/* The list ends with a sentinel so that an empty list compiles. */
#define END		{ 0, 0, 0 }
#define REFUSE(c, err, code)							\
	do {									\
		struct insn_access got_[INSN_ACCESS_MAX];			\
		int len_ = -1;							\
		_assert_int_equal((uintmax_t)decode((c), code, sizeof(code), got_, &len_), \
				  (uintmax_t)(err), __FILE__, __LINE__);		\
	} while (0)

/* ---- addressing ---- */

static void test_modrm16(void **state)
{
	struct cpu c = { 0 };

	(void)state;
	real_mode(&c);
	c.r.rbx = 0x1000;
	c.r.rsi = 0x0234;
	c.r.rdi = 0x0010;
	c.r.rbp = 0x0800;
	/* mov ax, [bx+si]: DS */
	CHECK(&c, 2, BYTES(0x8B, 0x00), { 0x11234, 2, R }, END);
	/* mov ax, [bp+di+0x10]: SS by default */
	CHECK(&c, 3, BYTES(0x8B, 0x43, 0x10), { 0x30820, 2, R }, END);
	/* mov ax, [bp-2] (disp8 sign-extended): SS */
	CHECK(&c, 3, BYTES(0x8B, 0x46, 0xFE), { 0x307FE, 2, R }, END);
	/* mov ax, [0x1234]: mod 0 rm 6 is disp16 alone, DS */
	CHECK(&c, 4, BYTES(0x8B, 0x06, 0x34, 0x12), { 0x11234, 2, R }, END);
	/* es: mov ax, [bx] */
	CHECK(&c, 3, BYTES(0x26, 0x8B, 0x07), { 0x21000, 2, R }, END);
	/* the last override wins: ds: gs: */
	CHECK(&c, 4, BYTES(0x3E, 0x65, 0x8B, 0x07), { 0x51000, 2, R }, END);
	/* the offset wraps at 64 KiB: bx + si = 0x10001 -> 0x0001 */
	c.r.rbx = 0xFFFF;
	c.r.rsi = 0x0002;
	CHECK(&c, 2, BYTES(0x8B, 0x00), { 0x10001, 2, R }, END);
	/* a word at offset 0xFFFF: its bytes are consecutive past the segment */
	c.r.rsi = 0;
	CHECK(&c, 2, BYTES(0x8B, 0x07), { 0x1FFFF, 2, R }, END);
	/* add [bx], al: read and written; cmp only reads */
	c.r.rbx = 0x10;
	CHECK(&c, 2, BYTES(0x00, 0x07), { 0x10010, 1, RW }, END);
	CHECK(&c, 2, BYTES(0x38, 0x07), { 0x10010, 1, R }, END);
	/* 66: a dword; 67: 32-bit addressing, [eax] */
	CHECK(&c, 3, BYTES(0x66, 0x89, 0x07), { 0x10010, 4, W }, END);
	c.r.rax = 0x12345;
	CHECK(&c, 3, BYTES(0x67, 0x8B, 0x00), { 0x22345, 2, R }, END);
}

static void test_modrm32(void **state)
{
	struct cpu c = { 0 };

	(void)state;
	prot32(&c);
	c.r.rbx = 0x1000;
	c.r.rcx = 0x10;
	c.r.rsp = 0x8000;
	c.r.rbp = 0x7000;
	/* mov eax, [ebx+ecx*4]: DS based at 1 MiB */
	CHECK(&c, 3, BYTES(0x8B, 0x04, 0x8B), { 0x101040, 4, R }, END);
	/* mov eax, [esp+8]: SS */
	CHECK(&c, 4, BYTES(0x8B, 0x44, 0x24, 0x08), { 0x8008, 4, R }, END);
	/* mov eax, [ebp-4]: SS */
	CHECK(&c, 3, BYTES(0x8B, 0x45, 0xFC), { 0x6FFC, 4, R }, END);
	/* mov eax, [0x2000] (mod 0 rm 5): DS */
	CHECK(&c, 6, BYTES(0x8B, 0x05, 0x00, 0x20, 0x00, 0x00), { 0x102000, 4, R }, END);
	/* SIB base 5 with mod 0: disp32 + index, DS (not SS) */
	CHECK(&c, 7, BYTES(0x8B, 0x04, 0x0D, 0x00, 0x20, 0x00, 0x00), { 0x102010, 4, R }, END);
	/* SIB index 4: none -> [ebx] */
	CHECK(&c, 3, BYTES(0x8B, 0x04, 0x23), { 0x101000, 4, R }, END);
	/* fs: mov al, [ebx] */
	CHECK(&c, 3, BYTES(0x64, 0x8A, 0x03), { 0x201000, 1, R }, END);
	/* 67 in 32-bit code: 16-bit addressing, [bp+di] is SS */
	c.r.rdi = 0x0004;
	c.r.rbp = 0x12340;
	CHECK(&c, 3, BYTES(0x67, 0x8B, 0x03), { 0x2344, 4, R }, END);
	/* 4 GiB: a base near the top wraps, a dword across the top splits */
	c.s.ds.base = 0xFFFFF000;
	CHECK(&c, 2, BYTES(0x8B, 0x03), { 0x0, 4, R }, END);
	c.s.ds.base = 0;
	c.r.rbx = 0xFFFFFFFE;
	CHECK(&c, 2, BYTES(0x8B, 0x03), { 0xFFFFFFFE, 2, R }, { 0, 2, R }, END);
	/* the offset wraps at 4 GiB before the base is added */
	c.s.ds.base = 0x1000;
	c.r.rbx = 0xFFFFFFF0;
	c.r.rcx = 0x20;
	CHECK(&c, 3, BYTES(0x8B, 0x04, 0x0B), { 0x1010, 4, R }, END);
}

static void test_modrm64(void **state)
{
	struct cpu c = { 0 };

	(void)state;
	long64(&c);
	c.r.rip = 0x1000;
	c.r.rbx = 0x123456789000ull;
	c.r.r12 = 0x10;
	c.r.r13 = 0x5000;
	/* mov rax, [rip+0x10]: from the next instruction (7 bytes on) */
	CHECK(&c, 7, BYTES(0x48, 0x8B, 0x05, 0x10, 0x00, 0x00, 0x00), { 0x1017, 8, R }, END);
	/* ... with REX.B it is still RIP-relative, not r13 */
	CHECK(&c, 7, BYTES(0x49, 0x8B, 0x05, 0x10, 0x00, 0x00, 0x00), { 0x1017, 8, R }, END);
	/* [r13+0] needs mod 1 */
	CHECK(&c, 4, BYTES(0x41, 0x8B, 0x45, 0x00), { 0x5000, 4, R }, END);
	/* [rbx+r12*1]: REX.X makes index 4 real (r12) */
	CHECK(&c, 4, BYTES(0x42, 0x8B, 0x04, 0x23), { 0x123456789010ull, 4, R }, END);
	/* ds: is ignored in 64-bit mode; fs: and gs: add their bases */
	CHECK(&c, 3, BYTES(0x3E, 0x8B, 0x03), { 0x123456789000ull, 4, R }, END);
	CHECK(&c, 3, BYTES(0x64, 0x8B, 0x03), { 0x7000000000ull + 0x123456789000ull, 4, R }, END);
	/* 67: 32-bit addresses, [ebx] */
	CHECK(&c, 3, BYTES(0x67, 0x8B, 0x03), { 0x56789000, 4, R }, END);
	/* 67 with RIP-relative: EIP, truncated */
	c.r.rip = 0xFFFFFFF0;
	CHECK(&c, 7, BYTES(0x67, 0x8B, 0x05, 0x20, 0x00, 0x00, 0x00), { 0x17, 4, R }, END);
	/* 66 then REX.W: REX wins (8 bytes); REX then 66: the REX is void */
	c.r.rip = 0x1000;
	CHECK(&c, 4, BYTES(0x66, 0x48, 0x8B, 0x03), { 0x123456789000ull, 8, R }, END);
	CHECK(&c, 4, BYTES(0x48, 0x66, 0x8B, 0x03), { 0x123456789000ull, 2, R }, END);
	/* moffs: 8 bytes of address, mov al, [moffs64] */
	CHECK(&c, 9, BYTES(0xA0, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11),
	      { 0x1122334455667788ull, 1, R }, END);
	/* xlat: [rbx + al] */
	c.r.rax = 0x1FF;
	CHECK(&c, 1, BYTES(0xD7), { 0x1234567890FFull, 1, R }, END);
}

/* ---- operations ---- */

static void test_operations(void **state)
{
	struct cpu c = { 0 };

	(void)state;
	prot32(&c);
	c.s.ds.base = 0;
	c.r.rbx = 0x4000;
	/* lea, nop Ev, prefetch, clflush: no access */
	CHECK(&c, 2, BYTES(0x8D, 0x03), END);
	CHECK(&c, 3, BYTES(0x0F, 0x1F, 0x03), END);
	CHECK(&c, 3, BYTES(0x0F, 0x18, 0x0B), END);
	CHECK(&c, 3, BYTES(0x0F, 0xAE, 0x3B), END);
	/* cmovcc reads even when its condition is false (ZF clear here) */
	CHECK(&c, 3, BYTES(0x0F, 0x44, 0x03), { 0x4000, 4, R }, END);
	/* setcc writes a byte; movzx reads a word; mov Ew, sreg writes 2 */
	CHECK(&c, 3, BYTES(0x0F, 0x94, 0x03), { 0x4000, 1, W }, END);
	CHECK(&c, 3, BYTES(0x0F, 0xB7, 0x03), { 0x4000, 2, R }, END);
	CHECK(&c, 2, BYTES(0x8C, 0x1B), { 0x4000, 2, W }, END);
	/* xchg, cmpxchg, xadd: read and written; cmpxchg8b 8 bytes */
	CHECK(&c, 2, BYTES(0x87, 0x03), { 0x4000, 4, RW }, END);
	CHECK(&c, 3, BYTES(0x0F, 0xB1, 0x03), { 0x4000, 4, RW }, END);
	CHECK(&c, 4, BYTES(0xF0, 0x0F, 0xC1, 0x03), { 0x4000, 4, RW }, END);
	CHECK(&c, 3, BYTES(0x0F, 0xC7, 0x0B), { 0x4000, 8, RW }, END);
	/* not, neg RW; test, mul, div only read */
	CHECK(&c, 2, BYTES(0xF7, 0x13), { 0x4000, 4, RW }, END);
	CHECK(&c, 2, BYTES(0xF7, 0x33), { 0x4000, 4, R }, END);
	CHECK(&c, 6, BYTES(0xF7, 0x03, 1, 2, 3, 4), { 0x4000, 4, R }, END);
	/* shifts: a count of 0 may not write */
	CHECK(&c, 2, BYTES(0xD1, 0x23), { 0x4000, 4, RW }, END);
	CHECK(&c, 3, BYTES(0xC1, 0x23, 0x20), { 0x4000, 4, R }, { 0x4000, 4, W | M }, END);
	c.r.rcx = 3;
	CHECK(&c, 2, BYTES(0xD3, 0x23), { 0x4000, 4, RW }, END);
	/* bound reads two of the operand size */
	CHECK(&c, 2, BYTES(0x62, 0x03), { 0x4000, 8, R }, END);
	/* bt with a register offset: 32-bit words from the bit's, either sign */
	c.r.rax = 100;		/* bit 100: the dword at +12 */
	CHECK(&c, 3, BYTES(0x0F, 0xA3, 0x03), { 0x400C, 4, R }, END);
	c.r.rax = (uint64_t)-1;	/* bit -1: the dword at -4 */
	CHECK(&c, 3, BYTES(0x0F, 0xAB, 0x03), { 0x3FFC, 4, RW }, END);
	c.r.rax = 0x8000;	/* 16-bit: -32768 bits = -4096 bytes */
	CHECK(&c, 4, BYTES(0x66, 0x0F, 0xA3, 0x03), { 0x3000, 2, R }, END);
	/* bt with an immediate: the operand itself */
	CHECK(&c, 4, BYTES(0x0F, 0xBA, 0x23, 0xFF), { 0x4000, 4, R }, END);
	/* lgdt: 6 bytes, 5 and a maybe with a 16-bit operand; sgdt writes 6 */
	CHECK(&c, 3, BYTES(0x0F, 0x01, 0x13), { 0x4000, 6, R }, END);
	CHECK(&c, 4, BYTES(0x66, 0x0F, 0x01, 0x13), { 0x4000, 5, R }, { 0x4005, 1, R | M }, END);
	CHECK(&c, 3, BYTES(0x0F, 0x01, 0x03), { 0x4000, 6, W }, END);
	/* fxsave: 160 + 8 XMM registers certain, the rest maybe */
	CHECK(&c, 3, BYTES(0x0F, 0xAE, 0x03), { 0x4000, 288, W }, { 0x4000 + 288, 224, W | M },
	      END);
	/* movbe, crc32 */
	CHECK(&c, 4, BYTES(0x0F, 0x38, 0xF1, 0x03), { 0x4000, 4, W }, END);
	CHECK(&c, 5, BYTES(0xF2, 0x0F, 0x38, 0xF0, 0x03), { 0x4000, 1, R }, END);
}

static void test_vector(void **state)
{
	struct cpu c = { 0 };

	(void)state;
	long64(&c);
	c.r.rax = 0x6000;
	/* x87: fld m32/m64/m80, fild m16, fnstcw, fnstsw, fbstp */
	CHECK(&c, 2, BYTES(0xD9, 0x00), { 0x6000, 4, R }, END);
	CHECK(&c, 2, BYTES(0xDD, 0x00), { 0x6000, 8, R }, END);
	CHECK(&c, 2, BYTES(0xDB, 0x28), { 0x6000, 10, R }, END);
	CHECK(&c, 2, BYTES(0xDF, 0x00), { 0x6000, 2, R }, END);
	CHECK(&c, 2, BYTES(0xD9, 0x38), { 0x6000, 2, W }, END);
	CHECK(&c, 2, BYTES(0xDD, 0x38), { 0x6000, 2, W }, END);
	CHECK(&c, 2, BYTES(0xDF, 0x30), { 0x6000, 10, W }, END);
	/* fnstenv, fnsave: 28 and 108, or 14 and 94 with a 16-bit operand */
	CHECK(&c, 2, BYTES(0xD9, 0x30), { 0x6000, 28, W }, END);
	CHECK(&c, 3, BYTES(0x66, 0xD9, 0x30), { 0x6000, 14, W }, END);
	CHECK(&c, 2, BYTES(0xDD, 0x30), { 0x6000, 108, W }, END);
	CHECK(&c, 3, BYTES(0x66, 0xDD, 0x20), { 0x6000, 94, R }, END);
	/* register forms touch nothing */
	CHECK(&c, 2, BYTES(0xD8, 0xC1), END);
	/* SSE: movups 16, movss 4, movsd 8 stores and loads, by prefix */
	CHECK(&c, 3, BYTES(0x0F, 0x10, 0x00), { 0x6000, 16, R }, END);
	CHECK(&c, 4, BYTES(0xF3, 0x0F, 0x11, 0x00), { 0x6000, 4, W }, END);
	CHECK(&c, 4, BYTES(0xF2, 0x0F, 0x10, 0x00), { 0x6000, 8, R }, END);
	/* 66 then F3: F3 is the mandatory prefix (movss) */
	CHECK(&c, 5, BYTES(0x66, 0xF3, 0x0F, 0x10, 0x00), { 0x6000, 4, R }, END);
	/* MMX forms: 8 bytes; punpcklbw mm, m32: 4 */
	CHECK(&c, 3, BYTES(0x0F, 0xFE, 0x00), { 0x6000, 8, R }, END);
	CHECK(&c, 3, BYTES(0x0F, 0x60, 0x00), { 0x6000, 4, R }, END);
	/* movd/movq by REX.W; pinsrw reads 2; cvtps2pd reads 8 */
	CHECK(&c, 4, BYTES(0x66, 0x0F, 0x6E, 0x00), { 0x6000, 4, R }, END);
	CHECK(&c, 5, BYTES(0x66, 0x48, 0x0F, 0x6E, 0x00), { 0x6000, 8, R }, END);
	CHECK(&c, 5, BYTES(0x66, 0x0F, 0xC4, 0x00, 0x01), { 0x6000, 2, R }, END);
	CHECK(&c, 3, BYTES(0x0F, 0x5A, 0x00), { 0x6000, 8, R }, END);
	/* VEX: vmovdqu ymm 32, xmm 16, vmovss stays 4 at L=1, vcvtps2pd ymm 16 */
	CHECK(&c, 4, BYTES(0xC5, 0xFE, 0x6F, 0x00), { 0x6000, 32, R }, END);
	CHECK(&c, 4, BYTES(0xC5, 0xFA, 0x7F, 0x00), { 0x6000, 16, W }, END);
	CHECK(&c, 4, BYTES(0xC5, 0xFE, 0x10, 0x00), { 0x6000, 4, R }, END);
	CHECK(&c, 4, BYTES(0xC5, 0xFC, 0x5A, 0x00), { 0x6000, 16, R }, END);
	/* vmovq xmm, r/m64 with VEX.W1; vpsrlw's count stays 16 at L=1 */
	CHECK(&c, 5, BYTES(0xC4, 0xE1, 0xF9, 0x6E, 0x00), { 0x6000, 8, R }, END);
	CHECK(&c, 4, BYTES(0xC5, 0xFD, 0xD1, 0x00), { 0x6000, 16, R }, END);
	/* fxsave in 64-bit mode: 16 XMM registers certain */
	CHECK(&c, 3, BYTES(0x0F, 0xAE, 0x00), { 0x6000, 416, W }, { 0x6000 + 416, 96, W | M }, END);
	/* not modelled: xsave, VEX 0F 38, EVEX */
	REFUSE(&c, -EOPNOTSUPP, BYTES(0x0F, 0xAE, 0x20));
	REFUSE(&c, -EOPNOTSUPP, BYTES(0xC4, 0xE2, 0x7D, 0x90, 0x04, 0x00));
	REFUSE(&c, -EOPNOTSUPP, BYTES(0x62, 0xF1, 0x7C, 0x48, 0x10, 0x00));
	/* VEX after 66 or REX: #UD; MMX forms have no VEX encoding */
	REFUSE(&c, -EILSEQ, BYTES(0x66, 0xC5, 0xFE, 0x6F, 0x00));
	REFUSE(&c, -EILSEQ, BYTES(0xC5, 0xF8, 0x60, 0x00));
}

/* ---- the stack ---- */

static void test_stack(void **state)
{
	struct cpu c = { 0 };

	(void)state;
	real_mode(&c);
	/* push ax with SP 0: wraps to 0xFFFE */
	CHECK(&c, 1, BYTES(0x50), { 0x3FFFE, 2, W }, END);
	/* pusha with SP 4: DI..AX from 0xFFF4, wrapping after 6 words */
	c.r.rsp = 4;
	CHECK(&c, 1, BYTES(0x60), { 0x3FFF4, 12, W }, { 0x30000, 4, W }, END);
	/* popa skips the SP slot */
	c.r.rsp = 0x100;
	CHECK(&c, 1, BYTES(0x61), { 0x30100, 6, R }, { 0x30108, 8, R }, END);
	/* push sreg with a 32-bit operand: the selector certain, the rest maybe */
	CHECK(&c, 2, BYTES(0x66, 0x1E), { 0x300FC, 2, W }, { 0x300FE, 2, W | M }, END);
	/* call near pushes IP; ret 4 pops it */
	CHECK(&c, 3, BYTES(0xE8, 0x00, 0x00), { 0x300FE, 2, W }, END);
	CHECK(&c, 3, BYTES(0xC2, 0x04, 0x00), { 0x30100, 2, R }, END);
	/* call far pushes CS and IP; retf pops them */
	CHECK(&c, 5, BYTES(0x9A, 0, 0, 0, 0), { 0x300FC, 4, W }, END);
	CHECK(&c, 1, BYTES(0xCB), { 0x30100, 4, R }, END);
	/* int 0x10: the IVT entry, then FLAGS, CS, IP; iret pops 6 */
	CHECK(&c, 2, BYTES(0xCD, 0x10), { 0x40, 4, R | S }, { 0x300FA, 6, W }, END);
	CHECK(&c, 1, BYTES(0xCF), { 0x30100, 6, R }, END);
	/* 66 int 0x10: the SDM's 6 bytes, and 6 more that KVM's emulator writes */
	CHECK(&c, 3, BYTES(0x66, 0xCD, 0x10), { 0x40, 4, R | S }, { 0x300FA, 6, W },
	      { 0x300F4, 6, W | M }, END);
	/* into: nothing unless OF */
	CHECK(&c, 1, BYTES(0xCE), END);
	c.r.rflags |= 0x800;
	CHECK(&c, 1, BYTES(0xCE), { 0x10, 4, R | S }, { 0x300FA, 6, W }, END);
	/* push [bx]: the operand read, then the push */
	c.r.rbx = 0x20;
	CHECK(&c, 2, BYTES(0xFF, 0x37), { 0x10020, 2, R }, { 0x300FE, 2, W }, END);

	prot32(&c);
	c.r.rsp = 0x8000;
	c.r.rbp = 0x9000;
	/* pop [esp+4]: the address with ESP after the pop (0x8004 + 4) */
	CHECK(&c, 4, BYTES(0x8F, 0x44, 0x24, 0x04), { 0x8000, 4, R }, { 0x8008, 4, W }, END);
	/* enter 16, 3: EBP and 2 frame pointers copied and the new one
	 * pushed (16 bytes); the copies read from below EBP */
	CHECK(&c, 4, BYTES(0xC8, 0x10, 0x00, 0x03), { 0x7FF0, 16, W }, { 0x8FF8, 8, R }, END);
	/* leave: pops from EBP */
	CHECK(&c, 1, BYTES(0xC9), { 0x9000, 4, R }, END);
	/* a 16-bit stack in protected mode: SP wraps at 64 KiB, SS's base added */
	c.s.ss.db = 0;
	c.s.ss.base = 0x50000;
	c.r.rsp = 0x10002;
	CHECK(&c, 1, BYTES(0x50), { 0x5FFFE, 4, W }, END);

	long64(&c);
	c.r.rsp = 0x10000;
	/* push: 8 bytes, 2 with 66; pushf, push imm */
	CHECK(&c, 1, BYTES(0x50), { 0xFFF8, 8, W }, END);
	CHECK(&c, 2, BYTES(0x66, 0x50), { 0xFFFE, 2, W }, END);
	CHECK(&c, 1, BYTES(0x9C), { 0xFFF8, 8, W }, END);
	CHECK(&c, 2, BYTES(0x6A, 0x01), { 0xFFF8, 8, W }, END);
	/* call [rax]: 8-byte target, 8-byte push */
	c.r.rax = 0x3000;
	CHECK(&c, 2, BYTES(0xFF, 0x10), { 0x3000, 8, R }, { 0xFFF8, 8, W }, END);
	/* near branches with 66 differ by vendor: unknown */
	REFUSE(&c, -EOPNOTSUPP, BYTES(0x66, 0xE8, 0, 0));
	REFUSE(&c, -EOPNOTSUPP, BYTES(0x66, 0xC3));
	/* enter with 66: Intel 2 bytes, AMD 8 */
	CHECK(&c, 5, BYTES(0x66, 0xC8, 0x00, 0x00, 0x00), { 0xFFFE, 2, W }, { 0xFFF8, 6, W | M },
	      END);
	/* pusha, push es: not in 64-bit mode */
	REFUSE(&c, -EILSEQ, BYTES(0x60));
	REFUSE(&c, -EILSEQ, BYTES(0x06));
}

static void test_strings(void **state)
{
	struct cpu c = { 0 };

	(void)state;
	prot32(&c);
	c.s.ds.base = 0;
	c.r.rsi = 0x1000;
	c.r.rdi = 0x2000;
	c.r.rcx = 3;
	/* movsd: one turn; rep movsd: three, forwards */
	CHECK(&c, 1, BYTES(0xA5), { 0x1000, 4, R }, { 0x2000, 4, W }, END);
	CHECK(&c, 2, BYTES(0xF3, 0xA5), { 0x1000, 12, R }, { 0x2000, 12, W }, END);
	/* with DF, backwards: the lowest element at ESI - 8 */
	c.r.rflags |= 0x400;
	CHECK(&c, 2, BYTES(0xF3, 0xA5), { 0x0FF8, 12, R }, { 0x1FF8, 12, W }, END);
	c.r.rflags &= ~0x400ull;
	/* an override moves the source only: fs: rep movsb */
	CHECK(&c, 3, BYTES(0x64, 0xF3, 0xA4), { 0x201000, 3, R }, { 0x2000, 3, W }, END);
	/* repe cmpsb: the first turn certain, the rest maybe */
	CHECK(&c, 2, BYTES(0xF3, 0xA6), { 0x1000, 1, R }, { 0x1001, 2, R | M }, { 0x2000, 1, R },
	      { 0x2001, 2, R | M }, END);
	/* repne scasw: ES:EDI */
	CHECK(&c, 3, BYTES(0x66, 0xF2, 0xAF), { 0x2000, 2, R }, { 0x2002, 4, R | M }, END);
	/* rep stosb with ECX 0: nothing */
	c.r.rcx = 0;
	CHECK(&c, 2, BYTES(0xF3, 0xAA), END);
	/* lods: no rep, one turn whatever ECX */
	CHECK(&c, 1, BYTES(0xAC), { 0x1000, 1, R }, END);
	/* 67: 16-bit addresses and CX: SI 0xFFFE wraps after one word */
	c.r.rsi = 0x1FFFE;
	c.r.rdi = 0x0;
	c.r.rcx = 0x50003;	/* CX 3 */
	CHECK(&c, 4, BYTES(0x67, 0x66, 0xF3, 0xA5), { 0xFFFE, 2, R }, { 0x0, 4, R },
	      { 0x0, 6, W }, END);

	long64(&c);
	c.r.rdi = 0x10000;
	/* rep stosq with RCX 2^61: all of the 2^64 bytes */
	c.r.rcx = 1ull << 61;
	CHECK(&c, 3, BYTES(0xF3, 0x48, 0xAB), { 0, 1ull << 63, W }, { 1ull << 63, 1ull << 63, W },
	      END);
	/* 67: ECX counts, RCX's high half does not */
	c.r.rcx = 0x100000002ull;
	c.r.rsi = 0x100001000ull;
	CHECK(&c, 3, BYTES(0x67, 0xF3, 0xAC), { 0x1000, 2, R }, END);

	/* real mode: rep movsd with CX 0xFFFF covers the whole segment, and
	 * 3 bytes past it (the element that straddles the top, SI odd) */
	real_mode(&c);
	c.r.rsi = 0x0003;
	c.r.rdi = 0x0000;
	c.r.rcx = 0xFFFF;
	CHECK(&c, 3, BYTES(0x66, 0xF3, 0xA5), { 0x10000, 0x10003, R }, { 0x20000, 0x10000, W }, END);
}

/* ---- descriptors, gates, the reader ---- */

static void put_desc(uint8_t *mem, uint64_t at, uint32_t base, uint32_t limit, uint8_t access,
		     uint8_t flags)
{
	uint8_t d[8] = {
		(uint8_t)limit, (uint8_t)(limit >> 8), (uint8_t)base, (uint8_t)(base >> 8),
		(uint8_t)(base >> 16), access, (uint8_t)((flags << 4) | ((limit >> 16) & 0xF)),
		(uint8_t)(base >> 24),
	};

	memcpy(mem + at, d, 8);
}

static void put_gate(uint8_t *mem, uint64_t at, uint16_t sel, uint32_t off, uint8_t type)
{
	uint8_t g[8] = {
		(uint8_t)off, (uint8_t)(off >> 8), (uint8_t)sel, (uint8_t)(sel >> 8), 0, type,
		(uint8_t)(off >> 16), (uint8_t)(off >> 24),
	};

	memcpy(mem + at, g, 8);
}

static void test_descriptors(void **state)
{
	struct cpu c = { 0 };

	(void)state;
	c.mem = calloc(1, MEM_SIZE);
	assert_non_null(c.mem);
	prot32(&c);
	/* GDT at 0x800: 0x08 code, 0x10 data, 0x18 a 32-bit call gate to
	 * 0x08, 0x20 a 16-bit code segment, 0x28 a TSS */
	put_desc(c.mem, 0x808, 0, 0xFFFFF, 0x9B, 0xC);
	put_desc(c.mem, 0x810, 0, 0xFFFFF, 0x93, 0xC);
	put_gate(c.mem, 0x818, 0x08, 0x1234, 0xEC);
	put_desc(c.mem, 0x820, 0, 0xFFFF, 0x9B, 0x0);
	put_desc(c.mem, 0x828, 0x5000, 0x67, 0x89, 0x0);
	/* mov ds, ax: the descriptor, its accessed bit perhaps */
	c.r.rax = 0x10;
	CHECK(&c, 2, BYTES(0x8E, 0xD8), { 0x810, 8, R | S }, { 0x815, 1, RW | M | S }, END);
	/* a null selector, or one past the GDT's limit: nothing read */
	c.r.rax = 0x3;
	CHECK(&c, 2, BYTES(0x8E, 0xD8), END);
	c.r.rax = 0x40;
	CHECK(&c, 2, BYTES(0x8E, 0xD8), END);
	/* an LDT selector without an LDT: #GP, nothing */
	c.r.rax = 0x14;
	CHECK(&c, 2, BYTES(0x8E, 0xD8), END);
	/* mov ds, [ebx]: the selector from memory, then its descriptor */
	c.r.rbx = 0x3000;
	c.s.ds.base = 0;
	c.mem[0x3000] = 0x10;
	CHECK(&c, 2, BYTES(0x8E, 0x1B), { 0x3000, 2, R }, { 0x810, 8, R | S },
	      { 0x815, 1, RW | M | S }, END);
	/* ljmp 0x08: the code descriptor; lcall through the gate: the gate,
	 * the target's descriptor, CS and EIP pushed */
	c.r.rsp = 0x8000;
	CHECK(&c, 7, BYTES(0xEA, 0, 0, 0, 0, 0x08, 0x00), { 0x808, 8, R | S },
	      { 0x80D, 1, RW | M | S }, END);
	CHECK(&c, 7, BYTES(0x9A, 0, 0, 0, 0, 0x18, 0x00), { 0x818, 8, R | S }, { 0x808, 8, R | S },
	      { 0x80D, 1, RW | M | S }, { 0x7FF8, 8, W }, END);
	/* ljmp to a TSS: a task switch */
	REFUSE(&c, -EOPNOTSUPP, BYTES(0xEA, 0, 0, 0, 0, 0x28, 0x00));
	/* int 0x21 through a 32-bit interrupt gate to 0x08: EFLAGS, CS, EIP */
	put_gate(c.mem, 0x1000 + 0x21 * 8, 0x08, 0x4000, 0x8E);
	CHECK(&c, 2, BYTES(0xCD, 0x21), { 0x1108, 8, R | S }, { 0x808, 8, R | S },
	      { 0x80D, 1, RW | M | S }, { 0x7FF4, 12, W }, END);
	/* ... from ring 3 to ring 0: unknown (the stack from the TSS) */
	c.s.ss.dpl = 3;
	c.mem[0x1000 + 0x21 * 8 + 5] = 0xEE;	/* gate DPL 3 */
	REFUSE(&c, -EOPNOTSUPP, BYTES(0xCD, 0x21));
	c.s.ss.dpl = 0;
	/* iret to the same ring: EIP, CS, EFLAGS, and CS's descriptor */
	c.mem[0x8004] = 0x08;
	CHECK(&c, 1, BYTES(0xCF), { 0x8000, 12, R }, { 0x808, 8, R | S },
	      { 0x80D, 1, RW | M | S }, END);
	/* ... with NT: a task return */
	c.r.rflags |= 0x4000;
	REFUSE(&c, -EOPNOTSUPP, BYTES(0xCF));
	c.r.rflags &= ~0x4000ull;
	/* ltr: the TSS descriptor and its busy bit; str writes 2 */
	c.r.rax = 0x28;
	CHECK(&c, 3, BYTES(0x0F, 0x00, 0xD8), { 0x828, 8, R | S }, { 0x82D, 1, RW | S }, END);
	CHECK(&c, 3, BYTES(0x0F, 0x00, 0x0B), { 0x3000, 2, W }, END);
	/* in/out at CPL > IOPL: the TSS's I/O bitmap (TR base 0x5000, map at 0x68) */
	c.s.tr.base = 0x5000;
	c.s.tr.limit = 0x2067;
	c.s.tr.type = 11;
	c.mem[0x5066] = 0x68;
	c.s.ss.dpl = 3;
	c.r.rdx = 0x3F8;
	CHECK(&c, 1, BYTES(0xEC), { 0x5066, 2, R | S }, { 0x5068 + 0x7F, 1, R | S },
	      { 0x5068 + 0x80, 1, R | S | M }, END);
	c.s.ss.dpl = 0;
	CHECK(&c, 1, BYTES(0xEC), END);

	/* without a reader, what memory decides is unknown */
	free(c.mem);
	c.mem = NULL;
	REFUSE(&c, -EOPNOTSUPP, BYTES(0xCD, 0x21));
	REFUSE(&c, -EOPNOTSUPP, BYTES(0xEA, 0, 0, 0, 0, 0x08, 0x00));
	REFUSE(&c, -EOPNOTSUPP, BYTES(0x8E, 0x1B));
	/* ... but a register's selector is known */
	c.r.rax = 0x10;
	CHECK(&c, 2, BYTES(0x8E, 0xD8), { 0x810, 8, R | S }, { 0x815, 1, RW | M | S }, END);
}

static void test_long_events(void **state)
{
	struct cpu c = { 0 };

	(void)state;
	c.mem = calloc(1, MEM_SIZE);
	assert_non_null(c.mem);
	long64(&c);
	put_desc(c.mem, 0x818, 0, 0xFFFFF, 0x9B, 0xA);	/* 64-bit code */
	put_desc(c.mem, 0x810, 0, 0xFFFFF, 0x93, 0xC);
	/* a 16-byte interrupt gate for vector 0x30 */
	put_gate(c.mem, 0x2000 + 0x30 * 16, 0x18, 0x4000, 0x8E);
	c.r.rsp = 0x9008;	/* aligned down to 16 first: the frame at 0x8FD8 */
	CHECK(&c, 2, BYTES(0xCD, 0x30), { 0x2300, 16, R | S }, { 0x818, 8, R | S },
	      { 0x81D, 1, RW | M | S }, { 0x8FD8, 40, W }, END);
	/* with an IST: unknown */
	c.mem[0x2000 + 0x30 * 16 + 4] = 1;
	REFUSE(&c, -EOPNOTSUPP, BYTES(0xCD, 0x30));
	/* iretq: five pops always, then CS's and SS's descriptors */
	c.r.rsp = 0x9000;
	c.mem[0x9008] = 0x18;
	c.mem[0x9020] = 0x10;
	CHECK(&c, 2, BYTES(0x48, 0xCF), { 0x9000, 40, R }, { 0x818, 8, R | S },
	      { 0x81D, 1, RW | M | S }, { 0x810, 8, R | S }, { 0x815, 1, RW | M | S }, END);
	/* lldt in IA-32e mode: a 16-byte descriptor */
	c.r.rax = 0x20;
	c.s.gdt.limit = 0x3F;
	CHECK(&c, 3, BYTES(0x0F, 0x00, 0xD0), { 0x820, 16, R | S }, END);
	/* sgdt: 10 bytes; mov [rax], ds with REX.W: 2, and 6 AMD writes too */
	c.r.rax = 0x4000;
	CHECK(&c, 3, BYTES(0x0F, 0x01, 0x00), { 0x4000, 10, W }, END);
	CHECK(&c, 3, BYTES(0x48, 0x8C, 0x18), { 0x4000, 2, W }, { 0x4002, 6, W | M }, END);
	free(c.mem);
}

/* ---- refusals ---- */

static void test_refusals(void **state)
{
	struct cpu c = { 0 };
	struct insn_access a[INSN_ACCESS_MAX];
	int len;

	(void)state;
	prot32(&c);
	/* lock: only on a read-modify-write memory destination */
	REFUSE(&c, -EILSEQ, BYTES(0xF0, 0x8B, 0x03));		/* lock mov */
	REFUSE(&c, -EILSEQ, BYTES(0xF0, 0x01, 0xC0));		/* lock add eax, eax */
	REFUSE(&c, -EILSEQ, BYTES(0xF0, 0x39, 0x03));		/* lock cmp */
	/* #UD: ud2, lea with a register, mov cs, bad group members */
	REFUSE(&c, -EILSEQ, BYTES(0x0F, 0x0B));
	REFUSE(&c, -EILSEQ, BYTES(0x8D, 0xC0));
	REFUSE(&c, -EILSEQ, BYTES(0x8E, 0xC8));
	REFUSE(&c, -EILSEQ, BYTES(0xFE, 0x10));
	REFUSE(&c, -EILSEQ, BYTES(0xFF, 0x38));
	/* not modelled: xsave, 3DNow!, VMX, rsm */
	REFUSE(&c, -EOPNOTSUPP, BYTES(0x0F, 0xAE, 0x23));
	REFUSE(&c, -EOPNOTSUPP, BYTES(0x0F, 0x0F, 0x00, 0x9E));
	REFUSE(&c, -EOPNOTSUPP, BYTES(0x0F, 0x78, 0x00));
	REFUSE(&c, -EOPNOTSUPP, BYTES(0x0F, 0xAA));
	/* longer than 15 bytes */
	REFUSE(&c, -EILSEQ, BYTES(0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
				  0x66, 0x66, 0x66, 0x66, 0x8B, 0x03));
	/* cut short: the instruction runs past what was given */
	assert_int_equal(insn__accesses(BYTES(0x8B, 0x83, 0x00), 3, &c.r, &c.s, a,
					INSN_ACCESS_MAX, &len), -ENODATA);
	assert_int_equal(insn__accesses(BYTES(0x66), 1, &c.r, &c.s, a, INSN_ACCESS_MAX, &len),
			 -ENODATA);
	/* out of room: max too small; bad arguments */
	assert_int_equal(insn__accesses(BYTES(0xA5), 1, &c.r, &c.s, a, 1, &len), -ENOSPC);
	assert_int_equal(insn__accesses(BYTES(0x90), 1, NULL, &c.s, a, 1, &len), -EINVAL);
	assert_int_equal(insn__accesses(BYTES(0x90), 1, &c.r, &c.s, a, -1, &len), -EINVAL);
	/* virtual-8086 mode: pushf with IOPL < 3 is unknown (#GP or VME) */
	c.r.rflags |= 0x20000;
	REFUSE(&c, -EOPNOTSUPP, BYTES(0x9C));
	/* real mode: lldt and friends are #UD */
	real_mode(&c);
	REFUSE(&c, -EILSEQ, BYTES(0x0F, 0x00, 0xD0));
	REFUSE(&c, -EILSEQ, BYTES(0x63, 0x00));
}

/* Random bytes in random states, with a reader over random memory: no
 * crash, and every answer well formed (run under ASan by make test
 * SANITIZE=1). */
static void test_random_bytes(void **state)
{
	struct cpu c = { 0 };
	uint64_t x = 0x9E3779B97F4A7C15ull;
	long known = 0;

	(void)state;
	c.mem = malloc(MEM_SIZE);
	assert_non_null(c.mem);
	for (size_t i = 0; i < MEM_SIZE; i += 8) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		memcpy(c.mem + i, &x, 8);
	}
	for (int t = 0; t < 300000; t++) {
		struct insn_access a[INSN_ACCESS_MAX];
		uint8_t code[15];
		__u64 *regs = &c.r.rax;
		size_t avail;
		int len = -1, n;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		switch (x % 4) {
		case 0: real_mode(&c); break;
		case 1: prot32(&c); break;
		case 2: long64(&c); break;
		default: prot32(&c); c.s.cs.db = 0; c.s.ss.db = 0; c.r.rflags |= x & 0x20000; break;
		}
		for (int i = 0; i < 16; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			regs[i] = i == 4 ? x % MEM_SIZE : x >> (x & 63);
		}
		c.r.rflags |= x & 0x4DD5;
		c.s.ss.dpl = (uint8_t)((x >> 20) & 3);
		for (int i = 0; i < 15; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			code[i] = (uint8_t)x;
		}
		avail = 1 + x % 15;
		n = decode(&c, code, avail, a, &len);
		if (n < 0) {
			assert_true(n == -EOPNOTSUPP || n == -EILSEQ || n == -ENODATA);
			continue;
		}
		known++;
		assert_true(len >= 1 && len <= (int)avail);
		assert_true(n <= INSN_ACCESS_MAX);
		for (int i = 0; i < n; i++) {
			assert_true(a[i].len >= 1);
			assert_true(a[i].rw & RW);
			if (!(c.s.efer & 0x400) || !c.s.cs.l)
				assert_true(a[i].lin + a[i].len <= 0x100000000ull);
		}
	}
	assert_true(known > 100000);
	free(c.mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modrm16),
		cmocka_unit_test(test_modrm32),
		cmocka_unit_test(test_modrm64),
		cmocka_unit_test(test_operations),
		cmocka_unit_test(test_vector),
		cmocka_unit_test(test_stack),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_descriptors),
		cmocka_unit_test(test_long_events),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_random_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
