# More software breakpoints than debug registers on a host that does not
# intercept int3: the continue single-steps and compares the pc.  It must
# still let the guest's timer interrupts in (and keep the trap flag out of
# their frames), or a guest that waits for ticks waits forever.
# (gdb itself will not place a Z0 in the read-only firmware region of the
# memory map, so the packets are sent by the raw client.)
. "$(dirname "$0")/lib.sh"
need_kvm
"$KVMSTUB" --probe >"$T/probe" 2>&1
grep -q "int3 intercepted.*yes.*yes.*yes" "$T/probe" &&
	skip "this host intercepts int3: software breakpoints are int3 bytes, never compared by pc"
grep -q "irqchip: yes" "$T/probe" || skip "no in-kernel interrupt controller on this host"
ELF=guests/interrupts.elf
daemon_start guests/interrupts.bin
# Five exception entry points the guest never runs: one more than the four
# debug registers, so the fifth forces the compare path.
steps=()
for s in exc_0 exc_2 exc_3 exc_4 exc_5; do
	steps+=("Z0,$(sym $ELF $s | sed 's/^0x//'),1")
done
timeout 60 python3 tests/e2e/rsp.py "127.0.0.1:$PORT" "${steps[@]}" "qRcmd,$(printf info | od -An -tx1 | tr -d ' \n')" \
	'!noreply:c' '!wait' >"$T/out" 2>&1
rc=$?
cat "$T/out"
[ "$rc" -eq 0 ] || fail "the raw client failed (status $rc): a hang means the guest never got its timer ticks"
[ "$(grep -c '^OK$' "$T/out")" -ge 5 ] || fail "the five Z0 packets were not all accepted"
expect "$T/out" "compare" "monitor info does not say breakpoints are compared by pc"
expect "$T/out" "^W00" "the timer guest did not run to its end with five software breakpoints armed"
expect_not "$T/daemon.out" "exception 1 " "a trap flag leaked into an interrupt frame (#DB in the guest)"
expect "$T/daemon.out" "interrupts: 50 timer ticks"
# The cost of the fifth breakpoint is told, once, in gdb's console.
expect "$T/out" "^console: kvmstub: no debug register is left for the breakpoint at 0x[0-9a-f]+, so continue single-steps the guest: [0-9]+ instructions in [0-9.]+ s so far \\([0-9]+ a second, not full speed\\)" \
	"the cost of the breakpoint without a debug register was not told"
