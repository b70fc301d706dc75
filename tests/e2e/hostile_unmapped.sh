# Guests that run off into memory that is not there: one runs through the
# zeros at the end of RAM past its last byte (--memory 2M), one jumps to a
# guest-physical address with no memory at all (0xd0000000: MMIO to KVM,
# it cannot fetch instructions from it).  Each is reported to gdb and on
# stderr with the address; the daemon stays up; monitor reset recovers.
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb
# guest NAME TARGET: protected mode, flat segments, then jmp *TARGET.
guest() {
	fw_pm_image "$1" <<EOF
	xor	%eax, %eax		/* the zeros ahead are add %al,(%eax): harmless */
	mov	\$$2, %ecx
	jmp	*%ecx
EOF
}
guest runoff 0x1ffff0
guest mmio 0xd0000000

for case in "runoff 0x200000" "mmio 0xd0000000"; do
	set -- $case
	name=$1 where=$2
	daemon_start --memory 2M "$T/$name.bin"
	gdb_run "$T/g-$name" <<EOF
continue
p/x \$pc
$GDB_RESET
EOF
	cat "$T/g-$name"
	expect "$T/g-$name" "^(KVM internal error|triple fault).* at 0008:[0-9a-f]+ \(linear $where, protected mode\)$" \
		"$name: gdb did not show the fault's message at $where"
	expect "$T/g-$name" "Program received signal SIGSEGV" "$name: gdb did not report SIGSEGV"
	expect "$T/g-$name" "^\\\$1 = $where\$" "$name: the pc is not $where"
	expect_reset "$T/g-$name" "$name"
	expect "$T/daemon.err" "^kvmstub: guest fault: .*\(linear $where, protected mode\)$" \
		"$name: the daemon did not report the fault on stderr"
	kill -0 "$DAEMON_PID" || fail "$name: the daemon died"
	daemon_stop
	echo "ok: $name: $(grep 'guest fault' "$T/daemon.err" | head -1)"
done
