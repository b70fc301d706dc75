/*
 * smp.S - lesson 9: several CPUs.  How the one CPU that runs after reset
 * (the bootstrap processor, BSP) wakes the others (application processors,
 * APs) with INIT-SIPI-SIPI through its local APIC, and how CPUs that share
 * memory take turns with a spinlock.
 *
 * WHAT YOU LEARN
 *   After reset only the BSP runs.  The APs sit waiting for two messages
 *   from another CPU's local APIC (the interrupt controller built into every
 *   CPU): INIT (get ready) and then SIPI, the "startup IPI", whose 8-bit
 *   vector says where to start: an AP begins in real mode at CS = vector
 *   << 8, IP = 0, i.e. at linear address vector << 12.  So the AP's first
 *   code must sit at the start of a 4 KiB page below 1 MiB.  The local
 *   APIC is programmed through memory-mapped registers at 0xFEE00000:
 *   writing the Interrupt Command Register (ICR) sends an inter-processor
 *   interrupt (IPI).
 *
 *   Once several CPUs run, they race for everything they share.  Here they
 *   share the serial port: two CPUs printing at once would mix their
 *   letters.  A spinlock makes them take turns: a word in RAM, 0 = free,
 *   1 = taken, taken with xchg, which the CPU performs atomically (no
 *   other CPU can touch the word between its read and its write).
 *
 * HOW TO RUN IT
 *   make guests/smp.bin
 *   ./kvmstub --no-gdb --smp 4 guests/smp.bin ; echo "status $?"
 *
 *   Expected output (the AP lines come in any order: the APs race):
 *     BSP 0 up, waking the APs
 *     AP 1 up
 *     AP 3 up
 *     AP 2 up
 *     smp: 4 CPUs up
 *     status 0
 *   The BSP learns how many CPUs there are from CPUID (leaf 1, EBX bits
 *   23-16, where kvmstub puts the --smp number), waits until that many
 *   APs have checked in (at most about two seconds), prints the count and
 *   exits with status 0, or 1 when some AP did not come.
 *
 *   With gdb (two terminals), every vCPU is a gdb thread:
 *   ./kvmstub --smp 4 guests/smp.bin
 *   gdb guests/smp.elf -x gdbscripts/kvmstub.gdb -ex 'target remote :1234'
 *     (gdb) info threads             # the BSP in real mode, 3 APs waiting for INIT and SIPI
 *     (gdb) break *ap_entry          # the APs' first protected-mode instruction
 *     (gdb) continue                 # one AP stops there: "Thread 3 hit Breakpoint 1"
 *     (gdb) info threads             # all stopped (all-stop): who is where
 *     (gdb) continue                 # the next AP, and the next
 *     (gdb) thread 2
 *     (gdb) info registers           # that AP's registers
 *   or the whole walk-through in one go:
 *   gdb -batch guests/smp.elf -x gdbscripts/kvmstub.gdb \
 *       -ex 'target remote :1234' -x gdbscripts/lesson-smp.gdb
 *
 * THE STEPS (each is marked "STEP n" in the code below)
 *   1. BSP: reset vector, into 32-bit protected mode (see protected.S).
 *      The APIC registers sit at 0xFEE00000, beyond the 1 MiB real mode
 *      can reach; with paging off, a protected-mode address is physical.
 *   2. BSP: read its APIC ID and the number of CPUs (CPUID), say hello.
 *   3. BSP: software-enable its local APIC (spurious-interrupt register).
 *   4. BSP: INIT to all other CPUs, then SIPI twice (the second is
 *      ignored by an AP that already started, as the Intel manuals
 *      recommend sending two).
 *   5. AP: starts in real mode at ap_trampoline (0xF1000 here: the SIPI
 *      vector is 0xF1), loads the GDT and goes to protected mode itself:
 *      every CPU has its own registers, CR0 and GDTR.
 *   6. AP: reads its APIC ID, takes a stack of its own, takes the lock,
 *      prints "AP n up", counts itself in (lock incl), drops the lock,
 *      and parks: cli; hlt (only INIT or NMI could wake it; KVM also lets
 *      a SIPI that came too late, the second one, end one hlt, so the
 *      park is a loop).
 *   7. BSP: waits until every AP counted itself in (or gives up after
 *      about 2 s), prints "smp: N CPUs up" and exits.
 *
 *   A real kernel copies its AP start code to a free page in low RAM,
 *   because the kernel itself lives above 1 MiB.  This firmware already
 *   sits below 1 MiB, so the SIPI vector can point straight into it, and
 *   gdb's symbols stay right for the AP code.
 *
 *   Timing: the Intel MP specification asks for a 10 ms wait after INIT
 *   and 200 us after each SIPI, for real hardware.  KVM's local APICs act
 *   at once, so this guest skips the waits.
 *   (On our development machines KVM emulates non-paged protected mode:
 *   xchg and lock-prefixed instructions are emulated atomically too.)
 *
 * ADDRESSES
 *   As in protected.S: the image is linked at linear 0xF0000; 16-bit code
 *   uses offsets inside its code segment, 32-bit code flat linear
 *   addresses.  What the CPUs write lives in RAM: the lock and the counter
 *   at 0x7000, the stacks below 0x90000.
 */

