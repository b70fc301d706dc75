/*
 * bios.S - kvmstub's own BIOS: a small PC BIOS in 16-bit real mode, for
 * boot sectors (./kvmstub --disk FILE, --floppy FILE).
 *
 * WHAT IT DOES
 *   After a reset the CPU runs the firmware at the reset vector (0xFFFF0).
 *   On a PC that firmware is the BIOS: it prepares the machine, loads the
 *   first sector of a disk to 0000:7C00 and jumps there.  This one does
 *   what the boot sectors of tutorials rely on:
 *
 *     POST   the interrupt vector table (0x0000-0x03FF), the BIOS data
 *            area (0x0400-0x04FF) and the extended BIOS data area
 *            (0x9FC00), the two 8259 PICs (IRQ0-7 at vectors 0x08-0x0F,
 *            IRQ8-15 at 0x70-0x77), the 8254 PIT (18.2 Hz), the CMOS
 *            clock (24-hour BCD), the keyboard controller, COM1, the
 *            80x25 text screen, and the drives (ATA IDENTIFY).
 *     int 0x10  video: teletype, cursor, write string, scroll, mode 3;
 *            what the teletype and write string print also goes to COM1.
 *     int 0x11  equipment, int 0x12 conventional memory size.
 *     int 0x13  disk: CHS read/write/verify, parameters, and the LBA
 *            extensions (0x41, 0x42, 0x43, 0x48), through the ATA
 *            controller's ports, sector by sector, as a PC BIOS does.
 *     int 0x15  system: the E820 memory map, A20 (always on), 0x88, 0xE801.
 *     int 0x16  keyboard: the BIOS keyboard buffer that int 0x09 (IRQ1)
 *            fills from the scancodes of the keyboard controller.
 *     int 0x19  boot: drive 0x00 (the floppy) if there is one, else 0x80.
 *     int 0x1A  time: the ticks int 0x08 (IRQ0) counts, the CMOS clock.
 *
 * DRIVES
 *   The hard disk (--disk) is the master of the primary IDE channel
 *   (ports 0x1F0-0x1F7); kvmstub has no floppy controller, so the floppy
 *   image (--floppy) is the master of the secondary channel (0x170-0x177),
 *   read and written with the same code.  The CHS geometry comes from the
 *   drives' IDENTIFY data (the floppy's is its format's, 80x2x18 for
 *   1.44 MB).
 *
 * DEBUGGING IT
 *   gdb guests/bios/bios.elf has its symbols: `break int13_disk`,
 *   `stepi` into an `int $0x13` of a boot sector, `finish`...
 *   Every handler starts with `push %bp; mov %sp, %bp`: the caller's
 *   FLAGS are then at 6(%bp), where a handler sets CF (or ZF) before iret.
 *
 * Addresses: the BIOS is linked at 0xF0000 (bios.lds) and runs with
 * CS = 0xF000, so the offset of a symbol x is x - 0xF0000: O(x).
 */
#define O(x)		((x) - start)
#define BIOS_SEG	0xF000
#define BDA_SEG		0x0040
#define EBDA_SEG	0x9FC0

/* BIOS data area, as offsets from segment 0x40 */
#define BDA_COM1	0x00
#define BDA_EQUIP	0x10
#define BDA_MEM_KIB	0x13
#define BDA_KBD_FLAGS	0x17
#define BDA_KBD_FLAGS2	0x18
#define BDA_KBD_HEAD	0x1A
#define BDA_KBD_TAIL	0x1C
#define BDA_KBD_BUF	0x1E		/* 16 words up to 0x3E */
#define BDA_FD_STATUS	0x41
#define BDA_VMODE	0x49
#define BDA_VCOLS	0x4A
#define BDA_VPAGE_SIZE	0x4C
#define BDA_CURSOR	0x50		/* column, row of page 0 */
#define BDA_CURSOR_TYPE	0x60
#define BDA_CRTC	0x63
#define BDA_TICKS	0x6C
#define BDA_MIDNIGHT	0x70
#define BDA_RESET_FLAG	0x72
#define BDA_HD_STATUS	0x74
#define BDA_NR_HD	0x75
#define BDA_KBD_START	0x80
#define BDA_KBD_END	0x82
#define BDA_VROWS	0x84
#define BDA_CHAR_HEIGHT	0x85
#define BDA_KBD_FLAGS3	0x96		/* bit 1: the last scancode was 0xE0 */
#define BDA_EBDA	0x0E		/* from 0x400: the EBDA's segment */

/* EBDA: a table of the two drives, 16 bytes each */
#define EBDA_DRV_FD	0x20		/* drive 0x00 */
#define EBDA_DRV_HD	0x30		/* drive 0x80 */
#define DRV_PRESENT	0
#define DRV_BASE	2		/* the ATA channel's first port */
#define DRV_HEADS	4
#define DRV_SPT		6
#define DRV_CYLS	8
#define DRV_TOTAL	10		/* sectors, 32 bits */
#define EBDA_SCRATCH	0x100		/* 512 bytes: IDENTIFY data */

#define COM1		0x3F8
#define E820_COUNT	5		/* entries of e820_map */
#define E820_RAM_HIGH	3		/* ... the one whose length is the RAM's */
#define TICKS_PER_DAY	0x1800B0

	.code16
	.text
	.globl	start
/* ---------------------------------------------------------------- POST */
start:
	cli
	cld
	xor	%ax, %ax
	mov	%ax, %ss
	mov	$0x7C00, %sp
	mov	%ax, %ds
	mov	%ax, %es

	/* The interrupt vector table: every vector first to an iret. */
	xor	%di, %di
	mov	$256, %cx
1:	movw	$O(int_default), %ax
	stosw
	mov	$BIOS_SEG, %ax
	stosw
	loop	1b
	/* The hardware interrupts: IRQ0-7 at 0x08-0x0F, IRQ8-15 at 0x70-0x77. */
	mov	$0x08 * 4, %di
	mov	$8, %cx
2:	movw	$O(irq_master), (%di)
	add	$4, %di
	loop	2b
	mov	$0x70 * 4, %di
	mov	$8, %cx
3:	movw	$O(irq_slave), (%di)
	add	$4, %di
	loop	3b
	movw	$O(int08_timer), 0x08 * 4
	movw	$O(int09_keyboard), 0x09 * 4
	movw	$O(int10_video), 0x10 * 4
	movw	$O(int11_equipment), 0x11 * 4
	movw	$O(int12_memory), 0x12 * 4
	movw	$O(int13_disk), 0x13 * 4
	movw	$O(int15_system), 0x15 * 4
	movw	$O(int16_keyboard), 0x16 * 4
	movw	$O(int19_boot), 0x19 * 4
	movw	$O(int1a_time), 0x1A * 4
	movw	$O(floppy_params), 0x1E * 4
	movw	$O(irq8_rtc), 0x70 * 4

	/* The BIOS data area, zeroed, then what the PC's BIOS leaves there. */
	mov	$0x400, %di
	mov	$0x80, %cx
	xor	%ax, %ax
	rep stosw
	mov	$BDA_SEG, %ax
	mov	%ax, %ds
	movw	$COM1, BDA_COM1
	movw	$EBDA_SEG, BDA_EBDA
	movw	$0x0222, BDA_EQUIP	/* 1 serial port, 80x25 colour, x87 */
	movw	$639, BDA_MEM_KIB
	movw	$BDA_KBD_BUF, BDA_KBD_HEAD
	movw	$BDA_KBD_BUF, BDA_KBD_TAIL
	movw	$BDA_KBD_BUF, BDA_KBD_START
	movw	$BDA_KBD_BUF + 32, BDA_KBD_END
	movw	$0x3D4, BDA_CRTC
	/* The extended BIOS data area: 1 KiB below 640 KiB, zeroed. */
	mov	$EBDA_SEG, %ax
	mov	%ax, %es
	xor	%di, %di
	mov	$0x200, %cx
	xor	%ax, %ax
	rep stosw
	movb	$1, %es:0		/* its size in KiB */

	call	pic_init
	call	pit_init
	call	rtc_init
	call	kbc_init
	call	com1_init
	mov	$0x0003, %ax		/* video mode 3: 80x25 text, cleared */
	int	$0x10
	call	drives_init
	sti
	int	$0x19			/* boot; it does not return */
	cli
	hlt

