# A guest that spins with interrupts off (cli; jmp .): nothing but gdb
# can stop it.  Ctrl-C works (SIGINT at the jmp), the daemon does not
# get stuck, monitor reset recovers, and a killed gdb leaves it stopped.
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb
fw_image spin <<'EOF'
	.code16
	.text
	.globl start, spin
start:	cli
spin:	jmp	spin
EOF
spin=$(sym "$T/spin.elf" spin)
daemon_start "$T/spin.bin"
gdb_ctrl_c "$T/g" <<EOF
continue
p/x \$pc
p/x \$eflags & 0x200
$GDB_RESET
EOF
cat "$T/g"
expect "$T/g" "Program received signal SIGINT" "Ctrl-C did not stop the spinning guest"
expect "$T/g" "^\\\$1 = $spin\$" "after Ctrl-C the pc is not at the spin"
expect "$T/g" '^\$2 = 0x0$' "interrupts are not off (IF set)"
expect_reset "$T/g"
kill -0 "$DAEMON_PID" || fail "the daemon died"
# Twice more, quickly: a Ctrl-C is never lost.
for i in 1 2; do
	gdb_ctrl_c "$T/g$i" <<EOF
continue
p/x \$pc
EOF
	expect "$T/g$i" "Program received signal SIGINT" "Ctrl-C number $((i + 1)) was lost"
	expect "$T/g$i" "^\\\$1 = $spin\$" "after Ctrl-C number $((i + 1)) the pc is not at the spin"
done
[ ! -s "$T/daemon.err" ] || fail "the daemon printed on stderr: $(cat "$T/daemon.err")"
