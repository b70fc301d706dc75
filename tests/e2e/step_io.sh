# step_io: a stepi over an I/O instruction executes that one instruction.
# In each mode (serial.bin: real; protected.bin: 32-bit; long.bin: 64-bit)
# gdb stops on the guest's `in (%dx),%al` and `out %al,(%dx)` (found in its
# ELF file by objdump) with a hardware breakpoint, steps once, and the pc
# must be the next instruction, as on the CPU and in QEMU; and a
# breakpoint on the instruction right after the `out` is hit by a continue.
# Before the fix a step over `out` ran the instruction after it as well.
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb

# io_addrs ELF ARCH: the addresses of the first `in (%dx),%al` and
# `out %al,(%dx)` (one byte each, ec and ee), decoded as ARCH.
io_addrs() {
	objdump -d -m "$2" "$1" |
		awk -F'\t' '$2 ~ /^e[ce] +$/ && $3 ~ /^(in|out) / { sub(":", "", $1); print "0x" $1 }' |
		sed 's/0x */0x/' | head -2
}

check_mode() {
	local guest=$1 run=$2 arch=$3 elf=guests/$1.elf addrs a next
	addrs=$(io_addrs "$elf" "$arch")
	[ "$(echo "$addrs" | wc -l)" -eq 2 ] || fail "$elf: no in/out (%dx) pair found"
	{
		echo "set pagination off"
		for a in $addrs; do
			next=$(printf '0x%x' $((a + 1)))	# ec / ee: one byte each
			echo "hbreak *$a"
			echo "continue"
			echo "delete"
			echo "printf \"AT %#x\\n\", \$pc"
			echo "stepi"
			echo "printf \"STEP %#x -> %#x want $next\\n\", $a, \$pc"
		done
		# A breakpoint on the instruction after the out: the next putc hits it.
		a=$(echo "$addrs" | tail -1)
		next=$(printf '0x%x' $((a + 1)))
		echo "hbreak *$next"
		echo "continue"
		echo "printf \"AFTER %#x want $next\\n\", \$pc"
	} | $run "$T/$guest.out" "$elf"
	cat "$T/$guest.out"
	for a in $addrs; do
		expect "$T/$guest.out" "^AT $a\$" "$guest: the breakpoint at $a was not hit"
		next=$(printf '0x%x' $((a + 1)))
		expect "$T/$guest.out" "^STEP $a -> $next want $next\$" \
			"$guest: stepi over the I/O instruction at $a did not stop at $next"
	done
	expect "$T/$guest.out" "^AFTER ($next) want \\1\$" \
		"$guest: the breakpoint after the out at $next was not hit"
}

daemon_start guests/serial.bin
check_mode serial gdb_run i8086
daemon_start guests/protected.bin
check_mode protected gdb_run i386
daemon_start --arch x86-64 guests/long.bin
check_mode long gdb64_run i386:x86-64
echo "PASS: stepi over in and out stops at the next instruction in real, protected and long mode"
