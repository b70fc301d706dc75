# lesson-exceptions.gdb - lesson 5: exceptions and the IDT (README.md).
#
#   ./kvmstub guests/protected.bin
#   gdb -q guests/protected.elf -x gdbscripts/kvmstub.gdb -ex 'target remote :1234' \
#       -x gdbscripts/lesson-exceptions.gdb
#
# Checked against the README by tests/e2e/readme_transcripts.sh.

break *fault_here
continue
p/x $idtr_base
p/x $idtr_limit
monitor idt
# Gate 6 (#UD), raw: offset 0xf00e7, selector 0x0008, type 0x8e.
x/2xw idt + 6 * 8
# Run on without a breakpoint at the ud2, to a breakpoint at the handler.
delete
break *exc_6
continue
# The CPU pushed EFLAGS, CS and EIP: EIP is the ud2 that faulted.
x/3xw $esp
info symbol *(int *)$esp
break *exc_common
continue
# exc_6 pushed a dummy error code and the vector number.
x/5xw $esp
# Where the exception came from: frame 1 is the interrupted code.
bt
continue
