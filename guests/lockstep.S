/*
 * lockstep.S - a guest for the lockstep test (tests/lockstep): every kind
 * of instruction kvmstub's step path treats specially, at least once, in
 * real mode, in 32-bit protected mode and in 64-bit long mode with paging.
 *
 * WHAT IT IS FOR
 *   tests/lockstep/lockstep.py single-steps kvmstub and QEMU's software CPU
 *   side by side through this guest and compares the CPU state after every
 *   instruction; then it compares where breakpoints and watchpoints stop.
 *   Each case below is one labelled instruction (a global symbol), so a
 *   divergence report or gdb names it.  It is not a lesson: the lessons
 *   (kernel1.S ... long.S) explain each mechanism.
 *
 *   real mode      cpuid, rdtsc; in/out with an imm8 port and with DX, byte,
 *                  word and dword; ins/outs with and without rep; rep movs,
 *                  stos, lods, cmps, scas with counts 0, 1 and 5; int $0x30
 *                  and iret; into (OF clear, then set); the guest's own
 *                  int3; a fault and its handler (div by 0: #DE; ud2
 *                  is left to the other modes: KVM's real-mode emulator
 *                  fails on it where there is no VT-x/SVM); mov ss and pop ss (interrupt shadows); sti; pushf,
 *                  popf setting TF (the guest's own single-step trap, #DB);
 *                  far jumps, calls and returns; lidt; lgdt; the CR0 write
 *                  that enters protected mode.
 *   protected mode in/out, ins/outs, the rep string instructions; faults
 *   (no paging)    through the IDT (#UD, #DE, #GP from a bad selector) and
 *                  the guest's own #DB; mov ss; far call and return; cpuid,
 *                  rdmsr, rdtsc; CR0.TS set and clts; then the road into
 *                  long mode (CR4, CR3, rdmsr/wrmsr EFER, CR0.PG, far jump).
 *   long mode      lidt and lgdt again; #UD, #DE, #GP and iretq; the
 *                  guest's own #DB; mov ss; sti; in/out, ins/outs, the rep
 *                  string instructions; far jump, far call and far return;
 *                  cpuid, rdmsr, wrmsr, rdtsc; CR0 writes; then the
 *                  self-checks and the exit port.  int $0x30 and int3 too
 *                  when the byte at INT_OK (RAM 0x5f1) is set.
 *
 *   On kvmstub's development hosts (kvm-pvm, no VT-x/SVM) KVM emulates
 *   non-paged protected mode and cannot run `int $n` or `iret` there
 *   (PLATFORM.md), nor `int $n` and `int3` in long mode, nor `ud2` in real
 *   mode (measured with this guest), so: the protected-mode handlers
 *   return by hand (RET_BY_HAND), int n and int3 are real-mode cases
 *   unless INT_OK is set, and ud2 is a protected and long mode case.
 *
 * HOW TO RUN IT
 *   ./kvmstub --no-gdb guests/lockstep.bin ; echo "status $?"
 *     lockstep: all cases ran
 *     status 0
 *   A failed self-check prints "lockstep: check N failed" and exits with
 *   status N.  When the byte at HLT_FLAG (RAM 0x5f0) is not 0 at the end,
 *   the guest ends with cli; hlt instead of the exit port (the lockstep
 *   tool runs it that way too, to step a hlt).
 *   make lockstep IMAGE=guests/lockstep.bin   (or tests/lockstep/lockstep.py lockstep)
 *
 * ADDRESSES
 *   The image is linked at 0xF0000 (firmware.lds) and is read-only.  RAM:
 *   the real-mode IVT at 0, the counters from 0x500, string buffers at
 *   0x1000-0x1fff, the real-mode stack below 0x7000, the page tables at
 *   0x10000-0x12fff, the protected and long mode stack below 0x90000.
 */

#include "firmware.inc"		/* IMAGE_BASE, BOOT_SEG, REL(), EXIT_PORT, RESET_VECTOR */
#include "gdt_flat.inc"		/* FLAT_GDT; CODE_SEL, DATA_SEL, CODE64_SEL, CR0_PE */
#include "idt.inc"		/* IDT_GATE */
#include "longmode.inc"		/* IDENTITY_MAP_2MIB, ENTER_LONG_MODE; MSR_EFER */

