# bp_condition_modes: a target-side condition that is false is resumed past
# its breakpoint by the daemon (past_bp: one step inside the vCPU thread,
# then on), in real mode (counter16), protected mode (counter) and long
# mode (counter64).  Each continue gets ONE stop reply, at the turn where
# the condition holds, and a second condition on the same loop goes on
# from there (gdb's own step over the breakpoint, then hidden hits again).
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb

check() {
	local guest=$1 reg=$2 run=$3 loop
	shift 3
	loop=$(sym "guests/$guest.elf" loop)
	daemon_start "$@" "guests/$guest.bin"
	$run "$T/$guest" guests/$guest.elf <<EOF
set debug remote 1
break *$loop if \$$reg == 300
echo MARK-A\n
continue
echo MARK-A-END\n
print/d \$$reg
delete
hbreak *$loop if \$$reg == 600
echo MARK-B\n
continue
echo MARK-B-END\n
print/d \$$reg
print/x \$pc
EOF
	daemon_stop
	grep -v '^ *\[remote\]' "$T/$guest" | grep -E '^\$|Breakpoint' | sed "s/^/$guest: /"
	expect "$T/$guest" '^\$1 = 300$' "$guest: the first condition did not stop with $reg 300"
	expect "$T/$guest" '^\$2 = 600$' "$guest: the second condition did not stop with $reg 600"
	expect "$T/$guest" "^\\\$3 = $loop\$" "$guest: the stop is not at loop"
	for m in MARK-A MARK-B; do
		n=$(awk -v a="$m" -v b="$m-END" '$0 ~ "^" a "$" { on = 1; next }
			$0 ~ "^" b "$" { on = 0 } on && /Packet received: T05/ { n++ }
			END { print n + 0 }' "$T/$guest")
		echo "$guest: stop replies for $m: $n"
		# gdb may step off the breakpoint it stands on (one stop), then the hit.
		[ "$n" -ge 1 ] && [ "$n" -le 2 ] ||
			fail "$guest: $m got $n stop replies: false hits reached gdb"
	done
}

check counter16 eax gdb_run
check counter eax gdb_run
check counter64 rax gdb64_run --arch x86-64
echo "PASS: bp_condition_modes"
