/*
 * paging.S - lesson 7: page tables.  4-level paging in 64-bit long mode,
 * with an identity map, one remapped page and one hole.
 *
 * WHAT YOU LEARN
 *   With paging on, every address a program uses is a LINEAR address that
 *   the CPU translates to a PHYSICAL one through page tables the kernel
 *   built in memory.  This guest builds them itself, entry by entry:
 *
 *     linear 0x000000-0x3FFFFF  ->  physical 0x000000-0x3FFFFF
 *                                   (identity map: two 2 MiB pages)
 *     linear 0x400000-0x400FFF  ->  physical 0x200000-0x200FFF
 *                                   (ONE remapped 4 KiB page, read-only)
 *     linear 0x600000           ->  nothing: not mapped, an access faults
 *
 *   Before paging is on, it writes a marker string at PHYSICAL 0x200000.
 *   After, it reads LINEAR 0x400000 and finds the marker there.
 *
 *   Long mode requires paging, and it is the paging mode that runs on every
 *   KVM host (guests/paging32.S is the same lesson with the older 32-bit
 *   tables; some hosts cannot run it, see `kvmstub --probe`).  The road to
 *   long mode itself is the subject of guests/long.S.
 *
 * HOW TO RUN IT
 *   ./kvmstub --no-gdb guests/paging.bin ; echo "status $?"
 *     paging: 0x400000 -> 0x200000 says "REMAPPED PAGE: physical 0x200000"
 *     paging: a write at linear 0x200010 is seen at linear 0x400010
 *     status 0
 *
 *   With gdb:
 *   ./kvmstub --arch x86-64 guests/paging.bin
 *   gdb guests/paging.elf -x gdbscripts/kvmstub.gdb -ex 'target remote :1234'
 *     (gdb) break *read_remapped
 *     (gdb) continue
 *     (gdb) x/s 0x400000              # the marker: linear 0x400000 ...
 *     (gdb) monitor xlate 0x400000    # ... is physical 0x200000
 *     (gdb) x/x 0x600000              # Cannot access memory at address 0x600000
 *     (gdb) monitor pagetable         # every mapped range, merged
 *     (gdb) monitor phys on           # gdb's addresses are physical now
 *     (gdb) x/s 0x200000
 *   gdbscripts/lesson-paging.gdb walks through all of it.
 *
 * HOW A LINEAR ADDRESS IS TRANSLATED (4-level paging, 4 KiB pages)
 *
 *   bits 63-48  47-39       38-30       29-21       20-12       11-0
 *       sign    PML4 index  PDPT index  PD index    PT index    offset
 *
 *   CR3 -> PML4 (512 entries) -> PDPT -> PD -> PT -> the 4 KiB page.
 *   Each table is one 4 KiB page of 512 8-byte entries; an entry holds the
 *   PHYSICAL address of the next table (or of the page) in bits 51-12 and
 *   flags in the low bits:
 *     P  (bit 0)  present: 0 means "not mapped", an access faults (#PF)
 *     RW (bit 1)  writable: 0 means read-only
 *     US (bit 2)  user: 1 lets ring-3 code use it (0 = kernel only)
 *     PS (bit 7)  in a PD entry: this entry maps a 2 MiB page directly,
 *                 bits 20-0 of the address are the offset in it
 *     NX (bit 63) no execute (when EFER.NXE is on; not used here)
 *   The permissions of all levels combine: a page is writable only if
 *   every entry on the way says RW.
 *
 *   0x400000 = 0b 0 000000000 000000010 000000000 000000000000
 *              PML4 0, PDPT 0, PD 2, PT 0, offset 0
 *
 * THE STEPS (each is marked "STEP n" below)
 *   1. Reset vector: far jump to start.
 *   2. Real mode -> 32-bit protected mode, as in protected.S.
 *   3. Write the marker at physical 0x200000 (no paging yet: linear =
 *      physical).
 *   4. Build the tables in RAM: PML4, PDPT, PD, PT.
 *   5. CR4.PAE, CR3, EFER.LME, CR0.PG: paging and long mode on.
 *   6. Far jump to the 64-bit code segment.
 *   7. Read linear 0x400000, print what it says; write through one name
 *      of the page and read through the other; exit with status 0.
 */

#include "firmware.inc"		/* REL(), EXIT_PORT, RESET_VECTOR */
#include "gdt_flat.inc"		/* FLAT_GDT, ENTER_PROTECTED_MODE */
#include "longmode.inc"		/* ENTER_LONG_MODE, PTE_P, PTE_RW, PTE_PS */

#define STACK_TOP	0x90000

/* The tables: each a 4 KiB-aligned page of RAM. */
#define PML4_ADDR	0x10000
#define PDPT_ADDR	0x11000
#define PD_ADDR		0x12000
#define PT_ADDR		0x13000

#define MARKER_PHYS	0x200000	/* the physical page with the marker */
#define REMAP_LINEAR	0x400000	/* the linear page that shows it */
#define HOLE_LINEAR	0x600000	/* a linear page nothing maps */

	.text
	.globl start, pm_entry, write_marker, build_tables, enable_paging, lm_entry
	.globl read_remapped, alias_check, done, halt, print64, marker, gdt, reset_vector
	.globl pml4_addr, pdpt_addr, pd_addr, pt_addr
	.set pml4_addr, PML4_ADDR	/* so gdb knows them: x/4gx &pd_addr */
	.set pdpt_addr, PDPT_ADDR
	.set pd_addr, PD_ADDR
	.set pt_addr, PT_ADDR

