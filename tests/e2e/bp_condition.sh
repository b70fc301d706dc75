# bp_condition: target-side breakpoint conditions on the counter guest.
# `break *loop if $eax == 5000` is evaluated by the daemon: gdb sees ONE
# stop reply for the continue, not 5000.  A memory condition works the
# same way.  A condition gdb cannot compile to bytecode (a float) is
# evaluated by gdb itself and still stops at the right turn.
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb
ELF=guests/counter.elf
loop=$(sym "$ELF" loop)
daemon_start guests/counter.bin
gdb_run "$T/g" <<EOF
set debug remote 1
break *$loop if \$eax == 5000
echo MARK-REG\n
continue
echo MARK-REG-END\n
info breakpoints
print \$eax
delete
break *$loop if *(int *)0x20000 == 7300
echo MARK-MEM\n
continue
echo MARK-MEM-END\n
print \$eax
print *(int *)0x20000
delete
break *$loop if (float)\$eax == 7400.0
echo MARK-FLOAT\n
continue
echo MARK-FLOAT-END\n
print \$eax
EOF
# Stop replies gdb received between two markers.
stops() {
	awk -v a="$1" -v b="$1-END" '$0 ~ "^" a "$" { on = 1; next } $0 ~ "^" b "$" { on = 0 }
		on && /Packet received: T05/ { n++ } END { print n + 0 }' "$T/g"
}
# What gdb printed, without its remote-protocol debug lines.
grep -v '^ *\[remote\]' "$T/g"

expect "$T/g" 'Sending packet: \$Z[01],[0-9a-f]+,1;X' "gdb did not send the condition with the breakpoint (ConditionalBreakpoints)"
expect "$T/g" 'stop only if \$eax == 5000 \(target evals\)' "gdb does not let the target evaluate the condition"
expect "$T/g" '^\$1 = 5000$' "break if \$eax == 5000 did not stop with eax 5000"
n=$(stops MARK-REG)
echo "stop replies for the \$eax continue: $n"
[ "$n" = 1 ] || fail "the \$eax == 5000 continue got $n stop replies, want 1 (target-side evaluation)"

expect "$T/g" '^\$2 = 7300$' "memory condition: eax is not 7300"
expect "$T/g" '^\$3 = 7300$' "memory condition: *(int *)0x20000 is not 7300"
n=$(stops MARK-MEM)
echo "stop replies for the memory continue: $n"
# gdb steps off the breakpoint it is stopped at (one stop), then the hit.
[ "$n" -le 2 ] || fail "the memory-condition continue got $n stop replies, want at most 2"

expect "$T/g" 'Sending packet: \$Z[01],[0-9a-f]+,1#' "the float condition was sent to the target; gdb was expected to keep it"
expect "$T/g" '^\$4 = 7400$' "a condition gdb evaluates itself did not stop with eax 7400"
n=$(stops MARK-FLOAT)
echo "stop replies for the float continue (gdb evaluates): $n"
[ "$n" -ge 100 ] || fail "the float condition got $n stop replies: was it evaluated by the target?"

# Ctrl-C while the daemon hides false hits (raw protocol: gdb batch mode
# cannot interrupt): the interrupt is not lost among them.
daemon_stop
daemon_start guests/counter.bin
a=$(printf '%x' "$loop")
timeout 20 python3 tests/e2e/rsp.py "127.0.0.1:$PORT" 'qSupported:swbreak+' \
	"Z0,$a,1;Xc,260000162024fffffffe1327" '!noreply:c' '!sleep:0.5' '!int' '!wait' \
	'p0' "z0,$a,1" >"$T/r" 2>&1 || { cat "$T/r"; fail "rsp.py failed"; }
cat "$T/r"
[ "$(sed -n 2p "$T/r")" = OK ] || fail "Z0 with a never-true condition was not accepted"
expect "$T/r" '^T02' "Ctrl-C during hidden false hits did not stop the guest"
echo "PASS: bp_condition"
