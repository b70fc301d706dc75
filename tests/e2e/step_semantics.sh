# step_semantics: what one stepi does on the hard instructions of
# guests/stepping.S (int N, iret, pushf, popf with the guest's own TF, rep
# movsb, hlt with IF=1 and IF=0, mov to CR0, far jump, a faulting ud2),
# each checked on $pc, registers and memory; and protected.bin's ud2.
# Cases the host cannot run (protected-mode int/iret under KVM's emulator)
# are a loud SKIP line; the test still checks everything else.
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb
ELF=guests/stepping.elf
[ -f "$ELF" ] || fail "$ELF is not built"
s() { sym "$ELF" "$1"; }
skipped=

# Hosts with VT-x/SVM run protected-mode int/iret; KVM's emulator cannot.
if "$KVMSTUB" --probe 2>&1 | grep -q '^ *host: emulated'; then
	pm_hw=0
	skipped="protected-mode iretd (step_iretd): this host's KVM emulates protected mode and cannot run iret; the guest returns by hand"
else
	pm_hw=1
fi

daemon_start guests/stepping.bin
gdb_run "$T/g" "$ELF" <<EOF
define run_to
  break *\$arg0
  continue
  delete
end
# The real-mode interrupt frame on the stack: IP, CS, FLAGS.
define frame16
  printf "FRAME %#x %#x %#x\n", *(unsigned short *)\$sp, *(unsigned short *)(\$sp + 2), *(unsigned short *)(\$sp + 4)
