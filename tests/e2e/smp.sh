# Several vCPUs (issue 8): the smp guest wakes its APs with INIT-SIPI-SIPI;
# under gdb every vCPU is a thread, all-stop: a breakpoint in the AP entry
# hits once per AP with the right thread, `info threads` shows the modes,
# `thread 2` shows that AP's registers, Ctrl-C stops all four, and
# scheduler-locking keeps the other threads where they are; a breakpoint
# condition in code all of them run stops only where it is true.
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb
"$KVMSTUB" --probe | grep -q 'irqchip: yes' ||
	skip "this host's KVM has no in-kernel interrupt controller (KVM_CAP_IRQCHIP): no APs"
ELF=guests/smp.elf
[ -f guests/smp.bin ] || fail "guests/smp.bin is not built"

# --- without gdb: every CPU prints once, the BSP counts them, status 0.
check_run() {	# check_run N: --smp N, three times
	local n=$1 i
	for i in 1 2 3; do
		timeout 20 "$KVMSTUB" --no-gdb --smp "$n" guests/smp.bin >"$T/out" 2>"$T/err"
		rc=$?
		[ "$rc" -eq 0 ] || { cat "$T/out" "$T/err"; fail "--smp $n: exit status $rc, want 0"; }
		[ "$(head -1 "$T/out")" = "BSP 0 up, waking the APs" ] || fail "--smp $n: no BSP line"
		[ "$(tail -1 "$T/out")" = "smp: $n CPUs up" ] ||
			{ cat "$T/out"; fail "--smp $n: the last line is not 'smp: $n CPUs up'"; }
		want=$(seq 1 $((n - 1)) | sed 's/^/AP /; s/$/ up/')
		got=$(grep '^AP ' "$T/out" | sort -n -k2)
		[ "$got" = "$want" ] || { cat "$T/out"; fail "--smp $n: AP lines '$got', want '$want'"; }
		[ "$(wc -l <"$T/out")" -eq $((n + 1)) ] || { cat "$T/out"; fail "--smp $n: extra output"; }
	done
}
check_run 4
check_run 1
check_run 8

# Too many vCPUs: refused with a clear message, exit status 2.
"$KVMSTUB" --no-gdb --smp 65 guests/smp.bin >"$T/out" 2>"$T/err"; rc=$?
[ "$rc" -eq 2 ] && grep -q -- '--smp 65: at most 64 vCPUs' "$T/err" ||
	fail "--smp 65: status $rc, stderr '$(cat "$T/err")'"

# --- the walk-through script, as a learner runs it.
daemon_start --smp 4 guests/smp.bin
gdb_run "$T/g" "$ELF" -x gdbscripts/lesson-smp.gdb </dev/null
cat "$T/g"
ap=$(printf '0x%08x' "$(sym "$ELF" ap_entry)")
# At reset: the BSP in real mode, three APs waiting for INIT and SIPI.
expect "$T/g" '^\* 1 +Thread 1 \(vCPU 0, real mode, stopped\)' "thread 1 at reset"
[ "$(grep -Ec '^  [234] +Thread [234] \(vCPU [123], waiting for INIT and SIPI\)' "$T/g")" -eq 3 ] ||
	fail "info threads at reset does not show three APs waiting for INIT and SIPI"
# Three hits in ap_entry, by threads 2, 3 and 4, each once.
hits=$(sed -n "s/^Thread \([0-9]*\) hit Breakpoint 1, $ap in ap_entry ()\$/\1/p" "$T/g" |
	sort | tr '\n' ' ')
[ "$hits" = "2 3 4 " ] || fail "ap_entry hits by threads '$hits', want '2 3 4 '"
expect "$T/g" '^this AP: thread [234], CS = 0x8 \(protected mode\), EIP = 0xf101b$' "the AP's CS:EIP"
# At done: the BSP counted three APs, which are parked in ap_park.  (KVM
# lets the second SIPI end an AP's first hlt, which is why ap_park loops:
# an AP may be caught between two hlts, "stopped" rather than "halted".)
expect "$T/g" '^Thread 1 hit Breakpoint 2, 0x[0-9a-f]+ in done \(\)$' "the BSP at done"
expect "$T/g" '^ap_count = 3$' "ap_count at done"
[ "$(grep -Ec '^  [234] +Thread [234] \(vCPU [123], protected mode, (halted|stopped)\) +0x[0-9a-f]+ in ap_park' \
	"$T/g")" -eq 3 ] || fail "info threads does not show three APs in ap_park"
