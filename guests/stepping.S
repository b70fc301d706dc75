/*
 * stepping.S - for the README's "Stepping" section: what one `stepi` does
 * on the instructions that are hard to single-step: int N, iret, pushf/popf
 * with TF, rep movs, hlt, mov to CR0, the far jump into protected mode, and
 * a faulting instruction.
 *
 * WHAT YOU LEARN
 *   A debugger single-steps an x86 CPU with the trap flag (TF, EFLAGS bit
 *   8): after each instruction the CPU raises a debug exception (#DB) and
 *   the debugger gets control.  kvmstub asks KVM to do this for it
 *   (KVM_GUESTDBG_SINGLESTEP), and keeps TF invisible to the guest.  Each
 *   case below is one labelled instruction (a global symbol, so
 *   `break *step_int` works) and says what one `stepi` on it does:
 *
 *   step_int      int $0x30: the interrupt is delivered; stepi stops at
 *                 the handler's first instruction (int30_handler), with
 *                 FLAGS, CS and IP of the next instruction on the stack.
 *   step_iret     iret: back to the instruction after the int, with the
 *                 flags the int saved.
 *   step_pushf    pushf: the pushed word has TF clear (the debugger's TF
 *                 is not the guest's).
 *   step_popf     popf that sets TF: the guest's own single-step.  The
 *                 next instruction (step_tf_nop) runs, then the CPU raises
 *                 #DB through the GUEST's vector 1: stepi over step_tf_nop
 *                 stops at db_handler's first instruction.
 *   step_rep      rep movsb with CX = 5: each stepi does one iteration
 *                 (CX 5 -> 4 -> ...), the pc stays on the rep until CX is 0,
 *                 as the CPU itself does with TF.
 *   step_hlt_irq  hlt with interrupts on and the timer running: stepi
 *                 stops at the next instruction.  kvmstub holds interrupts
 *                 off while stepping, so the timer's handler does not run
 *                 inside the step (`monitor step-irq on` lets it run).
 *   step_cr0      mov %eax,%cr0 sets PE: protected mode, still 16-bit code.
 *   step_far      ljmpl $8,$pm_entry: CS = 8, now 32-bit code.
 *   step_ud2      ud2 faults (#UD, vector 6): stepi stops at ud_handler's
 *                 first instruction, none of it executed.
 *   step_iretd    the 32-bit iret back from ud_handler (only where the host
 *                 can run it; see below), else a hand-made return.
 *   step_pushfd   pushfl in 32-bit code: TF clear in the pushed EFLAGS.
 *   step_hlt      hlt with interrupts off: the end.  kvmstub reports "hlt
 *                 with interrupts disabled"; under --no-gdb that is status 0.
 *
 * HOW TO RUN IT
 *   make guests/stepping.bin
 *   ./kvmstub --no-gdb guests/stepping.bin ; echo "status $?"
 *   Expected: the line "stepping: all cases ran" and status 0.  A
 *   self-check that fails prints "stepping: check N failed" and exits with
 *   status N.
 *
 *   With gdb (two terminals):
 *   ./kvmstub guests/stepping.bin
 *   gdb guests/stepping.elf -x gdbscripts/kvmstub.gdb -ex 'target remote :1234'
 *     (gdb) break *step_int
 *     (gdb) continue
 *     (gdb) stepi                    # in int30_handler: nothing of it ran
 *     (gdb) realstack 3              # IP, CS, FLAGS the int pushed
 *     (gdb) break *step_rep
 *     (gdb) continue
 *     (gdb) stepi                    # still at step_rep...
 *     (gdb) p $ecx                   # ...one byte copied: 4 left
 *   tests/e2e/step_semantics.sh drives every case.
 *
 * HOSTS
 *   On kvmstub's development machines KVM has no VT-x/SVM and EMULATES
 *   real mode and non-paged protected mode one instruction at a time; its
 *   emulator cannot run `int $n` or `iret` in protected mode.  So the
 *   32-bit cases use them only when the byte pm_hw_ok (RAM, 0x600) is not
 *   0; a debugger on a VT-x/SVM host may set it:  set {char}0x600 = 1
 *
 * ADDRESSES
 *   The image is linked at 0xF0000 (firmware.lds) and is read-only.  RAM
 *   from 0x500 holds the variables below, the real-mode stack ends at
 *   0x7000, the 32-bit one at 0x90000.  The real-mode interrupt vector
 *   table (IVT) is at 0: vector N is the 4 bytes IP, CS at 4 * N.
 */

#include "firmware.inc"		/* IMAGE_BASE, BOOT_SEG, REL(), EXIT_PORT, RESET_VECTOR */
#include "gdt_flat.inc"		/* FLAT_GDT; CODE_SEL, DATA_SEL, CR0_PE */
#include "idt.inc"		/* IDT_GATE */

#define RM_STACK	0x7000
#define PM_STACK	0x90000
#define FLAGS_TF	0x100		/* EFLAGS bit 8: trap flag (single step) */

