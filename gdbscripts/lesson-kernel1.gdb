# lesson-kernel1.gdb - lesson 1: the reset vector and 0xFFFF0 (README.md).
#
#   ./kvmstub guests/kernel1.bin
#   gdb -q guests/kernel1.elf -x gdbscripts/kvmstub.gdb -ex 'target remote :1234' \
#       -x gdbscripts/lesson-kernel1.gdb
#
# The README shows what these commands print; tests/e2e/readme_transcripts.sh
# runs this file and checks that the README still says exactly that.  One
# command a line, no user-defined commands (the transcript shows each line
# as "(gdb) COMMAND").

# Where the CPU starts: linear 0xffff0 = CS base 0xf0000 + IP 0xfff0.
p/x $pc
p/x $cs
p/x $cs_base
p/x $ip
# The five bytes there: opcode 0xea (far jump), offset 0x0000, segment 0xf000.
x/5xb 0xffff0
# One instruction: the far jump loads CS and IP.
stepi
p/x $cs_base
# xor %ax,%ax clears the low 16 bits of eax only.
set $eax = 0x1234ffff
stepi
p/x $eax
# The loop jumps to itself: stepi stays at the same address.
stepi
info registers eip ip cs