/* The 8259 PICs: vectors 0x08 and 0x70, cascaded on IRQ2, 8086 mode;
 * IRQ0 (timer), 1 (keyboard), 2 (cascade), 8 (clock), 14 (disk) unmasked. */
pic_init:
	mov	$0x11, %al		/* ICW1: edge, cascade, ICW4 follows */
	out	%al, $0x20
	out	%al, $0xA0
	mov	$0x08, %al		/* ICW2: vector base */
	out	%al, $0x21
	mov	$0x70, %al
	out	%al, $0xA1
	mov	$0x04, %al		/* ICW3: the slave on IRQ2 */
	out	%al, $0x21
	mov	$0x02, %al
	out	%al, $0xA1
	mov	$0x01, %al		/* ICW4: 8086 mode */
	out	%al, $0x21
	out	%al, $0xA1
	mov	$0xF8, %al		/* masks */
	out	%al, $0x21
	mov	$0xBE, %al
	out	%al, $0xA1
	ret

/* The 8254 PIT: channel 0, mode 3, divisor 65536: IRQ0 18.2 times a second. */
pit_init:
	mov	$0x36, %al
	out	%al, $0x43
	xor	%al, %al
	out	%al, $0x40
	out	%al, $0x40
	ret

/* The CMOS clock: register A 0x26 (32.768 kHz, 1024 Hz periodic rate),
 * B 0x02 (24-hour, BCD, no interrupts), C read (nothing pending). */
rtc_init:
	mov	$0x0A, %al
	out	%al, $0x70
	mov	$0x26, %al
	out	%al, $0x71
	mov	$0x0B, %al
	out	%al, $0x70
	mov	$0x02, %al
	out	%al, $0x71
	mov	$0x0C, %al
	out	%al, $0x70
	in	$0x71, %al
	ret

/* The keyboard controller: self-test, configuration 0x45 (IRQ1 on,
 * system flag, scancode translation to set 1), the keyboard enabled. */
kbc_init:
	mov	$0x60, %al		/* no IRQ 1 while the BIOS reads replies */
	call	kbc_command
	mov	$0x44, %al
	out	%al, $0x60
	mov	$0xAA, %al
	call	kbc_command
	call	kbc_read		/* 0x55: passed */
	mov	$0x60, %al
	call	kbc_command
	mov	$0x45, %al
	out	%al, $0x60
	mov	$0xAE, %al
	call	kbc_command
	ret

kbc_command:
	out	%al, $0x64
	ret

/* The byte the controller has for us (waits for its output buffer). */
kbc_read:
	push	%cx
	mov	$0xFFFF, %cx
1:	in	$0x64, %al
	test	$1, %al
	jnz	2f
	loop	1b
2:	in	$0x60, %al
	pop	%cx
	ret

/* COM1: 115200 baud (divisor 1), 8N1, FIFOs on, DTR/RTS/OUT2. */
com1_init:
	mov	$COM1 + 3, %dx
	mov	$0x80, %al		/* DLAB */
	out	%al, %dx
	mov	$COM1, %dx
	mov	$1, %al
	out	%al, %dx
	inc	%dx
	xor	%al, %al
	out	%al, %dx
	mov	$COM1 + 3, %dx
	mov	$0x03, %al
	out	%al, %dx
	dec	%dx
	mov	$0xC7, %al		/* FCR: FIFOs on and cleared, trigger 14 */
	out	%al, %dx
	add	$2, %dx
	mov	$0x0B, %al
	out	%al, %dx
	ret

/* The drives: IDENTIFY on each IDE channel's master; the floppy's type
 * for int 0x13 AH=0x08 comes from CMOS byte 0x10. */
drives_init:
	mov	$EBDA_SEG, %ax
	mov	%ax, %fs
	mov	$EBDA_DRV_FD, %si
	mov	$0x170, %dx
	call	ata_identify
	jc	1f
	mov	$BDA_SEG, %ax
	mov	%ax, %ds
	orw	$0x0001, BDA_EQUIP	/* one floppy drive */
1:	mov	$EBDA_DRV_HD, %si
	mov	$0x1F0, %dx
	call	ata_identify
	jc	2f
	mov	$BDA_SEG, %ax
	mov	%ax, %ds
	movb	$1, BDA_NR_HD
2:	ret

/* ----------------------------------------------------------- ATA PIO */
/*
 * ata_identify: the drive at channel DX (its first port), its geometry
 * into the table at FS:SI.  CF set when there is no drive.
 */
ata_identify:
	push	%ax
	push	%cx
	push	%di
	push	%es
	mov	%dx, %fs:DRV_BASE(%si)
	add	$0x206, %dx		/* device control (0x3F6, 0x376): nIEN, */
	mov	$0x02, %al		/* the BIOS polls: no IRQ14/15 */
	out	%al, %dx
	sub	$0x200, %dx		/* drive/head: the master, LBA */
	mov	$0xE0, %al
	out	%al, %dx
	inc	%dx			/* command: IDENTIFY DEVICE */
	mov	$0xEC, %al
	out	%al, %dx
	in	%dx, %al
	sub	$7, %dx
	cmp	$0xFF, %al		/* nothing on the bus */
	je	9f
	test	%al, %al		/* no device */
	jz	9f
	call	ata_wait_drq
	jc	9f
	mov	%fs, %ax
	mov	%ax, %es
	mov	$EBDA_SCRATCH, %di
	mov	$256, %cx
	rep insw
	mov	%fs:EBDA_SCRATCH + 2, %ax	/* word 1: cylinders */
	mov	%ax, %fs:DRV_CYLS(%si)
	mov	%fs:EBDA_SCRATCH + 6, %ax	/* word 3: heads */
	mov	%ax, %fs:DRV_HEADS(%si)
	mov	%fs:EBDA_SCRATCH + 12, %ax	/* word 6: sectors per track */
	mov	%ax, %fs:DRV_SPT(%si)
	mov	%fs:EBDA_SCRATCH + 120, %eax	/* words 60-61: LBA28 sectors */
	mov	%eax, %fs:DRV_TOTAL(%si)
	movb	$1, %fs:DRV_PRESENT(%si)
	clc
	jmp	10f
9:	stc
10:	pop	%es
	pop	%di
	pop	%cx
	pop	%ax
	ret

/* Wait until the channel at DX is not busy and has data (DRQ); CF on
 * an error or after about a million polls.  AL: the status. */
ata_wait_drq:
	push	%ecx
	push	%dx
	add	$7, %dx
	mov	$0x100000, %ecx
1:	in	%dx, %al
	test	$0x80, %al		/* BSY */
	jnz	2f
	test	$0x01, %al		/* ERR */
	jnz	3f
	test	$0x08, %al		/* DRQ */
	jnz	4f
2:	dec	%ecx
	jnz	1b
3:	stc
	jmp	5f
4:	clc
5:	pop	%dx
	pop	%ecx
	ret

/* Wait until the channel at DX is not busy; CF on an error or a timeout. */
ata_wait_idle:
	push	%ecx
	push	%dx
	add	$7, %dx
	mov	$0x100000, %ecx
1:	in	%dx, %al
	test	$0x80, %al
	jz	2f
	dec	%ecx
	jnz	1b
	stc
	jmp	3f
2:	test	$0x01, %al
	jz	3f
	stc
3:	pop	%dx
	pop	%ecx
	ret

