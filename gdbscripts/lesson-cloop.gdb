# lesson-cloop.gdb - lesson 10: a kernel in C (README.md), guests/cloop.c.
#
#   ./kvmstub guests/cloop.bin
#   gdb -q guests/cloop.elf -x gdbscripts/kvmstub.gdb -ex 'target remote :1234' \
#       -x gdbscripts/lesson-cloop.gdb
#
# Checked against the README by tests/e2e/readme_transcripts.sh.

# The boot stub (cloop_boot.S) runs first, then calls main.
break main
continue
# Into fill(): a source line at a time, with the arguments.
step
bt
info args
p a[0]@4
# Back to main: the array is filled.
finish
p data[0]@4
# The summing loop, 1000 turns, is one source line: one `next`.
next
info locals
# Stop when total changes.
watch total
continue
p total
delete
continue