#include "firmware.inc"		/* REL(), EXIT_PORT, RESET_VECTOR */
#include "gdt_flat.inc"		/* FLAT_GDT, ENTER_PROTECTED_MODE, CODE_SEL, DATA_SEL */

#define BSP_STACK	0x90000		/* the BSP's stack top */
#define AP_STACKS	0x80000		/* AP n's stack top: AP_STACKS - n * 4 KiB */

/* The local APIC's registers (memory-mapped, 16-byte aligned). */
#define LAPIC		0xFEE00000
#define LAPIC_ID	(LAPIC + 0x20)	/* bits 31-24: this CPU's APIC ID */
#define LAPIC_SVR	(LAPIC + 0xF0)	/* spurious-interrupt vector; bit 8: APIC on */
#define LAPIC_ICR_LO	(LAPIC + 0x300)	/* writing it sends the IPI */
#define LAPIC_ICR_HI	(LAPIC + 0x310)	/* bits 31-24: destination APIC ID */
#define SVR_ENABLE	0x100
#define ICR_PENDING	(1 << 12)	/* delivery status: the IPI is not sent yet */
/* ICR low word: destination shorthand 11 (all excluding self), level assert,
 * delivery mode INIT (101) or StartUp (110); a SIPI's vector in bits 7-0. */
#define ICR_ALL_BUT_SELF (3 << 18)
#define ICR_ASSERT	(1 << 14)
#define ICR_INIT	(5 << 8)
#define ICR_STARTUP	(6 << 8)


/* Shared variables in RAM, and what the BSP does at the end. */
	.globl	ap_lock, ap_count, bsp_stay
	.set	ap_lock, 0x7000		/* the spinlock: 0 free, 1 taken */
	.set	ap_count, 0x7004	/* APs that checked in */
	.set	bsp_stay, 0x7008	/* not 0: the BSP spins at the end instead of exiting */


	.text
	.globl	start, bsp_pm, send_ipis, wait_aps, all_up, bsp_spin, done
	.globl	ap_trampoline, ap_entry, ap_park
	.globl	lock_take, lock_drop, print, putc, print_dec
	.globl	gdt, gdt_ptr

.Limage_start:				/* linear 0xF0000 */

/* ------------------------------------------------------------------------
 * STEP 1: the BSP, real mode, CS = 0xF000.  Into protected mode.
 * ---------------------------------------------------------------------- */
start:
	CFI_OUTERMOST			/* nobody called start: gdb's bt ends here */
	ENTER_PROTECTED_MODE bsp_pm, BSP_STACK	/* see protected.S, STEPs 2-6 */
	movl	$0, ap_lock
	movl	$0, ap_count

	/* STEP 2: who am I, and how many are we?  CPUID leaf 1 returns in
	 * EBX bits 23-16 the number of logical processors. */
	mov	$1, %eax
	cpuid
	shr	$16, %ebx
	and	$0xFF, %ebx
	mov	%ebx, %edi		/* EDI = number of CPUs, for the end */
	mov	$msg_bsp, %esi		/* "BSP " */
	call	print
	mov	LAPIC_ID, %eax		/* an MMIO read: the local APIC answers */
	shr	$24, %eax
	call	print_dec
	mov	$msg_waking, %esi	/* " up, waking the APs\n" */
	call	print

	/* STEP 3: the APIC starts software-disabled; bit 8 of the
	 * spurious-interrupt vector register enables it. */
	orl	$SVR_ENABLE, LAPIC_SVR

	/* STEP 4: INIT, then SIPI twice, to every CPU but this one.  The
	 * high word (destination) is written first: writing the low word
	 * sends.  The vector of the SIPI is the page number of ap_trampoline. */
send_ipis:
	movl	$0, LAPIC_ICR_HI
	movl	$(ICR_ALL_BUT_SELF | ICR_ASSERT | ICR_INIT), LAPIC_ICR_LO
	call	ipi_wait
	mov	$ap_trampoline, %ebx
	shr	$12, %ebx		/* 0xF1000 -> vector 0xF1 */
	or	$(ICR_ALL_BUT_SELF | ICR_ASSERT | ICR_STARTUP), %ebx
	movl	$0, LAPIC_ICR_HI
	mov	%ebx, LAPIC_ICR_LO
	call	ipi_wait
	movl	$0, LAPIC_ICR_HI
	mov	%ebx, LAPIC_ICR_LO
	call	ipi_wait

	/* STEP 7: wait for EDI - 1 APs, or about 2^32 TSC cycles (1-2 s). */
wait_aps:
	rdtsc
	mov	%eax, %ecx		/* ECX:EBP = the start time */
	mov	%edx, %ebp
