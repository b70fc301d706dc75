# Lost and misbehaving clients: gdb killed (SIGKILL) while the guest runs,
# while it is stopped, and a client gone in the middle of a packet.  Each
# time the daemon stays up, keeps the guest's state for the next gdb, and
# does not spin.  A client that connects and sends nothing does not stop
# the guest, and once it goes away the next gdb is served.
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb
loop=$(sym guests/counter.elf loop)
done_=$(sym guests/counter.elf done)
rsp() { timeout 20 python3 tests/e2e/rsp.py "127.0.0.1:$PORT" "$@"; }
# cpu_ticks: the daemon's user + system time so far, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$DAEMON_PID/stat"; }
alive() { kill -0 "$DAEMON_PID" 2>/dev/null || fail "the daemon died $*"; }
# counter_le32 HEX: the little-endian 32-bit value of an m reply.
le32() { printf '%d' "0x${1:6:2}${1:4:2}${1:2:2}${1:0:2}"; }

daemon_start guests/counter.bin

# 1. SIGKILL while the guest runs: the daemon stops the guest where it is.
cat >"$T/run.gdb" <<EOF
continue
EOF
gdb -nx -batch -ex "target remote 127.0.0.1:$PORT" -x "$T/run.gdb" >"$T/g1" 2>&1 &
gpid=$!
sleep 1
kill -KILL $gpid
wait $gpid 2>/dev/null
sleep 0.2
alive "after gdb was killed while the guest ran"
gdb_run "$T/g2" <<EOF
p/x \$pc
p *(int *)0x20000
p *(int *)0x20000
EOF
cat "$T/g2"
pc=$(sed -n 's/^\$1 = \(0x[0-9a-f]*\)$/\1/p' "$T/g2")
[ -n "$pc" ] && [ $((pc)) -ge $((loop)) ] && [ $((pc)) -lt $((done_)) ] ||
	fail "after gdb was killed while running, the pc ($pc) is not in the loop ($loop..$done_)"
n1=$(sed -n 's/^\$2 = \([0-9]*\)$/\1/p' "$T/g2")
n2=$(sed -n 's/^\$3 = \([0-9]*\)$/\1/p' "$T/g2")
[ -n "$n1" ] && [ "$n1" -gt 0 ] || fail "the counter did not advance while gdb was attached"
[ "$n1" = "$n2" ] || fail "the guest is not stopped: counter $n1 then $n2"
echo "ok: killed while running; the next gdb finds the guest stopped in the loop, counter $n1"

# 2. SIGKILL while stopped: the state gdb left is the state the next one sees.
cat >"$T/stop.gdb" <<EOF
stepi
stepi
stepi
p/x \$pc
set \$edx = 0x5eed
shell touch $T/ready; sleep 30
EOF
gdb -nx -batch -ex "target remote 127.0.0.1:$PORT" -x "$T/stop.gdb" >"$T/g3" 2>&1 &
gpid=$!
for _ in $(seq 1 100); do [ -e "$T/ready" ] && break; sleep 0.05; done
[ -e "$T/ready" ] || fail "gdb did not get to its pause: $(cat "$T/g3")"
kill -KILL $gpid
wait $gpid 2>/dev/null
pkill -KILL -f "^sleep 30$" -P $gpid 2>/dev/null
pc3=$(sed -n 's/^\$1 = \(0x[0-9a-f]*\)$/\1/p' "$T/g3")
alive "after gdb was killed while the guest was stopped"
gdb_run "$T/g4" <<EOF
p/x \$pc
p/x \$edx
EOF
cat "$T/g4"
expect "$T/g4" "^\\\$1 = $pc3\$" "the pc changed across a killed gdb (was $pc3)"
expect "$T/g4" '^\$2 = 0x5eed$' "a register gdb set was lost across a killed gdb"
echo "ok: killed while stopped; the next gdb sees pc $pc3 and edx 0x5eed"

# 3. Gone in the middle of a packet: the half packet is forgotten, and the
# next client's first packet is read from its own first byte.
rsp '!raw:+$m 20000,' '!close'
rsp '!raw:$qSupported:swbre' '!close'
rsp '?' 'm20000,4' 'm20000,4' >"$T/r3"
cat "$T/r3"
expect "$T/r3" '^T0[0-9a-f]thread:01;([0-9a-f]{2}:[0-9a-f]+;)*$' "after a half packet, '?' gets no stop reply"
[ "$(sed -n 2p "$T/r3")" = "$(sed -n 3p "$T/r3")" ] || fail "the guest is not stopped: $(cat "$T/r3")"
alive "after clients left in the middle of a packet"
echo "ok: clients gone in the middle of a packet"

# 4. No spinning: idle daemon, and idle with a silent client connected.
t0=$(cpu_ticks); sleep 1; t1=$(cpu_ticks)
exec 3<>"/dev/tcp/127.0.0.1/$PORT"
sleep 1; t2=$(cpu_ticks)
echo "daemon CPU: $((t1 - t0)) ticks idle, $((t2 - t1)) ticks with a silent client (100 ticks = 1 s)"
[ $((t1 - t0)) -le 5 ] || fail "the daemon used $((t1 - t0)) ticks of CPU in 1 s while idle"
[ $((t2 - t1)) -le 5 ] || fail "the daemon spins with a silent client: $((t2 - t1)) ticks in 1 s"
# While the silent client holds the session, another gdb is refused...
timeout 20 gdb -nx -batch -ex "target remote 127.0.0.1:$PORT" -ex 'p $pc' >"$T/g5" 2>&1
expect "$T/g5" "another gdb is already attached" "a second client was not refused"
# ... and once it goes away, the next one is served.
exec 3>&-
sleep 0.2
gdb_run "$T/g6" <<EOF
p/x \$pc
EOF
expect "$T/g6" '^\$1 = 0xf00[0-9a-f]{2}$' "after the silent client left, gdb was not served"
echo "ok: no spinning; a silent client is refused company, then leaves room"

# 5. A silent client does not stop a running guest: restart the count
# (eax from 0x80000000, so that the guest does not reach its end),
# detach (the guest runs on), connect and say nothing for a second, then
# the next client's first packet stops it: the counter moved meanwhile.
rsp 'P0=00000080' 'M20000,4:00000000' 'D' >"$T/r5"
expect "$T/r5" '^OK$' "P/M/D failed: $(cat "$T/r5")"
exec 3<>"/dev/tcp/127.0.0.1/$PORT"
t0=$(cpu_ticks)
sleep 1
t1=$(cpu_ticks)
exec 3>&-
rsp '?' 'm20000,4' >"$T/r6"
n=$(le32 "$(sed -n 2p "$T/r6")")
echo "counter after a second with a silent client: $n; daemon CPU $((t1 - t0)) ticks"
[ "$n" -gt 1000 ] || fail "the guest did not run while a silent client was connected (counter $n)"
[ $((t1 - t0)) -ge 30 ] || fail "the vCPU did not run while a silent client was connected"
rsp '?' 'm20000,4' >"$T/r7"
[ "$(le32 "$(sed -n 2p "$T/r7")")" = "$n" ] || fail "the first packet did not stop the guest"
alive "at the end"
echo "ok: a silent client does not stop the guest; the first packet does"