#define RM_STACK	0x7000
#define STACK_TOP	0x90000
#define PML4_ADDR	0x10000
#define FLAGS_TF	0x100		/* EFLAGS bit 8: the trap flag */
#define CR0_TS		0x8		/* CR0 bit 3: task switched */
#define IO_PORT		0x80		/* the POST-code port: nothing listens */
#define BAD_SEL		0x78		/* a selector beyond the GDT's limit */

/* The counters: what each handler counted (RAM, DS = 0 in real mode). */
#define VARS		0x500
#define RM_DE		(VARS + 0x00)	/* word each */
#define RM_DB		(VARS + 0x02)
#define RM_BP		(VARS + 0x04)
#define RM_OF		(VARS + 0x06)
#define RM_INT		(VARS + 0x0a)
#define PM_DE		(VARS + 0x10)	/* dword each */
#define PM_DB		(VARS + 0x14)
#define PM_UD		(VARS + 0x18)
#define PM_GP		(VARS + 0x1c)
#define LM_DE		(VARS + 0x20)
#define LM_DB		(VARS + 0x24)
#define LM_UD		(VARS + 0x28)
#define LM_GP		(VARS + 0x2c)
#define LM_BP		(VARS + 0x30)
#define LM_INT		(VARS + 0x34)
#define FAR_CALLS	(VARS + 0x38)	/* far calls that returned, all modes */
#define SCRATCH		(VARS + 0x40)	/* a dword the guest reads back */
#define HLT_FLAG	0x5f0		/* byte: end with cli; hlt, not the exit port */
#define INT_OK		0x5f1		/* byte: long mode runs int $n and int3 too */

#define BUF_SRC		0x1000		/* 16 bytes copied from the image */
#define BUF_DST		0x1100		/* rep movs / stos target */
#define BUF_IO		0x1200		/* ins target, outs source */

#define SOFT_VEC	0x30

/* A 32-bit iret by hand (same privilege, flat code), for hosts whose
 * emulator cannot run iret in protected mode: the stack holds EIP, CS,
 * EFLAGS.  EIP and EFLAGS swap places, then popf and a near ret. */
	.macro	RET_BY_HAND
	push	%eax			/* 0 EAX, 4 EIP, 8 CS, 12 EFLAGS */
	mov	4(%esp), %eax
	xchg	%eax, 12(%esp)		/* EIP where EFLAGS was; EAX = EFLAGS */
	mov	%eax, 8(%esp)		/* EFLAGS where CS was */
	pop	%eax			/* 0 old EIP, 4 EFLAGS, 8 EIP */
	add	$4, %esp
	popfl
	ret
	.endm

/*
 * The rep string instructions with counts 0, 1 and 5, in the current code
 * size; cx, si, di name the count and index registers of that size.
 * BUF_SRC holds 16 known bytes; each case starts from fresh indexes.
 */
	.macro	STRING_CASES cx, si, di
	.irp	n, 0, 1, 5
	mov	$\n, \cx
	mov	$BUF_SRC, \si
	mov	$BUF_DST, \di
	rep movsb			/* copy n bytes */
	mov	$\n, \cx
	mov	$BUF_SRC, \si
	mov	$BUF_DST, \di
	rep movsw			/* n words */
	mov	$\n, \cx
	mov	$BUF_DST + 0x20, \di
	mov	$0x5a, %al
	rep stosb			/* n bytes of 0x5a */
	mov	$\n, \cx
	mov	$BUF_DST + 0x40, \di
	rep stosl			/* n dwords of EAX */
	mov	$\n, \cx
	mov	$BUF_SRC, \si
	rep lodsb			/* AL = the last byte loaded */
	mov	$\n, \cx
	mov	$BUF_SRC, \si
	mov	$BUF_SRC, \di
	repe cmpsb			/* equal all the way: runs n times */
	mov	$\n, \cx
	mov	$BUF_SRC, \di
	mov	$0x33, %al		/* the 4th byte of BUF_SRC */
	repne scasb			/* stops early when n > 3 */
	.endr
	/* cmps that stops at the first difference (BUF_SRC vs BUF_DST + 0x20). */
	mov	$5, \cx
	mov	$BUF_SRC, \si
	mov	$BUF_DST + 0x20, \di
	repe cmpsb
	.endm