/* RAM variables (DS = 0 in real mode, flat in protected mode). */
#define PM_HW_OK	0x600		/* byte: the host can run PM int/iret */
#define DB_COUNT	0x602		/* word: #DBs the guest's own handler took */
#define INT_COUNT	0x604		/* word: int $0x30 handler runs */
#define TICKS		0x606		/* word: timer interrupts */
#define UD_COUNT	0x608		/* word: #UD handler runs */
#define PUSHED		0x60A		/* word: what step_pushf pushed */
#define MOVS_DST	0x700		/* 5 bytes: rep movsb copies here */

#define SOFT_VEC	0x30		/* our software interrupt */
#define TIMER_VEC	0x08		/* IRQ0 after we program the PIC (as a PC BIOS) */

#define PIC1_CMD	0x20
#define PIC1_DATA	0x21
#define PIC2_CMD	0xA0
#define PIC2_DATA	0xA1
#define PIT_CH0		0x40
#define PIT_MODE	0x43
#define PIT_DIVISOR	11932		/* 100 Hz */

/*
 * What a 32-bit iret does here (same privilege level, no task switch), by
 * hand, for hosts whose emulator has no 32-bit iret: EIP and EFLAGS swap
 * places on the stack, then popf and a near ret.  EAX is saved around it.
 */
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

	.globl start, reset_vector
	.globl step_int, after_int, int30_handler, step_iret
	.globl step_pushf, step_popf, step_tf_nop, after_tf, db_handler
	.globl step_rep, after_rep, movs_src
	.globl step_hlt_irq, after_hlt_irq, timer_handler
	.globl step_cr0, step_far, pm_entry
	.globl step_ud2, ud_handler, step_iretd, after_ud2
	.globl step_pushfd, step_hlt, after_hlt, pm_db_handler, fail

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
	mov	%ax, %ss
	mov	$RM_STACK, %sp

	/* The variables start at 0 (RAM is zeroed at power-on, but a
	 * `monitor reset`-free rerun from start must see them cleared too). */
	mov	$PM_HW_OK + 2, %di	/* keep pm_hw_ok: a debugger may have set it */
	mov	$(PUSHED + 2 - PM_HW_OK - 2) / 2, %cx
	rep stosw

	/* IVT entries: vector 1 (#DB, single step), 0x30, the timer. */
	movw	$REL(db_handler), 1 * 4
	movw	$BOOT_SEG, 1 * 4 + 2
	movw	$REL(int30_handler), SOFT_VEC * 4
	movw	$BOOT_SEG, SOFT_VEC * 4 + 2
	movw	$REL(timer_handler), TIMER_VEC * 4
	movw	$BOOT_SEG, TIMER_VEC * 4 + 2

	/* CASE int N.  The CPU pushes FLAGS, CS, IP (of after_int), clears IF
	 * and TF, and jumps to IVT[0x30].  One stepi: at int30_handler. */
step_int:
	int	$SOFT_VEC
after_int:
	nop

	/* CASE pushf: the word pushed is the guest's FLAGS, TF clear even
	 * while a debugger steps this very instruction. */
step_pushf:
	pushf
	pop	%ax
	mov	%ax, PUSHED

	/* CASE popf with TF: the guest single-steps itself.  After popf has
	 * set TF, the CPU runs ONE more instruction (step_tf_nop) and then
	 * raises #DB through IVT vector 1, our db_handler. */
	or	$FLAGS_TF, %ax
	push	%ax
step_popf:
	popf
step_tf_nop:
	nop
after_tf:
	nop

	/* CASE rep movsb: 5 bytes from the image to RAM.  The CPU takes
	 * the TF trap after each iteration, with IP still on the rep. */
	mov	$5, %cx
	mov	$REL(movs_src), %si
	mov	$MOVS_DST, %di
step_rep:
	rep movsb %cs:(%si), %es:(%di)
after_rep:
	nop

	/* CASE hlt with interrupts on: the PIC and timer as a PC has them,
	 * IRQ0 at vector 8, 100 ticks a second; hlt waits for the next. */
	call	pic_pit_init
	sti
step_hlt_irq:
	hlt
after_hlt_irq:
	cli
	mov	$0xFF, %al		/* mask every IRQ again: no more ticks */
	out	%al, $PIC1_DATA

	/* CASE mov to CR0, far jump: into protected mode (see protected.S). */
	lgdtl	%cs:REL(gdt_ptr)
	mov	%cr0, %eax
	or	$CR0_PE, %eax
step_cr0:
	mov	%eax, %cr0
step_far:
	ljmpl	$CODE_SEL, $pm_entry

/* The int $0x30 handler.  The stack holds IP, CS, FLAGS of after_int. */
int30_handler:
	incw	%ss:INT_COUNT
step_iret:
	iret				/* pops IP, CS, FLAGS: back to after_int */

/* The guest's own #DB handler (vector 1): count the trap, and clear TF in
 * the FLAGS that iret will restore, so the guest steps only once.
 * Stack after push %bp: 0 BP, 2 IP, 4 CS, 6 FLAGS. */
