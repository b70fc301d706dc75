# monitor help lists the monitor commands; an unknown one says so;
# monitor info counts exits.
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb
daemon_start guests/protected.bin
gdb_run "$T/g" <<EOF
monitor help
monitor frobnicate
EOF
cat "$T/g"
for c in help info reset mode sregs gdt idt xlate phys; do
	expect "$T/g" "^ *$c" "monitor help does not list $c"
done
expect "$T/g" "unknown monitor command 'frobnicate'"

# monitor info counts the vCPU's exits to the daemon: none at the reset
# vector, one per stepi.  (gdb -batch detached above: the guest ran on.)
daemon_start guests/protected.bin
gdb_run "$T/i" <<EOF2
monitor info
stepi 5
monitor info
EOF2
cat "$T/i"
counts=$(sed -n 's/^exits to kvmstub so far: \([0-9]*\) .*/\1/p' "$T/i" | tr '\n' ' ')
[ "$counts" = "0 5 " ] || fail "monitor info exit counts '$counts', want '0 5 '"
