/*
 * lapic.S - interrupts through the local APIC and the I/O APIC, with the
 * 8259 PICs masked: what a modern kernel does instead of lesson 6's PIC
 * (interrupts.S).  Also writes three MSRs.  Recording tests use it
 * (tests/e2e/record_lapic.sh): every interrupt is a step of its own, and
 * going back undoes the MSRs, the local APIC and the PICs.
 *
 * WHAT IT DOES
 *   1. Into flat 32-bit protected mode (gdt_flat.inc), an IDT of 256 gates.
 *   2. Masks both PICs (every IRQ), so that nothing comes through them.
 *   3. wrmsr: IA32_SYSENTER_CS, _ESP, _EIP (0x174-0x176) get the values
 *      SYSENTER_*_VAL below: something a test can recognise.
 *   4. The local APIC at 0xFEE00000: TPR class 1, software-enabled with
 *      spurious vector 0xFF, the error LVT on vector 0x42, the timer
 *      periodic on vector 0x40, divide by 1, LAPIC_COUNT bus cycles (KVM's
 *      APIC bus runs at 1 GHz: LAPIC_COUNT nanoseconds a tick).
 *   5. The I/O APIC at 0xFEC00000: pin PIT_PIN (where KVM's in-kernel PIT
 *      raises IRQ 0 with its default routing: GSI n is pin n) to vector
 *      0x41, edge, fixed, to APIC 0; the PIT's channel 0 at 18.2 Hz.
 *   6. sti, and a busy loop until both counters are high enough.
 *   7. The handlers count in RAM (lapic_ticks, pit_ticks), write the
 *      LAPIC's EOI register, and return.
 *   8. "lapic: N timer ticks, M PIT ticks", exit status 0 (port 0xF4).
 *
 * RUN IT
 *   make guests/lapic.bin && ./kvmstub --no-gdb guests/lapic.bin
 *
 * The rates: under gdb's stepi (a few thousand instructions a second on
 * our machines) a timer tick comes every few hundred instructions; run
 * live, the guest ends after about a second.
 */

#include "firmware.inc"		/* IMAGE_BASE, REL(), EXIT_PORT, RESET_VECTOR */
#include "gdt_flat.inc"		/* FLAT_GDT, ENTER_PROTECTED_MODE, CODE_SEL */
#include "idt.inc"		/* IDT_GATE, EXCEPTION_GATES, EXCEPTION_STUBS */
#include "iret32.inc"		/* IRET_BY_HAND */

#define STACK_TOP	0x90000
#define LAPIC_TICKS	0x20100		/* RAM: the LAPIC timer's ticks (4 bytes) */
#define PIT_TICKS	0x20104		/* ... the I/O APIC's (the PIT's) */
#define APIC_ERRORS	0x20108		/* ... the error LVT's */
#define LAPIC_WANTED	8
#define PIT_WANTED	8

#define PIC1_DATA	0x21
#define PIC2_DATA	0xA1

#define MSR_SYSENTER_CS	0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176
#define SYSENTER_CS_VAL	0x5a10
#define SYSENTER_ESP_VAL 0x5a17500
#define SYSENTER_EIP_VAL 0x5a17600

/* The local APIC's registers (xAPIC, memory-mapped at its reset base). */
#define LAPIC		0xFEE00000
#define LAPIC_TPR	(LAPIC + 0x080)
#define LAPIC_EOI	(LAPIC + 0x0B0)
#define LAPIC_SVR	(LAPIC + 0x0F0)
#define LAPIC_LVT_TIMER	(LAPIC + 0x320)
#define LAPIC_LVT_ERROR	(LAPIC + 0x370)
#define LAPIC_INIT_CNT	(LAPIC + 0x380)
#define LAPIC_DIVIDE	(LAPIC + 0x3E0)
#define SVR_ENABLE	0x100		/* bit 8: software-enabled */
#define LVT_PERIODIC	0x20000		/* timer mode bits 17-18: 01 periodic */
#define DIVIDE_BY_1	0xB
#define LAPIC_COUNT	150000000	/* 150 ms at 1 GHz */
#define TPR_VAL		0x10		/* class 1: vectors 0x20 and up come */

#define VEC_TIMER	0x40
#define VEC_PIT		0x41
#define VEC_ERROR	0x42
#define VEC_SPURIOUS	0xFF

/* The I/O APIC: an index register and a window onto the indexed one. */
#define IOAPIC_SEL	0xFEC00000
#define IOAPIC_WIN	0xFEC00010
#define IOAPIC_REDIR	0x10		/* pin n: 0x10 + 2n (low), 0x11 + 2n (high) */
#define PIT_PIN		0

#define PIT_CH0		0x40
#define PIT_MODE	0x43
#define PIT_CH0_RATE	0x34		/* channel 0, low then high byte, mode 2, binary */

	.globl start, mask_pics, set_msrs, wrmsr_cs, lapic_on, lapic_svr, lapic_timer_on
	.globl ioapic_on, pit_on, main_loop, done, halt, timer_handler, timer_handler_end
	.globl pit_handler, pit_handler_end, error_handler, irq_spurious, exc_common
	.globl lapic_ticks, pit_ticks, apic_errors, idt, idt_ptr, gdt, gdt_ptr, reset_vector
	.set lapic_ticks, LAPIC_TICKS
	.set pit_ticks, PIT_TICKS
	.set apic_errors, APIC_ERRORS

	.text
.Limage_start:

	.code16
start:
	CFI_OUTERMOST
	ENTER_PROTECTED_MODE pm_entry, STACK_TOP
	movl	$0, lapic_ticks
	movl	$0, pit_ticks
	movl	$0, apic_errors
	lidt	idt_ptr

	/* 2. No IRQ through the PICs: the APICs deliver. */
