# Shutdown while the vCPUs run a continue past a false condition: the
# daemon must stop them before the session whose bp_filter they call is
# freed.  The trigger (a client connected, a breakpoint whose condition
# is always false, so every hit is evaluated in the vCPU thread by the
# session's bp_filter, `c`, then SIGTERM or SIGINT to the daemon) is
# repeated 50 times.  Under `make test SANITIZE=1` ($KVMSTUB is
# build-san/kvmstub) AddressSanitizer reports the use after free and
# lib.sh fails the test on the report; in a plain `make test` the same
# repetition catches it as a SIGSEGV or a wrong exit status (before the
# fix, at the second run here, both ways).  About 10 s either way.
. "$(dirname "$0")/lib.sh"
need_kvm
loop=$(sym guests/counter.elf loop)
loop_hex=${loop#0x}
runs=${SHUTDOWN_RUNS:-50}
# frame PAYLOAD: "$PAYLOAD#cs".  The client is bash's /dev/tcp: fifty
# python start-ups would cost more than the daemons.
frame() {
	local p=$1 sum=0 i
	for ((i = 0; i < ${#p}; i++)); do sum=$((sum + $(printf '%d' "'${p:i:1}"))); done
	printf '$%s#%02x' "$p" $((sum % 256))
}
z0=$(frame "Z0,$loop_hex,1;X3,220027")	# X3,220027: "const8 0; end", always false
for i in $(seq 1 "$runs"); do
	sig=$([ $((i % 2)) -eq 0 ] && echo TERM || echo INT)
	want=$([ $sig = TERM ] && echo 143 || echo 130)
	daemon_start guests/counter.bin
	# The client stays connected (the guest runs under its continue)
	# while the signal arrives.
	exec 3<>"/dev/tcp/127.0.0.1/$PORT" || fail "run $i: cannot connect"
	printf '%s' "$z0" >&3
	reply=
	IFS= read -r -t 30 -N 7 -u 3 reply
	[ "$reply" = '+$OK#9a' ] || fail "run $i: Z0 with a condition: reply '$reply', want OK"
	printf '+%s' "$(frame c)" >&3
	sleep 0.1
	kill -$sig "$DAEMON_PID"
	wait "$DAEMON_PID"; rc=$?
	DAEMON_PID=
	exec 3>&-
	[ "$rc" -eq "$want" ] || fail "run $i: SIG$sig during a filtered continue: exit status $rc, want $want$([ "$rc" -eq 139 ] && echo ' (SIGSEGV)')"
done
echo "ok: $runs shutdowns (SIGTERM and SIGINT) during a continue past a false condition"
