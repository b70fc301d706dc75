# Detach and reconnect: the state is where it was; kill and reconnect: back
# at the reset vector; a second client while one is attached is refused.
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb
daemon_start guests/kernel1.bin
start=$(sym guests/kernel1.elf start)
loop=$(sym guests/kernel1.elf loop)
gdb_run "$T/g1" <<EOF
stepi
stepi
p/x \$pc
detach
EOF
cat "$T/g1"
expect "$T/g1" "^\\\$1 = $loop\$"
# kernel1 spins at loop after detach; the next gdb stops it there.
gdb_run "$T/g2" <<EOF
p/x \$pc
p/x \$cs
kill
EOF
cat "$T/g2"
expect "$T/g2" "^\\\$1 = $loop\$" "state lost across detach/reconnect"
expect "$T/g2" '^\$2 = 0xf000$' "state lost across detach/reconnect"
gdb_run "$T/g3" <<EOF
p/x \$pc
EOF
cat "$T/g3"
expect "$T/g3" '^\$1 = 0xffff0$' "after kill, the guest is not back at the reset vector"
kill -0 "$DAEMON_PID" || fail "the daemon died"

# A second client while one is attached gets a clear refusal.
timeout 30 gdb -nx -batch -ex "target remote 127.0.0.1:$PORT" -ex 'shell sleep 3' >"$T/first" 2>&1 &
gpid=$!
sleep 1
timeout 30 gdb -nx -batch -ex "target remote 127.0.0.1:$PORT" -ex 'p $pc' >"$T/second" 2>&1
wait $gpid
cat "$T/second"
expect "$T/second" "another gdb is already attached" "the second client was not told why"
expect "$T/daemon.err" "refused a second client"
