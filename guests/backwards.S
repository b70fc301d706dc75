/*
 * backwards.S - lesson 14: going backwards.  A guest with a bug that
 * triple-faults, and kvmstub --record to go back from the crash to the
 * instruction that caused it.
 *
 * WHAT YOU LEARN
 *   A triple fault leaves nothing behind: the CPU shuts down, and the
 *   registers show where it died, not why.  With the machine recorded
 *   from its first instruction, gdb's reverse-stepi undoes instructions
 *   one at a time: back from the far jump that faulted to the lgdt that
 *   loaded the GDT register, where the mistake is.
 *
 * THE BUG
 *   In real mode `lgdtl gdt_ptr - start` reads its 6-byte operand at
 *   DS:offset.  DS is 0 here, so the CPU reads linear 0x000xx (RAM:
 *   zeroes), not the table pointer in the firmware at 0xF00xx: the GDT
 *   register gets base 0 and limit 0.  The far jump into protected mode
 *   then loads CS from an entry beyond that limit: #GP.  No IDT for
 *   protected mode: #GP, #DF, shutdown.
 *
 * THE FIX
 *   Read the operand through CS, whose base is 0xF0000, as the other
 *   lessons do: `lgdtl %cs:gdt_ptr - start`.
 *
 * HOW TO RUN IT
 *   make guests/backwards.bin
 *   ./kvmstub --record guests/backwards.bin
 *   gdb guests/backwards.elf -x gdbscripts/kvmstub.gdb -ex 'target remote :1234'
 *     (gdb) continue                 # the triple fault
 *     (gdb) reverse-stepi            # back to the far jump
 *     (gdb) p/x $gdtr_limit          # 0: no GDT
 *     (gdb) reverse-stepi 4          # back to the lgdt
 */
	.code16
	.text
	.globl start, load_gdt, to_protected, pm_entry, gdt, gdt_ptr

start:
	cli
	xor	%ax, %ax
	mov	%ax, %ds			/* DS = 0 */
load_gdt:
	lgdtl	gdt_ptr - start			/* the bug: DS:offset, not CS:offset */
to_protected:
	mov	%cr0, %eax
	or	$1, %eax			/* CR0.PE */
	mov	%eax, %cr0
	ljmpl	$0x08, $pm_entry		/* CS from GDT entry 1: #GP if it is not there */

	.code32
pm_entry:
	mov	$0x10, %ax
	mov	%ax, %ds
	xor	%al, %al
	out	%al, $0xf4			/* exit status 0: never reached with the bug */
	hlt

	.balign 8
gdt:	.quad	0
	.quad	0x00cf9a000000ffff		/* 1: code, base 0, 4 GiB, 32-bit */
	.quad	0x00cf92000000ffff		/* 2: data, base 0, 4 GiB */
gdt_ptr:
	.word	gdt_ptr - gdt - 1
	.long	gdt

	.section .reset, "ax"
	.code16
	.globl reset_vector
reset_vector:
	ljmp	$0xf000, $0
