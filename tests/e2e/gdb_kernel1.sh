# kernel1 under real gdb: the reset vector, 16-bit disassembly, stepi into
# start, registers, a breakpoint at 0xffff0 after monitor reset, Ctrl-C.
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb
start=$(sym guests/kernel1.elf start)
loop=$(sym guests/kernel1.elf loop)
daemon_start guests/kernel1.bin
expect "$T/daemon.out" "guest halted at f000:fff0 \(linear 0xffff0\); gdb: target remote 127.0.0.1:$PORT"

gdb_run "$T/g1" <<EOF
p/x \$pc
x/i \$pc
p/x \$cs
p/x \$ip
p/x \$cs_base
stepi
p/x \$pc
p/x \$cs
set \$eax = 0x1234ffff
stepi
p/x \$eax
p/x \$pc
info registers eip eflags cs
EOF
cat "$T/g1"
expect "$T/g1" '^\$1 = 0xffff0$' "\$pc at the reset vector is not linear 0xffff0"
expect "$T/g1" 'ljmp +\$0xf000,\$0x0' "x/i \$pc does not show the 16-bit far jump"
expect "$T/g1" '^\$2 = 0xf000$' "CS is not 0xf000"
expect "$T/g1" '^\$3 = 0xfff0$' "the raw IP is not 0xfff0"
expect "$T/g1" '^\$4 = 0xf0000$' "CS base is not 0xf0000"
expect "$T/g1" "^\\\$5 = $start\$" "stepi did not land on start ($start)"
expect "$T/g1" '^\$7 = 0x12340000$' "xor %ax,%ax did not clear the low half of eax"
expect "$T/g1" "^\\\$8 = $loop\$" "the second stepi is not at loop ($loop)"
expect "$T/g1" "^eip +$loop" "info registers eip"

# The session detached (gdb -batch detaches): the guest runs on in its loop.
# A breakpoint at the reset vector hits after monitor reset.
gdb_run "$T/g2" <<EOF
monitor reset
break *0xffff0
continue
p/x \$pc
x/i \$pc
delete
EOF
cat "$T/g2"
expect "$T/g2" 'Breakpoint 1, 0x000ffff0' "break *0xffff0 after monitor reset did not report Breakpoint 1, 0x000ffff0"

# Ctrl-C: SIGINT to gdb while the guest spins in its loop.
cat >"$T/cmds3.gdb" <<EOF
continue
p/x \$pc
EOF
timeout -k 5 60 gdb -nx -batch -x gdbscripts/kvmstub.gdb -ex "target remote 127.0.0.1:$PORT" \
	-x "$T/cmds3.gdb" >"$T/g3" 2>&1 &
tpid=$!
sleep 1.5
# Signal gdb itself: timeout(1) would pass SIGINT to its whole group twice.
gpid=$(pgrep -P $tpid gdb) || fail "gdb is not running"
kill -INT $gpid
wait $tpid
cat "$T/g3"
expect "$T/g3" "Program received signal SIGINT" "Ctrl-C did not stop the guest"
expect "$T/g3" "^\\\$1 = $loop\$" "after Ctrl-C the pc is not in the loop"
