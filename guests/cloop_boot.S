/*
 * cloop_boot.S - the boot stub of the C guest (guests/cloop.c): from the
 * reset vector to a C function, main(), in 32-bit protected mode.
 *
 * WHAT YOU LEARN
 *   The least a C program needs from the machine before its first line
 *   runs: a flat 32-bit code and data segment (a GDT and CR0.PE, as in
 *   protected.S), a stack (ESP), and zeroed static variables (.bss).  C
 *   code cannot run in 16-bit real mode, so the stub does this in
 *   assembly, then calls main() and hands its return value to kvmstub's
 *   exit port 0xF4 (the exit status of `kvmstub --no-gdb`).
 *
 * THE LAYOUT (guests/cloop.lds)
 *   0xF0000   start: this stub (it must be the first thing in .text)
 *   ...       the C code (.text) and its constants (.rodata)
 *   0xFFFF0   the reset vector: a far jump to start
 *   0x10000   .bss in RAM (the image itself may be read-only on other
 *             machines, e.g. QEMU's -bios ROM), stack below 0x90000
 */

#define CODE_SEL	0x08
#define DATA_SEL	0x10
#define STACK_TOP	0x90000
#define EXIT_PORT	0xF4

#define REL(sym)	((sym) - .Limage_start)

	.globl start, pm_entry, reset_vector

	.section .text.boot, "ax"
.Limage_start:

	.code16
start:
	cli				/* no interrupts: there is no IDT */
	lgdtl	%cs:REL(gdt_ptr)	/* the flat GDT below */
	mov	%cr0, %eax
	or	$1, %eax
	mov	%eax, %cr0		/* CR0.PE = 1 ... */
	ljmpl	$CODE_SEL, $pm_entry	/* ... and CS = 0x08: 32-bit code from here */

	.code32
pm_entry:
	mov	$DATA_SEL, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %fs
	mov	%ax, %gs
	mov	%ax, %ss
	mov	$STACK_TOP, %esp
	/* C expects static variables without an initializer to be 0. */
	cld
	mov	$__bss_start, %edi
	mov	$__bss_end, %ecx
	sub	%edi, %ecx
	xor	%eax, %eax
	rep	stosb
	call	main
	out	%al, $EXIT_PORT		/* main's return value is the exit status */
	cli
1:	hlt
	jmp	1b

	/*
	 * GDT: null, flat 32-bit code (0x08), flat data (0x10), with the
	 * accessed bit already set (types 0x9b, 0x93): the CPU would set it
	 * when it loads a segment register, a write into this image, which
	 * other machines (QEMU's -bios) map read-only.
	 */
	.balign	8
gdt:
	.quad	0
	.quad	0x00cf9b000000ffff	/* base 0, limit 4 GiB, code, execute/read, accessed */
	.quad	0x00cf93000000ffff	/* base 0, limit 4 GiB, data, read/write, accessed */
gdt_ptr:
	.word	gdt_ptr - gdt - 1
	.long	gdt

	/* The reset vector: the CPU's first instruction, at linear 0xFFFF0. */
	.section .reset, "ax"
	.code16
reset_vector:
	ljmp	$0xf000, $REL(start)

	/* No executable stack wanted (keeps ld from warning). */
	.section .note.GNU-stack, "", @progbits
