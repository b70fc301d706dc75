/*
 * biosprobe.S - a test boot sector: calls BIOS services and prints what
 * they return on COM1, one line each, so that kvmstub's BIOS can be
 * compared with SeaBIOS under QEMU on the same disk image
 * (tests/e2e/bios_vs_seabios.sh).  Ends with exit status 0 (port 0xF4).
 */
#define COM1	0x3F8

	.section .boot, "ax"
	.code16
	.globl	boot
boot:
	cli
	xor	%ax, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	$0x7C00, %sp
	mov	%dl, drive

	mov	$s_int12, %si		/* conventional memory, KiB */
	call	print
	int	$0x12
	call	hex16
	call	nl

	mov	$s_e801, %si		/* AX CX: KiB 1-16 MiB, BX DX: 64 KiB above */
	call	print
	mov	$0xE801, %ax
	int	$0x15
	call	hex16
	mov	%bx, %ax
	call	space_hex16
	mov	%cx, %ax
	call	space_hex16
	mov	%dx, %ax
	call	space_hex16
	call	nl

	mov	$s_88, %si		/* KiB above 1 MiB */
	call	print
	mov	$0x88, %ah
	int	$0x15
	call	hex16
	call	nl

	mov	$s_e820, %si		/* the first map entry: base, length, type */
	call	print
	xor	%ebx, %ebx
	mov	$0x534D4150, %edx
	mov	$20, %ecx
	mov	$0xE820, %eax
	mov	$0x600, %di
	int	$0x15
	mov	0x604, %ax
	call	hex16
	mov	0x600, %ax
	call	hex16
	mov	0x60A, %ax
	call	space_hex16
	mov	0x608, %ax
	call	hex16
	mov	0x610, %ax
	call	space_hex16
	call	nl

	mov	$s_a20, %si		/* A20 on: CF, AH */
	call	print
	mov	$0x2401, %ax
	int	$0x15
	call	flags_ah
	call	nl

	mov	$s_1308, %si		/* drive parameters: CX DX, CF */
	call	print
	mov	$0x08, %ah
	mov	drive, %dl
	int	$0x13
	pushf
	mov	%cx, %ax
	call	hex16
	mov	%dx, %ax
	call	space_hex16
	popf
	call	flags_ah
	call	nl

	mov	$s_1341, %si		/* extensions: BX, AH, CF */
	call	print
	mov	$0x41, %ah
	mov	$0x55AA, %bx
	mov	drive, %dl
	int	$0x13
	pushf
	push	%ax
	mov	%bx, %ax
	call	hex16
	pop	%ax
	popf
	call	flags_ah
	call	nl

	mov	$s_1348, %si		/* extended parameters: total sectors */
	call	print
	movw	$0x1A, 0x700
	mov	$0x700, %si
	mov	$0x48, %ah
	mov	drive, %dl
	int	$0x13
	mov	0x712, %ax
	call	hex16
	mov	0x710, %ax
	call	hex16
	mov	0x718, %ax
	call	space_hex16
	call	nl

	mov	$s_1342, %si		/* read LBA 0 to 0x800 with a packet */
	call	print
	mov	$dap, %si
	mov	$0x42, %ah
	mov	drive, %dl
	int	$0x13
	pushf
	mov	0x9FE, %ax
	call	hex16
	popf
	call	flags_ah
	call	nl

	mov	$s_done, %si
	call	print
	mov	$0, %al
	out	%al, $0xF4
	cli
	hlt

/* " CF=c AH=hh" */
flags_ah:
	push	%ax
	mov	$s_cf, %si
	call	print
	mov	$'0', %al
	jnc	1f
	mov	$'1', %al
1:	call	putc
	mov	$s_ah, %si
	call	print
	pop	%ax
	mov	%ah, %al
	call	hex8
	ret

space_hex16:
	push	%ax
	mov	$' ', %al
	call	putc
	pop	%ax
#include "serial16.inc"

	.balign	4
dap:	.byte	0x10, 0
	.word	1			/* one sector */
	.word	0x800, 0		/* to 0000:0800 */
	.quad	0			/* LBA 0 */
drive:	.byte	0
s_int12: .asciz	"i12 "
s_e801:	.asciz	"e801 "
s_88:	.asciz	"88 "
s_e820:	.asciz	"e820 "
s_a20:	.asciz	"a20"
s_1308:	.asciz	"1308 "
s_1341:	.asciz	"1341 "
s_1348:	.asciz	"1348 "
s_1342:	.asciz	"1342 "
s_cf:	.asciz	" c"
s_ah:	.asciz	" a"
s_done:	.asciz	"done\n"

	.section .note.GNU-stack, "", @progbits