/*
 * ata_sector: one sector at LBA EAX (below 2^28) of the drive at FS:SI,
 * read into or written from ES:DI (BL = 0x20 READ SECTORS or 0x30 WRITE
 * SECTORS).  CF set on an error, AH then the int 0x13 status.
 */
ata_sector:
	push	%eax
	push	%cx
	push	%dx
	push	%di
	mov	%fs:DRV_BASE(%si), %dx
	push	%eax
	call	ata_wait_idle
	pop	%eax
	jc	8f
	add	$2, %dx			/* sector count: 1 */
	push	%ax
	mov	$1, %al
	out	%al, %dx
	pop	%ax
	inc	%dx			/* LBA bits 0-7, 8-15, 16-23 */
	out	%al, %dx
	inc	%dx
	shr	$8, %eax
	out	%al, %dx
	inc	%dx
	shr	$8, %eax
	out	%al, %dx
	inc	%dx			/* drive/head: master, LBA, bits 24-27 */
	shr	$8, %eax
	and	$0x0F, %al
	or	$0xE0, %al
	out	%al, %dx
	inc	%dx			/* the command */
	mov	%bl, %al
	out	%al, %dx
	sub	$7, %dx
	call	ata_wait_drq
	jc	7f
	mov	$256, %cx
	cmp	$0x30, %bl
	je	2f
	rep insw			/* 256 words from the data port */
	jmp	3f
2:	mov	%es:(%di), %ax		/* ... or to it */
	out	%ax, %dx
	add	$2, %di
	loop	2b
	call	ata_wait_idle
	jc	7f
3:	clc
	jmp	9f
7:	mov	$0x04, %ah		/* sector not found / read error */
	stc
	jmp	9f
8:	mov	$0x80, %ah		/* timeout: not ready */
	stc
9:	pop	%di
	pop	%dx
	pop	%cx
	jc	10f
	pop	%eax
	ret
10:	add	$4, %sp			/* keep AH: drop the saved EAX */
	ret

/* ------------------------------------------------------- interrupts */
	.globl	int_default, irq_master, irq_slave, int08_timer, int09_keyboard
/* A vector nothing uses: return at once. */
int_default:
	iret

/* An IRQ of the master PIC nobody handles: end of interrupt. */
irq_master:
	push	%ax
	mov	$0x20, %al
	out	%al, $0x20
	pop	%ax
	iret

/* ... of the slave PIC: end of interrupt to both. */
irq_slave:
	push	%ax
	mov	$0x20, %al
	out	%al, $0xA0
	out	%al, $0x20
	pop	%ax
	iret

/* IRQ8, the CMOS clock: read register C (else it never interrupts again). */
irq8_rtc:
	push	%ax
	mov	$0x0C, %al
	out	%al, $0x70
	in	$0x71, %al
	pop	%ax
	jmp	irq_slave

/* IRQ0: one more tick at 0x46C (18.2 a second), int 0x1C for programs. */
int08_timer:
	push	%ds
	push	%ax
	mov	$BDA_SEG, %ax
	mov	%ax, %ds
	incl	BDA_TICKS
	cmpl	$TICKS_PER_DAY, BDA_TICKS
	jb	1f
	movl	$0, BDA_TICKS
	movb	$1, BDA_MIDNIGHT
1:	int	$0x1C
	mov	$0x20, %al
	out	%al, $0x20
	pop	%ax
	pop	%ds
	iret

/*
 * IRQ1: a scancode (set 1) from the keyboard controller.  Shift, Ctrl,
 * Alt and Caps Lock change the flags at 0x417; another key's make code
 * becomes a word in the keyboard buffer, its scancode above its ASCII
 * code, which int 0x16 hands out.  Ctrl-Alt-Del restarts the machine
 * from the reset vector.
 */
int09_keyboard:
	push	%ds
	push	%ax
	push	%bx
	mov	$BDA_SEG, %ax
	mov	%ax, %ds
	in	$0x60, %al
	cmp	$0xE0, %al		/* an extended key follows */
	jne	1f
	orb	$0x02, BDA_KBD_FLAGS3
	jmp	9f
1:	mov	%al, %ah
	and	$0x7F, %al		/* AL: the key, AH bit 7: released */
	mov	$0x02, %bl		/* left shift */
	cmp	$0x2A, %al
	je	2f
	mov	$0x01, %bl		/* right shift */
	cmp	$0x36, %al
	je	2f
	mov	$0x04, %bl		/* ctrl */
	cmp	$0x1D, %al
	je	2f
	mov	$0x08, %bl		/* alt */
	cmp	$0x38, %al
	je	2f
	test	$0x80, %ah		/* another key's release: nothing */
	jnz	8f
	cmp	$0x3A, %al		/* caps lock toggles */
	jne	3f
	xorb	$0x40, BDA_KBD_FLAGS
	jmp	8f
2:	test	$0x80, %ah		/* a modifier: down or up */
	jnz	21f
	or	%bl, BDA_KBD_FLAGS
	jmp	8f
21:	not	%bl
	and	%bl, BDA_KBD_FLAGS
	jmp	8f
3:	mov	BDA_KBD_FLAGS, %bl
	and	$0x0C, %bl		/* ctrl + alt + del */
	cmp	$0x0C, %bl
	jne	4f
	cmp	$0x53, %al
	jne	4f
	movw	$0x1234, BDA_RESET_FLAG	/* a warm boot */
	mov	$0x20, %al
	out	%al, $0x20
	ljmp	$BIOS_SEG, $0xFFF0
4:	mov	%al, %bl		/* the key */
	call	key_ascii		/* AL: its ASCII */
	mov	%bl, %ah		/* AH: its scancode */
	testb	$0x02, BDA_KBD_FLAGS3
	jz	5f
	mov	$0xE0, %al		/* an extended key (arrows...) */
5:	call	kbd_put
8:	andb	$~0x02, BDA_KBD_FLAGS3
9:	mov	$0x20, %al
	out	%al, $0x20
	pop	%bx
	pop	%ax
	pop	%ds
	iret

/* AL: the ASCII code of key AL (a set 1 make code) with the flags at
 * 0x417 (DS = 0x40): Ctrl, Alt, Shift and Caps Lock; 0 for none. */
key_ascii:
	push	%bx
	cmp	$0x39, %al
	ja	7f
	movzbw	%al, %bx
	testb	$0x08, BDA_KBD_FLAGS	/* alt: no ASCII */
	jnz	7f
	testb	$0x04, BDA_KBD_FLAGS	/* ctrl: letters become 1-26 */
	jz	1f
	mov	%cs:O(keys_normal)(%bx), %al
	sub	$0x60, %al
	cmp	$26, %al
	jbe	9f
	jmp	7f
1:	mov	%cs:O(keys_normal)(%bx), %al
	mov	BDA_KBD_FLAGS, %ah
	test	$0x03, %ah		/* shift */
	jz	2f
	mov	%cs:O(keys_shift)(%bx), %al
2:	test	$0x40, %ah		/* caps lock turns a letter's case round */
	jz	9f
	cmp	$'a', %al		/* caps lock: letters only */
	jb	3f
	cmp	$'z', %al
	ja	9f
	sub	$0x20, %al
	jmp	9f
3:	cmp	$'A', %al
	jb	9f
	cmp	$'Z', %al
	ja	9f
	add	$0x20, %al
	jmp	9f
7:	xor	%al, %al
9:	pop	%bx
	ret

/* Put AX into the keyboard buffer (DS = 0x40); CF when it is full. */
kbd_put:
	push	%bx
	push	%si
	mov	BDA_KBD_TAIL, %bx
	mov	%bx, %si
	add	$2, %si
	cmp	BDA_KBD_END, %si
	jb	1f
	mov	BDA_KBD_START, %si
1:	cmp	BDA_KBD_HEAD, %si	/* full */
	stc
	je	2f
	mov	%ax, (%bx)
	mov	%si, BDA_KBD_TAIL
	clc
2:	pop	%si
	pop	%bx
	ret

