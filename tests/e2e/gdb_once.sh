# --once, as CI scripts use it: gdb -batch detaches at its end, the guest
# runs on to its end, and the daemon exits with the guest's status; kill
# instead ends the daemon with 0; a lost client ends it with 1.
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb
pm=$(sym guests/protected.elf pm_entry)

daemon_start --once guests/protected.bin
gdb_run "$T/g1" <<EOF
break *$pm
continue
p/x \$cs
EOF
cat "$T/g1"
expect "$T/g1" '^\$1 = 0x8$' "did not stop in protected mode"
wait "$DAEMON_PID"; rc=$?; DAEMON_PID=
[ "$rc" -eq 6 ] || fail "--once after detach: daemon status $rc, want 6 (the guest's exit status)"
expect "$T/daemon.out" "^exception 6 \(#UD\)" "the guest did not run to its end after the detach"

daemon_start --once guests/kernel1.bin
gdb_run "$T/g2" <<EOF
stepi
kill
EOF
wait "$DAEMON_PID"; rc=$?; DAEMON_PID=
[ "$rc" -eq 0 ] || fail "--once after kill: daemon status $rc, want 0"

daemon_start --once guests/kernel1.bin
timeout 30 gdb -nx -batch -ex "target remote 127.0.0.1:$PORT" -ex 'shell sleep 30' >"$T/g3" 2>&1 &
gpid=$!
sleep 1
kill -KILL "$(pgrep -P $gpid gdb || echo $gpid)" 2>/dev/null; kill -KILL $gpid 2>/dev/null
wait "$DAEMON_PID"; rc=$?; DAEMON_PID=
[ "$rc" -eq 1 ] || fail "--once after a lost client: daemon status $rc, want 1"
expect "$T/daemon.err" "gdb went away without detaching"
