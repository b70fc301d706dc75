/*
 * hello_boot.S - the assembly half of lesson 11's kernel (guests/hello.c),
 * in the shape of the osdev wiki's "Bare Bones": a multiboot header, a
 * stack, and a call to the C function kernel_main.
 *
 * WHAT YOU LEARN
 *   A boot loader (GRUB, QEMU's -kernel, kvmstub) finds the multiboot
 *   header in the first 8 KiB of the kernel's file: the magic number
 *   0x1BADB002, flags saying what the kernel asks for, and a checksum
 *   that makes the three add up to 0.  It loads the ELF file at its
 *   physical addresses (1 MiB here, guests/multiboot.lds) and jumps to
 *   _start in 32-bit protected mode: flat segments, paging and interrupts
 *   off, EAX = 0x2BADB002 (a multiboot loader started us), EBX = the
 *   address of the multiboot information (memory sizes, the command
 *   line, the memory map...).  There is no stack: ESP is whatever the
 *   loader left, so the first thing is to point it at our own.
 *
 * HOW TO RUN IT
 *   ./kvmstub --no-gdb --append 'hello world' guests/hello.elf
 *   gdb -q guests/hello.elf -x gdbscripts/kvmstub.gdb -ex 'target remote :1234'
 */
#define MB_MAGIC	0x1BADB002
#define MB_FLAGS	0x00000003	/* page-aligned modules, memory information */

	.section .multiboot, "a"
	.balign	4
	.globl	multiboot_header
multiboot_header:
	.long	MB_MAGIC
	.long	MB_FLAGS
	.long	-(MB_MAGIC + MB_FLAGS)	/* the checksum */

	.section .bss
	.balign	16
stack_bottom:
	.skip	16384			/* 16 KiB of stack */
stack_top:

	.text
	.code32
	.globl	_start
_start:
	.cfi_startproc
	.cfi_undefined eip		/* nobody called _start: gdb's bt ends here */
	mov	$stack_top, %esp
	push	%ebx			/* kernel_main(magic, info) */
	push	%eax
	call	kernel_main
	cli				/* kernel_main returned: stop for good */
1:	hlt
	jmp	1b
	.cfi_endproc

	.section .note.GNU-stack, "", @progbits
