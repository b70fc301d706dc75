# lesson-long.gdb - lesson 8: from the reset vector to 64-bit long mode
# (README.md, guests/long.S).
#
#   ./kvmstub --arch x86-64 guests/long.bin
#   gdb -q guests/long.elf -x gdbscripts/kvmstub.gdb -ex 'connect64 :1234' \
#       -x gdbscripts/lesson-long.gdb
#
# (connect64, from kvmstub.gdb, connects with the 64-bit register layout:
# rax..r15 and a 64-bit rip.  Before long mode their upper halves are 0,
# and gdb disassembles everything as 64-bit code.)
# Used by tests/e2e/long.sh.

monitor mode
# Protected mode, page tables built: PML4[0] -> PDPT -> PD[0] = 2 MiB page.
break *enable_paging
continue
monitor mode
x/1gx 0x10000
x/1gx 0x11000
x/1gx 0x12000
# CR4.PAE, CR3, EFER.LME (wrmsr), CR0.PG: stop right after paging is on.
break *compat_mode
continue
# Long mode is active (EFER.LMA), but CS is still the 32-bit segment.
monitor mode
p/x $efer
p/x $cs
# The far jump to selector 0x18 (L=1): 64-bit mode.
break *lm_entry
continue
monitor mode
info registers rip cs
p/x $rip
monitor sregs
x/3i $pc
# A 64-bit register used whole: lea msg_hello(%rip), %rsi.
break *say_hello
continue
stepi
p/x $rsi
x/s $rsi
# The breakpoints are done with.  The call: nexti runs all of print64 as
# one step (its line goes to the serial port).
delete
nexti
p/x $rsp
