# lesson-protected.gdb - lesson 4: the switch to 32-bit protected mode (README.md).
#
#   ./kvmstub guests/protected.bin
#   gdb -q guests/protected.elf -x gdbscripts/kvmstub.gdb -ex 'target remote :1234' \
#       -x gdbscripts/lesson-protected.gdb
#
# Checked against the README by tests/e2e/readme_transcripts.sh.

break *to_protected
continue
# lgdt has run: GDTR holds the table's linear address and size - 1.
p/x $gdtr_base
p/x $gdtr_limit
monitor gdt
p/x $cr0
# mov %cr0,%eax; or $1,%eax; mov %eax,%cr0
stepi 3
p/x $cr0
monitor mode
# CS still holds its 16-bit real-mode descriptor: D/B (bit 14) is clear,
# so the CPU, and the script's disassembler, still decode 16-bit code.
p/x $cs_attr
x/i $pc
# The far jump loads CS from GDT entry 1.
stepi
info registers cs eip
p/x $cs_base
p/x $cs_limit
monitor mode
