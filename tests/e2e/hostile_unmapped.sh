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
	fw_image "$1" <<EOF
	.code16
	.text
	.globl start, pm
start:	cli
	lgdtl	%cs:gdtp - start
	mov	%cr0, %eax
	or	\$1, %eax
	mov	%eax, %cr0
	ljmpl	\$8, \$pm
	.code32
pm:	mov	\$0x10, %ax
	mov	%ax, %ds
	mov	%ax, %ss
	mov	\$0x7000, %esp
	xor	%eax, %eax		/* the zeros ahead are add %al,(%eax): harmless */
	mov	\$$2, %ecx
	jmp	*%ecx
	.balign 8
gdt:	.quad 0
	.quad 0x00cf9a000000ffff
	.quad 0x00cf92000000ffff
gdtp:	.word gdtp - gdt - 1
	.long gdt
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
monitor reset
maintenance flush register-cache
stepi
p/x \$pc
EOF
	cat "$T/g-$name"
	expect "$T/g-$name" "^(KVM internal error|triple fault).* at 0008:[0-9a-f]+ \(linear $where, protected mode\)$" \
		"$name: gdb did not show the fault's message at $where"
	expect "$T/g-$name" "Program received signal SIGSEGV" "$name: gdb did not report SIGSEGV"
	expect "$T/g-$name" "^\\\$1 = $where\$" "$name: the pc is not $where"
	expect "$T/g-$name" '^\$2 = 0xf0000$' "$name: stepi after monitor reset did not reach start"
	expect "$T/daemon.err" "^kvmstub: guest fault: .*\(linear $where, protected mode\)$" \
		"$name: the daemon did not report the fault on stderr"
	kill -0 "$DAEMON_PID" || fail "$name: the daemon died"
	daemon_stop
	echo "ok: $name: $(grep 'guest fault' "$T/daemon.err" | head -1)"
done
