/*
 * paging32.S - lesson 7: page tables, the 32-bit (non-PAE) way.  The same
 * map as guests/paging.S, built with the two-level tables of the 80386.
 *
 * WHERE IT RUNS
 *   On a KVM host with hardware virtualization (VT-x, AMD-V).  Some nested
 *   hosts cannot run 32-bit paging at all: the guest shuts down the moment
 *   CR0.PG is set.  `kvmstub --probe` says which: "32-bit paging runs: no"
 *   means this guest cannot run there (guests/paging.S teaches the same
 *   with long-mode tables, which run everywhere).
 *
 * WHAT YOU LEARN
 *     linear 0x000000-0x3FFFFF  ->  physical 0x000000-0x3FFFFF (identity)
 *     linear 0x400000-0x400FFF  ->  physical 0x200000-0x200FFF (remapped,
 *                                   read-only)
 *     linear 0x600000           ->  not mapped
 *
 * HOW TO RUN IT
 *   ./kvmstub --no-gdb guests/paging32.bin ; echo "status $?"
 *     paging32: 0x400000 -> 0x200000 says "REMAPPED PAGE: physical 0x200000"
 *     status 0
 *   With gdb (32-bit registers, the default layout):
 *   ./kvmstub guests/paging32.bin
 *   gdb guests/paging32.elf -x gdbscripts/kvmstub.gdb -ex 'target remote :1234'
 *     (gdb) break *read_remapped
 *     (gdb) continue
 *     (gdb) x/s 0x400000
 *     (gdb) monitor xlate 0x400000    # PDE, PTE, physical 0x200000
 *     (gdb) monitor pagetable
 *
 * HOW A LINEAR ADDRESS IS TRANSLATED (32-bit paging, 4 KiB pages)
 *
 *   bits 31-22        21-12           11-0
 *        PD index     PT index        offset
 *
 *   CR3 -> page directory (1024 entries of 4 bytes) -> page table (1024
 *   entries) -> the 4 KiB page.  An entry: the physical address of the
 *   next table or page in bits 31-12, flags below: P (bit 0) present,
 *   RW (bit 1) writable, US (bit 2) user, PS (bit 7, in a PDE, with
 *   CR4.PSE) a 4 MiB page.  One PDE covers 4 MiB, one PTE 4 KiB.
 *
 *   0x400000 = PD index 1, PT index 0, offset 0
 *   0x600000 = PD index 1, PT index 0x200: an empty PTE, not mapped
 *
 * THE STEPS
 *   1. Reset vector: far jump to start.
 *   2. Real mode -> 32-bit protected mode, as in protected.S.
 *   3. Write the marker at physical 0x200000 (paging is still off).
 *   4. Build the page directory and two page tables in RAM.
 *   5. CR3 = the page directory; CR0.PG = 1: paging is on.
 *   6. Read linear 0x400000, print it, exit with status 0.
 */

#include "firmware.inc"		/* REL(), EXIT_PORT, RESET_VECTOR */
#include "gdt_flat.inc"		/* FLAT_GDT, ENTER_PROTECTED_MODE */

#define STACK_TOP	0x90000

#define PD_ADDR		0x10000		/* the page directory */
#define PT0_ADDR	0x11000		/* page table for linear 0 - 4 MiB */
#define PT1_ADDR	0x12000		/* page table for linear 4 - 8 MiB */

#define MARKER_PHYS	0x200000
#define REMAP_LINEAR	0x400000

#define PTE_P		0x001
#define PTE_RW		0x002

#define CR0_PG		0x80000000

	.text
	.globl start, pm_entry, write_marker, build_tables, enable_paging, read_remapped
	.globl done, halt, print, marker, gdt, reset_vector
	.globl pd_addr, pt0_addr, pt1_addr
	.set pd_addr, PD_ADDR
	.set pt0_addr, PT0_ADDR
	.set pt1_addr, PT1_ADDR

.Limage_start:

	.code16
start:
	CFI_OUTERMOST			/* nobody called start: gdb's bt ends here */
	/* STEP 2 */
	ENTER_PROTECTED_MODE pm_entry, STACK_TOP	/* see gdt_flat.inc */

write_marker:
	/* STEP 3: no paging yet: this address is physical. */
	mov	$marker, %esi
	mov	$MARKER_PHYS, %edi
	mov	$(marker_end - marker), %ecx
	rep movsb

build_tables:
	/* STEP 4: zero the directory and both tables. */
	xor	%eax, %eax
	mov	$PD_ADDR, %edi
	mov	$(3 * 4096 / 4), %ecx
	rep stosl

	/* PD[0] (linear 0 - 4 MiB) -> PT0, PD[1] (4 - 8 MiB) -> PT1. */
	movl	$(PT0_ADDR | PTE_P | PTE_RW), PD_ADDR + 4 * 0
	movl	$(PT1_ADDR | PTE_P | PTE_RW), PD_ADDR + 4 * 1

	/* PT0: 1024 entries, entry i maps page i onto itself (identity):
	 * physical i * 4096 | P | RW. */
	mov	$PT0_ADDR, %edi
	mov	$(0 | PTE_P | PTE_RW), %eax
	mov	$1024, %ecx
1:	stosl				/* *EDI = EAX, EDI += 4 */
	add	$4096, %eax		/* the next physical page */
	loop	1b

	/* PT1[0]: linear 0x400000 -> physical 0x200000, read-only (no RW).
	 * PT1[1..1023] stay 0: linear 0x401000 - 0x7FFFFF is not mapped. */
	movl	$(MARKER_PHYS | PTE_P), PT1_ADDR + 4 * 0

enable_paging:
	/* STEP 5: CR3 = the directory's physical address, then CR0.PG.  No
	 * CR4.PAE here: that would select the 8-byte-entry formats. */
	mov	$PD_ADDR, %eax
	mov	%eax, %cr3
	mov	%cr0, %eax
	or	$CR0_PG, %eax
	mov	%eax, %cr0
	/* Paging is on.  This code is identity-mapped, so the next fetch
	 * (through the tables now) finds it. */

read_remapped:
	/* STEP 6 */
	mov	$msg_says, %esi
	call	print
	mov	$REMAP_LINEAR, %esi
	call	print
	mov	$msg_quote_nl, %esi
	call	print
done:
	xor	%eax, %eax
	out	%al, $EXIT_PORT
halt:
	hlt
	jmp	halt
	.cfi_endproc

#include "serial32.inc"		/* print: the string at ESI */

marker:		.asciz	"REMAPPED PAGE: physical 0x200000"
marker_end:
msg_says:	.asciz	"paging32: 0x400000 -> 0x200000 says \""
msg_quote_nl:	.asciz	"\"\n"

	FLAT_GDT

	RESET_VECTOR
