# readme-stepping.gdb - the README's "Stepping" session on guests/stepping.S
# (checked by tests/e2e/readme_transcripts.sh).
#
#   ./kvmstub guests/stepping.bin
#   gdb -q guests/stepping.elf -x gdbscripts/kvmstub.gdb -ex 'target remote :1234' \
#       -x gdbscripts/readme-stepping.gdb

# int $0x30 in real mode: the step stops at the handler's first instruction.
break *step_int
continue
stepi
x/3xh $sp
delete
# pushf while stepping: the debugger's trap flag (0x100) is not pushed.
break *step_pushf
continue
stepi
x/xh $sp
delete
# rep movsb with CX = 5: one stepi is one iteration, as on the CPU;
# monitor step-rep whole makes it the whole instruction.
break *step_rep
continue
p $cx
stepi
p $cx
monitor step-rep whole
stepi
p $cx
monitor step-rep iteration
delete
# ud2 in protected mode: the #UD handler, with none of it run yet.
break *step_ud2
continue
stepi
x/xw $esp
