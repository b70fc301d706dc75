# readme-breakpoints.gdb - the README's "Breakpoints and watchpoints" session
# on guests/counter.S (checked by tests/e2e/readme_transcripts.sh).
#
#   ./kvmstub guests/counter.bin
#   gdb -q guests/counter.elf -x gdbscripts/kvmstub.gdb -ex 'target remote :1234' \
#       -x gdbscripts/readme-breakpoints.gdb

# The memory map: RAM, and the firmware (this image) read-only.
info mem
# A condition gdb compiles to bytecode: kvmstub evaluates it at every hit
# and reports only the one where it is true.
break *loop if $eax == 5000
continue
print $eax
info breakpoints
delete
# Watchpoints: after the instruction that wrote, read, or touched the data.
watch *(int *)&counter
continue
delete
rwatch *(int *)&shadow
continue
delete
awatch *(int *)&shadow
continue
continue
delete
# Four hardware breakpoints fit in DR0-DR3.
hbreak *loop
continue
info registers eip eax
