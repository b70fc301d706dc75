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

#include "firmware.inc"		/* REL(), EXIT_PORT, RESET_VECTOR */
#include "gdt_flat.inc"		/* FLAT_GDT, ENTER_PROTECTED_MODE */

#define STACK_TOP	0x90000

	.globl start, pm_entry, reset_vector

	.section .text.boot, "ax"
.Limage_start:

	.code16
start:
	CFI_OUTERMOST			/* nobody called start: gdb's bt ends here */
	/* cli (there is no IDT), the flat GDT, CR0.PE and a far jump: 32-bit
	 * code from pm_entry on, with flat data segments and a stack. */
	ENTER_PROTECTED_MODE pm_entry, STACK_TOP

	/* C expects static variables without an initializer to be 0. */
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
	.cfi_endproc

	FLAT_GDT			/* null, flat 32-bit code (0x08), flat data (0x10) */

	/* The reset vector: the CPU's first instruction, at linear 0xFFFF0. */
	RESET_VECTOR

	/* No executable stack wanted (keeps ld from warning). */
	.section .note.GNU-stack, "", @progbits