/* ------------------------------------------------------------ int 0x10 */
	.globl	int10_video, putc_tty, serial_putc
/*
 * int 0x10: the 80x25 colour text screen at 0xB8000 (page 0), its
 * cursor kept at 0x450 and in the CRT controller's registers 0x0E/0x0F.
 */
int10_video:
	push	%bp
	mov	%sp, %bp
	push	%ds
	push	%es
	push	%di
	push	%si
	push	%bx
	push	%cx
	push	%dx
	push	%ax
	mov	$BDA_SEG, %di
	mov	%di, %ds
	mov	$0xB800, %di
	mov	%di, %es
	cmp	$0x0E, %ah
	je	v_teletype
	cmp	$0x13, %ah
	je	v_string
	cmp	$0x02, %ah
	je	v_set_cursor
	cmp	$0x03, %ah
	je	v_get_cursor
	cmp	$0x00, %ah
	je	v_set_mode
	cmp	$0x01, %ah
	je	v_cursor_shape
	cmp	$0x06, %ah
	je	v_scroll_up
	cmp	$0x07, %ah
	je	v_scroll_down
	cmp	$0x08, %ah
	je	v_read_char
	cmp	$0x09, %ah
	je	v_write_chars
	cmp	$0x0A, %ah
	je	v_write_chars
	cmp	$0x0F, %ah
	je	v_get_mode
	cmp	$0x12, %ah
	je	v_ega_info
	cmp	$0x1A, %ah
	je	v_display
	jmp	v_done			/* not supported: nothing changes */

v_teletype:				/* AL: a character */
	call	serial_putc
	call	putc_tty
	jmp	v_done

v_set_cursor:				/* DH row, DL column */
	mov	%dx, %ax
	call	set_cursor
	jmp	v_done

v_get_cursor:				/* DH, DL: the cursor; CX: its shape */
	mov	BDA_CURSOR, %ax		/* AL column, AH row: as DL, DH */
	mov	%ax, -14(%bp)		/* the saved DX */
	mov	BDA_CURSOR_TYPE, %ax
	mov	%ax, -12(%bp)		/* the saved CX */
	movw	$0, -16(%bp)		/* AX = 0 */
	jmp	v_done

v_set_mode:				/* AL: the mode; 2, 3 (text), bit 7: keep the screen */
	mov	%al, %ah
	and	$0x7F, %al
	cmp	$0x03, %al
	je	1f
	cmp	$0x02, %al
	jne	v_done
1:	mov	%al, BDA_VMODE
	movw	$80, BDA_VCOLS
	movw	$4096, BDA_VPAGE_SIZE
	movb	$24, BDA_VROWS
	movb	$16, BDA_CHAR_HEIGHT
	movw	$0x0607, BDA_CURSOR_TYPE
	mov	$0x0D0A, %ax		/* CRTC cursor start 13 */
	call	crtc_write
	mov	$0x0E0B, %ax		/* ... end 14 */
	call	crtc_write
	testb	$0x80, -16(%bp)		/* the saved AL, bit 7 */
	jnz	2f
	xor	%di, %di
	mov	$80 * 25, %cx
	mov	$0x0720, %ax
	rep stosw
2:	xor	%ax, %ax
	call	set_cursor
	jmp	v_done

v_cursor_shape:				/* CH start, CL end (bit 5 of CH: hidden) */
	mov	%cx, BDA_CURSOR_TYPE
	mov	%ch, %ah
	mov	$0x0A, %al
	call	crtc_write
	mov	%cl, %ah
	mov	$0x0B, %al
	call	crtc_write
	jmp	v_done

v_scroll_up:				/* AL lines (0: all), BH fill, CH/CL-DH/DL */
	call	scroll_window
	jmp	v_done

v_scroll_down:
	call	scroll_window
	jmp	v_done

v_read_char:				/* AL char, AH attribute at the cursor */
	call	cursor_offset
	mov	%es:(%di), %ax
	mov	%ax, -16(%bp)
	jmp	v_done

v_write_chars:				/* AL, BL (AH 9) CX times at the cursor */
	call	cursor_offset
	test	%cx, %cx
	jz	v_done
1:	mov	%al, %es:(%di)
	cmpb	$0x0A, -15(%bp)		/* AH 0x0A: the character only */
	je	2f
	mov	%bl, %es:1(%di)
2:	add	$2, %di
	cmp	$80 * 25 * 2, %di
	jae	v_done
	loop	1b
	jmp	v_done

v_get_mode:				/* AL mode, AH columns, BH page */
	mov	BDA_VMODE, %al
	mov	$80, %ah
	mov	%ax, -16(%bp)
	movb	$0, -9(%bp)		/* the saved BH */
	jmp	v_done

v_ega_info:				/* BL 0x10: colour, 256 KiB */
	cmp	$0x10, %bl
	jne	v_done
	movw	$0x0003, -10(%bp)	/* BH 0 (colour), BL 3 (256 KiB) */
	movw	$0, -12(%bp)
	jmp	v_done

v_display:				/* AL 0: VGA with a colour display */
	test	%al, %al
	jnz	v_done
	movb	$0x1A, -16(%bp)
	movw	$0x0008, -10(%bp)
	jmp	v_done

/*
 * AH 0x13: write CX characters from ES:BP at row DH, column DL; AL bit 1:
 * each character is followed by its attribute (else all have BL), bit 0:
 * the cursor stays after the string.  Mirrored to COM1.
 */
v_string:
	push	%fs
	mov	BDA_CURSOR, %si		/* the cursor before */
	push	%si
	mov	%dx, %ax
	call	set_cursor
	mov	-4(%bp), %ax		/* the caller's ES: the string */
	mov	%ax, %fs
	mov	0(%bp), %si		/* the caller's BP: its offset */
	jcxz	3f
1:	mov	%fs:(%si), %al
	inc	%si
	testb	$0x02, -16(%bp)		/* the saved AL */
	jz	2f
	mov	%fs:(%si), %bl
	inc	%si
2:	call	serial_putc
	call	putc_attr
	loop	1b
3:	pop	%si
	testb	$0x01, -16(%bp)
	jnz	4f
	mov	%si, %ax		/* put the cursor back */
	call	set_cursor
	pop	%fs
	jmp	v_done
4:	pop	%fs

v_done:
	pop	%ax
	pop	%dx
	pop	%cx
	pop	%bx
	pop	%si
	pop	%di
	pop	%es
	pop	%ds
	pop	%bp
	iret

/* The CRT controller's register AL := AH. */
crtc_write:
	push	%dx
	mov	$0x3D4, %dx
	out	%al, %dx
	inc	%dx
	mov	%ah, %al
	out	%al, %dx
	pop	%dx
	ret

/* The cursor at row AH, column AL (DS = 0x40): 0x450 and the CRTC. */
set_cursor:
	push	%ax
	push	%bx
	mov	%ax, BDA_CURSOR
	movzbw	%ah, %bx		/* row * 80 + column */
	imul	$80, %bx, %bx
	xor	%ah, %ah
	add	%ax, %bx
	mov	$0x0E, %al
	mov	%bh, %ah
	call	crtc_write
	mov	$0x0F, %al
	mov	%bl, %ah
	call	crtc_write
	pop	%bx
	pop	%ax
	ret

/* DI: the offset in 0xB8000 of the cell under the cursor. */
cursor_offset:
	push	%ax
	mov	BDA_CURSOR, %ax		/* AL column, AH row */
	movzbw	%ah, %di
	imul	$80, %di, %di
	xor	%ah, %ah
	add	%ax, %di
	shl	%di
	pop	%ax
	ret

/* Character AL on the screen as a teletype: CR, LF, BS, BEL are moves
 * (or nothing); another character takes the cell's attribute as it is.
 * ES = 0xB800, DS = 0x40. */
putc_tty:
	push	%bx
	push	%di
	call	cursor_offset
	mov	%es:1(%di), %bl
	call	putc_attr
	pop	%di
	pop	%bx
	ret