mask_pics:
	mov	$0xFF, %al
	out	%al, $PIC1_DATA
	out	%al, $PIC2_DATA

	/* 3. Three MSRs: EDX:EAX into MSR ECX. */
set_msrs:
	xor	%edx, %edx
	mov	$MSR_SYSENTER_CS, %ecx
	mov	$SYSENTER_CS_VAL, %eax
wrmsr_cs:
	wrmsr
	mov	$MSR_SYSENTER_ESP, %ecx
	mov	$SYSENTER_ESP_VAL, %eax
	wrmsr
	mov	$MSR_SYSENTER_EIP, %ecx
	mov	$SYSENTER_EIP_VAL, %eax
	wrmsr

	/* 4. The local APIC: the TPR, then on (while it is software-disabled
	 * every LVT stays masked), then its LVTs and the timer, whose count
	 * starts with the write of the initial count. */
lapic_on:
	movl	$TPR_VAL, LAPIC_TPR
lapic_svr:
	movl	$(SVR_ENABLE | VEC_SPURIOUS), LAPIC_SVR
	movl	$VEC_ERROR, LAPIC_LVT_ERROR
	movl	$DIVIDE_BY_1, LAPIC_DIVIDE
	movl	$(LVT_PERIODIC | VEC_TIMER), LAPIC_LVT_TIMER
	movl	$LAPIC_COUNT, LAPIC_INIT_CNT
lapic_timer_on:

	/* 5. The I/O APIC: the destination (APIC ID 0) first, then the low
	 * half, which unmasks the pin. */
ioapic_on:
	movl	$(IOAPIC_REDIR + 2 * PIT_PIN + 1), IOAPIC_SEL
	movl	$0, IOAPIC_WIN
	movl	$(IOAPIC_REDIR + 2 * PIT_PIN), IOAPIC_SEL
	movl	$VEC_PIT, IOAPIC_WIN
pit_on:
	mov	$PIT_CH0_RATE, %al
	out	%al, $PIT_MODE
	xor	%al, %al		/* reload 0: 65536, 18.2 Hz */
	out	%al, $PIT_CH0
	out	%al, $PIT_CH0

	/* 6. Interrupts on; count turns in EBX until both have ticked. */
	sti
	xor	%ebx, %ebx
main_loop:
	inc	%ebx
	mov	lapic_ticks, %eax
	cmp	$LAPIC_WANTED, %eax
	jb	main_loop
	mov	pit_ticks, %eax
	cmp	$PIT_WANTED, %eax
	jb	main_loop

	/* 8. Done. */
done:
	cli
	mov	$msg_done, %esi		/* "lapic: " */
	call	print
	mov	lapic_ticks, %eax
	call	print_dec
	mov	$msg_timer, %esi	/* " timer ticks, " */
	call	print
	mov	pit_ticks, %eax
	call	print_dec
	mov	$msg_pit, %esi		/* " PIT ticks\n" */
	call	print
	xor	%al, %al
	cmpl	$0, apic_errors
	je	1f
	mov	$1, %al			/* an APIC error came: status 1 */
1:	out	%al, $EXIT_PORT
halt:
	cli
	hlt
	jmp	halt
	.cfi_endproc

/* 7. The LAPIC timer's vector.  EOI: a write of 0 to the LAPIC's EOI
 * register ends the highest vector in service. */
timer_handler:
	CFI32_TRAP
	incl	lapic_ticks
	movl	$0, LAPIC_EOI
	IRET_BY_HAND
	.cfi_endproc
timer_handler_end:

/* The PIT's IRQ 0 through the I/O APIC (edge-triggered: the LAPIC's EOI
 * is all it needs). */
pit_handler:
	CFI32_TRAP
	incl	pit_ticks
	movl	$0, LAPIC_EOI
	IRET_BY_HAND
	.cfi_endproc
pit_handler_end:

/* The error LVT: counted, and the exit status says so. */
error_handler:
	CFI32_TRAP
	incl	apic_errors
	movl	$0, LAPIC_EOI
	IRET_BY_HAND
	.cfi_endproc

/* Spurious vectors (the LAPIC's 0xFF, anything unexpected): no EOI. */
irq_spurious:
	CFI32_TRAP
	IRET_BY_HAND
	.cfi_endproc

	EXCEPTION_STUBS

/* 0(%esp) vector   4(%esp) error code   8(%esp) EIP */
exc_common:
	CFI32_EXC_COMMON
	mov	$msg_exception, %esi
	call	print
	mov	0(%esp), %eax
	call	print_dec
	mov	$msg_at, %esi
	call	print
	mov	8(%esp), %eax
	call	print_hex32
	mov	$'\n', %al
	call	putc
	mov	0(%esp), %eax
	out	%al, $EXIT_PORT
	jmp	halt
	.cfi_endproc

#include "serial32.inc"

msg_done:	.asciz	"lapic: "
msg_timer:	.asciz	" timer ticks, "
msg_pit:	.asciz	" PIT ticks\n"
msg_exception:	.asciz	"exception "
msg_at:		.asciz	" at 0x"

	FLAT_GDT

/* 256 interrupt gates: the exceptions, the three APIC vectors, and the
 * spurious handler everywhere else (0xFF is the LAPIC's spurious vector). */
	.balign	8
idt:
	EXCEPTION_GATES
	.rept	VEC_TIMER - 32
	IDT_GATE irq_spurious
	.endr
	IDT_GATE timer_handler		/* 0x40 */
	IDT_GATE pit_handler		/* 0x41 */
	IDT_GATE error_handler		/* 0x42 */
	.rept	256 - VEC_ERROR - 1
	IDT_GATE irq_spurious
	.endr
.Lidt_end:
idt_ptr:
	.word	.Lidt_end - idt - 1
	.long	idt

	RESET_VECTOR
