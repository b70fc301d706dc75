/*
 * backwards.S - lesson 14: going backwards.  A guest with a bug that
 * triple-faults, and kvmstub --record to go back from the crash to the
 * instruction that loaded the bad descriptor.
 *
 * WHAT YOU LEARN
 *   A triple fault leaves nothing behind: the CPU shuts down, and the
 *   registers show where it died, not why.  With the machine recorded
 *   from its first instruction, gdb's reverse-stepi undoes instructions
 *   one at a time: back from the store that faulted to the mov that
 *   loaded DS, and the descriptor it loaded.
 *
 * THE BUG
 *   GDT entry 2, the data segment, is written 0x00409300_0000ffff: its G
 *   bit (granularity, bit 55) is clear, so its limit 0xFFFF counts bytes,
 *   not 4 KiB pages: DS covers 64 KiB, not 4 GiB.  Loading DS with it is
 *   fine; the first store above 64 KiB (to 0x20000) is a #GP.  There is
 *   no IDT for protected mode: #GP, #DF, shutdown.
 *
 * THE FIX
 *   Set G: 0x00cf9300_0000ffff, as guests/protected.S has it (there
 *   without the accessed bit, which the CPU sets as it loads a segment;
 *   here both entries have it already, so that loading them writes
 *   nothing into the table).  The GDT is
 *   copied to RAM at 0x500 and used there, so the lesson can try the fix
 *   in the guest's past: one byte, 0x40 -> 0xcf, at 0x500 + 2 * 8 + 6.
 *
 * HOW TO RUN IT
 *   make guests/backwards.bin
 *   ./kvmstub --record guests/backwards.bin
 *   gdb guests/backwards.elf -x gdbscripts/kvmstub.gdb -ex 'target remote :1234'
 *     (gdb) continue                 # the triple fault
 *     (gdb) reverse-stepi            # back to the store that faulted
 *     (gdb) p/x $ds_limit            # 0xffff: 64 KiB
 *     (gdb) reverse-stepi 4          # back to the mov that loaded DS
 *     (gdb) monitor gdt              # entry 2: byte granularity
 */
#define GDT_RAM	0x500			/* where the GDT is copied, and used */

	.code16
	.text
	.globl start, pm_entry, load_ds, store, gdt, gdt_ptr

start:
	cli
	push	%cs				/* the GDT to RAM at 0x500, where it can change */
	pop	%ds
	xor	%ax, %ax
	mov	%ax, %es
	mov	$(gdt - start), %si
	mov	$GDT_RAM, %di
	mov	$(gdt_end - gdt), %cx
	cld
	rep movsb
	lgdtl	%cs:gdt_ptr - start
	mov	%cr0, %eax
	or	$1, %eax			/* CR0.PE */
	mov	%eax, %cr0
	ljmpl	$0x08, $pm_entry

	.code32
pm_entry:
	mov	$0x10, %ax
load_ds:
	mov	%ax, %ds			/* DS from GDT entry 2: the bad descriptor */
	mov	%ax, %es
	mov	%ax, %ss
	mov	$0x90000, %esp
store:
	movl	$0x12345678, 0x20000		/* above 64 KiB: #GP with the bug */
	xor	%al, %al
	out	%al, $0xf4			/* exit status 0: reached with the fix */
	hlt

	.balign 8
gdt:	.quad	0
	.quad	0x00cf9b000000ffff		/* 1: code, base 0, 4 GiB, 32-bit, accessed */
	.quad	0x004093000000ffff		/* 2: data, limit 0xffff BYTES: the bug */
gdt_end:
gdt_ptr:
	.word	gdt_end - gdt - 1
	.long	GDT_RAM

	.section .reset, "ax"
	.code16
	.globl reset_vector
reset_vector:
	ljmp	$0xf000, $0
