/*
 * interrupts.S - lesson 6: hardware interrupts.  The interrupt controller
 * (8259 PIC), the timer (8254 PIT), the IDT entry that connects them to a
 * handler, and what the handler must do before it returns.
 *
 * WHAT YOU LEARN
 *   A PC's timer is a separate chip, the PIT.  It counts down a number you
 *   give it and, each time it reaches zero, raises its output line: IRQ0.
 *   IRQ0 goes into the PIC, which decides whether and when to interrupt the
 *   CPU and tells it which vector to use.  The CPU finishes the instruction
 *   it is executing, looks up that vector in the IDT, saves EFLAGS, CS and
 *   EIP on the stack and jumps to the handler.  The handler does its work,
 *   tells the PIC it is done ("end of interrupt", EOI), and returns with
 *   iret, which restores EIP, CS and EFLAGS: the interrupted code goes on
 *   as if nothing happened.
 *
 * HOW TO RUN IT
 *   make guests/interrupts.bin
 *   ./kvmstub --no-gdb guests/interrupts.bin ; echo "status $?"
 *
 *   Expected output after about half a second (50 ticks at 100 Hz):
 *     interrupts: 50 timer ticks
 *     status 0
 *
 *   With gdb (two terminals):
 *   ./kvmstub guests/interrupts.bin
 *   gdb guests/interrupts.elf -x gdbscripts/kvmstub.gdb -ex 'target remote :1234'
 *     (gdb) break timer_handler
 *     (gdb) continue                 # the first tick
 *     (gdb) p (int)ticks             # 0: this tick is not counted yet
 *     (gdb) x/3xw $esp               # EIP, CS, EFLAGS of the interrupted code
 *     (gdb) continue                 # the next tick
 *     (gdb) p (int)ticks             # 1
 *   or the whole walk-through in one go:
 *   gdb -batch guests/interrupts.elf -x gdbscripts/kvmstub.gdb \
 *       -ex 'target remote :1234' -x gdbscripts/lesson-interrupts.gdb
 *
 *   Stepping: `stepi` in main_loop never lands in timer_handler, though
 *   the timer keeps ticking: kvmstub blocks interrupts while it steps, so
 *   that a step goes where the code goes.  `monitor step-irq on` lets them
 *   in, and a few steps later one lands in timer_handler.
 *
 * THE STEPS (each is marked "STEP n" in the code below)
 *   1. Reset vector: far jump to start.  cli: no interrupts until the IDT
 *      and the PIC are ready (an interrupt now would use the real-mode
 *      table at address 0, which holds nothing useful).
 *   2. Into 32-bit protected mode with a flat GDT (see protected.S).
 *   3. lidt: an IDT with the 32 CPU exceptions and 16 hardware interrupts.
 *   4. Remap the PIC so that IRQ0-15 arrive as vectors 0x20-0x2F; mask
 *      every IRQ but IRQ0.
 *   5. Program PIT channel 0 to interrupt 100 times a second.
 *   6. sti: interrupts on.  The main loop counts its turns in EBX and
 *      watches `ticks`, which only the handler changes.
 *   7. timer_handler, at every tick: ticks += 1, EOI, iret.
 *   8. After 50 ticks: print the line, exit with status 0 (port 0xF4).
 *   (On our development machines KVM emulates this mode and cannot emulate
 *   `int $n`, so no software interrupts here: every interrupt comes from
 *   the timer, as on real hardware.)
 *
 * ADDRESSES
 *   The image is linked at linear 0xF0000 (firmware.lds) and is read-only
 *   firmware; `ticks` lives in RAM at TICKS_ADDR, the stack below 0x90000.
 */

#include "firmware.inc"		/* IMAGE_BASE, REL(), EXIT_PORT, RESET_VECTOR */
#include "gdt_flat.inc"		/* FLAT_GDT, ENTER_PROTECTED_MODE, CODE_SEL */
#include "idt.inc"		/* IDT_GATE, EXCEPTION_GATES, EXCEPTION_STUBS */
#include "iret32.inc"		/* IRET_BY_HAND: iret in ordinary instructions */

