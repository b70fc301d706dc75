/*
 * counter64.S - the counter guest's hot loop (counter.S) in 64-bit LONG
 * mode, with 4-level paging: the same symbols and data addresses, for
 * watchpoints and hardware breakpoints where the addresses gdb uses are
 * translated through page tables.
 *
 * WHAT YOU LEARN
 *   The shortest way from the reset vector to long mode (long.S explains
 *   each step): a flat GDT, protected mode, identity-mapping page tables
 *   (one 2 MiB page covers the code, the data and the tables), CR4.PAE,
 *   CR3, EFER.LME, CR0.PG, and a far jump to a 64-bit code segment.
 *   kvmstub translates a watched linear address to guest-physical when
 *   gdb inserts the watchpoint, so `watch *(int *)(long)&counter` works the
 *   same.  (gdb, with the x86-64 registers kvmstub gives it in 64-bit mode,
 *   will not cast the address of this 32-bit ELF file's symbol straight to
 *   a pointer: "Invalid cast"; through long it will.)
 *
 * HOW TO RUN IT
 *   ./kvmstub guests/counter64.bin
 *   gdb guests/counter64.elf -x gdbscripts/kvmstub.gdb -ex 'target remote :1234'
 *     (gdb) break *loop
 *     (gdb) continue
 *     (gdb) watch *(int *)(long)&counter
 *     (gdb) continue                # Old value = 0, New value = 1
 *
 *   Under --no-gdb it runs LIMIT turns, then exits with status 0.
 */

#include "firmware.inc"		/* REL(), EXIT_PORT, RESET_VECTOR */
#include "gdt_flat.inc"		/* FLAT_GDT, ENTER_PROTECTED_MODE */
#include "longmode.inc"		/* IDENTITY_MAP_2MIB, ENTER_LONG_MODE */

#define STACK_TOP	0x90000
#define COUNTER_ADDR	0x20000		/* RAM, a page with nothing else on it */
#define LIMIT		1000000
#define PML4_ADDR	0x10000		/* page tables, 3 x 4 KiB, in RAM */

	.globl start, pm_entry, lm_entry, loop, loop_end, done, counter, shadow, reset_vector
	.set counter, COUNTER_ADDR
	.set shadow, COUNTER_ADDR + 4

	.text
.Limage_start:

	.code16
start:
	/* The road of long.S, step by step: protected mode, ... */
	ENTER_PROTECTED_MODE pm_entry, STACK_TOP
	/* ... identity-mapping page tables: PML4[0] -> PDPT[0] -> PD[0] =
	 * the 2 MiB page 0 (the code, the data and the tables are all in it) ... */
	IDENTITY_MAP_2MIB PML4_ADDR
	/* ... and paging on with EFER.LME, then a far jump to 64-bit code. */
	ENTER_LONG_MODE PML4_ADDR, lm_entry

	.code64
lm_entry:
	mov	$STACK_TOP, %rsp
	movl	$0, counter
	movl	$0, shadow
	xor	%eax, %eax

loop:
	inc	%eax
	incl	counter			/* an absolute address: 32-bit displacement */
	mov	shadow, %ebx
	add	$2, %ebx
	mov	%ebx, shadow
	cmp	$LIMIT, %eax
loop_end:
	jne	loop

done:
	xor	%eax, %eax
	out	%al, $EXIT_PORT		/* kvmstub ends the guest: status 0 */
	hlt

	FLAT_GDT code64=1		/* null, 32-bit code, data, 64-bit code (0x18) */
	RESET_VECTOR