# thread 2 is vCPU 1: APIC ID 1, its own stack.
expect "$T/g" '^\[Switching to thread 2 \(Thread 2\)\]' "thread 2"
expect "$T/g" '^ebx +0x1 +1$' "thread 2's EBX (APIC ID 1)"
expect "$T/g" '^esp +0x7f000 ' "thread 2's ESP (its own stack)"
expect "$T/g" 'exited normally' "the guest did not run to its end"
expect "$T/daemon.out" '^smp: 4 CPUs up$' "the guest's last line"
[ "$(grep -c '^AP [123] up$' "$T/daemon.out")" -eq 3 ] || fail "three AP lines in the output"
daemon_stop

# --- Ctrl-C stops all four.  bsp_stay (RAM) makes the BSP spin at the end.
daemon_start --smp 4 guests/smp.bin
gdb_ctrl_c "$T/c" "$ELF" <<EOF
set var *(int *)&bsp_stay = 1
continue
info threads
printf "current thread %d\n", \$_thread
EOF
cat "$T/c"
expect "$T/c" 'Thread 1 received signal SIGINT' "Ctrl-C is reported on thread 1"
expect "$T/c" '^\* 1 +Thread 1 \(vCPU 0, protected mode, stopped\) +0x[0-9a-f]+ in bsp_spin' \
	"the BSP spins in bsp_spin"
[ "$(grep -Ec '^  [234] +Thread [234] \(vCPU [123], protected mode, halted\) +0x[0-9a-f]+ in ap_park' \
	"$T/c")" -eq 3 ] || fail "after Ctrl-C, info threads does not show three halted APs"
expect_not "$T/c" 'running\)' "a thread still runs after Ctrl-C"
expect_not "$T/c" 'hung' "gdb hung"
daemon_stop

# --- scheduler-locking on: stepi moves the current thread only.
daemon_start --smp 4 guests/smp.bin
gdb_run "$T/s" "$ELF" <<'EOF'
break *ap_entry
continue
delete
set scheduler-locking on
info threads
stepi 3
info threads
printf "pc of the current thread: 0x%x\n", $pc
set scheduler-locking off
continue
EOF
cat "$T/s"
# The frames of the other threads, before and after the steps.
others() { sed -n '/^  Id/,/^[^ *]/p' "$T/s" | grep -E '^  [0-9]' ; }
n=$(others | sort | uniq -d | wc -l)
[ "$n" -eq 3 ] || { others; fail "scheduler-locking on: the other threads moved during stepi"; }
expect "$T/s" '^pc of the current thread: 0xf1023$' "the stepped thread is 3 instructions on"
expect "$T/s" 'exited normally' "the guest did not run to its end after the locked steps"
# --- a condition in code every CPU runs: each vCPU's thread evaluates it
# on its own hits, at the same time as the others.  print is called with
# " up\n" once by each AP; every other call (the BSP's lines, "AP ") is
# a false hit that gdb never hears of.
daemon_start --smp 4 guests/smp.bin
print_fn=$(sym "$ELF" print)
msg_up=$(sym "$ELF" msg_up)
gdb_run "$T/k" "$ELF" <<EOF
set debug remote 1
break *$print_fn if \$esi == $msg_up
echo MARK-COND\n
continue
printf "COND-HIT %d %x\n", \$_thread, \$esi
continue
printf "COND-HIT %d %x\n", \$_thread, \$esi
continue
printf "COND-HIT %d %x\n", \$_thread, \$esi
echo MARK-COND-END\n
delete
continue
EOF
grep -v '^ *\[remote\]' "$T/k"
hits=$(sed -n 's/^COND-HIT \([0-9]*\) \([0-9a-f]*\)$/\1 \2/p' "$T/k" | sort | tr '\n' ' ')
want=$(printf '%d %x ' 2 "$msg_up" 3 "$msg_up" 4 "$msg_up")
[ "$hits" = "$want" ] || fail "break print if \$esi == msg_up: hits '$hits', want '$want'"
# Three true hits, and gdb's step off the breakpoint before each later
# continue: at most 3 + 3 stop replies.  The 7 false hits would add more.
n=$(awk '/^MARK-COND$/ { on = 1 } /^MARK-COND-END$/ { on = 0 }
	on && /Packet received: T05/ { n++ } END { print n + 0 }' "$T/k")
echo "stop replies for the three conditional continues: $n"
[ "$n" -le 6 ] || fail "the conditional continues got $n stop replies: false hits were reported"
expect "$T/k" 'exited normally' "the guest did not run to its end after the conditional hits"
daemon_stop

echo "smp: ok"