#define STACK_TOP	0x90000
#define TICKS_ADDR	0x20100		/* RAM: the tick counter (4 bytes) */
#define TICKS_WANTED	50		/* at 100 Hz: half a second */

/* The two 8259 PICs: the master handles IRQ0-7, the slave IRQ8-15 and is
 * wired to the master's IRQ2.  Each has a command and a data port. */
#define PIC1_CMD	0x20
#define PIC1_DATA	0x21
#define PIC2_CMD	0xA0
#define PIC2_DATA	0xA1
#define PIC_ICW1_INIT	0x11		/* initialize; ICW4 follows; two PICs (cascade) */
#define PIC_ICW4_8086	0x01		/* 8086 mode (not the old 8080 one) */
#define PIC_EOI		0x20		/* OCW2: non-specific end of interrupt */
#define IRQ_BASE	0x20		/* IRQ0 -> vector 0x20, IRQ8 -> 0x28 */

/* The 8254 PIT: an input clock of 1,193,182 Hz (a third of the NTSC color
 * burst frequency, for historical reasons) divided by a 16-bit number. */
#define PIT_CH0		0x40		/* channel 0's counter: wired to IRQ0 */
#define PIT_MODE	0x43		/* mode/command register */
#define PIT_CH0_RATE	0x34		/* channel 0, low then high byte, mode 2, binary */
#define PIT_HZ		100
#define PIT_DIVISOR	11932		/* 1193182 / 11932 = 100.0 interrupts a second */

	.globl start, pm_entry, pic_init, pit_init, main_loop, main_loop_end, done
	.globl timer_handler, timer_handler_end, irq_spurious, exc_common, halt
	.globl gdt, gdt_ptr, idt, idt_ptr, ticks, reset_vector
	.set ticks, TICKS_ADDR

	.text
.Limage_start:

/* ------------------------------------------------------------------------
 * STEP 1 and 2: 16-bit real mode, then the switch (as in protected.S).
 * ---------------------------------------------------------------------- */
	.code16
start:
	CFI_OUTERMOST			/* nobody called start: gdb's bt ends here */
	/* cli (no interrupts until STEP 6), the flat GDT, CR0.PE, the far
	 * jump to pm_entry, data segments and a stack: gdt_flat.inc. */
	ENTER_PROTECTED_MODE pm_entry, STACK_TOP
	movl	$0, ticks

	/* STEP 3: the IDT.  Vectors 0-31 are the CPU's exceptions; 0x20-0x2F
	 * are where STEP 4 puts the hardware interrupts. */
	lidt	idt_ptr

	call	pic_init		/* STEP 4 */
	call	pit_init		/* STEP 5 */

	/* STEP 6: let interrupts in.  From the next instruction on, the CPU
	 * may be interrupted between any two instructions of the loop. */
	sti
	xor	%ebx, %ebx

	/* The main loop: count turns in EBX (something to step over) until
	 * the handler has counted TICKS_WANTED ticks.  `ticks` is read from
	 * memory every turn: the handler changes it behind the loop's back.
	 * (A real kernel would `hlt` here, to sleep until the next interrupt;
	 * this loop stays busy so that single-stepping has work to show.) */
main_loop:
	inc	%ebx
	mov	ticks, %eax
	cmp	$TICKS_WANTED, %eax
main_loop_end:
	jb	main_loop

	/* STEP 8: done. */
done:
	cli
	mov	$msg_done, %esi		/* "interrupts: " */
	call	print
	mov	ticks, %eax
	call	print_dec		/* "50" */
	mov	$msg_ticks, %esi	/* " timer ticks\n" */
	call	print
	xor	%al, %al
	out	%al, $EXIT_PORT		/* kvmstub ends the guest: status 0 */
halt:
	cli				/* another monitor may ignore the port */
	hlt
	jmp	halt
	.cfi_endproc

