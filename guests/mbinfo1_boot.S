/*
 * mbinfo1_boot.S - the entry of guests/mbinfo.c, a test kernel that prints
 * the boot information its multiboot loader gave it.  Built twice: with a
 * multiboot 1 header (mbinfo1.elf) and, with -DMULTIBOOT2, a multiboot 2
 * header asking for the tags kvmstub gives (mbinfo2.elf).  Both are
 * checked against what kvmstub and QEMU's -kernel hand over
 * (tests/e2e/multiboot.sh).
 */
	.section .multiboot, "a"
#ifndef MULTIBOOT2
#define MB_MAGIC	0x1BADB002
#define MB_FLAGS	0x00000003	/* page-aligned modules, memory information */
	.balign	4
	.long	MB_MAGIC
	.long	MB_FLAGS
	.long	-(MB_MAGIC + MB_FLAGS)
#else
#define MB2_MAGIC	0xE85250D6
	.balign	8
mb2_header:
	.long	MB2_MAGIC
	.long	0				/* i386 */
	.long	mb2_end - mb2_header
	.long	-(MB2_MAGIC + (mb2_end - mb2_header))
	.balign	8
	.short	1, 0				/* information request: */
	.long	4 * 2 + 4 * 6
	.long	1, 2, 3, 4, 6, 8		/* cmdline, loader, modules, memory, mmap, fb */
	.balign	8
	.short	4, 0				/* console flags: EGA text supported */
	.long	12
	.long	2
	.balign	8
	.short	6, 0				/* modules page-aligned */
	.long	8
	.balign	8
	.short	0, 0				/* end */
	.long	8
mb2_end:
#endif

	.section .bss
	.balign	16
	.skip	16384
stack_top:

	.text
	.code32
	.globl	_start
_start:
	mov	$stack_top, %esp
	push	%ebx			/* kernel_main(magic, info): the exit status */
	push	%eax
	call	kernel_main
	outb	%al, $0xF4		/* its status to the exit port */
	cli
1:	hlt
	jmp	1b

	.section .note.GNU-stack, "", @progbits
