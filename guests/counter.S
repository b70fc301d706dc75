/*
 * counter.S - a guest for breakpoints and watchpoints: a hot loop in 32-bit
 * protected mode that counts in a register and in memory.
 *
 * WHAT YOU LEARN
 *   How gdb's stops work on a running loop: a breakpoint on `loop` stops
 *   at every turn; `break *loop if $eax == 5000` stops once, at the turn
 *   where EAX is 5000 (kvmstub evaluates the condition itself, so the
 *   4999 turns before cost no round trip to gdb); `watch counter` stops
 *   after every write to `counter` with its old and new value; `rwatch
 *   shadow` stops when the loop reads `shadow`, `awatch shadow` on reads
 *   and writes.
 *
 * HOW TO RUN IT
 *   ./kvmstub guests/counter.bin
 *   gdb guests/counter.elf -x gdbscripts/kvmstub.gdb -ex 'target remote :1234'
 *     (gdb) break *loop if $eax == 5000
 *     (gdb) continue                # stops once, with eax 5000
 *     (gdb) delete
 *     (gdb) watch counter
 *     (gdb) continue                # Old value = ..., New value = ...
 *
 *   Under --no-gdb it runs LIMIT turns, then exits with status 0 through
 *   the exit port (0xF4), after printing "counter: done" on the serial port.
 *
 * THE DATA
 *   counter (4 bytes) and shadow (4 bytes) live in RAM at COUNTER_ADDR, a
 *   fixed address in the first MiB, on a page of their own.  Each turn:
 *     eax = eax + 1            (a register: for conditional breakpoints)
 *     counter = counter + 1    (a write: for `watch`)
 *     ebx = shadow             (a read: for `rwatch`)
 *     shadow = ebx + 2         (a write: for `awatch`)
 */

#include "firmware.inc"		/* REL(), EXIT_PORT, RESET_VECTOR */
#include "gdt_flat.inc"		/* FLAT_GDT, ENTER_PROTECTED_MODE */

#define STACK_TOP	0x90000
#define COUNTER_ADDR	0x20000		/* RAM, a page with nothing else on it */
#define LIMIT		1000000		/* turns before it exits under --no-gdb */

	.globl start, pm_entry, loop, loop_end, done, counter, shadow, reset_vector
	.set counter, COUNTER_ADDR
	.set shadow, COUNTER_ADDR + 4

	.text
.Limage_start:

	.code16
start:
	/* Into flat 32-bit protected mode: the steps of protected.S. */
	ENTER_PROTECTED_MODE pm_entry, STACK_TOP
	movl	$0, counter
	movl	$0, shadow
	xor	%eax, %eax

	/* The hot loop.  Each instruction has its own purpose (see above). */
loop:
	inc	%eax
	incl	counter
	mov	shadow, %ebx
	add	$2, %ebx
	mov	%ebx, shadow
	cmp	$LIMIT, %eax
loop_end:
	jne	loop

	/* LIMIT turns done: say so, and exit with status 0. */
done:
	mov	$msg_done, %esi
	call	print
	mov	$0, %al
	out	%al, $EXIT_PORT
	cli
	hlt

#include "serial32.inc"		/* print, putc */

msg_done:
	.asciz	"counter: done\n"

	FLAT_GDT
	RESET_VECTOR
