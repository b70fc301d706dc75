/*
 * bios_blob.S - kvmstub's own BIOS (guests/bios/bios.S, assembled and
 * linked by the Makefile into guests/bios/bios.bin) as bytes of the
 * daemon, so that ./kvmstub --disk FILE boots wherever it is run from.
 * bios.c starts it; gdb reads its symbols from guests/bios/bios.elf.
 */
	.section .rodata
	.globl	kvmstub_bios, kvmstub_bios_end
	.balign	16
kvmstub_bios:
	.incbin	KVMSTUB_BIOS
kvmstub_bios_end:
	.section .note.GNU-stack, "", @progbits
