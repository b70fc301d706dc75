# serial under gdb: continue runs to the end; gdb reports the exit, the
# daemon printed 4.
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb
daemon_start --once guests/serial.bin
gdb_run "$T/g" <<EOF
continue
EOF
cat "$T/g"
wait "$DAEMON_PID"; rc=$?
DAEMON_PID=
expect "$T/g" "Remote target exited|exited normally|exited with code" "gdb did not report the end of the guest"
grep -qx '4' "$T/daemon.out" || fail "the daemon did not print 4: $(cat "$T/daemon.out")"
[ "$rc" -eq 0 ] || fail "--once exit status $rc, want 0"
