/*
 * selfmod.S - a guest that copies code into RAM, runs it, then rewrites
 * it: self-modifying code, and what it means for software breakpoints.
 *
 * WHAT YOU LEARN
 *   Code is just bytes in memory: firmware often copies routines out of
 *   its (read-only) image into RAM and runs them there, and some code
 *   rewrites itself.  A software breakpoint is also just a byte: the
 *   debugger saves the byte at the address and writes 0xCC (int3) there.
 *   This guest shows three consequences:
 *   - the guest itself sees the 0xCC (it prints the first byte of its
 *     routine before every call), while gdb's `x` shows the original byte:
 *     kvmstub hides its own int3s from gdb, not from the guest;
 *   - when the guest writes new code over the breakpoint, the 0xCC is gone:
 *     the breakpoint does not fire any more, and removing it must not put
 *     the old saved byte back over the new code.  The same happens to a
 *     breakpoint set in RAM before the guest copies its code there: set
 *     it after the copy (or use hbreak, a debug register, which is not in
 *     memory at all);
 *   - on a host that puts breakpoints in debug registers instead (the
 *     default where int3 is not intercepted), memory is never touched and
 *     the guest always sees its own byte.
 *
 * HOW TO RUN IT
 *   ./kvmstub guests/selfmod.bin
 *   gdb guests/selfmod.elf -x gdbscripts/kvmstub.gdb -ex 'target remote :1234'
 *     (gdb) hbreak *call_loop
 *     (gdb) continue                 # protected mode, the routine copied
 *     (gdb) monitor sw-break int3    # software breakpoints as 0xCC bytes
 *     (gdb) break *&ram_routine      # RAM: gdb sends Z0 (a software breakpoint)
 *     (gdb) continue                 # stops at the RAM copy, in call 1
 *     (gdb) x/2xb &ram_routine       # 0xb8 0x57, never 0xcc
 *     (gdb) hbreak *rewritten
 *     (gdb) continue                 # ... until the rewrite is done
 *     (gdb) x/i &ram_routine         # the new instruction: mov $0x8ae,%ecx
 *
 *   On its own (--no-gdb) it prints on the serial port:
 *     selfmod: call 1: first byte b8, result 1111
 *     selfmod: call 2: first byte b8, result 1111
 *     selfmod: call 3: first byte b8, result 1111
 *     selfmod: rewritten: first byte b9, result 2222
 *   and exits with status 0 through the exit port (0xF4).
 *
 * THE TWO ROUTINES
 *   Both return a number in EAX.  The new one starts with a different byte
 *   (0xB9, mov to ECX, instead of 0xB8, mov to EAX) on purpose: a debugger
 *   that wrote its saved 0xB8 back over it would turn the new code into
 *   "mov $2222,%eax; mov %ecx,%eax; ret", and the result would be ECX (0
 *   here), not 2222.
 */

#include "firmware.inc"		/* REL(), EXIT_PORT, RESET_VECTOR */
#include "gdt_flat.inc"		/* FLAT_GDT, ENTER_PROTECTED_MODE */

#define STACK_TOP	0x90000
#define RAM_ROUTINE	0x30000		/* where the routine is copied (RAM) */
#define CALLS		3		/* calls of the first version */

	.globl start, pm_entry, call_loop, rewrite, rewritten, done
	.globl routine_v1, routine_v2, ram_routine
	/* The copy in RAM has no label of its own in the image: give it one.
	 * An absolute symbol has no type for gdb: write &ram_routine. */
	.set ram_routine, RAM_ROUTINE

	.text
.Limage_start:

	.code16
start:
	ENTER_PROTECTED_MODE pm_entry, STACK_TOP

	/* Copy version 1 into RAM: ESI = from, EDI = to, ECX = how many bytes.
	 * `rep movsb` moves ECX bytes from DS:ESI to ES:EDI (upwards: cld). */
	mov	$routine_v1, %esi
	mov	$RAM_ROUTINE, %edi
	mov	$(routine_v1_end - routine_v1), %ecx
	rep movsb

	/* Call the copy CALLS times; EBX counts the calls (1, 2, 3). */
	mov	$1, %ebx
call_loop:
	mov	$msg_call, %esi
	call	print
	mov	%ebx, %eax
	call	print_dec
	call	report			/* ", first byte ..., result ..." */
	inc	%ebx
	cmp	$CALLS, %ebx
	jbe	call_loop

	/* Rewrite the routine in RAM with version 2, over version 1 (and over
	 * any 0xCC a debugger put there: the guest does not know about it). */
rewrite:
	mov	$routine_v2, %esi
	mov	$RAM_ROUTINE, %edi
	mov	$(routine_v2_end - routine_v2), %ecx
	rep movsb			/* leaves ECX = 0 */
rewritten:
	mov	$msg_rewritten, %esi
	call	print
	call	report

done:
	mov	$0, %al
	out	%al, $EXIT_PORT
	cli
	hlt

/*
 * report: print ": first byte XX, result N" and a newline, where XX is the
 * byte at RAM_ROUTINE as the guest reads it right now, and N is what the
 * routine in RAM returns.  A call to an absolute address needs it in a
 * register: `call *%eax` (a plain `call 0x30000` would work too).
 */
report:
	push	%eax
	mov	$msg_byte, %esi
	call	print
	movzbl	RAM_ROUTINE, %eax	/* what the guest sees there */
	call	print_hex8
	mov	$msg_result, %esi
	call	print
	mov	$RAM_ROUTINE, %eax
	call	*%eax			/* run the copy in RAM */
	call	print_dec
	mov	$'\n', %al
	call	putc
	pop	%eax
	ret

/* print_hex8: AL as two lowercase hex digits. */
print_hex8:
	push	%eax
	push	%ecx
	mov	%al, %cl
	shr	$4, %al			/* high nibble first */
	call	hex_digit
	mov	%cl, %al
	call	hex_digit
	pop	%ecx
	pop	%eax
	ret

hex_digit:
	and	$0x0f, %al
	add	$'0', %al
	cmp	$'9', %al
	jbe	1f
	add	$('a' - '0' - 10), %al	/* 10..15 -> 'a'..'f' */
1:	jmp	putc			/* putc returns for us */

#include "serial32.inc"		/* print, putc, print_dec */

/*
 * The routines, as they sit in the image.  They are never run here: only
 * their copies in RAM are.  Both are position-independent (no absolute
 * addresses inside), so they run wherever they are copied.
 */
routine_v1:
	mov	$1111, %eax		/* B8 57 04 00 00 */
	ret				/* C3 */
routine_v1_end:

routine_v2:
	mov	$2222, %ecx		/* B9 AE 08 00 00: a different first byte */
	mov	%ecx, %eax		/* 89 C8 */
	ret				/* C3 */
routine_v2_end:

msg_call:
	.asciz	"selfmod: call "
msg_rewritten:
	.asciz	"selfmod: rewritten"
msg_byte:
	.asciz	": first byte "
msg_result:
	.asciz	", result "

	FLAT_GDT
	RESET_VECTOR
