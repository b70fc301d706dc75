/*
 * kernel1.S - lessons 1 and 2: the very first instruction of an x86 CPU.
 *
 * WHAT YOU LEARN
 *   Where an x86 CPU starts after reset, what "real mode" segment:offset
 *   addresses are, and why the first instruction is a far jump.  The
 *   program itself does almost nothing: it clears AX and spins forever,
 *   so you can stop it anywhere with gdb and look around.
 *
 * HOW TO RUN IT
 *   make guests/kernel1.bin
 *   ./kvmstub --no-gdb guests/kernel1.bin    # runs forever: stop it with Ctrl-C
 *
 *   With gdb (two terminals):
 *   ./kvmstub guests/kernel1.bin
 *   gdb -x gdbscripts/kvmstub.gdb -ex 'target remote :1234'
 *     (gdb) x/i $pc                 # ljmp at 0xffff0, the reset vector
 *     (gdb) stepi                   # one instruction: now at start, 0xf0000
 *     (gdb) info registers cs ip eax
 *     (gdb) stepi                   # xor %ax,%ax: AX becomes 0
 *     (gdb) stepi                   # at loop: stepi again and again stays here
 *   For symbols, give gdb the ELF file: gdb guests/kernel1.elf -x ...
 *   then `break *loop` and `continue` work too.
 *
 * THE RESET VECTOR
 *   After reset the CPU is in 16-bit "real mode": there are no descriptor
 *   tables, no protection, and every memory address is formed from a 16-bit
 *   segment register and a 16-bit offset:
 *
 *       linear = segment base + offset,  and in real mode base = selector * 16
 *
 *   kvmstub starts the CPU with CS = 0xF000 (base 0xF0000) and IP = 0xFFF0,
 *   so the first instruction is fetched from 0xF0000 + 0xFFF0 = 0xFFFF0:
 *   16 bytes below the 1 MiB line.  (A real CPU starts with a hidden CS base
 *   of 0xFFFF0000, i.e. 16 bytes below 4 GiB, where the board maps the same
 *   firmware chip; kvmstub maps this image at both places.)  16 bytes are not
 *   enough for a program, so firmware puts a jump there.
 *
 * WHY A FAR JUMP
 *   `ljmp $0xf000, $offset` loads BOTH CS and IP.  Loading CS recomputes its
 *   base as 0xF000 * 16 = 0xF0000, which makes the CPU forget the special
 *   reset-time base and follow the plain real-mode rule from then on.  The
 *   offset is relative to that base: start lives at linear 0xF0000, so its
 *   offset in segment 0xF000 is 0xF0000 - 0xF0000 = 0.  That is what REL()
 *   below computes.
 *
 * THE IMAGE
 *   64 KiB, linked at linear 0xF0000 (see firmware.lds), so that file offset
 *   N is linear address 0xF0000 + N and ELF symbols are linear addresses.
 */

#define BOOT_SEG	0xF000		/* real-mode segment: base 0xF000 * 16 = 0xF0000 */
/*
 * Offset of a symbol inside segment BOOT_SEG, which is what 16-bit code
 * needs.  It is written as a distance from .Limage_start (the first byte
 * of .text, which firmware.lds pins at linear 0xF0000; the .L prefix keeps
 * this helper label out of the symbol table, so gdb names 0xF0000 "start") rather than as
 * "sym - 0xF0000": the assembler can compute a distance between two labels
 * of the same section itself, whereas "sym - 0xF0000" would need a 16-bit
 * relocation with a huge negative addend, which it refuses.
 */
#define REL(sym)	((sym) - .Limage_start)

#include "cfi.inc"		/* CFI_OUTERMOST: for gdb's backtrace, see below */

	.code16				/* the CPU starts in 16-bit real mode */

	.text
	.globl start, loop, reset_vector

.Limage_start:				/* linear 0xF0000: file offset 0 */

/*
 * start (linear 0xF0000, offset 0 in segment 0xF000): the "kernel".
 * CFI_OUTERMOST (guests/cfi.inc) tells gdb that nobody called it, so
 * that `bt` shows this one frame and stops; it adds no bytes to the code.
 */
start:
	CFI_OUTERMOST
	xor	%ax, %ax		/* AX = 0: a visible effect for `info registers` */
loop:
	jmp	loop			/* a jump to itself: spin forever */
	.cfi_endproc

/*
 * The reset vector: firmware.lds places this section at linear 0xFFFF0.
 */
	.section .reset, "ax"
reset_vector:
	CFI_OUTERMOST
	ljmp	$BOOT_SEG, $REL(start)	/* CS = 0xF000, IP = 0: linear 0xF0000 */
	.cfi_endproc
