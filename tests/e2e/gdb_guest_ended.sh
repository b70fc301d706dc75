# A daemon whose guest has ended (exit port) is of use to the next gdb:
# the next connection finds the machine back at power-on (the daemon says
# so on stderr), stopped at the reset vector, with registers and monitor
# commands, and the guest runs again.  With extended-remote, `run`
# restarts the guest from the reset vector (vRun), `kill` resets and keeps
# the connection, `!` is accepted and qOffsets is answered.
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb
start=$(sym guests/serial.elf start)

daemon_start guests/serial.bin
gdb_run "$T/g1" <<EOF
continue
EOF
cat "$T/g1"
expect "$T/g1" 'exited normally' "serial.bin did not run to its end"
[ "$(grep -c '^4$' "$T/daemon.out")" -eq 1 ] || fail "serial.bin did not print 4 once"

# 1. target remote after the end: the reset vector, and it runs again.
gdb_run "$T/g2" <<EOF
p/x \$pc
monitor regs
continue
EOF
cat "$T/g2"
expect_not "$T/g2" 'not running' "the next gdb found the ended guest instead of a machine at power-on"
expect "$T/g2" '^\$1 = 0xffff0$' "the next gdb is not at the reset vector"
expect "$T/g2" '^CS:IP f000:fff0 linear 0x000ffff0' "monitor regs does not show the reset vector"
expect "$T/g2" 'exited normally' "the guest did not run again for the next gdb"
[ "$(grep -c '^4$' "$T/daemon.out")" -eq 2 ] || fail "serial.bin did not print 4 a second time"
expect "$T/daemon.err" '^kvmstub: the guest had exited \(status 0\); the machine is back at power-on for the new gdb$' \
	"the daemon did not say that it reset the ended guest"

# 2. extended-remote: run, kill, run again; the ELF file makes gdb ask qOffsets.
timeout -k 5 60 gdb -nx -batch guests/serial.elf -x gdbscripts/kvmstub.gdb \
	-ex 'set debug remote 1' -ex "target extended-remote 127.0.0.1:$PORT" \
	-ex 'set debug remote 0' -ex "break *$start" \
	-ex 'continue' -ex 'p/x $pc' -ex 'kill' -ex 'info registers eip' \
	-ex 'set debug remote 1' -ex 'run' -ex 'set debug remote 0' \
	-ex 'p/x $pc' -ex 'p/x $cs' -ex 'delete' -ex 'continue' -ex 'set debug remote 1' -ex 'run' \
	-ex 'info threads' >"$T/g3" 2>&1
grep -v "\[remote\]" "$T/g3"; cp "$T/g3" /tmp/life/g3
expect "$T/g3" 'Sending packet: \$!#21' "gdb did not send ! (extended mode)"
expect "$T/g3" 'Packet received: OK' "no OK for !"
expect "$T/g3" 'Packet received: Text=0;Data=0;Bss=0' "qOffsets was not answered with zero offsets"
expect_not "$T/g3" 'Malformed response|reply is too long|Remote failure' "extended-remote got out of step"
expect "$T/g3" "^\\\$1 = $start\$" "continue in extended-remote did not stop at start"
expect "$T/g3" 'Inferior 1 \(Remote target\) killed' "kill did not kill"
expect "$T/g3" 'The program has no registers now' "after kill gdb still sees a process"
expect "$T/g3" 'Sending packet: \$vRun;#' "run did not send vRun"
expect "$T/g3" 'Packet received: T05thread:01;' "vRun was not answered with the reset-vector stop"
expect "$T/g3" "^\\\$2 = $start\$" "run did not start from the reset vector to the breakpoint at start"
expect "$T/g3" '^\$3 = 0xf000$' "run did not start in real mode at the reset vector"
expect "$T/g3" '^No threads\.$' "after the guest exited, gdb still sees a thread"
expect_not "$T/g3" 'New Thread' "after the guest exited, gdb found a thread (qfThreadInfo)"
[ "$(grep -c 'exited normally' "$T/g3")" -eq 2 ] || fail "continue and run did not each run the guest to its end"
[ "$(grep -c '^4$' "$T/daemon.out")" -eq 4 ] || fail "the guest did not print 4 for each run"
kill -0 "$DAEMON_PID" || fail "the daemon died"
echo "ok: an ended guest is back at power-on for the next gdb; extended-remote run and kill work"
