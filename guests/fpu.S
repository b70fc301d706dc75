/*
 * fpu.S - the x87, SSE and AVX registers in use, in 64-bit long mode, for
 * gdb to read and write (tests/e2e/fpu_regs.sh).
 *
 * WHAT YOU LEARN
 *   What an operating system turns on before its first floating-point
 *   instruction: CR0.MP and CR0.NE (x87 errors as exceptions), CR0.EM clear
 *   (no emulation), CR4.OSFXSR and CR4.OSXMMEXCPT (SSE, and its
 *   exceptions), and for AVX CR4.OSXSAVE and XCR0 = x87 | SSE | AVX
 *   (xsetbv), which it may set only when CPUID says the CPU has XSAVE and
 *   AVX.  What a task switch does with that state: fxrstor loads the x87
 *   stack, its control and status words, MXCSR and the SSE registers from
 *   a 512-byte image, fxsave stores them.  gdb shows every one of those
 *   registers (info registers float, info registers vector, p
 *   $ymm1.v8_float) and writes them.
 *
 * HOW TO RUN IT
 *   ./kvmstub guests/fpu.bin
 *   gdb guests/fpu.elf -x gdbscripts/kvmstub.gdb -ex 'connect64 :1234'
 *     (gdb) break *fpu_ready
 *     (gdb) continue
 *     (gdb) info registers float        # st0 = pi, st1 = 1.5
 *     (gdb) p $xmm0.v4_int32            # {2, 4, 6, 8}
 *     (gdb) set var *(int *)&use_avx = 1 # where there is AVX:
 *     (gdb) break *avx_ready
 *     (gdb) continue
 *     (gdb) p $ymm1.v8_float            # {2, 4, ..., 16}
 *
 *   Where a host's KVM runs this code through its instruction emulator
 *   (kvm-pvm does, in every mode, for code in the firmware), only the few
 *   floating-point instructions that emulator knows can run: fninit,
 *   fxsave, fxrstor, movdqu.  So the x87 and SSE state is set with fxrstor
 *   and read back with fxsave, not fld, paddd or stmxcsr.  The AVX part
 *   (vmovups, vaddps) runs only where CPUID offers AVX, which kvm-pvm
 *   does not.
 *
 *   At fpu_ready a debugger may write the values fpu_check expects (st0 =
 *   2.5, fctrl = 0x27f, xmm2 = {0x11111111, 0x22222222, 0x33333333,
 *   0x44444444}, mxcsr = 0x3f80, and at avx_ready ymm3 = {1, ..., 8} as
 *   int32) and set gdb_wrote to 1; the guest then stores those registers and
 *   exits with 0 when they hold what was written, else 1 (st0), 2 (xmm2),
 *   3 (mxcsr), 4 (ymm3), 5 (fctrl).  has_avx says whether the guest found
 *   AVX.  Under --no-gdb it exits 0.
 */

#include "firmware.inc"		/* EXIT_PORT, RESET_VECTOR */
#include "gdt_flat.inc"		/* FLAT_GDT, ENTER_PROTECTED_MODE */
#include "longmode.inc"		/* IDENTITY_MAP_2MIB, ENTER_LONG_MODE */

#define STACK_TOP	0x90000
#define PML4_ADDR	0x10000		/* page tables, 3 x 4 KiB, in RAM */
#define DATA_ADDR	0x20000		/* RAM the guest stores into */

#define CR0_MP		0x02		/* wait/fwait checks TS */
#define CR0_EM		0x04		/* x87 instructions fault (#NM): emulation */
#define CR0_NE		0x20		/* x87 errors as #MF, not IRQ 13 */
#define CR4_OSFXSR	0x200		/* fxsave/fxrstor and SSE */
#define CR4_OSXMMEXCPT	0x400		/* SSE errors as #XM */
#define CR4_OSXSAVE	0x40000		/* xsave, xsetbv, and with XCR0 AVX */
#define CPUID1_XSAVE	(1 << 26)	/* leaf 1 ECX */
#define CPUID1_AVX	(1 << 28)
#define XCR0_X87_SSE_AVX 7

	.globl start, pm_entry, lm_entry, fpu_ready, avx_ready, fpu_check, fail, reset_vector
	.globl has_avx, use_avx, gdb_wrote, stored_fx, stored_ymm3
	.set has_avx, DATA_ADDR
	.set gdb_wrote, DATA_ADDR + 4
	.set use_avx, DATA_ADDR + 8
	.set stored_ymm3, DATA_ADDR + 32	/* 32 bytes */
	.set stored_fx, DATA_ADDR + 512		/* fxsave's 512 bytes, 16-aligned */
	.set fx_scratch, DATA_ADDR + 1024	/* another 512 */

/* fxsave's image: where each register is. */
#define FX_FCW		0
#define FX_MXCSR	24
#define FX_ST0		32
#define FX_XMM2		(160 + 2 * 16)

	.text
.Limage_start:

	.code16
start:
	ENTER_PROTECTED_MODE pm_entry, STACK_TOP
	IDENTITY_MAP_2MIB PML4_ADDR
	ENTER_LONG_MODE PML4_ADDR, lm_entry

	.code64
