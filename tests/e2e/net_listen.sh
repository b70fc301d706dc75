# Network exposure: loopback by default; a non-loopback address needs
# --allow-remote and warns; a unix socket is born 0600, a stale one is
# replaced, a live one or a file that is not a socket is refused (and left
# alone); gdb connects to the unix socket with the line the daemon prints.
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb

# start_bg ARGS...: start kvmstub, wait for its "target remote" line (or its end).
start_bg() {
	"$KVMSTUB" "$@" >"$T/out" 2>"$T/err" &
	DAEMON_PID=$!
	for _ in $(seq 1 100); do
		grep -q "target remote" "$T/out" && return 0
		kill -0 "$DAEMON_PID" 2>/dev/null || return 1
		sleep 0.05
	done
	fail "kvmstub $* printed no 'target remote' line"
}

# The default is loopback.
"$KVMSTUB" --help | grep -q "default 127.0.0.1:1234" || fail "--help does not give the loopback default"

# Non-loopback: refused without --allow-remote, a bad value (exit 2, says why) ...
"$KVMSTUB" --listen 0.0.0.0:0 guests/kernel1.bin >"$T/out" 2>"$T/err"; rc=$?
[ "$rc" -eq 2 ] || fail "--listen 0.0.0.0:0 without --allow-remote: status $rc, want 2 (a bad option value)"
expect "$T/err" "^kvmstub: refusing to listen on 0\.0\.0\.0: not a loopback address, and anyone who can reach the port controls the guest; add --allow-remote to do it anyway$"
[ ! -s "$T/out" ] || fail "a refused --listen printed on stdout: $(cat "$T/out")"
echo "ok: --listen 0.0.0.0:0 refused: $(cat "$T/err")"
# ... accepted with it, with a warning on stderr.
start_bg --listen 0.0.0.0:0 --allow-remote guests/kernel1.bin || fail "--allow-remote: $(cat "$T/err")"
expect "$T/err" "^kvmstub: WARNING: listening on 0\.0\.0\.0:[0-9]+, not on loopback: anyone who can reach this port controls the guest$"
port=$(sed -n 's/.*target remote 0\.0\.0\.0:\([0-9]*\)$/\1/p' "$T/out")
[ -n "$port" ] || fail "no port in: $(cat "$T/out")"
timeout 10 python3 tests/e2e/rsp.py "127.0.0.1:$port" '?' >"$T/r" || fail "cannot connect to 0.0.0.0:$port"
expect "$T/r" '^T05thread:01;([0-9a-f]{2}:[0-9a-f]+;)*$'
daemon_stop
echo "ok: --allow-remote listens with: $(grep WARNING "$T/err")"

# A unix socket: mode 0600, and gdb connects with the printed line.
sock=$T/kvmstub.sock
start_bg --listen "unix:$sock" guests/kernel1.bin || fail "unix socket: $(cat "$T/err")"
[ "$(stat -c '%a %F' "$sock")" = "600 socket" ] || fail "the socket is $(stat -c '%a %F' "$sock"), want 600 socket"
expect "$T/out" "gdb: target remote $sock\$" "the daemon does not print 'target remote $sock'"
line=$(sed -n 's/.*gdb: \(target remote .*\)$/\1/p' "$T/out")
(cd / && timeout 20 gdb -nx -batch -ex "$line" -ex 'p/x $pc') >"$T/g" 2>&1
cat "$T/g"
expect "$T/g" '^\$1 = 0xffff0$' "gdb could not use '$line' (run from /)"
daemon_stop
[ ! -e "$sock" ] || fail "the socket file was not removed at exit"
echo "ok: unix socket mode 600, '$line' works for gdb, removed at exit"

# A relative path is printed absolute.
abs=$(realpath "$KVMSTUB") img=$PWD/guests/kernel1.bin
(cd "$T" && exec "$abs" --listen unix:rel.sock "$img") >"$T/out" 2>"$T/err" &
DAEMON_PID=$!
for _ in $(seq 1 100); do grep -q "target remote" "$T/out" && break; sleep 0.05; done
expect "$T/out" "gdb: target remote $T/rel.sock\$" "a relative socket path is not printed absolute"
daemon_stop

# A stale socket file (its server is gone) is replaced.
python3 -c 'import socket, sys; s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$sock"
[ -S "$sock" ] || fail "could not make a stale socket"
start_bg --listen "unix:$sock" guests/kernel1.bin || fail "a stale socket was not replaced: $(cat "$T/err")"
timeout 10 python3 tests/e2e/rsp.py "unix:$sock" '?' >"$T/r" || fail "cannot connect after replacing a stale socket"
expect "$T/r" '^T05thread:01;([0-9a-f]{2}:[0-9a-f]+;)*$'
echo "ok: a stale socket is replaced"

# A live one (this daemon's) is refused, and left working.
"$KVMSTUB" --listen "unix:$sock" guests/kernel1.bin >"$T/out2" 2>"$T/err2"; rc=$?
[ "$rc" -eq 1 ] || fail "a second daemon on a live socket: status $rc, want 1"
expect "$T/err2" "^kvmstub: cannot listen on $sock: another process is serving that socket$"
timeout 10 python3 tests/e2e/rsp.py "unix:$sock" '?' >"$T/r" || fail "the live socket was broken"
daemon_stop
echo "ok: a live socket is refused: $(cat "$T/err2")"

# A regular file, a directory or a symlink at the path: refused, not deleted.
echo "precious" >"$T/file"
"$KVMSTUB" --listen "unix:$T/file" guests/kernel1.bin >"$T/out" 2>"$T/err"; rc=$?
[ "$rc" -eq 1 ] || fail "a regular file at the socket path: status $rc, want 1"
expect "$T/err" "^kvmstub: cannot listen on $T/file: the file exists and is not a socket$"
[ "$(cat "$T/file")" = precious ] || fail "the regular file was deleted or changed"
ln -s "$T/file" "$T/link"
"$KVMSTUB" --listen "unix:$T/link" guests/kernel1.bin >"$T/out" 2>"$T/err"; rc=$?
[ "$rc" -eq 1 ] || fail "a symlink at the socket path: status $rc, want 1"
[ -L "$T/link" ] && [ "$(cat "$T/file")" = precious ] || fail "the symlink or its target was touched"
echo "ok: a regular file or a symlink at the path is refused and kept: $(cat "$T/err")"

# A path in a directory that does not exist: a clear error.
"$KVMSTUB" --listen "unix:$T/nodir/s.sock" guests/kernel1.bin >"$T/out" 2>"$T/err"; rc=$?
[ "$rc" -eq 1 ] || fail "a socket in a missing directory: status $rc, want 1"
expect "$T/err" "^kvmstub: cannot listen on $T/nodir/s\.sock: No such file or directory$"
echo "ok: $(cat "$T/err")"
