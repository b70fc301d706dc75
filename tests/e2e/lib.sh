# lib.sh - shared helpers for the end-to-end tests: start the real daemon on
# a free port, drive real gdb in batch mode, check what they print.
# Each test: `. "$(dirname "$0")/lib.sh"`, then need_kvm, then its steps.
# Exit status: 0 pass, 1 fail, 77 skip (with a loud SKIP line).
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
# The daemon under test: make test SANITIZE=1 sets KVMSTUB=build-san/kvmstub.
KVMSTUB=${KVMSTUB:-./kvmstub}
T=$(mktemp -d /tmp/kvmstub-e2e.XXXXXX)
DAEMON_PID=
PORT=

# A sanitized daemon writes its reports to $T/sanitizer.PID (every kvmstub
# this test starts, however it starts it); cleanup fails the test on any.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$T/sanitizer"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}print_stacktrace=1:log_path=$T/sanitizer"

cleanup() {
	local rc=$? f bad=
	# SIGTERM first: a sanitized daemon checks for leaks as it exits.
	if [ -n "$DAEMON_PID" ] && kill -TERM "$DAEMON_PID" 2>/dev/null; then
		for _ in $(seq 1 40); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.05; done
		kill -KILL "$DAEMON_PID" 2>/dev/null
		wait "$DAEMON_PID" 2>/dev/null
	fi
	for f in "$T"/sanitizer.*; do
		[ -s "$f" ] || continue
		echo "FAIL: sanitizer report from kvmstub ($f):"; cat "$f"; bad=1
	done
	if grep -Eqs "ERROR: (Address|Leak)Sanitizer|runtime error:" "$T"/*; then
		echo "FAIL: sanitizer report in the output:"
		grep -Es -A20 "ERROR: (Address|Leak)Sanitizer|runtime error:" "$T"/* | head -60; bad=1
	fi
	rm -rf "$T"
	[ -z "$bad" ] || exit 1
	exit "$rc"
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
	daemon_stop		# one daemon at a time: a test that starts another leaves none behind
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

# gdb64_run OUT [gdb args...] < commands: like gdb_run, but gdb connects
# with connect64 (gdbscripts/kvmstub.gdb), so that the session has the
# 64-bit register layout from the start.  The args come before the script:
# typically the guest's ELF file.
gdb64_run() {
	local out=$1; shift
	cat >"$T/cmds.gdb"
	timeout -k 5 60 gdb -nx -batch "$@" -x gdbscripts/kvmstub.gdb \
		-ex "connect64 127.0.0.1:$PORT" -x "$T/cmds.gdb" >"$out" 2>&1
}

# run_guest IMAGE [kvmstub args...]: run a guest on its own (--no-gdb, 20 s
# at most), its serial output in $T/run.out (and shown), stderr in
# $T/run.err; fail unless it exits with status 0.
run_guest() {
	local image=$1 st; shift
	timeout 20 "$KVMSTUB" --no-gdb "$@" "$image" >"$T/run.out" 2>"$T/run.err"
	st=$?
	cat "$T/run.out"
	[ $st -eq 0 ] || fail "$(basename "$image") --no-gdb exited with $st: $(cat "$T/run.err")"
}

# GDB_RESET: gdb commands (for a heredoc) that bring a guest back after it
# went wrong: monitor reset, then one stepi.  expect_reset OUT [what] checks
# that the pc went back to the reset vector and that stepi reached start.
GDB_RESET='monitor reset
maintenance flush register-cache
printf "RESET pc %#x\n", $pc
stepi
printf "RESET stepi pc %#x\n", $pc'

expect_reset() {
	local what=${2:+$2: }
	expect "$1" '^RESET pc 0xffff0$' "${what}monitor reset did not go back to the reset vector"
	expect "$1" '^RESET stepi pc 0xf0000$' "${what}stepi after monitor reset did not reach start"
}

# gdb_ctrl_c OUT [gdb args...] < commands: like gdb_run, but the commands
# must contain one "continue" (after which the guest is meant to spin):
# half a second after gdb sent it, Ctrl-C (SIGINT to gdb), as a user would.
gdb_ctrl_c() {
	local out=$1 gpid; shift
	rm -f "$T/continuing"
	sed "s|^continue\$|shell touch $T/continuing\ncontinue|" >"$T/cmds.gdb"
	gdb -nx -batch -x gdbscripts/kvmstub.gdb -ex "target remote 127.0.0.1:$PORT" "$@" \
		-x "$T/cmds.gdb" >"$out" 2>&1 &
	gpid=$!
	for _ in $(seq 1 200); do [ -e "$T/continuing" ] && break; sleep 0.05; done
	sleep 0.5
	kill -INT "$gpid" 2>/dev/null
	for _ in $(seq 1 200); do kill -0 "$gpid" 2>/dev/null || break; sleep 0.05; done
	kill -KILL "$gpid" 2>/dev/null && echo "gdb hung after Ctrl-C; killed" >>"$out"
	wait "$gpid" 2>/dev/null
}

# expect FILE REGEX [what]: FILE must contain a line matching REGEX.
expect() {
	grep -Eq -- "$2" "$1" || { echo "--- $1:"; cat "$1"; fail "${3:-expected /$2/ in $1}"; }
}

expect_not() {
	if grep -Eq -- "$2" "$1"; then echo "--- $1:"; cat "$1"; fail "${3:-did not expect /$2/ in $1}"; fi
}

# fw_image NAME < source: assemble a tiny firmware guest (GNU as, starts
# with .code16 and `start:` at 0xF0000, the reset vector is added here)
# into $T/NAME.bin and $T/NAME.elf, laid out by guests/firmware.lds.
fw_image() {
	{ cat; printf '\n\t.section .reset, "ax"\n\t.code16\n\t.globl reset_vector\n'
	  printf 'reset_vector:\n\tljmp $0xf000, $0\n'; } >"$T/$1.s"
	as --32 -o "$T/$1.o" "$T/$1.s" &&
		ld -m elf_i386 -nostdlib -T guests/firmware.lds -o "$T/$1.elf" "$T/$1.o" &&
		objcopy -O binary "$T/$1.elf" "$T/$1.bin" || fail "cannot build the guest $1"
}

# fw_pm_image NAME < source: fw_image for a guest that does its work in
# 32-bit protected mode.  The image starts with the switch: cli, a flat GDT
# (code 0x08, data 0x10), an IDT with limit 0 (no exception can be
# delivered: any fault ends in a triple fault), CR0.PE and a far jump to
# the label pm, which sets DS = SS = 0x10 and ESP = 0x7000.  The source is
# the 32-bit code that follows; the tables come after it.
fw_pm_image() {
	{ cat <<'EOF'
	.code16
	.text
	.globl start, pm
start:	cli
	lgdtl	%cs:gdtp - start
	lidtl	%cs:idtp - start
	mov	%cr0, %eax
	or	$1, %eax
	mov	%eax, %cr0
	ljmpl	$8, $pm
	.code32
pm:	mov	$0x10, %ax
	mov	%ax, %ds
	mov	%ax, %ss
	mov	$0x7000, %esp
EOF
	  cat
	  cat <<'EOF'
	.balign 8
gdt:	.quad 0
	.quad 0x00cf9a000000ffff
	.quad 0x00cf92000000ffff
gdtp:	.word gdtp - gdt - 1
	.long gdt
idtp:	.word 0
	.long 0
EOF
	} | fw_image "$1"
}

# sym NAME: the linear address of a guest symbol, from its ELF file.
sym() {
	local elf=$1 name=$2 addr
	addr=$(nm "$elf" | awk -v n="$name" '$3 == n { print $1 }')
	[ -n "$addr" ] || fail "symbol $name not found in $elf"
	printf '0x%x' "0x$addr"
}