1:	mov	ap_count, %eax
	inc	%eax			/* the BSP counts too */
	cmp	%edi, %eax
	jae	all_up
	pause				/* a spin-wait hint to the CPU */
	rdtsc
	sub	%ecx, %eax
	sbb	%ebp, %edx		/* EDX = high half of the time spent */
	jz	1b
all_up:
	call	lock_take		/* an AP may still be printing */
	mov	$msg_smp, %esi		/* "smp: " */
	call	print
	mov	ap_count, %eax
	inc	%eax
	call	print_dec
	mov	$msg_cpus, %esi		/* " CPUs up\n" */
	call	print
	call	lock_drop
	cmpl	$0, bsp_stay		/* a debugger may ask the BSP to stay */
	jne	bsp_spin
done:
	mov	ap_count, %eax
	inc	%eax
	cmp	%edi, %eax
	setne	%al			/* status 0: all came, 1: some did not */
	out	%al, $EXIT_PORT
bsp_spin:
	pause
	jmp	bsp_spin
	.cfi_endproc

/* ipi_wait: until the local APIC has sent the IPI (delivery status 0). */
ipi_wait:
	CFI32_PROC			/* for gdb's bt: see cfi.inc */
	testl	$ICR_PENDING, LAPIC_ICR_LO
	jnz	ipi_wait
	ret
	CFI_ENDPROC ipi_wait

/* ------------------------------------------------------------------------
 * The spinlock.  xchg with a memory operand is atomic on x86 (the CPU
 * locks the bus or the cache line by itself; no lock prefix needed): it
 * writes 1 and returns what was there.  0 means it was free and is ours
 * now; 1 means another CPU holds it: spin and try again.
 * ---------------------------------------------------------------------- */
lock_take:
	CFI32_PROC
	push	%eax
	.cfi_adjust_cfa_offset 4
	.cfi_rel_offset %eax, 0
1:	mov	$1, %eax
	xchg	%eax, ap_lock
	test	%eax, %eax
	jz	2f
	pause
	jmp	1b
2:	pop	%eax
	.cfi_adjust_cfa_offset -4
	.cfi_restore %eax
	ret
	CFI_ENDPROC lock_take

/* Dropping it is a plain store: x86 does not reorder a store before the
 * stores that came earlier (the printing). */
lock_drop:
	CFI32_PROC
	movl	$0, ap_lock
	ret
	CFI_ENDPROC lock_drop

#include "serial32.inc"		/* putc, print, print_dec (see protected.S) */

msg_bsp:	.asciz	"BSP "
msg_waking:	.asciz	" up, waking the APs\n"
msg_ap:		.asciz	"AP "
msg_up:		.asciz	" up\n"
msg_smp:	.asciz	"smp: "
msg_cpus:	.asciz	" CPUs up\n"

/* ------------------------------------------------------------------------
 * STEP 5: where every AP starts, in real mode, after the SIPI: CS =
 * 0xF100 (base 0xF1000), IP = 0.  It must start a 4 KiB page.  Offsets in
 * this 16-bit code are relative to ap_trampoline, the base of its CS.
 * ---------------------------------------------------------------------- */
	.balign	4096
	.code16
ap_trampoline:
	CFI_OUTERMOST			/* started by a SIPI: nobody called it */
	cli
	cld
	lgdtl	%cs:(gdt_ptr - ap_trampoline)	/* the same GDT as the BSP's */
	mov	%cr0, %eax
	or	$CR0_PE, %eax
	mov	%eax, %cr0
	ljmpl	$CODE_SEL, $ap_entry

/* STEP 6: the AP in protected mode. */
	.code32
ap_entry:
	mov	$DATA_SEL, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	LAPIC_ID, %ebx		/* this CPU's APIC ID: bits 31-24 */
	shr	$24, %ebx
	mov	%ebx, %eax		/* a stack of its own: two CPUs on one */
	shl	$12, %eax		/* stack would overwrite each other's */
	mov	$AP_STACKS, %esp	/* return addresses */
	sub	%eax, %esp

	call	lock_take		/* one CPU at a time on the serial port */
	mov	$msg_ap, %esi		/* "AP " */
	call	print
	mov	%ebx, %eax
	call	print_dec
	mov	$msg_up, %esi		/* " up\n" */
	call	print
	lock incl ap_count		/* atomic: read, add, write in one go */
	call	lock_drop

ap_park:
	cli				/* nothing but INIT or NMI should wake it */
	hlt
	jmp	ap_park
	.cfi_endproc

/* ------------------------------------------------------------------------
 * The GDT (see protected.S): null, flat code 0x08, flat data 0x10.  After
 * ap_trampoline, so that its offset from there is positive.
 * ---------------------------------------------------------------------- */
	FLAT_GDT

/* STEP 1: the reset vector, linear 0xFFFF0. */
	RESET_VECTOR
