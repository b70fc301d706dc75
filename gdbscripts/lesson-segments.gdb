# lesson-segments.gdb - lesson 2: selector:offset arithmetic (README.md).
#
#   ./kvmstub guests/kernel1.bin
#   gdb -q guests/kernel1.elf -x gdbscripts/kvmstub.gdb -ex 'target remote :1234' \
#       -x gdbscripts/lesson-segments.gdb
#
# Checked against the README by tests/e2e/readme_transcripts.sh.

# linear = selector * 16 + offset: 0xdead * 16 + 0xbeef = 0xea9bf
monitor xlate dead:beef
p/x 0xdead * 16 + 0xbeef
segoff 0xdead 0xbeef
# Many selector:offset pairs name the same byte: the reset vector.
monitor xlate f000:fff0
monitor xlate ffff:0000
x/i 0xffff * 16 + 0x0000
# The largest real-mode address is above 1 MiB.
monitor xlate ffff:ffff
# A segment register has a visible selector and a hidden base.
monitor regs
p/x $ds_base
# Loading a selector in real mode sets the base to selector * 16.
set $ds = 0xdead
p/x $ds_base
p/x $ds_base + 0xbeef
