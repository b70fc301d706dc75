# monitor help lists the monitor commands; an unknown one says so.
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
