# lldb's `process kill` sends k and waits for its reply before it closes:
# kvmstub answers X09 (killed, as by SIGKILL), resets the machine and
# closes; the next client finds the reset vector.  With --once the daemon
# then exits 0, as after gdb's kill.
. "$(dirname "$0")/lib.sh"
need_kvm
command -v lldb >/dev/null ||
	skip "lldb is not installed: lldb's kill is NOT tested (make test installs it as root; or: apt-get install lldb)"
pm_entry=$(sym guests/protected.elf pm_entry)

# lldb 14 on Debian 12 prints a Python traceback at start (lldb.embedded_interpreter
# is missing from the package): dropped.
lldb_kill() {
	timeout -k 5 60 lldb --no-lldbinit --batch -o "log enable -f $T/packets.log gdb-remote packets" \
		-o "gdb-remote 127.0.0.1:$PORT" -o "breakpoint set -a $pm_entry" -o continue \
		-o 'process kill' -o 'process status' </dev/null 2>&1 |
		grep -v -e '^Traceback' -e '^  File "<string>"' -e "^ModuleNotFoundError: No module named 'lldb" >"$1"
	cat "$1"
}

daemon_start guests/protected.bin
lldb_kill "$T/l1"
expect "$T/l1" 'stop reason = breakpoint 1\.1' "lldb did not stop at pm_entry before the kill"
expect_not "$T/l1" 'failed to send the k packet|unexpected response to k' "lldb's kill got no proper reply to k"
expect "$T/l1" 'Process 1 exited with status = 9' "lldb did not see the kill's exit (X09)"
grep -q 'read packet: \$X09#' "$T/packets.log" || fail "kvmstub did not answer k with X09 (see $T/packets.log)"
kill -0 "$DAEMON_PID" 2>/dev/null || fail "the daemon died on k"
timeout 10 python3 tests/e2e/rsp.py "127.0.0.1:$PORT" '?' 'p8' >"$T/r" || fail "the daemon does not answer after k"
expect "$T/r" '^f0ff0f00$' "after k the next client is not at the reset vector (eip $(sed -n 2p "$T/r"))"

daemon_start --once guests/protected.bin
lldb_kill "$T/l2"
expect_not "$T/l2" 'failed to send the k packet' "lldb's kill got no reply to k (--once)"
for _ in $(seq 1 100); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.05; done
wait "$DAEMON_PID"; rc=$?; DAEMON_PID=
[ "$rc" -eq 0 ] || fail "--once after lldb's kill: exit status $rc, want 0"
echo "ok: lldb's process kill gets X09; the machine is back at the reset vector"
