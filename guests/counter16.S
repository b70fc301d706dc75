/*
 * counter16.S - the counter guest's hot loop (counter.S) in REAL mode: the
 * same symbols and the same data at the same linear addresses, for
 * watchpoints and hardware breakpoints in 16-bit code.
 *
 * WHAT YOU LEARN
 *   In real mode a linear address is segment * 16 + offset, and gdb's
 *   addresses are linear: `counter` is 0x20000, which the loop reaches as
 *   DS:0000 with DS = 0x2000.  `watch *(int *)&counter` stops after each
 *   `incl` with the old and new value, exactly as in protected mode.
 *
 * HOW TO RUN IT
 *   ./kvmstub guests/counter16.bin
 *   gdb guests/counter16.elf -x gdbscripts/kvmstub.gdb -ex 'target remote :1234'
 *     (gdb) watch *(int *)&counter
 *     (gdb) continue                # Old value = 0, New value = 1
 *
 *   Under --no-gdb it runs LIMIT turns, then exits with status 0.
 *
 * THE DATA (as in counter.S)
 *     eax = eax + 1            (a register: for conditional breakpoints)
 *     counter = counter + 1    (a write: for `watch`)
 *     ebx = shadow             (a read: for `rwatch`)
 *     shadow = ebx + 2         (a write: for `awatch`)
 */

#include "firmware.inc"		/* REL(), EXIT_PORT, RESET_VECTOR */

#define COUNTER_ADDR	0x20000		/* RAM, a page with nothing else on it */
#define DATA_SEG	(COUNTER_ADDR >> 4)	/* DS:0 is counter, DS:4 is shadow */
#define STACK_SEG	0x9000		/* SS:SP = 9000:fffe, below 640 KiB */
#define LIMIT		1000000

	.globl start, loop, loop_end, done, counter, shadow, reset_vector
	.set counter, COUNTER_ADDR
	.set shadow, COUNTER_ADDR + 4

	.text
.Limage_start:

	.code16
start:
	cli
	mov	$DATA_SEG, %ax
	mov	%ax, %ds
	mov	$STACK_SEG, %ax
	mov	%ax, %ss
	mov	$0xfffe, %sp
	movl	$0, %ds:0		/* counter = 0 */
	movl	$0, %ds:4		/* shadow = 0 */
	xor	%eax, %eax

	/* The hot loop: 32-bit operands (a 0x66 prefix) in 16-bit code. */
loop:
	inc	%eax
	incl	%ds:0			/* counter */
	mov	%ds:4, %ebx		/* shadow */
	add	$2, %ebx
	mov	%ebx, %ds:4
	cmp	$LIMIT, %eax
loop_end:
	jne	loop

done:
	mov	$0, %al
	out	%al, $EXIT_PORT		/* kvmstub ends the guest: status 0 */
	hlt

	/* The reset vector: the CPU's first instruction, at linear 0xFFFF0. */
	RESET_VECTOR
