# kernel1 loops forever: under --no-gdb, SIGTERM stops it cleanly and at once,
# with status 143 (128 + SIGTERM) and a message; nothing is left running.
. "$(dirname "$0")/lib.sh"
need_kvm
"$KVMSTUB" --no-gdb guests/kernel1.bin >"$T/out" 2>"$T/err" &
pid=$!
sleep 0.5
kill -0 $pid 2>/dev/null || fail "kernel1 ended by itself: $(cat "$T/err")"
start=$(date +%s%N)
kill -TERM $pid
wait $pid; rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$rc" -eq 143 ] || fail "exit status $rc after SIGTERM, want 143"
expect "$T/err" "Terminated" "no message about SIGTERM on stderr"
[ "$ms" -lt 2000 ] || fail "took $ms ms to stop after SIGTERM"
echo "stopped in $ms ms"
# SIGINT likewise (130).
"$KVMSTUB" --no-gdb guests/kernel1.bin >"$T/out" 2>"$T/err" &
pid=$!
sleep 0.3
kill -INT $pid
wait $pid; rc=$?
[ "$rc" -eq 130 ] || fail "exit status $rc after SIGINT, want 130"