/* ... with attribute BL for a printable character. */
putc_attr:
	push	%ax
	push	%di
	cmp	$0x0D, %al
	je	3f
	cmp	$0x0A, %al
	je	4f
	cmp	$0x08, %al
	je	5f
	cmp	$0x07, %al
	je	9f
	call	cursor_offset
	mov	%al, %es:(%di)
	mov	%bl, %es:1(%di)
	mov	BDA_CURSOR, %ax
	inc	%al			/* next column */
	cmp	$80, %al
	jb	6f
	xor	%al, %al
	inc	%ah			/* ... or the next line */
	jmp	6f
3:	mov	BDA_CURSOR, %ax		/* CR: column 0 */
	xor	%al, %al
	jmp	6f
4:	mov	BDA_CURSOR, %ax		/* LF: the next row */
	inc	%ah
	jmp	6f
5:	mov	BDA_CURSOR, %ax		/* BS: one column back */
	test	%al, %al
	jz	6f
	dec	%al
6:	cmp	$25, %ah		/* below the last row: scroll up */
	jb	7f
	call	scroll_line
	mov	$24, %ah
7:	call	set_cursor
9:	pop	%di
	pop	%ax
	ret

/* The whole screen up by one line, the last one blank (grey on black). */
scroll_line:
	push	%ds
	push	%si
	push	%di
	push	%cx
	push	%ax
	mov	%es, %ax
	mov	%ax, %ds
	mov	$160, %si
	xor	%di, %di
	mov	$80 * 24, %cx
	rep movsw
	mov	$0x0720, %ax
	mov	$80, %cx
	rep stosw
	pop	%ax
	pop	%cx
	pop	%di
	pop	%si
	pop	%ds
	ret

/*
 * int 0x10 AH 6/7: the window CH,CL (top row, left column) - DH,DL
 * scrolled up (6) or down (7) by AL lines (0: cleared), with BH's
 * attribute in the new lines.  One line at a time.
 */
scroll_window:
	push	%ax
	cmp	$24, %dh		/* the window inside the screen */
	jbe	1f
	mov	$24, %dh
1:	cmp	$79, %dl
	jbe	2f
	mov	$79, %dl
2:	mov	%dh, %ah		/* AL 0 or more than the window: clear it */
	sub	%ch, %ah
	inc	%ah
	test	%al, %al
	jz	3f
	cmp	%ah, %al
	jbe	4f
3:	mov	%ah, %al
4:	movzbw	%al, %si		/* SI: lines left to scroll */
5:	test	%si, %si
	jz	9f
	call	scroll_window_once
	dec	%si
	jmp	5b
9:	pop	%ax
	ret

/* One line of scroll_window: AH 6 up, 7 down (from the saved AX). */
scroll_window_once:
	push	%ax
	push	%bx
	push	%cx
	push	%di
	push	%si
	push	%ds
	mov	%es, %ax
	mov	%ax, %ds
	cmpb	$0x07, -15(%bp)		/* the caller's AH */
	je	5f
	mov	%ch, %bl		/* up: row r gets row r + 1 */
1:	cmp	%dh, %bl
	jae	3f
	call	window_row		/* DI: row BL at column CL, AX: width */
	mov	%di, %si
	add	$160, %si
	push	%cx
	mov	%ax, %cx
	rep movsw
	pop	%cx
	inc	%bl
	jmp	1b
3:	mov	%dh, %bl		/* the bottom row cleared */
	jmp	8f
5:	mov	%dh, %bl		/* down: row r gets row r - 1 */
6:	cmp	%ch, %bl
	jbe	7f
	call	window_row
	mov	%di, %si
	sub	$160, %si
	push	%cx
	mov	%ax, %cx
	rep movsw
	pop	%cx
	dec	%bl
	jmp	6b
7:	mov	%ch, %bl		/* the top row cleared */
8:	call	window_row
	push	%cx
	mov	%ax, %cx
	mov	-9(%bp), %ah		/* the caller's BH: the attribute */
	mov	$' ', %al
	rep stosw
	pop	%cx
	pop	%ds
	pop	%si
	pop	%di
	pop	%cx
	pop	%bx
	pop	%ax
	ret

/* DI: the cell of row BL, column CL; AX: the window's width (DL - CL + 1). */
window_row:
	movzbw	%bl, %di
	imul	$80, %di, %di
	movzbw	%cl, %ax
	add	%ax, %di
	shl	%di
	movzbw	%dl, %ax
	sub	%cl, %al
	inc	%ax
	ret

/* Character AL to COM1, when its transmitter can take one. */
serial_putc:
	push	%dx
	push	%ax
	mov	$COM1 + 5, %dx
1:	in	%dx, %al
	test	$0x20, %al
	jz	1b
	pop	%ax
	mov	$COM1, %dx
	out	%al, %dx
	pop	%dx
	ret

/* ------------------------------------------------------------ int 0x13 */
	.globl	int13_disk
/*
 * int 0x13: DL the drive (0x00 the floppy, 0x80 the hard disk), AH the
 * function.  CF and AH say how it went (0: fine), as the PC's BIOS does.
 */
int13_disk:
	push	%bp
	mov	%sp, %bp
	push	%fs
	push	%si
	push	%di
	push	%bx
	push	%cx
	push	%dx
	push	%eax
	mov	$EBDA_SEG, %si
	mov	%si, %fs
	mov	$EBDA_DRV_FD, %si
	cmp	$0x00, %dl
	je	1f
	mov	$EBDA_DRV_HD, %si
	cmp	$0x80, %dl
	jne	d_bad_drive
1:	cmpb	$0, %fs:DRV_PRESENT(%si)
	je	d_bad_drive
	cmp	$0x02, %ah
	je	d_read
	cmp	$0x03, %ah
	je	d_write
	cmp	$0x42, %ah
	je	d_ext_read
	cmp	$0x43, %ah
	je	d_ext_write
	cmp	$0x08, %ah
	je	d_params
	cmp	$0x41, %ah
	je	d_ext_check
	cmp	$0x48, %ah
	je	d_ext_params
	cmp	$0x15, %ah
	je	d_type
	cmp	$0x01, %ah
	je	d_status
	cmp	$0x04, %ah		/* verify: fine */
	je	d_ok_count
	cmp	$0x00, %ah		/* reset, seek, recalibrate, ready... */
	je	d_ok
	cmp	$0x0C, %ah
	je	d_ok
	cmp	$0x0D, %ah
	je	d_ok
	cmp	$0x10, %ah
	je	d_ok
	cmp	$0x11, %ah
	je	d_ok
	cmp	$0x16, %ah		/* floppy: the disk was not changed */
	je	d_ok
d_bad:	mov	$0x01, %ah		/* invalid function */
	jmp	d_fail
d_bad_drive:
	jmp	d_bad

d_ok_count:
	movb	%al, -16(%bp)		/* AL: the sectors "verified" */
d_ok:	xor	%ah, %ah
d_ret:	movb	%ah, -15(%bp)		/* the caller's AH */
	call	d_status_set
	andb	$0xFE, 6(%bp)		/* CF clear */
	jmp	d_exit
d_fail:	movb	%ah, -15(%bp)
	call	d_status_set
	orb	$0x01, 6(%bp)		/* CF set */
d_exit:	pop	%eax
	pop	%dx
	pop	%cx
	pop	%bx
	pop	%di
	pop	%si
	pop	%fs
	pop	%bp
	iret

/* The last status, at 0x441 (floppy) or 0x474 (hard disk). */
d_status_set:
	push	%ds
	push	%bx
	mov	$BDA_SEG, %bx
	mov	%bx, %ds
	mov	$BDA_FD_STATUS, %bx
	test	$0x80, %dl
	jz	1f
	mov	$BDA_HD_STATUS, %bx
1:	mov	%ah, (%bx)
	pop	%bx
	pop	%ds
	ret