/* ------------------------------------------------------------------------
 * STEP 4: the PIC.
 *
 * After reset the PIC delivers IRQ0-7 as vectors 8-15, which in protected
 * mode are CPU exceptions (8 is the double fault!).  A timer tick would
 * look like a crash.  So the first job is to move the IRQs elsewhere: the
 * PIC is re-initialized with four "initialization command words":
 *   ICW1 (command port)  start initializing; an ICW4 will follow
 *   ICW2 (data port)     the vector of IRQ0 (master) / IRQ8 (slave)
 *   ICW3 (data port)     how the two are wired: the master has the slave
 *                        on IRQ2 (bit mask 0x04), the slave is number 2
 *   ICW4 (data port)     8086 mode
 * Then the data port holds the interrupt mask: a 1 bit masks that IRQ.
 * ---------------------------------------------------------------------- */
pic_init:
	CFI32_PROC			/* for gdb's bt: see cfi.inc */
	mov	$PIC_ICW1_INIT, %al
	out	%al, $PIC1_CMD
	out	%al, $PIC2_CMD
	mov	$IRQ_BASE, %al		/* ICW2: IRQ0-7 -> vectors 0x20-0x27 */
	out	%al, $PIC1_DATA
	mov	$IRQ_BASE + 8, %al	/* ICW2: IRQ8-15 -> vectors 0x28-0x2F */
	out	%al, $PIC2_DATA
	mov	$0x04, %al		/* ICW3: slave on the master's IRQ2 */
	out	%al, $PIC1_DATA
	mov	$0x02, %al		/* ICW3: the slave's cascade identity */
	out	%al, $PIC2_DATA
	mov	$PIC_ICW4_8086, %al	/* ICW4 */
	out	%al, $PIC1_DATA
	out	%al, $PIC2_DATA
	mov	$0xFE, %al		/* mask: everything but IRQ0 (bit 0) */
	out	%al, $PIC1_DATA
	mov	$0xFF, %al		/* mask: all of IRQ8-15 */
	out	%al, $PIC2_DATA
	ret
	CFI_ENDPROC pic_init

/* ------------------------------------------------------------------------
 * STEP 5: the PIT.  Channel 0 counts down from the divisor at 1,193,182 Hz
 * and pulses IRQ0 each time it reaches 0; in mode 2 ("rate generator") it
 * then reloads the divisor and starts again.  So the divisor sets the
 * rate: 1193182 / 11932 = 100 interrupts a second, one every 10 ms.  The
 * counter is 16 bits wide and takes the divisor in two writes to the same
 * port, low byte first (what the command byte 0x34 announced).
 * ---------------------------------------------------------------------- */
pit_init:
	CFI32_PROC
	mov	$PIT_CH0_RATE, %al
	out	%al, $PIT_MODE
	mov	$(PIT_DIVISOR & 0xFF), %al
	out	%al, $PIT_CH0		/* low byte */
	mov	$(PIT_DIVISOR >> 8), %al
	out	%al, $PIT_CH0		/* high byte: the count starts now */
	ret
	CFI_ENDPROC pit_init

/* ------------------------------------------------------------------------
 * STEP 7: the timer interrupt handler, IDT vector 0x20.
 *
 * The CPU arrived here with IF cleared (an interrupt gate does that), and
 * with EFLAGS, CS and EIP of the interrupted instruction on the stack:
 *     0(%esp) EIP    4(%esp) CS    8(%esp) EFLAGS
 * An interrupt can come between ANY two instructions, so the handler must
 * leave every register as it found it: it saves the one it uses.
 *
 * EOI: the PIC delivers no further interrupt of this or lower priority
 * until it is told that the handler is done.  Forget the EOI and this
 * handler runs exactly once.
 *
 * The return must undo exactly what the CPU did on entry: pop EIP, CS and
 * EFLAGS, which also sets IF again, so that interrupts are back on exactly
 * when the interrupted code continues.  A plain ret would pop only EIP.
 * The instruction for this is iret.  This program spells iret out with
 * IRET_BY_HAND (iret32.inc) instead: on hosts without VMX/SVM (like kvmstub's
 * development machines) KVM emulates this CPU mode instruction by
 * instruction, and its emulator cannot do a protected-mode iret.  On a
 * hardware-assisted host, `iret` in its place works the same.
 * ---------------------------------------------------------------------- */
