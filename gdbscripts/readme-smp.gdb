# readme-smp.gdb - lesson 9: the README's SMP lesson on guests/smp.S, --smp 4
# (checked by tests/e2e/readme_transcripts.sh).  Only what does not depend
# on the order in which the APs start is shown; gdbscripts/lesson-smp.gdb
# is the full walk-through, with a breakpoint hit by each AP.
#
#   ./kvmstub --smp 4 guests/smp.bin
#   gdb -q guests/smp.elf -x gdbscripts/kvmstub.gdb -ex 'target remote :1234' \
#       -x gdbscripts/readme-smp.gdb

# At reset only the BSP runs; the APs wait for INIT and SIPI.
info threads
# The BSP has counted the three APs in.
break *done
continue
p *(int *)&ap_count
# Thread 3 is vCPU 2: its APIC ID, and its own stack.
thread 3
p $ebx
p/x $esp
p/x $cs
