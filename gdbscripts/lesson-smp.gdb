# lesson-smp.gdb - lesson 9 (README.md) in full: a walk-through of guests/smp.S
# in gdb batch mode.
#
#   ./kvmstub --smp 4 guests/smp.bin
#   gdb -batch guests/smp.elf -x gdbscripts/kvmstub.gdb \
#       -ex 'target remote :1234' -x gdbscripts/lesson-smp.gdb
#
# Every vCPU is a gdb thread.  gdb runs them all-stop: when one stops, all
# stop, and `continue` runs them all again.  The script watches the three
# APs arrive, one by one, at their first protected-mode instruction.

echo \n=== 1. After reset only the BSP (thread 1) runs; the APs wait for INIT and SIPI.\n
info threads

echo \n=== 2. A breakpoint at the APs' first protected-mode instruction.\n
break *ap_entry
continue
echo An AP got INIT-SIPI-SIPI, started in real mode at ap_trampoline (0xf1000)\n
echo and switched to protected mode.  Every thread is stopped; where is each?\n
info threads
printf "this AP: thread %d, CS = 0x%x (protected mode), EIP = 0x%x\n", $_thread, $cs, $eip

echo \n=== 3. The other two APs, in whatever order they got there.\n
continue
printf "thread %d at ap_entry\n", $_thread
continue
printf "thread %d at ap_entry\n", $_thread
delete

echo \n=== 4. The BSP counted all three APs in and printed its line; the APs park in hlt.\n
break *done
continue
printf "ap_count = %d\n", *(int *)&ap_count
info threads

echo \n=== 5. Thread 2 is vCPU 1: APIC ID 1 in EBX, its own stack below 0x80000 - 1 * 4 KiB.\n
thread 2
info registers eip eflags cs ss esp ebx cr0
delete

echo \n=== 6. Let it run to the end: the BSP exits with status 0.\n
continue
