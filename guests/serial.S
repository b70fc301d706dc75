/*
 * serial.S - lesson 3: 2 + 2 on the serial port.
 *
 * WHAT YOU LEARN
 *   How a program with no operating system talks to the outside world:
 *   through I/O ports.  The CPU computes 2 + 2 in a register, turns the
 *   number into an ASCII character and writes "4" and a newline to the
 *   first PC serial port (COM1, a 16550 UART at I/O port 0x3F8), waiting
 *   for the UART to be ready before each byte.  Then it stops.
 *
 * HOW TO RUN IT
 *   make guests/serial.bin
 *   ./kvmstub --no-gdb guests/serial.bin
 *
 *   Expected output (stdout), exactly two bytes:  "4\n"
 *   Exit status: 0, the byte the program writes to kvmstub's exit port
 *   (I/O port 0xF4) when it is done.  Under gdb that is the end of the
 *   guest: gdb says "[Inferior 1 (Remote target) exited normally]".
 *
 *   With gdb (two terminals):
 *   ./kvmstub guests/serial.bin
 *   gdb guests/serial.elf -x gdbscripts/kvmstub.gdb -ex 'target remote :1234'
 *     (gdb) break *add_here
 *     (gdb) continue
 *     (gdb) stepi                   # AL was 2, now 4
 *     (gdb) info registers eax
 *     (gdb) break *putc
 *     (gdb) continue                # AL holds the byte about to be sent
 *     (gdb) continue                # ... and the "4" appears on kvmstub's stdout
 *
 * WHERE IT STARTS
 *   Like kernel1: the CPU starts in 16-bit real mode at CS:IP = F000:FFF0,
 *   linear 0xF000 * 16 + 0xFFF0 = 0xFFFF0 (see kernel1.S), where a far jump
 *   takes it to `start`, the first byte of this 64 KiB image (0xF0000).
 *
 * PORT I/O
 *   x86 has a second address space next to memory: 65536 I/O ports, used
 *   with the `in` and `out` instructions.  With a port number above 255 the
 *   number must be in DX:   out %al, %dx   sends the byte in AL to port DX,
 *                           in  %dx, %al   reads a byte from port DX.
 *   The 16550 UART of COM1 occupies ports 0x3F8-0x3FF.  Two matter here:
 *     0x3F8  THR, transmitter holding register: a byte written here is sent.
 *     0x3FD  LSR, line status register; bit 5 (0x20) "THR empty" is 1 when
 *            the UART can take another byte.  Writing while it is 0 would
 *            overwrite a byte not yet sent, so we poll it first.
 *   Under KVM every in/out to these ports leaves the guest ("an I/O exit")
 *   and kvmstub plays the UART: it prints the byte on its own stdout.
 *
 * THE STACK
 *   `call` and `ret` use the stack at SS:SP.  Nothing set it up yet, and the
 *   image itself is read-only firmware, so we point it at RAM first:
 *   SS = 0, SP = 0x7000, i.e. the stack grows down from linear 0x7000.
 */

#include "firmware.inc"		/* REL(), RESET_VECTOR: see kernel1.S */

#define COM1		0x3F8		/* 16550 UART: transmitter holding register */
#define COM1_LSR	(COM1 + 5)	/* line status register */
#define LSR_THRE	0x20		/* LSR bit 5: transmitter holding register empty */
#define STACK_TOP	0x7000		/* initial SP, in RAM (segment 0) */

	.code16
	.text
	.globl start, add_here, to_ascii, done, putc, putc_wait, reset_vector

.Limage_start:				/* linear 0xF0000 */

start:
	CFI_OUTERMOST			/* nobody called start: bt ends here */
	cli				/* no interrupts: we have no handlers for them */
	xor	%ax, %ax
	mov	%ax, %ss		/* SS = 0: stack segment base 0 */
	mov	$STACK_TOP, %sp		/* (mov to SS delays interrupts for one insn) */

	/* 2 + 2, computed by the CPU at run time. */
	mov	$2, %al			/* AL = 2 */
	mov	$2, %bl			/* BL = 2 */
add_here:
	add	%bl, %al		/* AL = AL + BL = 4 */

	/* A digit 0..9 becomes its ASCII character by adding '0' (0x30):
	 * 4 + 0x30 = 0x34, the character "4". */
to_ascii:
	add	$'0', %al
	call	putc			/* send "4" */
	mov	$'\n', %al
	call	putc			/* send the newline */

	/* Tell the machine we are done: kvmstub ends the guest with the
	 * byte written to port 0xF4 as its exit status (0: success).  A
	 * real PC has no such port; QEMU's isa-debug-exit device is similar. */
done:
	mov	$0, %al
	out	%al, $0xf4

	/* On a machine without an exit port: stop the CPU for good.  With
	 * interrupts off (cli) only an NMI could wake it; halt again then. */
halt:
	cli
	hlt
	jmp	halt
	.cfi_endproc

/*
 * putc: send the byte in AL to COM1 once the UART can take it.
 * Preserves every register but flags.
 */
putc:
	CFI16_PROC			/* how gdb finds the caller: see cfi.inc */
	push	%dx
	CFI16_CFA 4
	CFI16_SAVED DWARF_EDX, 4
	push	%ax			/* keep the byte: AL is needed for `in` */
	CFI16_CFA 6
	CFI16_SAVED DWARF_EAX, 6
	mov	$COM1_LSR, %dx
putc_wait:
	in	%dx, %al		/* AL = line status register */
	test	$LSR_THRE, %al		/* ready for a new byte? */
	jz	putc_wait		/* not yet: ask again */
	pop	%ax			/* the byte to send */
	CFI16_CFA 4
	.cfi_restore DWARF_EAX
	mov	$COM1, %dx
	out	%al, %dx		/* send it */
	pop	%dx
	CFI16_CFA 2
	.cfi_restore DWARF_EDX
	ret
	CFI_ENDPROC putc

/*
 * The reset vector (linear 0xFFFF0, see firmware.lds): ljmp to start.
 */
	RESET_VECTOR