.Limage_start:

/* ---- STEP 2: real mode -> 32-bit protected mode ---- */
	.code16
start:
	CFI_OUTERMOST			/* nobody called start: gdb's bt ends here */
	ENTER_PROTECTED_MODE pm_entry, STACK_TOP	/* see gdt_flat.inc */

write_marker:
	/* STEP 3: paging is off, so this address is physical.  Copy the
	 * marker string (from the image) to the first bytes of the page. */
	mov	$marker, %esi
	mov	$MARKER_PHYS, %edi
	mov	$(marker_end - marker), %ecx
	rep movsb

build_tables:
	/* STEP 4: zero the four tables (a stray present bit would map
	 * garbage), then fill in the entries we need. */
	xor	%eax, %eax
	mov	$PML4_ADDR, %edi
	mov	$(4 * 4096 / 4), %ecx
	rep stosl

	/* PML4[0] covers linear 0 - 512 GiB: it points at the PDPT. */
	movl	$(PDPT_ADDR | PTE_P | PTE_RW), PML4_ADDR + 8 * 0
	/* PDPT[0] covers linear 0 - 1 GiB: it points at the PD. */
	movl	$(PD_ADDR | PTE_P | PTE_RW), PDPT_ADDR + 8 * 0
	/* PD[0] and PD[1]: 2 MiB pages (PS=1), each mapping its own
	 * physical range: the identity map of 0 - 4 MiB.  The firmware,
	 * this code, the stack and the tables themselves are all in it, so
	 * the CPU still finds them once paging is on. */
	movl	$(0x000000 | PTE_P | PTE_RW | PTE_PS), PD_ADDR + 8 * 0
	movl	$(0x200000 | PTE_P | PTE_RW | PTE_PS), PD_ADDR + 8 * 1
	/* PD[2] covers linear 0x400000 - 0x5FFFFF.  PS=0: it points at a
	 * page table, which splits those 2 MiB into 512 pages of 4 KiB. */
	movl	$(PT_ADDR | PTE_P | PTE_RW), PD_ADDR + 8 * 2
	/* PT[0] is linear 0x400000 - 0x400FFF: physical page 0x200000.
	 * No RW bit: through this linear page it is read-only.  The other
	 * 511 entries stay 0: not present. */
	movl	$(MARKER_PHYS | PTE_P), PT_ADDR + 8 * 0
	/* PD[3] (linear 0x600000 - 0x7FFFFF) stays 0: HOLE_LINEAR is not
	 * mapped.  A read there would raise a page fault (#PF, vector 14). */

enable_paging:
	/* STEP 5 and 6, as in long.S: CR4.PAE selects 8-byte entries, CR3
	 * points at the top table (a physical address), EFER.LME asks for
	 * long mode, and CR0.PG turns paging (and so long mode) on: from the
	 * next instruction on, every address goes through the tables.  Then
	 * a far jump into 64-bit code. */
	ENTER_LONG_MODE PML4_ADDR, lm_entry
	.cfi_endproc

	.code64
lm_entry:
	CFI64_OUTERMOST			/* 64-bit code now: x86-64 register numbers */
	mov	$STACK_TOP, %rsp

read_remapped:
	/* STEP 7: the same bytes, seen through linear 0x400000. */
	lea	msg_says(%rip), %rsi
	call	print64
	mov	$REMAP_LINEAR, %rsi	/* linear 0x400000 = physical 0x200000 */
	call	print64
	lea	msg_quote_nl(%rip), %rsi
	call	print64

alias_check:
	/* One physical page, two linear names: 0x200010 (identity map, RW)
	 * and 0x400010 (the remap, read-only).  Write through the first,
	 * read through the second. */
	movl	$0x600DCAFE, MARKER_PHYS + 0x10
	mov	REMAP_LINEAR + 0x10, %eax
	lea	msg_alias_yes(%rip), %rsi
	cmp	$0x600DCAFE, %eax
	je	1f
	lea	msg_alias_no(%rip), %rsi
1:	call	print64
done:
	xor	%eax, %eax
	out	%al, $EXIT_PORT		/* status 0 */
halt:
	hlt
	jmp	halt
	.cfi_endproc

#include "serial64.inc"		/* print64: the string at RSI */

marker:		.asciz	"REMAPPED PAGE: physical 0x200000"
marker_end:
msg_says:	.asciz	"paging: 0x400000 -> 0x200000 says \""
msg_quote_nl:	.asciz	"\"\n"
msg_alias_yes:	.asciz	"paging: a write at linear 0x200010 is seen at linear 0x400010\n"
msg_alias_no:	.asciz	"paging: ALIAS CHECK FAILED: 0x200010 and 0x400010 differ\n"

	FLAT_GDT code64=1		/* the GDT of long.S: with a 64-bit code segment */

/* STEP 1: the reset vector, linear 0xFFFF0. */
	RESET_VECTOR
