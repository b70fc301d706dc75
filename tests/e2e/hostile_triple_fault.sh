# A guest that triple-faults (divide by zero in protected mode with an
# empty IDT): the stop is reported to gdb (SIGSEGV and the message) and on
# the daemon's stderr; continuing faults again rather than hanging; the
# daemon stays responsive; monitor reset recovers (pc 0xffff0, stepi works).
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb
# (fw_pm_image loads an IDT with limit 0: no exception can be delivered.)
fw_pm_image tf <<'EOF'
	xor	%ecx, %ecx
fault:	div	%ecx			/* #DE -> #GP -> #DF -> shutdown */
	jmp	.
EOF
fault=$(sym "$T/tf.elf" fault)
msg="triple fault \(shutdown\) at 0008:$(printf '%08x' "$fault") \(linear $fault, protected mode\)"
daemon_start "$T/tf.bin"
gdb_run "$T/g" -ex "file $T/tf.elf" <<EOF
continue
p/x \$pc
continue
p/x \$pc
$GDB_RESET
EOF
cat "$T/g"
expect "$T/g" "^$msg\$" "gdb did not show the fault's message"
expect "$T/g" "Program received signal SIGSEGV" "gdb did not report SIGSEGV"
expect "$T/g" "^\\\$1 = $fault\$" "the pc is not at the faulting div"
expect "$T/g" "^\\\$2 = $fault\$" "continuing after the fault did not fault again at the div"
expect_reset "$T/g"
expect "$T/daemon.err" "^kvmstub: guest fault: $msg\$" "the daemon did not report the fault on stderr"
kill -0 "$DAEMON_PID" || fail "the daemon died"
timeout 10 python3 tests/e2e/rsp.py "127.0.0.1:$PORT" '?' >"$T/r" || fail "the daemon does not answer"
expect "$T/r" '^T' "the daemon does not answer '?'"