/* Port I/O in every form: imm8 and DX ports, byte, word and dword, and the
 * string forms with and without rep (counts 0, 1, 3).  di and si name the
 * index registers of the current address size. */
	.macro	IO_CASES cx, si, di
	mov	$0x12, %al
	out	%al, $IO_PORT
	out	%ax, $IO_PORT
	out	%eax, $IO_PORT
	in	$IO_PORT, %al
	in	$IO_PORT, %ax
	in	$IO_PORT, %eax
	mov	$IO_PORT, %dx
	out	%al, %dx
	out	%ax, %dx
	out	%eax, %dx
	in	%dx, %al
	in	%dx, %ax
	in	%dx, %eax
	mov	$BUF_IO, \di
	insb
	insw
	insl
	mov	$BUF_IO, \si
	outsb
	outsw
	outsl
	.irp	n, 0, 1, 3
	mov	$\n, \cx
	mov	$BUF_IO, \di
	rep insb
	mov	$\n, \cx
	mov	$BUF_IO, \di
	rep insw
	mov	$\n, \cx
	mov	$BUF_IO, \si
	rep outsb
	mov	$\n, \cx
	mov	$BUF_IO, \si
	rep outsl
	.endr
	.endm

	.globl	start, reset_vector
	.globl	rm_shadow_mov_ss, rm_io, rm_strings, rm_int, rm_into, rm_int3
	.globl	rm_div0, rm_pop_ss, rm_sti, rm_popf_tf, rm_far, rm_cr0
	.globl	pm_entry, pm_io, pm_strings, pm_ud2, pm_div0, pm_gp, pm_popf_tf
	.globl	pm_mov_ss, pm_far, pm_msr, pm_cr0_ts, pm_to_long
	.globl	lm_entry, lm_int, lm_int3, lm_ud2, lm_div0, lm_gp, lm_popf_tf
	.globl	lm_mov_ss, lm_io, lm_strings, lm_far, lm_msr, lm_cr0, lm_checks, fail

	.text
.Limage_start:

/* ------------------------------------------------------------------------
 * Real mode: CS = 0xF000, DS = ES = SS = 0.
 * ---------------------------------------------------------------------- */
	.code16
start:
	cli
	cld
	xor	%ax, %ax
	mov	%ax, %ds
	mov	%ax, %es
rm_shadow_mov_ss:
	mov	%ax, %ss		/* the interrupt shadow: no trap until after... */
	mov	$RM_STACK, %sp		/* ...this instruction too */

	/* The counters start at 0 (also on a rerun without a reset). */
	mov	$VARS, %di
	mov	$0x20, %cx
	rep stosw
	/* The string source: 16 known bytes copied out of the image. */
	mov	$16, %cx
	mov	$REL(str_src), %si
	mov	$BUF_SRC, %di
	rep movsb %cs:(%si), %es:(%di)

	/* The real-mode vectors this part takes. */
	movw	$REL(rm_de_handler), 0 * 4
	movw	$BOOT_SEG, 0 * 4 + 2
	movw	$REL(rm_db_handler), 1 * 4
	movw	$BOOT_SEG, 1 * 4 + 2
	movw	$REL(rm_bp_handler), 3 * 4
	movw	$BOOT_SEG, 3 * 4 + 2
	movw	$REL(rm_of_handler), 4 * 4
	movw	$BOOT_SEG, 4 * 4 + 2
	movw	$REL(rm_int_handler), SOFT_VEC * 4
	movw	$BOOT_SEG, SOFT_VEC * 4 + 2
	lidt	%cs:REL(rm_idt_ptr)	/* the IVT where it already is: base 0 */

	/* Platform inputs: what the CPU is, and the time. */
	xor	%eax, %eax
	cpuid
	mov	$1, %eax
	cpuid
	rdtsc

rm_io:
	IO_CASES %cx, %si, %di
rm_strings:
	STRING_CASES %cx, %si, %di

rm_int:
	int	$SOFT_VEC		/* through IVT[0x30]; its handler irets */
	mov	$0x10, %al
	add	%al, %al		/* 0x20: OF clear ... */
	into				/* ... so into does nothing */
	mov	$0x40, %al
	add	$0x40, %al		/* 0x40 + 0x40 = 0x80: OF set ... */
rm_into:
	into				/* ... so into raises #OF (vector 4) */
rm_int3:
	int3				/* the guest's own breakpoint: IVT[3] */
	/* (No ud2 here: KVM's real-mode emulator on hosts without VT-x/SVM
	 * fails on it instead of raising #UD.  Protected and long mode have it.) */
	xor	%bl, %bl
rm_div0:
	div	%bl			/* #DE: divide by 0; the handler skips it */

