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

#define IMAGE_BASE	0xF0000
#define CODE_SEL	0x08
#define DATA_SEL	0x10
#define STACK_TOP	0x90000
#define COUNTER_ADDR	0x20000		/* RAM, a page with nothing else on it */
#define LIMIT		1000000		/* turns before it exits under --no-gdb */
#define COM1		0x3F8
#define COM1_LSR	(COM1 + 5)
#define EXIT_PORT	0xF4

#define REL(sym)	((sym) - .Limage_start)

	.globl start, pm_entry, loop, loop_end, done, counter, shadow, reset_vector
	.set counter, COUNTER_ADDR
	.set shadow, COUNTER_ADDR + 4

	.text
.Limage_start:

	.code16
start:
	cli
	lgdtl	%cs:REL(gdt_ptr)	/* the flat GDT, as in protected.S */
	mov	%cr0, %eax
	or	$1, %eax
	mov	%eax, %cr0		/* CR0.PE = 1 ... */
	ljmpl	$CODE_SEL, $pm_entry	/* ... and CS = 0x08: 32-bit code */

	.code32
pm_entry:
	mov	$DATA_SEL, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	$STACK_TOP, %esp
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
1:	lodsb
	test	%al, %al
	jz	2f
	mov	%al, %cl
	mov	$COM1_LSR, %dx
3:	in	%dx, %al
	test	$0x20, %al
	jz	3b
	mov	%cl, %al
	mov	$COM1, %dx
	out	%al, %dx
	jmp	1b
2:	mov	$0, %al
	out	%al, $EXIT_PORT
	cli
	hlt

msg_done:
	.asciz	"counter: done\n"

	/*
	 * GDT: null, flat 32-bit code (0x08), flat data (0x10).  The types
	 * have the accessed bit set already (0x9b, 0x93): loading a segment
	 * register sets that bit in the descriptor, a write the CPU would do
	 * into this image, which other machines (QEMU's -bios) map read-only.
	 */
	.balign	8
gdt:
	.quad	0
	.quad	0x00cf9b000000ffff	/* base 0, limit 4 GiB, code, execute/read, accessed */
	.quad	0x00cf93000000ffff	/* base 0, limit 4 GiB, data, read/write, accessed */
gdt_ptr:
	.word	gdt_ptr - gdt - 1	/* limit: 3 descriptors * 8 - 1 */
	.long	gdt			/* linear address of the GDT */

	/* The reset vector: the CPU's first instruction, at linear 0xFFFF0. */
	.section .reset, "ax"
	.code16
reset_vector:
	ljmp	$0xf000, $REL(start)
