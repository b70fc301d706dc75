# lesson-serial.gdb - lesson 3: port I/O and the serial port, 2 + 2 (README.md).
#
#   ./kvmstub guests/serial.bin
#   gdb -q guests/serial.elf -x gdbscripts/kvmstub.gdb -ex 'target remote :1234' \
#       -x gdbscripts/lesson-serial.gdb
#
# Checked against the README by tests/e2e/readme_transcripts.sh.

break *add_here
continue
p $al
p $bl
# add %bl,%al
stepi
p $al
# add $'0',%al: the digit becomes its ASCII character
stepi
p/c $al
break *putc_wait
continue
# Who called putc, and from where: the return address on the stack.
bt
# The byte to send is on the stack; in reads port DX into AL.
p/x $dx
stepi
p/x $al
# bit 5 of the line status register: ready for a byte
p ($al & 0x20) != 0
# Run putc to its ret: back in the caller, after the call.
finish
delete
# The second call (the newline): nexti runs all of putc as one step.
stepi
nexti
continue