end
set pagination off
set {char}0x600 = $pm_hw
run_to step_int
echo CASE int\n
stepi
printf "PC %#x\n", \$pc
frame16
printf "INTCOUNT %d\n", *(short *)0x604
stepi
echo CASE iret\n
printf "PC %#x\n", \$pc
stepi
printf "PC %#x EFLAGS %#x\n", \$pc, \$eflags
echo CASE pushf\n
stepi
stepi
printf "PC %#x PUSHED %#x\n", \$pc, *(unsigned short *)\$sp
run_to step_popf
echo CASE popf\n
stepi
printf "PC %#x TF %d\n", \$pc, (\$eflags >> 8) & 1
stepi
printf "PC %#x DBCOUNT %d\n", \$pc, *(short *)0x602
frame16
run_to step_rep
echo CASE rep\n
printf "ECX %d\n", \$ecx
stepi
printf "ITER PC %#x ECX %d COPIED %s\n", \$pc, \$ecx, (char *)0x700
stepi
stepi
stepi
printf "ITER PC %#x ECX %d COPIED %s\n", \$pc, \$ecx, (char *)0x700
stepi
printf "PC %#x ECX %d COPIED %s\n", \$pc, \$ecx, (char *)0x700
run_to step_hlt_irq
echo CASE hlt-irq\n
printf "EFLAGS %#x TICKS %d\n", \$eflags, *(short *)0x606
stepi
printf "PC %#x TICKS %d\n", \$pc, *(short *)0x606
run_to step_cr0
echo CASE cr0\n
stepi
printf "PC %#x CR0 %#x\n", \$pc, \$cr0
echo CASE far\n
stepi
printf "PC %#x CS %#x\n", \$pc, \$cs
run_to step_ud2
echo CASE ud2\n
stepi
printf "PC %#x\n", \$pc
printf "FRAME %#x %#x\n", *(unsigned int *)\$esp, *(unsigned int *)(\$esp + 4)
printf "UDCOUNT %d\n", *(short *)0x608
run_to step_pushfd
echo CASE pushfd\n
stepi
printf "PC %#x PUSHED %#x\n", \$pc, *(unsigned int *)\$esp
run_to step_hlt
echo CASE hlt\n
stepi
printf "PC %#x\n", \$pc
continue
EOF
cat "$T/g"
hx() { printf '0x%x' "$1"; }
expect "$T/g" "^PC $(s int30_handler)\$" "stepi on int \$0x30 did not stop at int30_handler's first instruction"
expect "$T/g" "^FRAME $(hx $(( $(s after_int) - 0xf0000 ))) 0xf000 0x[0-9a-f]*\$" "int did not push after_int's IP and CS"
expect "$T/g" '^INTCOUNT 0$' "the int handler's first instruction ran inside the step"
expect "$T/g" "^PC $(s step_iret)\$" "one stepi in the handler did not reach its iret"
expect "$T/g" "^PC $(s after_int) EFLAGS 0x46\$" "iret did not return to after_int with the flags the int saved"
expect "$T/g" "^PC $(hx $(( $(s step_pushf) + 1 ))) PUSHED 0x46\$" "pushf: TF (0x100) must not be in the pushed word"
expect "$T/g" "^PC $(s step_tf_nop) TF 1\$" "stepi on popf (guest sets TF): the next instruction, and EFLAGS shows the guest's TF"
expect "$T/g" "^PC $(s db_handler) DBCOUNT 0\$" "the guest's own #DB was not delivered to its handler (IVT 1) after step_tf_nop"
expect "$T/g" "^FRAME $(hx $(( $(s after_tf) - 0xf0000 ))) 0xf000 0x1[0-9a-f][0-9a-f]\$" "the guest's #DB frame is not after_tf with TF set"
expect "$T/g" '^ECX 5$' "ECX before rep movsb"
expect "$T/g" "^ITER PC $(s step_rep) ECX 4 COPIED h\$" "stepi on rep movsb: one iteration, the pc on the rep, ECX 4, 1 byte copied"
expect "$T/g" "^ITER PC $(s step_rep) ECX 1 COPIED hell\$" "four stepi on rep movsb: ECX 1, 4 bytes copied"
expect "$T/g" "^PC $(s after_rep) ECX 0 COPIED hello\$" "the fifth stepi on rep movsb: the last iteration, past the rep"
expect "$T/g" '^EFLAGS 0x246 TICKS 0$' "IF before the hlt"
expect "$T/g" "^PC $(s after_hlt_irq) TICKS 1\$" "stepi on hlt with IF=1: woken by the tick, stop after the hlt"
expect "$T/g" "^PC $(s step_far) CR0 0x[0-9a-f]*[13579bdf]\$" "mov %eax,%cr0: PE set, pc at the far jump"
expect "$T/g" "^PC $(s pm_entry) CS 0x8\$" "far jump: pc at pm_entry, CS 0x08"
expect "$T/g" "^PC $(s ud_handler)\$" "stepi on ud2 did not stop at ud_handler's first instruction"
expect "$T/g" "^FRAME $(s step_ud2) 0x8\$" "the #UD frame must hold the ud2's own address (nothing of the handler ran)"
expect "$T/g" '^UDCOUNT 0$' "the #UD handler ran inside the step"
expect "$T/g" "^PC $(hx $(( $(s step_pushfd) + 1 ))) PUSHED 0x[0-9a-f]*[0-9a-f]\$" "pushfd"
expect_not "$T/g" "^PC 0x[0-9a-f]* PUSHED 0x[0-9a-f]*[13579bdf][0-9a-f][0-9a-f]\$" "TF leaked into pushed flags"
expect "$T/g" "hlt with interrupts disabled at 0008:$(printf '%08x' $(s step_hlt))" "stepi on hlt with IF=0 is the halt stop"
expect "$T/g" "exited normally|exited with code 0*\]" "the guest's self-checks after the steps"
grep -q "stepping: all cases ran" "$T/daemon.out" || fail "the guest did not print its success line"
daemon_stop

# monitor step-rep whole: one stepi runs the whole rep movsb.
daemon_start guests/stepping.bin
gdb_run "$T/w" "$ELF" <<EOF
set {char}0x600 = $pm_hw
monitor step-rep whole
break *step_rep
continue
stepi
printf "PC %#x ECX %d COPIED %s\n", \$pc, \$ecx, (char *)0x700
EOF
cat "$T/w"
expect "$T/w" "^PC $(s after_rep) ECX 0 COPIED hello\$" "monitor step-rep whole: one stepi on rep movsb runs all 5 iterations"
daemon_stop

# protected.bin: the fault that used to run exc_6's first push inside the step.
daemon_start guests/protected.bin
gdb_run "$T/p" guests/protected.elf <<EOF
break *fault_here
continue
stepi
printf "PC %#x TOP %#x\n", \$pc, *(unsigned int *)\$esp
EOF
cat "$T/p"
expect "$T/p" "^PC $(sym guests/protected.elf exc_6) TOP $(sym guests/protected.elf fault_here)\$" \
	"protected.bin: stepi on ud2 must stop at exc_6 with the ud2's address on top of the stack"
daemon_stop

if [ -n "$skipped" ]; then
	echo "SKIP (part): $skipped"
	echo "SKIP (part): int \$n in protected mode: this host's KVM cannot emulate it (not in the guest)"
fi
echo "PASS: step_semantics"
