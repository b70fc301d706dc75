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
 *   gdb inserts the watchpoint, so `watch *(int *)&counter` works the same.
 *
 * HOW TO RUN IT
 *   ./kvmstub guests/counter64.bin
 *   gdb guests/counter64.elf -x gdbscripts/kvmstub.gdb -ex 'target remote :1234'
 *     (gdb) break *loop
 *     (gdb) continue
 *     (gdb) watch *(int *)&counter
 *     (gdb) continue                # Old value = 0, New value = 1
 *
 *   Under --no-gdb it runs LIMIT turns, then exits with status 0.
 */

#define CODE32_SEL	0x08
#define DATA_SEL	0x10
#define CODE64_SEL	0x18
#define STACK_TOP	0x90000
#define COUNTER_ADDR	0x20000		/* RAM, a page with nothing else on it */
#define LIMIT		1000000
#define EXIT_PORT	0xF4

#define PML4_ADDR	0x10000		/* page tables, each 4 KiB, in RAM */
#define PDPT_ADDR	0x11000
#define PD_ADDR		0x12000
#define PTE_P		0x001
#define PTE_RW		0x002
#define PTE_PS		0x080		/* a 2 MiB page */
#define CR4_PAE		0x20
#define MSR_EFER	0xC0000080
#define EFER_LME	0x100
#define CR0_PG		0x80000000

#define REL(sym)	((sym) - .Limage_start)

	.globl start, pm_entry, lm_entry, loop, loop_end, done, counter, shadow, reset_vector
	.set counter, COUNTER_ADDR
	.set shadow, COUNTER_ADDR + 4

	.text
.Limage_start:

	.code16
start:
	cli
	cld
	lgdtl	%cs:REL(gdt_ptr)
	mov	%cr0, %eax
	or	$1, %eax
	mov	%eax, %cr0
	ljmpl	$CODE32_SEL, $pm_entry

	.code32
pm_entry:
	mov	$DATA_SEL, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	$STACK_TOP, %esp
	/* Identity map the first 2 MiB: PML4[0] -> PDPT[0] -> PD[0] = 2 MiB page 0. */
	xor	%eax, %eax
	mov	$PML4_ADDR, %edi
	mov	$(3 * 4096 / 4), %ecx
	rep stosl
	movl	$(PDPT_ADDR | PTE_P | PTE_RW), PML4_ADDR
	movl	$(PD_ADDR | PTE_P | PTE_RW), PDPT_ADDR
	movl	$(PTE_P | PTE_RW | PTE_PS), PD_ADDR
	mov	%cr4, %eax
	or	$CR4_PAE, %eax
	mov	%eax, %cr4
	mov	$PML4_ADDR, %eax
	mov	%eax, %cr3
	mov	$MSR_EFER, %ecx
	rdmsr
	or	$EFER_LME, %eax
	wrmsr
	mov	%cr0, %eax
	or	$CR0_PG, %eax
	mov	%eax, %cr0		/* long mode is active (EFER.LMA) ... */
	ljmp	$CODE64_SEL, $lm_entry	/* ... and this far jump enters 64-bit code */

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

	/* GDT: null, 32-bit code (0x08), data (0x10), 64-bit code (0x18, L = 1). */
	.balign	8
gdt:
	.quad	0
	.quad	0x00cf9a000000ffff
	.quad	0x00cf92000000ffff
	.quad	0x00af9a000000ffff
gdt_ptr:
	.word	gdt_ptr - gdt - 1
	.long	gdt

	.section .reset, "ax"
	.code16
reset_vector:
	ljmp	$0xf000, $REL(start)
