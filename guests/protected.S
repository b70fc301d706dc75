/*
 * protected.S - lessons 4 and 5: from real mode into 32-bit protected mode.
 *
 * WHAT YOU LEARN
 *   The few steps that take an x86 CPU from the 16-bit real mode it starts
 *   in to 32-bit protected mode: a Global Descriptor Table (GDT) that
 *   describes the segments, the PE bit of CR0, and the far jump that loads
 *   a protected-mode code segment.  Then an Interrupt Descriptor Table
 *   (IDT) for the 32 CPU exceptions, and a deliberate fault to watch the
 *   CPU use it: the handler reports which exception happened and where.
 *
 * HOW TO RUN IT
 *   make guests/protected.bin
 *   ./kvmstub --no-gdb guests/protected.bin ; echo "status $?"
 *
 *   Expected output (stdout), exactly these two lines:
 *     protected mode: hello from 32-bit code
 *     exception 6 (#UD) at 0x000fXXXX
 *   where 0x000fXXXX is the address of the ud2 instruction (the symbol
 *   fault_here; `nm guests/protected.elf | grep fault_here` shows it).
 *   Exit status: 6, the number of the exception (#UD, invalid opcode), which
 *   the handler writes to kvmstub's exit port 0xF4.
 *
 *   With gdb (two terminals):
 *   ./kvmstub guests/protected.bin
 *   gdb guests/protected.elf -x gdbscripts/kvmstub.gdb -ex 'target remote :1234'
 *     (gdb) break *to_protected      # just before CR0.PE is set
 *     (gdb) continue
 *     (gdb) p/x $gdtr_base           # the GDT is loaded: 0xf....
 *     (gdb) x/3gx gdt                # the three descriptors
 *     (gdb) stepi 3                  # CR0.PE set; still 16-bit code!
 *     (gdb) p/x $cr0
 *     (gdb) stepi                    # the far jump: now CS = 0x08, 32-bit
 *     (gdb) info registers cs eip
 *     (gdb) break *exc_common
 *     (gdb) continue                 # the ud2 faulted through the IDT
 *     (gdb) x/5xw $esp               # vector, error code, EIP, CS, EFLAGS
 *
 * THE STEPS (each is marked "STEP n" in the code below)
 *   1. Reset vector (linear 0xFFFF0, real mode): far jump to start.
 *   2. cli: no interrupts while the interrupt tables are being changed.
 *   3. lgdt: tell the CPU where the GDT is (its LINEAR address and size).
 *   4. Set CR0.PE (bit 0): protected mode is on...
 *   5. ...but CS still holds its real-mode contents, so a far jump loads
 *      CS with selector 0x08 (the GDT's code descriptor) and EIP with a
 *      32-bit offset.  From here on the CPU decodes 32-bit code.
 *   6. Load the data segment registers with selector 0x10 and set a stack.
 *   7. lidt: the IDT, 32 interrupt gates for the CPU exceptions.
 *   8. Print the greeting on the serial port.
 *   9. ud2: an instruction that always raises #UD (vector 6).  The CPU
 *      pushes EFLAGS, CS, EIP and jumps through IDT entry 6 to exc_6, which
 *      pushes the vector number and goes to exc_common: it prints the line
 *      and writes the vector to the exit port.
 *   (On our development machines KVM emulates this mode and cannot emulate
 *   `int $n`, so the exception comes from a faulting instruction, as a real
 *   bug would produce it.)
 *
 * ADDRESSES
 *   The 64 KiB image is linked at linear 0xF0000 (firmware.lds), so every
 *   symbol is a linear address.  16-bit code needs offsets inside segment
 *   0xF000 instead (REL(), from firmware.inc); 32-bit code uses flat
 *   segments with base 0, so there an offset IS the linear address.  The
 *   image is read-only firmware: everything the program writes (the
 *   stack) lives in RAM.
 */

#include "firmware.inc"		/* IMAGE_BASE, BOOT_SEG, REL(), EXIT_PORT, RESET_VECTOR */

