# The interrupts lesson with several vCPUs (issue 8): the timer interrupt
# goes through the PIC to the BSP only (LINT0 in ExtINT mode), the APs
# never get INIT-SIPI and keep waiting; --smp 1 and --smp 4 print the same
# line and exit 0, and under gdb the handler breakpoint hits on thread 1.
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb
"$KVMSTUB" --probe | grep -q 'irqchip: yes' ||
	skip "this host's KVM has no in-kernel interrupt controller (KVM_CAP_IRQCHIP)"
ELF=guests/interrupts.elf

for n in 1 4; do
	timeout 10 "$KVMSTUB" --no-gdb --smp $n guests/interrupts.bin >"$T/out" 2>"$T/err"; rc=$?
	[ "$(cat "$T/out")" = "interrupts: 50 timer ticks" ] ||
		{ od -c "$T/out"; fail "--smp $n: stdout is not 'interrupts: 50 timer ticks'; stderr: $(cat "$T/err")"; }
	[ "$rc" -eq 0 ] || fail "--smp $n: exit status $rc, want 0; stderr: $(cat "$T/err")"
done

daemon_start --smp 4 guests/interrupts.bin
th=$(printf '0x%08x' "$(sym "$ELF" timer_handler)")
gdb_run "$T/g" "$ELF" <<EOF
break *$th
continue
continue
x/dw $(sym "$ELF" ticks)
info threads
delete
continue
EOF
cat "$T/g"
[ "$(grep -c "^Thread 1 hit Breakpoint 1, $th in timer_handler" "$T/g")" -eq 2 ] ||
	fail "the timer_handler breakpoint did not hit twice on thread 1"
expect "$T/g" '^0x20100[^:]*:[[:space:]]*1$' "ticks at the second hit"
[ "$(grep -Ec '^  [234] +Thread [234] \(vCPU [123], waiting for INIT and SIPI\)' "$T/g")" -eq 3 ] ||
	fail "the APs are not waiting for INIT and SIPI"
expect "$T/g" 'exited normally' "the guest did not run to its end"
expect "$T/daemon.out" '^interrupts: 50 timer ticks$' "the guest's line"
echo "smp_interrupts: ok"