rm_popf_tf:
	pushf
	pop	%ax
	or	$FLAGS_TF, %ax
	push	%ax
	popf				/* TF set: the NEXT instruction traps */
	nop				/* ... after which #DB (IVT[1]) clears TF */
	nop

rm_far:
	lcall	$BOOT_SEG, $REL(rm_far_fn)	/* far call, far return */
	ljmp	$BOOT_SEG - 0x100, $REL(rm_far_1) + 0x1000	/* another CS, same code */
rm_far_1:
	ljmp	$BOOT_SEG, $REL(rm_far_2)	/* and back to CS = 0xF000 */
rm_far_2:
	/* Late in real mode: a stub that steps it wrong loses the guest, and
	 * the cases above have run by then. */
rm_pop_ss:
	push	%ss
	pop	%ss			/* an interrupt shadow, by pop this time */
	nop
rm_sti:
	sti				/* interrupts on for one instruction's time ... */
	cli				/* ... and off again (nothing is pending) */

	lgdtl	%cs:REL(gdt_ptr)
	mov	%cr0, %eax
	or	$CR0_PE, %eax
rm_cr0:
	mov	%eax, %cr0		/* protected mode, still 16-bit code ... */
	ljmpl	$CODE_SEL, $pm_entry	/* ... until this far jump */

/* Real-mode handlers: IVT frames are IP, CS, FLAGS (after push %bp: 0 BP,
 * 2 IP, 4 CS, 6 FLAGS).  Faults saved the faulting IP: skip 2 bytes. */
rm_de_handler:
	push	%bp
	mov	%sp, %bp
	addw	$2, 2(%bp)
	incw	RM_DE
	pop	%bp
	iret
rm_db_handler:
	push	%bp
	mov	%sp, %bp
	andw	$~FLAGS_TF, 6(%bp)	/* step once only */
	incw	RM_DB
	pop	%bp
	iret
rm_bp_handler:
	incw	RM_BP
	iret
rm_of_handler:
	incw	RM_OF
	iret
rm_int_handler:
	incw	RM_INT
	iret
rm_far_fn:
	incw	FAR_CALLS
	lret

rm_idt_ptr:
	.word	0x3ff
	.long	0

str_src:
	.ascii	"0123456789abcdef"

/* ------------------------------------------------------------------------
 * 32-bit protected mode, flat segments, no paging.
 * ---------------------------------------------------------------------- */
	.code32
pm_entry:
	mov	$DATA_SEL, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %fs
	mov	%ax, %gs
pm_mov_ss:
	mov	%ax, %ss		/* interrupt shadow */
	mov	$STACK_TOP, %esp
	lidt	pm_idt_ptr

pm_msr:
	xor	%eax, %eax
	cpuid
	mov	$MSR_EFER, %ecx
	rdmsr
	rdtsc

pm_io:
	IO_CASES %ecx, %esi, %edi
pm_strings:
	STRING_CASES %ecx, %esi, %edi

pm_ud2:
	ud2
	xor	%bl, %bl
pm_div0:
	div	%bl
	mov	$BAD_SEL, %ax
pm_gp:
	mov	%ax, %fs		/* #GP: the selector is beyond the GDT */
pm_gp_after:

pm_popf_tf:
	pushfl
	orl	$FLAGS_TF, (%esp)
	popfl				/* TF: #DB after the next instruction */
	nop
	nop

pm_far:
	lcall	$CODE_SEL, $pm_far_fn
	ljmp	$CODE_SEL, $pm_far_1
pm_far_1:
	mov	%cr0, %eax
	or	$CR0_TS, %eax
pm_cr0_ts:
	mov	%eax, %cr0		/* CR0.TS set ... */
	clts				/* ... and cleared */

pm_to_long:
	IDENTITY_MAP_2MIB PML4_ADDR
	ENTER_LONG_MODE PML4_ADDR, lm_entry

/* Protected-mode handlers (IDT).  A frame is EIP, CS, EFLAGS; #GP adds an
 * error code below it.  They return by hand: see RET_BY_HAND. */
pm_de_handler:
	addl	$2, (%esp)
	incl	PM_DE
	RET_BY_HAND
pm_ud_handler:
	addl	$2, (%esp)
	incl	PM_UD
	RET_BY_HAND
pm_gp_handler:
	add	$4, %esp		/* the error code */
	movl	$pm_gp_after, (%esp)	/* return past the mov to %fs */
	incl	PM_GP
	RET_BY_HAND
pm_db_handler:
	andl	$~FLAGS_TF, 8(%esp)
	incl	PM_DB
	RET_BY_HAND