#define CODE_SEL	0x08		/* GDT entry 1: index 1 << 3, TI = 0 (GDT), RPL 0 */
#define DATA_SEL	0x10		/* GDT entry 2: index 2 << 3 */
#define CR0_PE		0x01		/* CR0 bit 0: protection enable */
#define STACK_TOP	0x90000		/* ESP in protected mode: RAM below 640 KiB */

#include "idt.inc"		/* IDT_GATE, EXCEPTION_GATES, EXCEPTION_STUBS (after CODE_SEL) */

	.text
	.globl start, to_protected, pm_entry, fault_here, halt
	.globl print, putc, print_hex32, print_dec
	.globl gdt, gdt_code, gdt_data, gdt_ptr
	.globl idt, idt_ptr, exc_common, exc_names, reset_vector

.Limage_start:				/* linear 0xF0000 */

/* ------------------------------------------------------------------------
 * 16-bit real mode.  CS = 0xF000 (base 0xF0000), IP = offset of start.
 * ---------------------------------------------------------------------- */
	.code16
start:
	CFI_OUTERMOST			/* nobody called start: gdb's bt ends here */
	/* STEP 2: no interrupts until an IDT for protected mode exists.
	 * (Exceptions cannot be masked; none should happen meanwhile.) */
	cli
	cld				/* string instructions count upwards */

	/* STEP 3: load GDTR from the 6-byte pseudo-descriptor gdt_ptr.
	 * The operand is a memory address, so it goes through a segment:
	 * DS is whatever reset left there, but CS is known to be 0xF000, so
	 * use a CS override and the offset of gdt_ptr in that segment.  The
	 * `l` suffix (an operand-size prefix 0x66) makes lgdt take all 32
	 * bits of the base; without it a 16-bit lgdt would keep only 24. */
	lgdtl	%cs:REL(gdt_ptr)

to_protected:
	/* STEP 4: set CR0.PE.  Read, set bit 0, write back, so the other CR0
	 * bits (cache control, ET...) keep their values. */
	mov	%cr0, %eax
	or	$CR0_PE, %eax
	mov	%eax, %cr0

	/* STEP 5: the CPU is now in protected mode, but it keeps using the
	 * hidden copy of CS loaded in real mode (base 0xF0000, 16-bit) until
	 * CS is loaded again, and only a far jump (or call, or return) can
	 * load CS.  This one takes selector 0x08: the CPU reads GDT entry 1
	 * (base 0, 4 GiB, 32-bit) into CS's hidden part and sets EIP to the
	 * 32-bit offset pm_entry.  Since the base is 0 that offset is the
	 * linear address itself.  `ljmpl` emits an operand-size prefix so the
	 * offset is 32 bits wide even though this is still 16-bit code. */
	ljmpl	$CODE_SEL, $pm_entry

/* ------------------------------------------------------------------------
 * 32-bit protected mode.  CS = 0x08, flat: offsets are linear addresses.
 * ---------------------------------------------------------------------- */
	.code32
pm_entry:
	/* STEP 6: every segment register used for data must hold a valid
	 * selector; their real-mode contents mean nothing here.  All get the
	 * flat data segment, and the stack goes to RAM. */
	mov	$DATA_SEL, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %fs
	mov	%ax, %gs
	mov	%ax, %ss
	mov	$STACK_TOP, %esp

	/* STEP 7: the IDT, for the exceptions the CPU may raise from now on. */
	lidt	idt_ptr

	/* STEP 8: say hello. */
	mov	$msg_hello, %esi
	call	print

	/* STEP 9: fault on purpose.  ud2 is "undefined instruction #2", an
	 * opcode reserved to always raise #UD.  A fault reports the address
	 * of the faulting instruction itself, so the handler prints
	 * fault_here's address. */
fault_here:
	ud2

	/* Not reached: the handler never returns. */
halt:
	cli
	hlt
	jmp	halt
	.cfi_endproc

/* ------------------------------------------------------------------------
 * Serial output (32-bit): putc, print, print_hex32, print_dec.  See
 * serial.S for how the UART works.
 * ---------------------------------------------------------------------- */
