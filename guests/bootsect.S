/*
 * bootsect.S - lesson 12: a boot sector, as a PC's BIOS starts it.
 *
 * WHAT YOU LEARN
 *   With a disk and no kernel, kvmstub starts its BIOS (guests/bios/bios.S)
 *   at the reset vector, as a PC does.  The BIOS loads the disk's first
 *   sector, 512 bytes, to 0000:7C00, checks that it ends with the boot
 *   signature 0x55 0xAA, and jumps there with DL = the drive (0x80: the
 *   first hard disk).  512 bytes are not much, so this boot sector does
 *   what boot sectors do: it prints with the BIOS (int 0x10, teletype),
 *   loads the rest of the program (the "second stage", sectors 1 and up)
 *   with the BIOS (int 0x13, read sectors) to 0x7E00 and jumps there.  The
 *   second stage asks the BIOS for A20 (int 0x15) and enters 32-bit
 *   protected mode, where the BIOS can no longer be called: it writes to
 *   the screen's memory at 0xB8000 itself, then ends the guest.
 *
 * HOW TO RUN IT
 *   ./kvmstub --no-gdb --disk guests/bootsect.bin ; echo "status $?"
 *   ./kvmstub --disk guests/bootsect.bin
 *   gdb -q guests/bootsect.elf -x gdbscripts/kvmstub.gdb -ex 'target remote :1234'
 *     (gdb) break *0x7c00
 *     (gdb) continue
 *     (gdb) add-symbol-file guests/bios/bios.elf   # to step into the BIOS
 */
#define STAGE2		0x7E00
#define STAGE2_SECTORS	1		/* sector 1 of the disk */

	.section .boot, "ax"
	.code16
	.globl	boot, load_stage2, read_disk, stage2, pm_entry, pm_done, boot_drive
boot:
	/* The BIOS left CS:IP = 0000:7C00, DL = the drive.  Segments first:
	 * everything here is addressed from 0. */
	cli
	xor	%ax, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	$0x7C00, %sp		/* the stack grows down from below us */
	sti
	mov	%dl, boot_drive

	mov	$hello, %si
	call	print

load_stage2:
	/* int 0x13, AH 2: read AL sectors from cylinder CH, head DH, sector
	 * CL (counted from 1) of drive DL into ES:BX.  CF set on an error. */
	mov	$0x02, %ah
	mov	$STAGE2_SECTORS, %al
	mov	$0, %ch
	mov	$2, %cl			/* sector 2 (CHS) is LBA 1 */
	mov	$0, %dh
	mov	boot_drive, %dl
	mov	$STAGE2, %bx
read_disk:
	int	$0x13
	jc	disk_error
	cmp	$STAGE2_SECTORS, %al	/* AL: the sectors read */
	jne	disk_error
	jmp	stage2

disk_error:
	mov	$failed, %si
	call	print
	cli
	hlt

/* Print the NUL-terminated string at DS:SI with int 0x10, AH 0x0E. */
print:
	lodsb
	test	%al, %al
	jz	1f
	mov	$0x0E, %ah
	int	$0x10
	jmp	print
1:	ret

boot_drive:
	.byte	0
hello:
	.asciz	"Booting from the disk's first sector.\r\n"
failed:
	.asciz	"Cannot read the second stage.\r\n"

/* ---- the second stage, sector 1, at 0x7E00 ---- */
	.text
	.code16
stage2:
	mov	$loaded, %si
	call	print
	mov	$0x2401, %ax		/* int 0x15: A20 on */
	int	$0x15

	/* 32-bit protected mode: a flat GDT, CR0.PE, a far jump. */
	cli
	lgdt	gdt_desc
	mov	%cr0, %eax
	or	$1, %eax
	mov	%eax, %cr0
	ljmp	$0x08, $pm_entry

	.code32
pm_entry:
	mov	$0x10, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	$0x7C00, %esp
	/* No BIOS now: the screen is memory.  Row 3, white on green. */
	mov	$pm_text, %esi
	mov	$0xB8000 + 3 * 160, %edi
1:	lodsb
	test	%al, %al
	jz	2f
	mov	$0x2F, %ah
	stosw
	jmp	1b
2:
pm_done:
	mov	$0, %al			/* done: exit status 0 */
	out	%al, $0xF4
	hlt

loaded:
	.asciz	"Second stage loaded by int 0x13.\r\n"
pm_text:
	.asciz	"In 32-bit protected mode."

	.balign	8
gdt:	.quad	0
	.quad	0x00cf9a000000ffff	/* 0x08: code, base 0, 4 GiB */
	.quad	0x00cf92000000ffff	/* 0x10: data */
gdt_desc:
	.word	gdt_desc - gdt - 1
	.long	gdt

	.section .note.GNU-stack, "", @progbits