pm_other:
	mov	$99, %al
	out	%al, $EXIT_PORT
	cli
	hlt
pm_far_fn:
	incw	FAR_CALLS
	lret

	.balign	8
pm_idt:
	IDT_GATE pm_de_handler		/* 0 #DE */
	IDT_GATE pm_db_handler		/* 1 #DB */
	IDT_GATE pm_other		/* 2 */
	IDT_GATE pm_other		/* 3 */
	IDT_GATE pm_other		/* 4 */
	IDT_GATE pm_other		/* 5 */
	IDT_GATE pm_ud_handler		/* 6 #UD */
	IDT_GATE pm_other		/* 7 */
	IDT_GATE pm_other		/* 8 */
	IDT_GATE pm_other		/* 9 */
	IDT_GATE pm_other		/* 10 */
	IDT_GATE pm_other		/* 11 */
	IDT_GATE pm_other		/* 12 */
	IDT_GATE pm_gp_handler		/* 13 #GP */
.Lpm_idt_end:
pm_idt_ptr:
	.word	.Lpm_idt_end - pm_idt - 1
	.long	pm_idt

/* ------------------------------------------------------------------------
 * 64-bit long mode, identity-mapped first 2 MiB.
 * ---------------------------------------------------------------------- */
/* A 64-bit interrupt gate: offset 0-15, selector, IST 0, type 0x8E,
 * offset 16-31, offset 32-63 (0: the handlers are in this image), 0. */
	.macro	IDT64_GATE handler
	.word	REL(\handler)
	.word	CODE64_SEL
	.byte	0, 0x8E
	.word	IMAGE_BASE >> 16
	.long	0, 0
	.endm

	.code64
lm_entry:
	mov	$STACK_TOP, %rsp
	lidt	lm_idt_ptr(%rip)
	lgdt	lm_gdt_ptr(%rip)	/* the same table, loaded in 64-bit code */

	/* int $n and the guest's own int3 are real-mode cases only: KVM
	 * without VT-x/SVM (kvm-pvm) fails to run them in long mode as in
	 * non-paged protected mode.  A host that can may set the byte at
	 * INT_OK (RAM 0x5f1) to have them here too. */
	cmpb	$0, INT_OK
	je	1f
lm_int:
	int	$SOFT_VEC		/* through the 64-bit IDT; iretq back */
lm_int3:
	int3				/* the guest's own: vector 3 */
1:
lm_ud2:
	ud2
	xor	%bl, %bl
lm_div0:
	div	%bl
	mov	$BAD_SEL, %ax
lm_gp:
	mov	%ax, %fs		/* #GP: the selector is beyond the GDT */
lm_gp_after:

lm_popf_tf:
	pushfq
	orq	$FLAGS_TF, (%rsp)
	popfq
	nop
	nop

	mov	$DATA_SEL, %ax
lm_mov_ss:
	mov	%ax, %ss		/* interrupt shadow in 64-bit code */
	nop
	sti
	cli

lm_io:
	IO_CASES %rcx, %rsi, %rdi
lm_strings:
	STRING_CASES %rcx, %rsi, %rdi

lm_far:
	lcall	*lm_far_call_ptr(%rip)	/* far call through a 16:32 pointer ... */
	ljmp	*lm_far_jmp_ptr(%rip)	/* ... and a far jump */
lm_far_1:
lm_msr:
	xor	%eax, %eax
	cpuid
	mov	$MSR_EFER, %ecx
	rdmsr
	wrmsr				/* EFER written back as it is */
	rdtsc
	mov	%cr0, %rax
	or	$CR0_TS, %rax
lm_cr0:
	mov	%rax, %cr0
	clts

/* The self-checks: each case's handler ran exactly once. */
lm_checks:
	movl	$0x1234, SCRATCH
	mov	SCRATCH, %eax		/* read back (a read watchpoint's target) */
	mov	$1, %bl
	cmp	$0x1234, %eax
	jne	fail
	lea	checks(%rip), %rsi
1:	movzwl	(%rsi), %edi		/* the counter's address */
	test	%edi, %edi
	jz	2f
	inc	%bl
	movzwl	2(%rsi), %eax		/* its size: 2 or 4 */
	cmp	$2, %eax
	je	3f
	cmpl	$1, (%rdi)
	jne	fail
	jmp	4f
3:	cmpw	$1, (%rdi)
	jne	fail