#include "serial32.inc"

/* ------------------------------------------------------------------------
 * Exception entry.  On an exception the CPU looks up IDT entry <vector>,
 * loads CS:EIP from that gate, and pushes (at ring 0, no stack switch):
 *
 *     EFLAGS, CS, EIP  [, error code]      (the error code only for
 *                                           vectors 8, 10-14, 17, 21, 29, 30)
 *
 * The handler cannot ask the CPU which vector brought it here, so each
 * vector gets its own small stub exc_N that pushes a dummy error code
 * where the CPU pushed none (so every frame has the same shape) and then
 * the vector number, and jumps to exc_common (idt.inc writes the 32 stubs).
 * exc_common sees:
 *
 *     0(%esp) vector   4(%esp) error code   8(%esp) EIP   12 CS   16 EFLAGS
 * ---------------------------------------------------------------------- */
	EXCEPTION_STUBS			/* exc_0 ... exc_31, see idt.inc */

/* exc_common: print "exception N (#XX) at 0xEIP" and exit with status N. */
exc_common:
	CFI32_EXC_COMMON		/* for gdb: the frame the stub left, see idt.inc */
	mov	$msg_exception, %esi	/* "exception " */
	call	print
	mov	0(%esp), %eax		/* the vector */
	call	print_dec
	mov	0(%esp), %ebx
	and	$31, %ebx		/* stay inside the table, whatever happens */
	mov	exc_names(,%ebx,4), %ebx /* its mnemonic, or 0 if none */
	test	%ebx, %ebx
	jz	1f
	mov	$msg_open, %esi		/* " (" */
	call	print
	mov	%ebx, %esi		/* "#UD" */
	call	print
	mov	$')', %al
	call	putc
1:	mov	$msg_at, %esi		/* " at 0x" */
	call	print
	mov	8(%esp), %eax		/* the EIP the CPU saved */
	call	print_hex32
	mov	$'\n', %al
	call	putc
	mov	0(%esp), %eax
	out	%al, $EXIT_PORT		/* kvmstub ends the guest: status = vector */
	jmp	halt			/* another monitor may ignore the port */
	.cfi_endproc

/* ------------------------------------------------------------------------
 * Read-only data (in the image).
 * ---------------------------------------------------------------------- */
msg_hello:	.asciz	"protected mode: hello from 32-bit code\n"
msg_exception:	.asciz	"exception "
msg_open:	.asciz	" ("
msg_at:		.asciz	" at 0x"

/* The usual short names of the CPU exceptions (0 = no name, reserved). */
	.balign	4
exc_names:
	.long	n_de, n_db, n_nmi, n_bp, n_of, n_br, n_ud, n_nm	/*  0- 7 */
	.long	n_df, 0, n_ts, n_np, n_ss, n_gp, n_pf, 0	/*  8-15 */
	.long	n_mf, n_ac, n_mc, n_xm, n_ve, n_cp, 0, 0	/* 16-23 */
	.long	0, 0, 0, 0, n_hv, n_vc, n_sx, 0			/* 24-31 */
n_de:	.asciz	"#DE"		/* divide error */
n_db:	.asciz	"#DB"		/* debug */
n_nmi:	.asciz	"NMI"		/* non-maskable interrupt */
n_bp:	.asciz	"#BP"		/* breakpoint (int3) */
n_of:	.asciz	"#OF"		/* overflow (into) */
n_br:	.asciz	"#BR"		/* bound range exceeded */
n_ud:	.asciz	"#UD"		/* invalid opcode */
n_nm:	.asciz	"#NM"		/* device (FPU) not available */
n_df:	.asciz	"#DF"		/* double fault */
n_ts:	.asciz	"#TS"		/* invalid TSS */
n_np:	.asciz	"#NP"		/* segment not present */
n_ss:	.asciz	"#SS"		/* stack-segment fault */
n_gp:	.asciz	"#GP"		/* general protection */
n_pf:	.asciz	"#PF"		/* page fault */
n_mf:	.asciz	"#MF"		/* x87 floating-point error */
n_ac:	.asciz	"#AC"		/* alignment check */
n_mc:	.asciz	"#MC"		/* machine check */
n_xm:	.asciz	"#XM"		/* SIMD floating-point */
n_ve:	.asciz	"#VE"		/* virtualization exception */
n_cp:	.asciz	"#CP"		/* control protection */
n_hv:	.asciz	"#HV"		/* hypervisor injection */
n_vc:	.asciz	"#VC"		/* VMM communication */
n_sx:	.asciz	"#SX"		/* security exception */

