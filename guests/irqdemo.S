/*
 * irqdemo.S - lesson 13: interrupts from devices.  A boot sector (booted
 * by kvmstub's BIOS from --disk) that takes over three interrupts of the
 * PC and prints what each brings, on COM1:
 *
 *   IRQ 1, vector 0x09   the keyboard controller: a scancode at port 0x60
 *   IRQ 4, vector 0x0C   COM1's receiver: a byte at port 0x3F8
 *   IRQ 8, vector 0x70   the CMOS clock: one "update ended" a second
 *
 * WHAT YOU LEARN
 *   A device raises its IRQ line; the PIC (8259) turns that into an
 *   interrupt vector if the line is not masked (port 0x21, 0xA1: a 1 bit
 *   masks); the CPU, with IF set, saves FLAGS, CS, IP and jumps through
 *   the interrupt vector table (at address 0 in real mode: 4 bytes a
 *   vector, offset then segment).  The handler talks to its device (read
 *   the byte, or the clock would never interrupt again), tells the PIC it
 *   is done (EOI: 0x20 to port 0x20, and to 0xA0 for IRQ 8-15) and
 *   returns with iret.  Each device must also be told to interrupt: the
 *   UART by its IER (and MCR's OUT2, which on a PC connects it to IRQ 4),
 *   the clock by its register B.
 *
 *   At the start it also reads the time from the CMOS clock (BCD).
 *   The key 'q' ends it (exit status 0).
 *
 * HOW TO RUN IT
 *   printf 'hi!' > /tmp/in.txt
 *   ./kvmstub --disk guests/irqdemo.bin --serial-in /tmp/in.txt
 *   gdb -q guests/irqdemo.elf -x gdbscripts/kvmstub.gdb -ex 'target remote :1234'
 *     (gdb) break *key_irq
 *     (gdb) continue
 *     (gdb) monitor key q          # typed on the keyboard: IRQ 1
 *     (gdb) continue
 */
#define COM1	0x3F8

	.section .boot, "ax"
	.code16
	.globl	boot, main_loop, key_irq, serial_irq, clock_irq, ticks
boot:
	cli
	xor	%ax, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	$0x7C00, %sp

	/* The time, as the BIOS left the clock: BCD, 24 hours. */
	mov	$msg_time, %si
	call	print
	mov	$0x04, %al		/* hours */
	call	cmos_bcd
	mov	$':', %al
	call	putc
	mov	$0x02, %al		/* minutes */
	call	cmos_bcd
	mov	$':', %al
	call	putc
	mov	$0x00, %al		/* seconds */
	call	cmos_bcd
	mov	$'\n', %al
	call	putc

	/* Our handlers into the interrupt vector table. */
	movw	$key_irq, 0x09 * 4
	movw	$0, 0x09 * 4 + 2
	movw	$serial_irq, 0x0C * 4
	movw	$0, 0x0C * 4 + 2
	movw	$clock_irq, 0x70 * 4
	movw	$0, 0x70 * 4 + 2

	/* COM1: interrupt when a byte arrives; OUT2 connects it to IRQ 4. */
	mov	$COM1 + 1, %dx
	mov	$0x01, %al
	out	%al, %dx
	mov	$COM1 + 4, %dx
	mov	$0x0B, %al
	out	%al, %dx

	/* The clock: update-ended interrupts (register B bit 4), once a second. */
	mov	$0x0B, %al
	out	%al, $0x70
	in	$0x71, %al
	or	$0x10, %al
	mov	%al, %ah
	mov	$0x0B, %al
	out	%al, $0x70
	mov	%ah, %al
	out	%al, $0x71

	/* The PICs: IRQ 1, 2 (the slave), 4 and 8 unmasked. */
	in	$0x21, %al
	and	$~0x16, %al
	out	%al, $0x21
	in	$0xA1, %al
	and	$~0x01, %al
	out	%al, $0xA1
	sti

main_loop:
	hlt				/* until an interrupt */
	testb	$1, done		/* the key 'q' was pressed */
	jz	main_loop
	mov	$msg_bye, %si
	call	print
	mov	$0, %al
	out	%al, $0xF4

/* IRQ 1: the scancode; a make code of 'q' (0x10) counts. */
key_irq:
	push	%ax
	push	%si
	in	$0x60, %al
	mov	$msg_key, %si
	call	print
	call	hex8
	test	$0x80, %al
	jz	1f
	mov	$msg_release, %si
	call	print
1:	cmp	$0x10, %al
	jne	2f
	orb	$1, done
2:	mov	$'\n', %al
	call	putc
	mov	$0x20, %al		/* EOI */
	out	%al, $0x20
	pop	%si
	pop	%ax
	iret

/* IRQ 4: every byte the receiver holds. */
serial_irq:
	push	%ax
	push	%dx
	push	%si
1:	mov	$COM1 + 5, %dx		/* LSR bit 0: a byte is there */
	in	%dx, %al
	test	$0x01, %al
	jz	3f
	mov	$COM1, %dx
	in	%dx, %al
	mov	$msg_serial, %si
	call	print
	call	putc
	mov	$'\n', %al
	call	putc
	jmp	1b
3:	mov	$0x20, %al
	out	%al, $0x20
	pop	%si
	pop	%dx
	pop	%ax
	iret

/* IRQ 8: read register C (which acknowledges it), count the second. */
clock_irq:
	push	%ax
	mov	$0x0C, %al
	out	%al, $0x70
	in	$0x71, %al
	incw	ticks
	mov	$0x20, %al		/* EOI to the slave and the master */
	out	%al, $0xA0
	out	%al, $0x20
	pop	%ax
	iret

/* CMOS register AL, two BCD digits, to COM1. */
cmos_bcd:
	out	%al, $0x70
	in	$0x71, %al
	jmp	hex8

#include "serial16.inc"

done:	.byte	0
ticks:	.word	0
msg_time:	.asciz	"clock "
msg_key:	.asciz	"key 0x"
msg_release:	.asciz	" (released)"
msg_serial:	.asciz	"serial "
msg_bye:	.asciz	"bye\n"

	.section .note.GNU-stack, "", @progbits
