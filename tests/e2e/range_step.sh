# Range stepping with the C guest (guests/cloop.elf, DWARF line info):
# gdb's `next` over source lines asks for vCont;r (step while the pc stays
# in the line's range), the daemon steps the summing loop itself, and the
# program's result is right.  Then the same with `set range-stepping off`:
# no vCont;r, same result.
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb
ELF=guests/cloop.elf
[ -r "$ELF" ] || fail "$ELF is not built"
loop_line=$(grep -n 'for (int i = 0; i < N; i++) s +=' guests/cloop.c | cut -d: -f1)
[ -n "$loop_line" ] || fail "the summing loop is not in guests/cloop.c"

# gdb_cloop OUT RANGE-STEPPING: break main, then next until past the loop.
gdb_cloop() {
	daemon_start guests/cloop.bin
	cat >"$T/cmds.gdb" <<GDB
set range-stepping $2
break main
continue
next
info line *\$pc
set debug remote 1
next
set debug remote 0
info line *\$pc
next
print total
print/x \$eflags & 0x100
GDB
	timeout -k 5 60 gdb -nx -batch "$ELF" -ex "target remote 127.0.0.1:$PORT" \
		-x "$T/cmds.gdb" >"$1" 2>&1
	daemon_stop
}

gdb_cloop "$T/on" on
cat "$T/on"
expect "$T/on" "^Breakpoint 1, main \(\) at .*cloop.c" "break main did not stop in main"
expect "$T/on" "^Line $loop_line of \".*cloop.c\"" "the first next did not stop at the summing loop (line $loop_line)"
expect "$T/on" 'Sending packet: \$vCont;r[0-9a-f]+,[0-9a-f]+' "next did not range-step (no vCont;r packet)"
expect "$T/on" '^\$1 = 1499500$' "total is not 1499500 after the loop"
expect "$T/on" '^\$2 = 0x0$' "the trap flag leaked into the guest's EFLAGS"
# The loop is 1000 turns of 4 instructions: without range stepping it
# would be some 4000 vCont;s; with it, a handful of packets.
steps=$(grep -c 'Sending packet: \$vCont;s' "$T/on")
[ "$steps" -lt 50 ] || fail "next over the loop sent $steps single steps despite range stepping"

gdb_cloop "$T/off" off
cat "$T/off" | grep -v 'Sending packet\|Packet received\|remote\]' 
expect_not "$T/off" 'Sending packet: \$vCont;r' "vCont;r sent with range-stepping off"
expect "$T/off" '^\$1 = 1499500$' "total is not 1499500 without range stepping"
echo "PASS: next over the loop line: range stepping $(grep -c 'Sending packet: \$vCont;r' "$T/on") vCont;r packet(s), without it $(grep -c 'Sending packet: \$vCont;s' "$T/off") vCont;s"