/*
 * The GDT.  Each descriptor is 8 bytes; for a code or data segment:
 *
 *   bytes 0-1  limit bits 0-15          byte 5  access: P DPL(2) S Type(4)
 *   bytes 2-4  base bits 0-23           byte 6  flags G D/B L AVL, limit 16-19
 *                                       byte 7  base bits 24-31
 *
 *   P=1    present              S=1   code/data (not a system descriptor)
 *   DPL=0  kernel privilege     G=1   limit counts 4 KiB pages: 0xFFFFF
 *   D/B=1  32-bit code / stack         pages = 4 GiB
 *   Type   code 1010 = execute/read, data 0010 = read/write
 *
 * Base 0 and limit 4 GiB make the segments "flat": offset = linear address.
 * The CPU only reads the GDT (the accessed bit is already set: Type bit 0),
 * so it can live in the read-only image.
 */
	.balign	8
gdt:
	.quad	0			/* entry 0: the null descriptor (required) */
gdt_code:				/* entry 1, selector 0x08 */
	.word	0xFFFF			/* limit 0-15 */
	.word	0x0000			/* base 0-15 */
	.byte	0x00			/* base 16-23 */
	.byte	0x9B			/* P=1 DPL=0 S=1 type=1011 code, execute/read, accessed */
	.byte	0xCF			/* G=1 D=1 L=0 AVL=0, limit 16-19 = 0xF */
	.byte	0x00			/* base 24-31 */
gdt_data:				/* entry 2, selector 0x10 */
	.word	0xFFFF
	.word	0x0000
	.byte	0x00
	.byte	0x93			/* P=1 DPL=0 S=1 type=0011 data, read/write, accessed */
	.byte	0xCF			/* G=1 B=1 (32-bit stack), limit 16-19 = 0xF */
	.byte	0x00
.Lgdt_end:

/* The pseudo-descriptor lgdt reads: a 16-bit limit (size - 1) and the
 * 32-bit LINEAR address of the table (0xF....: inside this image). */
gdt_ptr:
	.word	.Lgdt_end - gdt - 1
	.long	gdt

/*
 * The IDT: one 8-byte interrupt gate per vector 0-31.
 *
 *   bytes 0-1  handler offset bits 0-15     byte 5  P DPL(2) 0 Type(4):
 *   bytes 2-3  code segment selector                0x8E = P=1, DPL=0,
 *   byte  4    0                                    32-bit interrupt gate
 *   bytes 6-7  handler offset bits 16-31            (IF cleared on entry)
 *
 * The offset is the handler's linear address (CS base is 0).  Every handler
 * is in this image, 0xF0000-0xFFFFF, so bits 16-31 are always 0x000F and
 * bits 0-15 are the handler's distance from the image start; writing it
 * that way lets the assembler compute both halves.  IDT_GATE (idt.inc)
 * writes these 8 bytes for one handler; EXCEPTION_GATES one for each of
 * exc_0 ... exc_31.
 */
	.balign	8
idt:
	EXCEPTION_GATES
.Lidt_end:

idt_ptr:
	.word	.Lidt_end - idt - 1	/* 32 * 8 - 1 = 255 */
	.long	idt

/* ------------------------------------------------------------------------
 * STEP 1: the reset vector, linear 0xFFFF0 (firmware.lds puts it there).
 * ---------------------------------------------------------------------- */
	RESET_VECTOR			/* ljmp $BOOT_SEG, $REL(start): linear 0xF0000 */
