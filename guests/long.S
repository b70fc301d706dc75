/*
 * long.S - lesson 8: from the reset vector to 64-bit long mode.
 *
 * WHAT YOU LEARN
 *   The shortest road an x86-64 CPU takes from the 16-bit real mode it
 *   starts in to 64-bit long mode:
 *     real mode  --CR0.PE + far jump-->  32-bit protected mode
 *     protected  --PAE tables, CR4.PAE, CR3, EFER.LME, CR0.PG-->  long mode
 *                (still running 32-bit code: "compatibility mode")
 *     compatibility --far jump to a 64-bit code segment-->  64-bit mode
 *   Long mode cannot run without paging, so this lesson builds the
 *   smallest possible page tables: one 2 MiB page that maps linear
 *   0-2 MiB onto physical 0-2 MiB (an "identity map").  guests/paging.S
 *   is the lesson about the page tables themselves.
 *
 * HOW TO RUN IT
 *   ./kvmstub --no-gdb guests/long.bin ; echo "status $?"
 *     long mode: hello from 64-bit code
 *     status 0
 *
 *   With gdb, the 64-bit register layout (--arch x86-64) shows rax..r15
 *   and the full 64-bit rip once the CPU is in long mode:
 *   ./kvmstub --arch x86-64 guests/long.bin
 *   gdb guests/long.elf -x gdbscripts/kvmstub.gdb -ex 'target remote :1234'
 *     (gdb) break *enable_paging     # protected mode, tables built
 *     (gdb) continue
 *     (gdb) x/2gx 0x10000            # PML4[0] points at the PDPT
 *     (gdb) monitor mode
 *     (gdb) break *lm_entry          # the first 64-bit instruction
 *     (gdb) continue
 *     (gdb) monitor mode             # long mode, 64-bit code
 *     (gdb) info registers rip cs    # rip = lm_entry, cs = 0x18
 *   gdbscripts/lesson-long.gdb walks through all of it.
 *
 * THE STEPS (each is marked "STEP n" below)
 *   1. Reset vector (linear 0xFFFF0): far jump to start.
 *   2. cli, lgdt: a GDT with a 32-bit code, a data and a 64-bit code segment.
 *   3. CR0.PE = 1 and a far jump to 32-bit code (as in protected.S).
 *   4. Data segments and a stack.
 *   5. Page tables in RAM: PML4 -> PDPT -> PD, one 2 MiB page.
 *   6. CR4.PAE = 1: 8-byte page-table entries (long mode requires them).
 *   7. CR3 = the PML4's physical address.
 *   8. EFER.LME = 1 (an MSR): "when paging comes on, enter long mode".
 *   9. CR0.PG = 1: paging on, and with LME set the CPU activates long mode
 *      (EFER.LMA becomes 1).  CS is still the 32-bit segment, so the CPU
 *      runs this code in compatibility mode.
 *  10. A far jump to selector 0x18, whose descriptor has L=1: 64-bit mode.
 *  11. Print the greeting and exit through port 0xF4 with status 0.
 */

#include "firmware.inc"		/* REL(), EXIT_PORT, RESET_VECTOR */
#include "longmode.inc"		/* IDENTITY_MAP_2MIB; PTE_*, CR4_PAE, EFER_LME, CR0_PG */

#define CODE32_SEL	0x08		/* GDT entry 1: 32-bit code */
#define DATA_SEL	0x10		/* GDT entry 2: data, read/write */
#define CODE64_SEL	0x18		/* GDT entry 3: 64-bit code (L=1) */
#define STACK_TOP	0x90000		/* RAM below 640 KiB */

#define CR0_PE		0x00000001	/* CR0 bit 0: protection enable */

/* The page tables: PML4, PDPT, PD, each 4 KiB, in RAM from here. */
#define PML4_ADDR	0x10000

	.text
	.globl start, pm_entry, build_tables, enable_paging, compat_mode, lm_entry
	.globl say_hello, done, halt, print64, gdt, gdt_ptr, reset_vector

.Limage_start:				/* linear 0xF0000 */

/* ---- 16-bit real mode ---- */
	.code16
start:
	CFI_OUTERMOST			/* nobody called start: gdb's bt ends here */
	/* STEP 2: no interrupts (there is no IDT for any of the new modes),
	 * and the GDT (see below; lgdtl takes all 32 bits of its base). */
	cli
	cld
	lgdtl	%cs:REL(gdt_ptr)

	/* STEP 3: protection on, then a far jump to load CS with the 32-bit
	 * code segment.  See protected.S for this step in detail. */
	mov	%cr0, %eax
	or	$CR0_PE, %eax
	mov	%eax, %cr0
	ljmpl	$CODE32_SEL, $pm_entry

