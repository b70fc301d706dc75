# A client that goes away without D leaves nothing to the next one: its
# breakpoints (with their conditions), its watchpoints and its `monitor
# phys` mode go with it.  gdb inserts its own breakpoints afresh after it
# connects; a continue by the next gdb must not stop at one it never set.
# And a client that is lost while the guest runs past a false condition
# leaves the guest stopped, not running on with nobody attached.
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb
loop=$(sym guests/counter.elf loop)
loop_end=$(sym guests/counter.elf loop_end)
rsp() { timeout 20 python3 tests/e2e/rsp.py "127.0.0.1:$PORT" "$@"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$DAEMON_PID/stat"; }

# next_gdb NAME: the next gdb stops at its own breakpoint at loop (the
# first turn), sets EAX near the end of the count, deletes it and
# continues: counter.bin then runs its last 1000 turns to the exit port
# (status 0) unless something else stops it.  gdb resumes by itself from
# a stop at a breakpoint it does not know (a "hwbreak" stop where it has
# none), so its packet log is what shows whether the guest stopped: the
# only stop reply of that continue must be the exit, W00.
next_gdb() {
	gdb_run "$T/$1" <<EOF
monitor phys
break *$loop
continue
set \$eax = 999000
delete
set debug remote 1
continue
EOF
	grep -v '\[remote\]' "$T/$1"
	grep -E 'Packet received: [TSW][0-9a-f]{2}' "$T/$1" | head -5
}

# 1. A breakpoint with a condition, one without, and monitor phys on.
daemon_start guests/counter.bin
rsp "Z0,${loop#0x},1;X3,220027" "Z1,${loop_end#0x},1" 'qRcmd,70687973206f6e' '!close' >"$T/r1"
cat "$T/r1"
[ "$(grep -c '^OK$' "$T/r1")" -eq 3 ] || fail "client 1 could not set up: $(cat "$T/r1")"
next_gdb g1
expect "$T/g1" '^phys off: memory packets use linear addresses$' \
	"monitor phys on of a client that left without D stayed on for the next one"
expect_not "$T/g1" 'Packet received: T05' \
	"the next gdb's continue stopped at a breakpoint of a client that left without D"
expect "$T/g1" "^Breakpoint 1, $(printf '0x%08x' "$loop")" "the next gdb did not stop at its own breakpoint first"
expect "$T/g1" 'exited normally' "counter.bin did not run to its end for the next gdb"

# 2. A write watchpoint on the counter.
daemon_start guests/counter.bin
rsp 'Z2,20000,4' '!close' >"$T/r2"
expect "$T/r2" '^OK$' "client 1 could not insert its watchpoint: $(cat "$T/r2")"
next_gdb g2
expect_not "$T/g2" 'Packet received: T05' \
	"the next gdb's continue stopped at a watchpoint of a client that left without D"
expect "$T/g2" "^Breakpoint 1, $(printf '0x%08x' "$loop")" \
	"the next gdb did not stop at its own breakpoint first (at a watchpoint of the client before?)"
expect "$T/g2" 'exited normally' "counter.bin did not run to its end for the next gdb"

# 3. Lost while the guest runs past false conditions: the daemon stops
# the guest, and a hidden hit it collects then must not resume it.  Five
# times; each time the daemon then sits idle.
daemon_start guests/counter.bin
for i in 1 2 3 4 5; do
	rsp "Z0,${loop#0x},1;X3,220027" "Z1,${loop_end#0x},1;X3,220027" '!noreply:c' \
		'!sleep:0.3' '!close' >"$T/r3"
	sleep 0.2
	t0=$(cpu_ticks); sleep 0.5; t1=$(cpu_ticks)
	[ $((t1 - t0)) -le 5 ] ||
		fail "round $i: the guest runs on after its client was lost ($((t1 - t0)) ticks of CPU in 0.5 s)"
done
next_gdb g3
expect_not "$T/g3" 'Packet received: T05' "the next gdb's continue stopped at a breakpoint of a lost client"
expect "$T/g3" 'exited normally' "counter.bin did not run to its end for the next gdb"
echo "ok: breakpoints, conditions, watchpoints and phys mode leave with their client"