d_status:
	push	%ds
	mov	$BDA_SEG, %bx
	mov	%bx, %ds
	mov	$BDA_FD_STATUS, %bx
	test	$0x80, %dl
	jz	1f
	mov	$BDA_HD_STATUS, %bx
1:	mov	(%bx), %ah
	pop	%ds
	test	%ah, %ah
	jz	d_ret
	jmp	d_fail

/*
 * AH 2/3: AL sectors from cylinder CH (bits 8-9 in CL's bits 6-7), head
 * DH, sector CL (1-63) to or from ES:BX.  AL: how many were done.
 */
d_read:
	mov	$0x20, %ah
	jmp	1f
d_write:
	mov	$0x30, %ah
1:	push	%ax			/* AH: the ATA command, AL: the count */
	movzbw	%cl, %di		/* the sector, 1-based */
	and	$0x3F, %di
	jz	8f
	cmp	%fs:DRV_SPT(%si), %di
	ja	8f
	movzbw	%dh, %ax
	cmp	%fs:DRV_HEADS(%si), %ax
	jae	8f
	mov	%cl, %al		/* the cylinder */
	shr	$6, %al
	mov	%al, %ah
	mov	%ch, %al
	cmp	%fs:DRV_CYLS(%si), %ax
	jae	8f
	movzwl	%ax, %eax		/* LBA = (C * heads + H) * spt + S - 1 */
	movzwl	%fs:DRV_HEADS(%si), %ecx
	imul	%ecx, %eax
	movzbl	%dh, %ecx
	add	%ecx, %eax
	movzwl	%fs:DRV_SPT(%si), %ecx
	imul	%ecx, %eax
	dec	%di
	movzwl	%di, %ecx
	add	%ecx, %eax
	pop	%cx			/* CH: the command, CL: the count */
	mov	%bx, %di		/* ES:DI: the buffer */
	call	d_transfer
	mov	%cl, -16(%bp)		/* the caller's AL: sectors done */
	jc	d_fail
	jmp	d_ok
8:	pop	%ax
	movb	$0, -16(%bp)
	mov	$0x04, %ah		/* sector not found */
	jmp	d_fail

/*
 * CL sectors from LBA EAX, command CH (0x20 read, 0x30 write), to or
 * from ES:DI, the buffer moved on by 512 bytes a sector (segment first,
 * so a transfer never wraps within 64 KiB).  CL: sectors done; CF, AH.
 */
d_transfer:
	push	%es
	push	%bx
	push	%dx
	mov	%cl, %dl		/* DL: to do, CL: done */
	xor	%cl, %cl
	mov	%ch, %bl
1:	test	%dl, %dl
	jz	3f
	cmp	%fs:DRV_TOTAL(%si), %eax
	jae	4f
	push	%ax			/* ES:DI normalized: DI below 16 */
	mov	%di, %ax
	shr	$4, %ax
	mov	%es, %bx
	add	%ax, %bx
	mov	%bx, %es
	and	$0x0F, %di
	pop	%ax
	mov	%ch, %bl
	call	ata_sector
	jc	5f
	add	$512, %di
	inc	%eax
	inc	%cl
	dec	%dl
	jmp	1b
3:	clc
	jmp	6f
4:	mov	$0x04, %ah		/* past the end of the drive */
5:	stc
6:	pop	%dx
	pop	%bx
	pop	%es
	ret

/* AH 0x42/0x43: the disk address packet at DS:SI (count at +2, buffer
 * offset:segment at +4, LBA at +8); the count done is written back. */
d_ext_read:
	mov	$0x20, %ch
	jmp	1f
d_ext_write:
	mov	$0x30, %ch
1:	mov	-4(%bp), %bx		/* the caller's SI: the packet */
	cmpl	$0, 12(%bx)		/* LBA bits 32-63: beyond this BIOS */
	jne	8f
	mov	2(%bx), %cl
	cmpw	$0x7F, 2(%bx)
	ja	8f
	mov	8(%bx), %eax
	push	%es
	les	4(%bx), %di
	call	d_transfer
	pop	%es
	movzbw	%cl, %cx
	mov	%cx, 2(%bx)
	jc	d_fail
	jmp	d_ok
8:	mov	$0x01, %ah
	jmp	d_fail

/* AH 8: the drive's geometry, the number of drives.  A hard disk's last
 * cylinder is kept for diagnostics, as PC BIOSes (and SeaBIOS) do. */
d_params:
	mov	%fs:DRV_CYLS(%si), %ax	/* the last cylinder */
	dec	%ax
	cmpw	$EBDA_DRV_HD, %si
	jne	1f
	test	%ax, %ax
	jz	1f
	dec	%ax
1:
	mov	%al, %ch
	shl	$6, %ah
	mov	%fs:DRV_SPT(%si), %cl
	or	%ah, %cl
	mov	%fs:DRV_HEADS(%si), %dh
	dec	%dh
	mov	$1, %dl
	mov	%cx, -10(%bp)
	mov	%dx, -12(%bp)
	movb	$0, -16(%bp)		/* AL 0 */
	cmpw	$EBDA_DRV_HD, %si
	je	d_ok
	mov	$0x10, %al		/* the floppy: its type from CMOS 0x10 */
	out	%al, $0x70
	in	$0x71, %al
	shr	$4, %al
	movb	%al, -8(%bp)		/* the caller's BL */
	movw	$O(floppy_params), -6(%bp)	/* ES:DI: the parameter table */
	mov	$BIOS_SEG, %ax
	mov	%ax, %es
	jmp	d_ok_es

/* AH 8 on a floppy returns ES: leave with the new ES (not saved). */
d_ok_es:
	xor	%ah, %ah
	movb	%ah, -15(%bp)
	call	d_status_set
	andb	$0xFE, 6(%bp)
	jmp	d_exit

/* AH 0x41: the LBA extensions are there (hard disk only). */
d_ext_check:
	cmp	$0x55AA, %bx
	jne	d_bad
	cmpw	$EBDA_DRV_HD, %si
	jne	d_bad
	movw	$0xAA55, -8(%bp)	/* BX */
	movw	$0x0001, -10(%bp)	/* CX: packet functions 0x42-0x44, 0x47, 0x48 */
	mov	$0x30, %ah		/* EDD 3.0 */
	movb	%ah, -15(%bp)
	andb	$0xFE, 6(%bp)
	jmp	d_exit

/* AH 0x48: the drive's parameters into the buffer at DS:SI. */
d_ext_params:
	mov	-4(%bp), %bx
	cmpw	$0x1A, (%bx)
	jb	d_bad
	movw	$0x1A, (%bx)
	movw	$0x0002, 2(%bx)		/* the geometry is valid */
	movzwl	%fs:DRV_CYLS(%si), %eax
	mov	%eax, 4(%bx)
	movzwl	%fs:DRV_HEADS(%si), %eax
	mov	%eax, 8(%bx)
	movzwl	%fs:DRV_SPT(%si), %eax
	mov	%eax, 12(%bx)
	mov	%fs:DRV_TOTAL(%si), %eax
	mov	%eax, 16(%bx)
	movl	$0, 20(%bx)
	movw	$512, 24(%bx)
	jmp	d_ok

/* AH 0x15: the drive's type; a hard disk's size in CX:DX sectors. */
d_type:
	cmpw	$EBDA_DRV_HD, %si
	je	1f
	mov	$0x02, %ah		/* a floppy that tells disk changes */
	movb	%ah, -15(%bp)
	andb	$0xFE, 6(%bp)
	jmp	d_exit
1:	mov	%fs:DRV_TOTAL(%si), %ax
	mov	%ax, -12(%bp)		/* DX */
	mov	%fs:DRV_TOTAL + 2(%si), %ax
	mov	%ax, -10(%bp)		/* CX */
	mov	$0x03, %ah
	movb	%ah, -15(%bp)
	andb	$0xFE, 6(%bp)
	jmp	d_exit

