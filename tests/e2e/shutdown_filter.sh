# Shutdown while the vCPUs run a continue past a false condition: the
# daemon must stop and join them before the session they filter through
# is freed.  The trigger (SIGTERM or SIGINT during `c` with a breakpoint
# whose condition is always false, so every hit is evaluated in the vCPU
# thread by the session's bp_filter) is repeated 50 times.  Under
# `make test SANITIZE=1` ($KVMSTUB is build-san/kvmstub) AddressSanitizer
# reports the use after free, and lib.sh fails the test on any report; in
# a plain `make test` the same repetition catches it as a SIGSEGV (about
# one run in eight before the fix) or a wrong exit status.
. "$(dirname "$0")/lib.sh"
need_kvm
loop=$(sym guests/counter.elf loop)
loop_hex=${loop#0x}
rsp() { timeout 20 python3 tests/e2e/rsp.py "127.0.0.1:$PORT" "$@"; }
runs=${SHUTDOWN_RUNS:-50}
for i in $(seq 1 "$runs"); do
	sig=$([ $((i % 2)) -eq 0 ] && echo TERM || echo INT)
	want=$([ $sig = TERM ] && echo 143 || echo 130)
	daemon_start guests/counter.bin
	# X3,220027: the bytecode "const8 0; end", a condition that is always false.
	# The client stays connected (the guest runs under its continue) while
	# the signal arrives.
	rsp "Z0,$loop_hex,1;X3,220027" '!noreply:c' '!sleep:10' >"$T/r" 2>&1 &
	cpid=$!
	for _ in $(seq 1 100); do grep -q '^OK$' "$T/r" && break; sleep 0.02; done
	expect "$T/r" '^OK$' "run $i: Z0 with a condition was refused"
	sleep 0.1
	kill -$sig "$DAEMON_PID"
	wait "$DAEMON_PID"; rc=$?
	DAEMON_PID=
	kill "$cpid" 2>/dev/null; wait "$cpid" 2>/dev/null
	[ "$rc" -eq "$want" ] || fail "run $i: SIG$sig during a filtered continue: exit status $rc, want $want$([ "$rc" -eq 139 ] && echo ' (SIGSEGV)')"
done
echo "ok: $runs shutdowns (SIGTERM and SIGINT) during a continue past a false condition"