timer_handler:
	CFI32_TRAP			/* for gdb: the frame the CPU pushed (cfi.inc) */
	push	%eax
	.cfi_adjust_cfa_offset 4
	.cfi_offset DWARF_EAX, -16
	incl	ticks			/* the work: count this tick */
	mov	$PIC_EOI, %al
	out	%al, $PIC1_CMD		/* end of interrupt, to the master PIC */
	pop	%eax
	.cfi_adjust_cfa_offset -4
	.cfi_same_value DWARF_EAX
	IRET_BY_HAND			/* i.e. iret */
	.cfi_endproc
timer_handler_end:

/* The other IRQs are masked and never come, except "spurious" ones: a
 * glitch on a line makes the PIC report IRQ7 (or IRQ15) with nothing
 * behind it.  A spurious interrupt must NOT get an EOI: just return. */
irq_spurious:
	CFI32_TRAP
	IRET_BY_HAND
	.cfi_endproc

/* ------------------------------------------------------------------------
 * Exceptions: a bug in this program.  Same scheme as protected.S, shorter:
 * print "exception N at 0xEIP" and exit with status N.
 * ---------------------------------------------------------------------- */
	EXCEPTION_STUBS			/* exc_0 ... exc_31: see idt.inc */

/* 0(%esp) vector   4(%esp) error code   8(%esp) EIP */
exc_common:
	CFI32_EXC_COMMON		/* for gdb: the frame the stub left, see idt.inc */
	mov	$msg_exception, %esi	/* "exception " */
	call	print
	mov	0(%esp), %eax
	call	print_dec
	mov	$msg_at, %esi		/* " at 0x" */
	call	print
	mov	8(%esp), %eax
	call	print_hex32
	mov	$'\n', %al
	call	putc
	mov	0(%esp), %eax
	out	%al, $EXIT_PORT
	jmp	halt
	.cfi_endproc

/* ------------------------------------------------------------------------
 * Serial output: putc, print, print_hex32, print_dec (see serial.S and
 * protected.S for how it works).
 * ---------------------------------------------------------------------- */
#include "serial32.inc"

msg_done:	.asciz	"interrupts: "
msg_ticks:	.asciz	" timer ticks\n"
msg_exception:	.asciz	"exception "
msg_at:		.asciz	" at 0x"

/* ------------------------------------------------------------------------
 * The GDT: null, flat code (0x08), flat data (0x10).  protected.S explains
 * every bit of these descriptors.
 * ---------------------------------------------------------------------- */
	FLAT_GDT

/* ------------------------------------------------------------------------
 * The IDT: 48 interrupt gates (type 0x8E: present, DPL 0, 32-bit, clears
 * IF on entry).  Vectors 0-31: the exceptions.  0x20: IRQ0, the timer.
 * 0x21-0x2F: the other IRQs, masked; a spurious one just returns.
 * Every handler is in this image, so the offset's high half is 0x000F.
 * ---------------------------------------------------------------------- */
	.balign	8
idt:
	EXCEPTION_GATES
	IDT_GATE timer_handler		/* 0x20: IRQ0 */
	.rept	15
	IDT_GATE irq_spurious		/* 0x21-0x2F: IRQ1-15 */
	.endr
.Lidt_end:
idt_ptr:
	.word	.Lidt_end - idt - 1	/* 48 * 8 - 1 */
	.long	idt

/* ------------------------------------------------------------------------
 * STEP 1: the reset vector, linear 0xFFFF0.
 * ---------------------------------------------------------------------- */
	RESET_VECTOR