/* ------------------------------------------------------------ int 0x15 */
	.globl	int15_system
/* int 0x15: the memory map and sizes (from CMOS bytes 0x30/0x31 and
 * 0x34/0x35, as the machine filled them), A20. */
int15_system:
	push	%bp
	mov	%sp, %bp
	cmp	$0xE820, %eax
	je	s_e820
	cmp	$0xE801, %ax
	je	s_e801
	cmp	$0x88, %ah
	je	s_88
	cmp	$0x2401, %ax		/* A20 on: it always is */
	je	s_ok
	cmp	$0x2402, %ax		/* A20 status: on */
	je	s_a20_status
	cmp	$0x2403, %ax		/* A20 support: keyboard controller, port 0x92 */
	je	s_a20_support
	cmp	$0x4F, %ah		/* keyboard intercept: keep the scancode */
	je	s_set_cf
	cmp	$0x90, %ah		/* device busy / done */
	je	s_ok
	cmp	$0x91, %ah
	je	s_ok
	mov	$0x86, %ah		/* not supported (A20 off among them) */
s_set_cf:
	orb	$0x01, 6(%bp)
	pop	%bp
	iret
s_ok:	xor	%ah, %ah
s_clear_cf:
	andb	$0xFE, 6(%bp)
	pop	%bp
	iret
s_a20_status:
	mov	$0x0001, %ax
	jmp	s_clear_cf
s_a20_support:
	mov	$0x0003, %bx
	xor	%ah, %ah
	jmp	s_clear_cf

/* AH 0x88: KiB above 1 MiB (CMOS 0x30/0x31). */
s_88:	mov	$0x30, %al
	call	cmos_word
	jmp	s_clear_cf

/* AX 0xE801: AX = CX = KiB between 1 and 16 MiB, BX = DX = 64 KiB
 * blocks above 16 MiB. */
s_e801:
	mov	$0x30, %al
	call	cmos_word
	cmp	$0x3C00, %ax
	jbe	1f
	mov	$0x3C00, %ax
1:	mov	%ax, %cx
	mov	$0x34, %al
	call	cmos_word
	mov	%ax, %bx
	mov	%ax, %dx
	mov	%cx, %ax
	jmp	s_clear_cf

/* AX 0xE820: entry EBX of the memory map into ES:DI (ECX >= 20 bytes),
 * EBX the next one (0 after the last), EAX 'SMAP', ECX 20. */
s_e820:
	cmp	$0x534D4150, %edx	/* 'SMAP' */
	jne	9f
	cmp	$20, %ecx
	jb	9f
	cmp	$E820_COUNT, %ebx
	jae	9f
	push	%si
	push	%di
	push	%cx
	push	%ds
	mov	%cs, %ax
	mov	%ax, %ds
	mov	%bx, %si		/* the entry, 20 bytes */
	imul	$20, %si, %si
	add	$O(e820_map), %si
	mov	$10, %cx
	rep movsw
	pop	%ds
	pop	%cx
	pop	%di
	pop	%si
	cmp	$E820_RAM_HIGH, %bx	/* RAM above 1 MiB: its length from CMOS */
	jne	1f
	call	ram_above_1m
	mov	%eax, %es:8(%di)
1:	inc	%ebx
	cmp	$E820_COUNT, %ebx
	jb	2f
	xor	%ebx, %ebx
2:	mov	$0x534D4150, %eax
	mov	$20, %ecx
	jmp	s_clear_cf
9:	mov	$0x86, %ah
	jmp	s_set_cf

/* EAX: the bytes of RAM above 1 MiB, from CMOS 0x30/0x31 (KiB up to
 * 16 MiB) and 0x34/0x35 (64 KiB blocks above it). */
ram_above_1m:
	push	%edx
	mov	$0x34, %al
	call	cmos_word
	movzwl	%ax, %eax
	test	%eax, %eax
	jz	1f
	shl	$16, %eax		/* 64 KiB blocks above 16 MiB ... */
	add	$15 << 20, %eax		/* ... and the 15 MiB below it */
	jmp	2f
1:	mov	$0x30, %al
	call	cmos_word
	movzwl	%ax, %eax
	shl	$10, %eax
2:	pop	%edx
	ret

/* AX: the CMOS word at bytes AL (low) and AL + 1 (high). */
cmos_word:
	push	%dx
	mov	%al, %dl
	inc	%al
	out	%al, $0x70
	in	$0x71, %al
	mov	%al, %ah
	mov	%dl, %al
	out	%al, $0x70
	in	$0x71, %al
	pop	%dx
	ret

/* The memory map (bootinfo.h says the same for multiboot kernels). */
	.balign	4
	.globl	e820_map
e820_map:
	.quad	0, 0x9FC00
	.long	1
	.quad	0x9FC00, 0x400
	.long	2
	.quad	0xE0000, 0x20000
	.long	2
	.quad	0x100000, 0		/* the length: ram_above_1m */
	.long	1
	.quad	0xFFFE0000, 0x20000
	.long	2

/* ------------------------------------------------- int 0x11, 0x12, 0x16 */
	.globl	int11_equipment, int12_memory, int16_keyboard
int11_equipment:
	push	%ds
	mov	$BDA_SEG, %ax
	mov	%ax, %ds
	mov	BDA_EQUIP, %ax
	pop	%ds
	iret

int12_memory:
	push	%ds
	mov	$BDA_SEG, %ax
	mov	%ax, %ds
	mov	BDA_MEM_KIB, %ax
	pop	%ds
	iret

/*
 * int 0x16: AH 0/0x10 wait for a key (interrupts on, hlt until IRQ1
 * brings one), AH 1/0x11 look at the next one (ZF: none), AH 2/0x12 the
 * shift flags, AH 5 put CX into the buffer.
 */
int16_keyboard:
	push	%bp
	mov	%sp, %bp
	push	%ds
	push	%bx
	mov	$BDA_SEG, %bx
	mov	%bx, %ds
	cmp	$0x00, %ah
	je	k_get
	cmp	$0x10, %ah
	je	k_get
	cmp	$0x01, %ah
	je	k_peek
	cmp	$0x11, %ah
	je	k_peek
	cmp	$0x02, %ah
	je	k_flags
	cmp	$0x12, %ah
	je	k_flags
	cmp	$0x05, %ah
	je	k_push
	jmp	k_done
k_get:
	push	%ax
1:	cli
	mov	BDA_KBD_HEAD, %bx
	cmp	BDA_KBD_TAIL, %bx
	jne	2f
	sti
	hlt				/* until the next interrupt */
	jmp	1b
2:	mov	(%bx), %ax
	add	$2, %bx
	cmp	BDA_KBD_END, %bx
	jb	3f
	mov	BDA_KBD_START, %bx
3:	mov	%bx, BDA_KBD_HEAD
	pop	%bx			/* the caller's AH: 0 or 0x10 */
	test	%bh, %bh
	jnz	k_done
	cmp	$0xE0, %al		/* AH 0: an extended key has ASCII 0 */
	jne	k_done
	xor	%al, %al
	jmp	k_done
k_peek:
	cli
	mov	BDA_KBD_HEAD, %bx
	cmp	BDA_KBD_TAIL, %bx
	je	1f
	mov	(%bx), %ax
	andb	$~0x40, 6(%bp)		/* ZF clear: a key is there */
	jmp	k_done
1:	orb	$0x40, 6(%bp)		/* ZF set: none */
	jmp	k_done
k_flags:
	mov	BDA_KBD_FLAGS, %al
	mov	BDA_KBD_FLAGS2, %ah
	jmp	k_done
k_push:
	mov	%cx, %ax
	call	kbd_put
	mov	$0, %al
	jnc	k_done
	mov	$1, %al
k_done:
	pop	%bx
	pop	%ds
	pop	%bp
	iret

/* ------------------------------------------------------------ int 0x1A */
	.globl	int1a_time