4:	add	$4, %rsi
	jmp	1b
2:	mov	$12, %bl
	cmpw	$3, FAR_CALLS		/* one far call per mode */
	jne	fail
	inc	%bl
	movzbl	INT_OK, %eax		/* int $n and int3: once each, or never */
	cmp	LM_INT, %eax
	jne	fail
	cmp	LM_BP, %eax
	jne	fail

	lea	msg_ok(%rip), %rsi
	call	print64
	cmpb	$0, HLT_FLAG
	jne	end_hlt
	xor	%eax, %eax
	out	%al, $EXIT_PORT		/* status 0 */
end_hlt:
	cli
	hlt				/* the end where there is no exit port */
	jmp	end_hlt

/* A self-check failed: its number is in BL. */
fail:
	lea	msg_fail(%rip), %rsi
	call	print64
	mov	%bl, %al
	add	$'0', %al
	mov	$0x3f8, %dx
	out	%al, %dx
	mov	$'\n', %al
	out	%al, %dx
	mov	%bl, %al
	out	%al, $EXIT_PORT
	cli
	hlt

/* Long-mode handlers (frames: RIP, CS, RFLAGS, RSP, SS; #GP's error code
 * below them). */
lm_de_handler:
	addq	$2, (%rsp)
	incl	LM_DE
	iretq
lm_ud_handler:
	addq	$2, (%rsp)
	incl	LM_UD
	iretq
lm_gp_handler:
	add	$8, %rsp		/* the error code */
	push	%rax
	lea	lm_gp_after(%rip), %rax
	mov	%rax, 8(%rsp)		/* return past the mov to %fs */
	pop	%rax
	incl	LM_GP
	iretq
lm_db_handler:
	andq	$~FLAGS_TF, 16(%rsp)
	incl	LM_DB
	iretq
lm_bp_handler:
	incl	LM_BP
	iretq
lm_int_handler:
	incl	LM_INT
	iretq
lm_other:
	mov	$98, %al
	out	%al, $EXIT_PORT
	cli
	hlt
lm_far_fn:
	incw	FAR_CALLS
	lret				/* 32-bit far return: EIP, CS */

#include "serial64.inc"		/* print64 */

lm_gdt_ptr:				/* 64-bit code's lgdt reads an 8-byte base */
	.word	gdt_ptr - gdt - 1
	.long	gdt, 0		/* (two longs: the guests are 32-bit ELF objects) */
lm_far_call_ptr:
	.long	lm_far_fn
	.word	CODE64_SEL
lm_far_jmp_ptr:
	.long	lm_far_1
	.word	CODE64_SEL

/* The counters the self-check reads, with their sizes; 0 ends the list. */
checks:
	.word	RM_DE, 2, RM_DB, 2, RM_BP, 2, RM_OF, 2, RM_INT, 2
	.word	PM_DE, 4, PM_DB, 4, PM_UD, 4, PM_GP, 4
	.word	LM_DE, 4, LM_DB, 4, LM_UD, 4, LM_GP, 4
	.word	0, 0

msg_ok:
	.asciz	"lockstep: all cases ran\n"
msg_fail:
	.asciz	"lockstep: check failed: "

	.balign	8
lm_idt:
	IDT64_GATE lm_de_handler	/* 0 #DE */
	IDT64_GATE lm_db_handler	/* 1 #DB */
	IDT64_GATE lm_other		/* 2 */
	IDT64_GATE lm_bp_handler	/* 3 #BP */
	IDT64_GATE lm_other		/* 4 */
	IDT64_GATE lm_other		/* 5 */
	IDT64_GATE lm_ud_handler	/* 6 #UD */
	IDT64_GATE lm_other		/* 7 */
	IDT64_GATE lm_other		/* 8 */
	IDT64_GATE lm_other		/* 9 */
	IDT64_GATE lm_other		/* 10 */
	IDT64_GATE lm_other		/* 11 */
	IDT64_GATE lm_other		/* 12 */
	IDT64_GATE lm_gp_handler	/* 13 #GP */
	.rept	SOFT_VEC - 14
	IDT64_GATE lm_other
	.endr
	IDT64_GATE lm_int_handler	/* 0x30 */
.Llm_idt_end:
lm_idt_ptr:
	.word	.Llm_idt_end - lm_idt - 1
	.long	lm_idt, 0

	FLAT_GDT code64=1		/* null, code 0x08, data 0x10, code64 0x18 */

	RESET_VECTOR