/* ---- 32-bit protected mode, no paging ---- */
	.code32
pm_entry:
	/* STEP 4 */
	mov	$DATA_SEL, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %fs
	mov	%ax, %gs
	mov	%ax, %ss
	mov	$STACK_TOP, %esp

build_tables:
	/* STEP 5: the page tables.  A 64-bit linear address is cut into
	 * indexes, 9 bits per level (512 entries of 8 bytes = one 4 KiB
	 * table):
	 *   bits 47-39 index the PML4, bits 38-30 the PDPT, bits 29-21 the
	 *   PD; with PS=1 in the PD entry, bits 20-0 are the offset inside a
	 *   2 MiB page.
	 * Linear 0-2 MiB has index 0 at every level, so each table needs only
	 * entry 0: PML4[0] -> the PDPT (at 0x11000), PDPT[0] -> the PD (at
	 * 0x12000), and PD[0] maps the 2 MiB page itself (PS = 1), physical
	 * 0.  Each entry is the next table's physical address | flags: P =
	 * the entry is valid, RW = writes allowed.  longmode.inc has the
	 * instructions; paging.S writes such entries one by one. */
	IDENTITY_MAP_2MIB PML4_ADDR

enable_paging:
	/* STEP 6: PAE: 8-byte entries; 4-level paging builds on it. */
	mov	%cr4, %eax
	or	$CR4_PAE, %eax
	mov	%eax, %cr4

	/* STEP 7: CR3 holds the PHYSICAL address of the top table. */
	mov	$PML4_ADDR, %eax
	mov	%eax, %cr3

	/* STEP 8: EFER is a model-specific register: rdmsr/wrmsr move it
	 * through EDX:EAX, ECX names it. */
	mov	$MSR_EFER, %ecx
	rdmsr
	or	$EFER_LME, %eax
	wrmsr

	/* STEP 9: paging on.  With EFER.LME = 1 this activates long mode
	 * (EFER.LMA = 1).  The next instruction is fetched through the page
	 * tables: this code is identity-mapped, so it is still found. */
	mov	%cr0, %eax
	or	$CR0_PG, %eax
	mov	%eax, %cr0
compat_mode:
	/* Long mode is active, but CS still has L=0: 32-bit compatibility
	 * mode.  STEP 10: a far jump loads CS with the L=1 descriptor. */
	ljmp	$CODE64_SEL, $lm_entry
	.cfi_endproc

/* ---- 64-bit mode ---- */
	.code64
lm_entry:
	CFI64_OUTERMOST			/* 64-bit code now: x86-64 register numbers */
	/* Segment bases and limits are ignored in 64-bit mode (except for fs
	 * and gs bases); the data selectors loaded in STEP 4 stay valid. */
	mov	$STACK_TOP, %rsp
say_hello:
	/* STEP 11 */
	lea	msg_hello(%rip), %rsi	/* RIP-relative: new in 64-bit mode */
	call	print64
done:
	xor	%eax, %eax
	out	%al, $EXIT_PORT		/* kvmstub ends the guest: status 0 */
halt:
	hlt
	jmp	halt
	.cfi_endproc

#include "serial64.inc"		/* print64: the string at RSI */

msg_hello:	.asciz	"long mode: hello from 64-bit code\n"

/*
 * The GDT (see protected.S for the layout of a descriptor).  Entry 3 is
 * the new one: access 0x9B as for 32-bit code, flags 0xA = G=1, L=1
 * (64-bit code), D=0 (D must be 0 when L is 1).  In 64-bit mode the CPU
 * ignores the base and the limit of code and data segments.
 */
	.balign	8
gdt:
	.quad	0			/* null descriptor */
	.quad	0x00CF9B000000FFFF	/* 0x08: 32-bit code, base 0, 4 GiB */
	.quad	0x00CF93000000FFFF	/* 0x10: data, read/write, base 0, 4 GiB */
	.quad	0x00AF9B000000FFFF	/* 0x18: 64-bit code (L=1, D=0) */
.Lgdt_end:
gdt_ptr:
	.word	.Lgdt_end - gdt - 1
	.long	gdt

/* STEP 1: the reset vector, linear 0xFFFF0. */
	RESET_VECTOR