/* int 0x1A: AH 0/1 get/set the ticks since midnight, AH 2/4 read the
 * CMOS clock's time/date (BCD), AH 3/5 set them. */
int1a_time:
	push	%bp
	mov	%sp, %bp
	push	%ds
	push	%bx
	mov	$BDA_SEG, %bx
	mov	%bx, %ds
	cmp	$0x00, %ah
	je	t_ticks
	cmp	$0x01, %ah
	je	t_set_ticks
	cmp	$0x02, %ah
	je	t_time
	cmp	$0x03, %ah
	je	t_set_time
	cmp	$0x04, %ah
	je	t_date
	cmp	$0x05, %ah
	je	t_set_date
	orb	$0x01, 6(%bp)		/* not supported */
	jmp	t_done
t_ticks:
	cli
	mov	BDA_TICKS, %dx
	mov	BDA_TICKS + 2, %cx
	mov	BDA_MIDNIGHT, %al
	movb	$0, BDA_MIDNIGHT
	sti
	jmp	t_ok
t_set_ticks:
	cli
	mov	%dx, BDA_TICKS
	mov	%cx, BDA_TICKS + 2
	movb	$0, BDA_MIDNIGHT
	sti
	jmp	t_ok
t_time:
	call	rtc_wait
	mov	$0x04, %al
	call	rtc_read
	mov	%al, %ch		/* hours */
	mov	$0x02, %al
	call	rtc_read
	mov	%al, %cl		/* minutes */
	mov	$0x00, %al
	call	rtc_read
	mov	%al, %dh		/* seconds */
	mov	$0x0B, %al
	call	rtc_read
	and	$0x01, %al		/* daylight saving */
	mov	%al, %dl
	jmp	t_ok
t_date:
	call	rtc_wait
	mov	$0x32, %al
	call	rtc_read
	mov	%al, %ch		/* century */
	mov	$0x09, %al
	call	rtc_read
	mov	%al, %cl		/* year */
	mov	$0x08, %al
	call	rtc_read
	mov	%al, %dh		/* month */
	mov	$0x07, %al
	call	rtc_read
	mov	%al, %dl		/* day */
	jmp	t_ok
t_set_time:
	call	rtc_set_begin
	mov	$0x04, %al
	mov	%ch, %bl
	call	rtc_write
	mov	$0x02, %al
	mov	%cl, %bl
	call	rtc_write
	mov	$0x00, %al
	mov	%dh, %bl
	call	rtc_write
	call	rtc_set_end
	jmp	t_ok
t_set_date:
	call	rtc_set_begin
	mov	$0x32, %al
	mov	%ch, %bl
	call	rtc_write
	mov	$0x09, %al
	mov	%cl, %bl
	call	rtc_write
	mov	$0x08, %al
	mov	%dh, %bl
	call	rtc_write
	mov	$0x07, %al
	mov	%dl, %bl
	call	rtc_write
	call	rtc_set_end
t_ok:	andb	$0xFE, 6(%bp)
t_done:	pop	%bx
	pop	%ds
	pop	%bp
	iret

/* Until the clock is not in an update (register A bit 7). */
rtc_wait:
	push	%ax
1:	mov	$0x0A, %al
	call	rtc_read
	test	$0x80, %al
	jnz	1b
	pop	%ax
	ret

/* AL := CMOS register AL. */
rtc_read:
	out	%al, $0x70
	in	$0x71, %al
	ret

/* CMOS register AL := BL. */
rtc_write:
	out	%al, $0x70
	mov	%bl, %al
	out	%al, $0x71
	ret

/* Register B's SET bit: the clock stops while it is set. */
rtc_set_begin:
	push	%ax
	mov	$0x0B, %al
	call	rtc_read
	or	$0x80, %al
	mov	%al, %bl
	mov	$0x0B, %al
	call	rtc_write
	pop	%ax
	ret

rtc_set_end:
	push	%ax
	mov	$0x0B, %al
	call	rtc_read
	and	$0x7F, %al
	mov	%al, %bl
	mov	$0x0B, %al
	call	rtc_write
	pop	%ax
	ret

/* ------------------------------------------------------------ int 0x19 */
	.globl	int19_boot
/*
 * int 0x19: sector 0 of the boot drive (the floppy if there is one,
 * else the hard disk) to 0000:7C00; with the boot signature 0x55 0xAA
 * at its end, a far jump to it with DL = the drive.
 */
int19_boot:
	xor	%ax, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	$EBDA_SEG, %ax
	mov	%ax, %fs
	mov	$0x00, %dl
	cmpb	$0, %fs:EBDA_DRV_FD + DRV_PRESENT
	jne	1f
	mov	$0x80, %dl
	cmpb	$0, %fs:EBDA_DRV_HD + DRV_PRESENT
	jne	1f
	mov	$O(msg_no_drive), %si
	jmp	boot_fail
1:	mov	$3, %di			/* three tries, as a PC's BIOS */
2:	mov	$0x0201, %ax		/* read 1 sector */
	mov	$0x0001, %cx		/* cylinder 0, sector 1 */
	xor	%dh, %dh		/* head 0 */
	mov	$0x7C00, %bx
	int	$0x13
	jnc	3f
	dec	%di
	jnz	2b
	mov	$O(msg_read_error), %si
	jmp	boot_fail
3:	cmpw	$0xAA55, 0x7DFE
	je	4f
	mov	$O(msg_no_signature), %si
	jmp	boot_fail
4:	sti				/* DL: the drive; the rest as a BIOS leaves it */
	xor	%ax, %ax
	xor	%bx, %bx
	xor	%cx, %cx
	xor	%si, %si
	xor	%di, %di
	xor	%dh, %dh
	mov	%ax, %ds
	mov	%ax, %es
	.globl	boot_jump
boot_jump:
	ljmp	$0x0000, $0x7C00

/* Print the message at CS:SI on the screen and COM1, then stop. */
boot_fail:
	mov	%cs:(%si), %al
	test	%al, %al
	jz	1f
	mov	$0x0E, %ah
	int	$0x10
	inc	%si
	jmp	boot_fail
1:	cli
	hlt
	jmp	1b

msg_no_drive:
	.asciz	"kvmstub BIOS: no drive to boot (give --disk or --floppy)\r\n"
msg_read_error:
	.asciz	"kvmstub BIOS: cannot read the boot sector\r\n"
msg_no_signature:
	.asciz	"kvmstub BIOS: the boot sector lacks the signature 0x55 0xaa\r\n"

/* The diskette parameter table (int 0x1E points here), for 1.44 MB. */
floppy_params:
	.byte	0xAF, 0x02, 0x25, 0x02, 18, 0x1B, 0xFF, 0x6C, 0xF6, 0x0F, 0x08

/* ASCII of the set 1 make codes 0x00-0x39, US layout, without and with shift. */
keys_normal:
	.byte	0, 0x1B
	.ascii	"1234567890-="
	.byte	0x08, 0x09
	.ascii	"qwertyuiop[]"
	.byte	0x0D, 0
	.ascii	"asdfghjkl;'`"
	.byte	0
	.ascii	"\\zxcvbnm,./"
	.byte	0, '*', 0, ' '
keys_shift:
	.byte	0, 0x1B
	.ascii	"!@#$%^&*()_+"
	.byte	0x08, 0
	.ascii	"QWERTYUIOP{}"
	.byte	0x0D, 0
	.ascii	"ASDFGHJKL:\"~"
	.byte	0
	.ascii	"|ZXCVBNM<>?"
	.byte	0, '*', 0, ' '

/* ------------------------------------------------------ the reset vector */
	.section .reset, "ax"
	.globl	reset_vector
reset_vector:
	ljmp	$BIOS_SEG, $O(start)
	.ascii	"06/30/26"		/* the BIOS date, at 0xFFFF5 */
	.byte	0, 0xFC			/* model: an AT */
