/*
 * keyprobe.S - a test boot sector: reads keys with the BIOS's int 0x16
 * (AH 0: wait for a key) and prints each as scancode:ASCII on COM1 until
 * the key q; before that the equipment word (int 0x11) and, for a
 * comparison with the host's clock, the time of int 0x1A AH 2
 * (tests/e2e/bios_keyboard.sh).
 */
#define COM1	0x3F8

	.section .boot, "ax"
	.code16
	.globl	boot, wait_key
boot:
	cli
	xor	%ax, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	$0x7C00, %sp
	sti
	mov	$s_equip, %si
	call	print
	int	$0x11
	call	hex16
	call	nl
	mov	$s_time, %si		/* CH hours, CL minutes, DH seconds (BCD) */
	call	print
	mov	$0x02, %ah
	int	$0x1A
	mov	%ch, %al
	call	hex8
	mov	%cl, %al
	call	hex8
	mov	%dh, %al
	call	hex8
	call	nl
wait_key:
	mov	$0x00, %ah
	int	$0x16			/* AH: the scancode, AL: ASCII */
	push	%ax
	mov	$s_key, %si
	call	print
	call	hex16
	call	nl
	pop	%ax
	cmp	$'q', %al
	jne	wait_key
	mov	$0, %al
	out	%al, $0xF4

#include "serial16.inc"

s_equip: .asciz	"equipment "
s_time:	.asciz	"time "
s_key:	.asciz	"key "

	.section .note.GNU-stack, "", @progbits