db_handler:
	push	%bp
	mov	%sp, %bp
	andw	$~FLAGS_TF, 6(%bp)
	incw	%ss:DB_COUNT
	pop	%bp
	iret

timer_handler:
	push	%ax
	incw	%ss:TICKS
	mov	$0x20, %al		/* end of interrupt to the master PIC */
	out	%al, $PIC1_CMD
	pop	%ax
	iret

/* PIC: IRQ0-7 -> vectors 8-15 (as a PC BIOS sets it), only IRQ0 unmasked.
 * PIT channel 0: mode 2, 100 Hz.  See interrupts.S for every byte. */
pic_pit_init:
	mov	$0x11, %al
	out	%al, $PIC1_CMD
	out	%al, $PIC2_CMD
	mov	$TIMER_VEC, %al
	out	%al, $PIC1_DATA
	mov	$0x70, %al
	out	%al, $PIC2_DATA
	mov	$0x04, %al
	out	%al, $PIC1_DATA
	mov	$0x02, %al
	out	%al, $PIC2_DATA
	mov	$0x01, %al
	out	%al, $PIC1_DATA
	out	%al, $PIC2_DATA
	mov	$0xFE, %al
	out	%al, $PIC1_DATA
	mov	$0xFF, %al
	out	%al, $PIC2_DATA
	mov	$0x34, %al
	out	%al, $PIT_MODE
	mov	$(PIT_DIVISOR & 0xFF), %al
	out	%al, $PIT_CH0
	mov	$(PIT_DIVISOR >> 8), %al
	out	%al, $PIT_CH0
	ret

movs_src:
	.ascii	"hello"

/* ------------------------------------------------------------------------
 * 32-bit protected mode, flat segments.
 * ---------------------------------------------------------------------- */
	.code32
pm_entry:
	mov	$DATA_SEL, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	$PM_STACK, %esp
	lidt	idt_ptr

	/* CASE a fault: ud2 raises #UD.  A fault pushes the address of the
	 * faulting instruction itself; the handler skips the 2 bytes. */
step_ud2:
	ud2
after_ud2:
	nop

	/* CASE pushfd: TF clear in the pushed EFLAGS. */
step_pushfd:
	pushfl
	testl	$FLAGS_TF, (%esp)
	popl	%eax
	mov	$1, %ebx
	jnz	fail

	/* The self-checks: what the handlers counted. */
	mov	$2, %ebx
	cmpw	$1, INT_COUNT
	jne	fail
	mov	$3, %ebx
	cmpw	$1, DB_COUNT
	jne	fail
	mov	$4, %ebx
	testw	$FLAGS_TF, PUSHED
	jnz	fail
	mov	$5, %ebx
	mov	$movs_src, %esi
	mov	$MOVS_DST, %edi
	mov	$5, %ecx
	repe cmpsb
	jne	fail
	mov	$6, %ebx
	cmpw	$1, UD_COUNT
	jne	fail

	mov	$msg_ok, %esi
	call	print
	/* CASE hlt with interrupts off: nothing can wake the CPU.  kvmstub
	 * reports it as the end (under gdb a stop; a continue goes on). */
	cli
step_hlt:
	hlt
after_hlt:
	mov	$0, %al
	out	%al, $EXIT_PORT

/* A self-check failed: its number is in EBX. */
fail:
	mov	$msg_fail, %esi
	call	print
	mov	%bl, %al
	add	$'0', %al
	call	putc
	mov	$'\n', %al
	call	putc
	mov	%bl, %al
	out	%al, $EXIT_PORT
	cli
	hlt

/* #UD handler (IDT vector 6).  Stack: 0 EIP (of the ud2), 4 CS, 8 EFLAGS. */
ud_handler:
	addl	$2, (%esp)		/* return past the 2-byte ud2 */
	incw	UD_COUNT
	cmpb	$0, PM_HW_OK
	je	1f
step_iretd:
	iret				/* pops EIP, CS, EFLAGS */
1:	RET_BY_HAND

/* The guest's own #DB in protected mode (used only if you set TF). */
pm_db_handler:
	andl	$~FLAGS_TF, 8(%esp)
	cmpb	$0, PM_HW_OK
	je	1f
	iret
1:	RET_BY_HAND

#include "serial32.inc"		/* print, putc */

msg_ok:
	.asciz	"stepping: all cases ran\n"
msg_fail:
	.asciz	"stepping: check failed: "

	FLAT_GDT			/* null, flat code (0x08), flat data (0x10) */

/* IDT: vectors 0-6 only; any other exception finds no gate, which ends in
 * a triple fault that kvmstub reports as "shutdown". */
	.balign	8
idt:
	IDT_GATE fail			/* 0 */
	IDT_GATE pm_db_handler		/* 1 #DB */
	IDT_GATE fail			/* 2 */
	IDT_GATE fail			/* 3 */
	IDT_GATE fail			/* 4 */
	IDT_GATE fail			/* 5 */
	IDT_GATE ud_handler		/* 6 #UD */
.Lidt_end:
idt_ptr:
	.word	.Lidt_end - idt - 1
	.long	idt

	RESET_VECTOR
