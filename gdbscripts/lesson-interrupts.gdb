# lesson-interrupts.gdb - lesson 6: interrupts, the PIC and the timer (README.md):
# a walk-through of guests/interrupts.S in gdb batch mode.
#
#   ./kvmstub guests/interrupts.bin
#   gdb -batch guests/interrupts.elf -x gdbscripts/kvmstub.gdb \
#       -ex 'target remote :1234' -x gdbscripts/lesson-interrupts.gdb
#
# It stops at the timer interrupt handler three times and shows the tick
# counter advancing, the frame the CPU pushed, and that the handler runs
# with interrupts off while the interrupted code had them on.

echo \n=== 1. Run until the PIC and the PIT are programmed and interrupts are on.\n
break *main_loop
continue
delete
printf "ticks = %d (no timer interrupt yet)\n", *(int *)&ticks
printf "EFLAGS.IF = %d: the CPU accepts interrupts\n", ($eflags >> 9) & 1

echo \n=== 2. Stop in the timer handler: IRQ0 came in through IDT vector 0x20.\n
break timer_handler
continue
printf "ticks = %d (this tick is not counted yet)\n", *(int *)&ticks
printf "EFLAGS.IF = %d: the interrupt gate turned interrupts off\n", ($eflags >> 9) & 1
echo The frame the CPU pushed: EIP, CS, EFLAGS of the interrupted code.\n
echo (Where the tick landed in main_loop varies from run to run.)\n
printf "saved EIP in main_loop..main_loop_end: %d\n", *(unsigned *)$esp >= (unsigned)&main_loop && *(unsigned *)$esp <= (unsigned)&main_loop_end
printf "saved CS = 0x%x\n", *(unsigned *)($esp + 4)
printf "saved EFLAGS.IF = %d: the interrupted code had interrupts on\n", (*(unsigned *)($esp + 8) >> 9) & 1

echo \n=== 3. Two more ticks, 10 ms apart: the counter advances by one each time.\n
continue
printf "ticks = %d\n", *(int *)&ticks
continue
printf "ticks = %d\n", *(int *)&ticks

echo \n=== 4. Step through the handler: the increment, the EOI, the return.\n
stepi
echo (push %eax done: the handler saves the register it is about to use)\n
stepi
printf "after incl: ticks = %d\n", *(int *)&ticks
stepi 2
echo (the EOI went to port 0x20: the PIC may send the next tick)\n
delete
echo \n=== 5. Let it run to the end: 50 ticks, then it exits with status 0.\n
continue