lm_entry:
	mov	$STACK_TOP, %rsp
	movl	$0, has_avx
	movl	$0, gdb_wrote
	movl	$0, use_avx

	/* x87 and SSE: the FPU is the CPU's own (EM clear), its errors are
	 * exceptions (NE), and the OS saves SSE state with fxsave (OSFXSR). */
	mov	%cr0, %rax
	and	$~CR0_EM, %rax
	or	$(CR0_MP | CR0_NE), %rax
	mov	%rax, %cr0
	mov	%cr4, %rax
	or	$(CR4_OSFXSR | CR4_OSXMMEXCPT), %rax
	mov	%rax, %cr4

	/* x87 and SSE: st0 = pi, st1 = 1.5, xmm0 = {2, 4, 6, 8}, MXCSR as
	 * after reset, all from one image; then xmm4 = {1, 2, 3, 4}. */
	fninit
	fxrstor	fx_image(%rip)
	movdqu	ints(%rip), %xmm4
	/* The same state out and back in, two in a row: kvm-pvm emulates
	 * both without their single-step traps (tests/lockstep checks each
	 * stepi here against QEMU). */
	fxsave	fx_scratch
	fxrstor	fx_scratch

fpu_ready:
	nop				/* gdb looks here, and may write */

	/* AVX: only when a debugger asked for it (use_avx) and CPUID offers
	 * XSAVE and AVX; then XCR0 enables the upper halves of the ymm
	 * registers.  (A host's CPUID may offer AVX that its KVM cannot run:
	 * kvm-pvm's emulator has no AVX, and kvmstub describes no ymm there.) */
	cmpl	$0, use_avx
	je	fpu_check
	mov	$1, %eax
	cpuid
	and	$(CPUID1_XSAVE | CPUID1_AVX), %ecx
	cmp	$(CPUID1_XSAVE | CPUID1_AVX), %ecx
	jne	fpu_check
	mov	%cr4, %rax
	or	$CR4_OSXSAVE, %rax
	mov	%rax, %cr4
	xor	%ecx, %ecx		/* XCR0 */
	xor	%edx, %edx
	mov	$XCR0_X87_SSE_AVX, %eax
	xsetbv
	movl	$1, has_avx
	/* ymm1 = {1.0, ..., 8.0} + itself. */
	vmovups	floats(%rip), %ymm1
	vaddps	%ymm1, %ymm1, %ymm1
avx_ready:
	nop				/* gdb looks at the ymm registers here */

fpu_check:
	cmpl	$0, gdb_wrote
	je	pass
	fxsave	stored_fx
	mov	$1, %bl
	lea	stored_fx + FX_ST0, %rsi
	lea	want_st0(%rip), %rdi
	mov	$10, %ecx
	repe cmpsb
	jne	fail
	mov	$2, %bl
	lea	stored_fx + FX_XMM2, %rsi
	lea	want_xmm2(%rip), %rdi
	mov	$16, %ecx
	repe cmpsb
	jne	fail
	mov	$3, %bl
	cmpl	$0x3f80, stored_fx + FX_MXCSR
	jne	fail
	mov	$5, %bl
	cmpw	$0x27f, stored_fx + FX_FCW
	jne	fail
	cmpl	$0, has_avx
	je	pass
	vmovdqu	%ymm3, stored_ymm3
	mov	$4, %bl
	lea	stored_ymm3, %rsi
	lea	want_ymm3(%rip), %rdi
	mov	$32, %ecx
	repe cmpsb
	jne	fail
pass:
	xor	%bl, %bl
fail:
	mov	%bl, %al
	out	%al, $EXIT_PORT		/* kvmstub ends the guest with this status */
	hlt

	/* The 512-byte fxsave/fxrstor image: FCW, FSW with TOP = 6 (two
	 * registers pushed), the abridged tag (physical registers 6 and 7
	 * in use), MXCSR, then ST0, ST1, ... and XMM0, XMM1, ... */
	.balign	16
fx_image:
	.word	0x037f			/* FCW: every exception masked, 64-bit precision */
	.word	6 << 11			/* FSW: TOP */
	.byte	0xc0, 0			/* abridged tag */
	.word	0			/* FOP */
	.quad	0, 0			/* FIP, FDP */
	.long	0x1f80, 0		/* MXCSR, MXCSR_MASK (not loaded) */
	.quad	0xc90fdaa22168c235	/* ST0: pi */
	.word	0x4000
	.fill	6
	.quad	0xc000000000000000	/* ST1: 1.5 */
	.word	0x3fff
	.fill	6
	.fill	6 * 16			/* ST2-ST7 */
	.long	2, 4, 6, 8		/* XMM0 */
	.fill	512 - 176
ints:
	.long	1, 2, 3, 4
floats:
	.float	1, 2, 3, 4, 5, 6, 7, 8
want_st0:				/* 2.5 as an 80-bit extended real */
	.quad	0xa000000000000000
	.word	0x4000
	.balign	16
want_xmm2:
	.long	0x11111111, 0x22222222, 0x33333333, 0x44444444
want_ymm3:
	.long	1, 2, 3, 4, 5, 6, 7, 8

	FLAT_GDT code64=1		/* null, 32-bit code, data, 64-bit code (0x18) */
	RESET_VECTOR
