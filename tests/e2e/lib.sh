# lib.sh - shared helpers for the end-to-end tests: start the real daemon on
# a free port, drive real gdb in batch mode, check what they print.
# Each test: `. "$(dirname "$0")/lib.sh"`, then need_kvm, then its steps.
# Exit status: 0 pass, 1 fail, 77 skip (with a loud SKIP line).
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
KVMSTUB=./kvmstub
T=$(mktemp -d /tmp/kvmstub-e2e.XXXXXX)
DAEMON_PID=
PORT=

cleanup() {
	if [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then
		kill -KILL "$DAEMON_PID" 2>/dev/null
		wait "$DAEMON_PID" 2>/dev/null
	fi
	rm -rf "$T"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*"
	for f in "$T"/daemon.out "$T"/daemon.err; do
		[ -s "$f" ] && { echo "--- $f:"; tail -30 "$f"; }
	done
	exit 1
}

skip() {
	echo "SKIP: $*"
	exit 77
}

need_kvm() {
	[ -e /dev/kvm ] || skip "/dev/kvm does not exist: KVM is not available on this machine"
	[ -r /dev/kvm ] && [ -w /dev/kvm ] || skip "/dev/kvm is not accessible to $(id -un)"
	[ -x "$KVMSTUB" ] || fail "$KVMSTUB is not built"
}

need_gdb() {
	command -v gdb >/dev/null || fail "gdb is not installed (make test installs it)"
}

# daemon_start [ARGS...]: start kvmstub on a free loopback port.
daemon_start() {
	: >"$T/daemon.out"
	: >"$T/daemon.err"
	"$KVMSTUB" --listen 127.0.0.1:0 "$@" >"$T/daemon.out" 2>"$T/daemon.err" &
	DAEMON_PID=$!
	for _ in $(seq 1 100); do
		PORT=$(sed -n 's/.*target remote 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$T/daemon.out" | head -1)
		[ -n "$PORT" ] && return 0
		kill -0 "$DAEMON_PID" 2>/dev/null || fail "the daemon exited at start: $(cat "$T/daemon.err")"
		sleep 0.05
	done
	fail "the daemon did not print its 'target remote' line within 5 s"
}

# daemon_stop: SIGTERM, and wait for it.
daemon_stop() {
	[ -n "$DAEMON_PID" ] || return 0
	kill -TERM "$DAEMON_PID" 2>/dev/null
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_PID=
}

# gdb_run OUT [gdb args...] < commands: run gdb in batch mode against the
# daemon with the project's gdb script; commands come from stdin.
gdb_run() {
	local out=$1; shift
	cat >"$T/cmds.gdb"
	timeout -k 5 60 gdb -nx -batch -x gdbscripts/kvmstub.gdb \
		-ex "target remote 127.0.0.1:$PORT" "$@" -x "$T/cmds.gdb" >"$out" 2>&1
}

# expect FILE REGEX [what]: FILE must contain a line matching REGEX.
expect() {
	grep -Eq -- "$2" "$1" || { echo "--- $1:"; cat "$1"; fail "${3:-expected /$2/ in $1}"; }
}

expect_not() {
	if grep -Eq -- "$2" "$1"; then echo "--- $1:"; cat "$1"; fail "${3:-did not expect /$2/ in $1}"; fi
}

# sym NAME: the linear address of a guest symbol, from its ELF file.
sym() {
	local elf=$1 name=$2 addr
	addr=$(nm "$elf" | awk -v n="$name" '$3 == n { print $1 }')
	[ -n "$addr" ] || fail "symbol $name not found in $elf"
	printf '0x%x' "0x$addr"
}
