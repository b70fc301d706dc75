# --once ends when the guest does, whatever the end: a guest that faults
# under gdb (gdb -batch then detaches) exits 1 at once, without running
# the faulted guest again; a guest that faults after the detach exits 1;
# one that halts for good (cli; hlt) after the detach exits 0.  So a CI
# job's `wait` returns, with the status the README promises.
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb
# (fw_pm_image loads an IDT with limit 0: the divide error triple-faults.)
fw_pm_image tf <<'EOF'
	xor	%ecx, %ecx
	.globl before
before:	nop
fault:	div	%ecx			/* #DE -> #GP -> #DF -> shutdown */
	jmp	.
EOF
fw_image halt <<'EOF'
	.code16
	.text
	.globl start
start:	cli
	hlt
	jmp	start
EOF
before=$(sym "$T/tf.elf" before)

# wait_daemon WHAT WANT: the daemon must exit with WANT within 10 s.
wait_daemon() {
	local rc
	for _ in $(seq 1 200); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.05; done
	kill -0 "$DAEMON_PID" 2>/dev/null && fail "$1: the --once daemon did not exit within 10 s"
	wait "$DAEMON_PID"; rc=$?; DAEMON_PID=
	[ "$rc" -eq "$2" ] || fail "$1: --once exit status $rc, want $2"
	echo "ok: $1: exit status $rc"
}

# 1. The fault under gdb; gdb -batch detaches at its end.
daemon_start --once "$T/tf.bin"
gdb_run "$T/g1" <<EOF
continue
EOF
cat "$T/g1"
expect "$T/g1" "Program received signal SIGSEGV" "gdb did not see the fault"
wait_daemon "fault under gdb, then detach" 1
[ "$(grep -c 'guest fault:' "$T/daemon.err")" -eq 1 ] ||
	fail "the fault was reported $(grep -c 'guest fault:' "$T/daemon.err") times: the detach ran the faulted guest again"
expect "$T/daemon.err" "the guest faulted; exiting with status 1" "the daemon did not say why it exits 1"

# 2. The fault after the detach.
daemon_start --once "$T/tf.bin"
gdb_run "$T/g2" <<EOF
break *$before
continue
p/x \$pc
EOF
expect "$T/g2" "^\\\$1 = $before\$" "gdb did not stop before the fault"
wait_daemon "fault after the detach" 1
expect "$T/daemon.err" "guest fault: triple fault" "the fault after the detach was not reported on stderr"

# 3. hlt with interrupts off after the detach: the guest's end, status 0.
daemon_start --once "$T/halt.bin"
gdb_run "$T/g3" <<EOF
stepi
EOF
wait_daemon "hlt after the detach" 0
