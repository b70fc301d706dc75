# lldb.sh - a second client: Debian's lldb (`gdb-remote`) reads registers and
# memory, writes a register, steps, stops at breakpoints and sees the guest
# exit, on the protected guest; once without an ELF file (lldb then learns
# the architecture from qHostInfo) and once with it (symbols).  Then what
# the README's lldb section says of expressions, and a watchpoint.
. "$(dirname "$0")/lib.sh"
need_kvm
command -v lldb >/dev/null ||
	skip "lldb is not installed: the lldb client is NOT tested (make test installs it as root; or: apt-get install lldb)"
pm_entry=$(sym guests/protected.elf pm_entry)
fault_here=$(sym guests/protected.elf fault_here)

# lldb_run OUT [lldb args] -- lldb commands...: lldb in batch mode against the
# daemon.  Debian 12's lldb 14 prints a Python traceback at start (a
# packaging bug: lldb.embedded_interpreter is missing); it is dropped.
lldb_run() {
	local out=$1 args=(); shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do args+=("$1"); shift; done
	shift
	local cmds=(-o "log enable -f $T/packets.log gdb-remote packets"
		    -o "gdb-remote 127.0.0.1:$PORT")
	for c in "$@"; do cmds+=(-o "$c"); done
	timeout -k 5 60 lldb --no-lldbinit --batch "${args[@]}" "${cmds[@]}" </dev/null 2>&1 |
		grep -v -e '^Traceback' -e '^  File "<string>"' -e "^ModuleNotFoundError: No module named 'lldb" >"$out"
	cat "$out"
}

daemon_start guests/protected.bin
lldb_run "$T/l1" -- \
	'register read eip cs eflags cr0' \
	'memory read --size 1 --count 5 0xffff0' \
	'thread step-inst' \
	'register read pc' \
	"breakpoint set -a $pm_entry" \
	'continue' \
	'register read eip cs cr0' \
	'register write eax 0x1234abcd' \
	'register read eax' \
	'memory read --format x --size 4 --count 1 0xfffffff0' \
	'continue' \
	'process status'
[ -s "$T/packets.log" ] || fail "lldb did not connect (no packet log)"
grep -q 'qHostInfo' "$T/packets.log" || fail "lldb did not ask qHostInfo"
expect "$T/l1" 'eip = 0x000ffff0' "lldb does not read eip = 0xffff0 at the reset vector (see $T/packets.log)"
expect "$T/l1" 'cs = 0x0000f000' "lldb does not read cs = 0xf000"
expect "$T/l1" 'cr0 = 0x60000010' "lldb does not read cr0"
expect "$T/l1" '^0x000ffff0: ea 00 00 00 f0' "lldb memory read at 0xffff0 does not show the far jump"
expect "$T/l1" 'stop reason = instruction step into' "lldb thread step-inst did not stop as a step"
expect "$T/l1" 'eip = 0x000f0000' "after one step eip is not 0xf0000 (start)"
expect "$T/l1" "^Breakpoint 1: address = $(printf '0x%08x' "$pm_entry")" "lldb could not set a breakpoint at pm_entry"
expect "$T/l1" 'stop reason = breakpoint 1\.1' "lldb did not stop at the breakpoint"
expect "$T/l1" "eip = $(printf '0x%08x' "$pm_entry")" "eip at the breakpoint is not pm_entry"
expect "$T/l1" 'cs = 0x00000008' "cs after the far jump is not 0x08"
expect "$T/l1" 'cr0 = 0x60000011' "cr0.PE is not set at pm_entry"
expect "$T/l1" 'eax = 0x1234abcd' "lldb register write eax did not stick"
expect "$T/l1" '^0xfffffff0: 0x000000ea' "lldb memory read at 0xfffffff0 (the alias at 4 GiB)"
expect "$T/l1" 'exited with status = 6' "the guest did not exit with status 6 under lldb"
daemon_stop

# With the ELF file: symbols.  (Addresses as numbers: an expression such as
# $pc makes Debian's lldb 14 look for free memory to evaluate it in, and it
# trips an assertion on a target whose memory map has no holes.)
daemon_start guests/protected.bin
lldb_run "$T/l2" guests/protected.elf -- \
	'breakpoint set -n fault_here' \
	'continue' \
	'register read eip' \
	"memory read --size 1 --count 2 $fault_here"
expect "$T/l2" 'Current executable set to .*protected.elf.* \(i386\)' "lldb did not load the ELF file"
expect "$T/l2" "Breakpoint 1: where = protected.elf\`fault_here" "lldb did not resolve fault_here"
expect "$T/l2" 'stop reason = breakpoint 1\.1' "lldb did not stop at fault_here"
expect "$T/l2" "eip = $(printf '0x%08x' "$fault_here") +protected.elf\`fault_here" "eip is not fault_here"
expect "$T/l2" "^$(printf '0x%08x' "$fault_here"): 0f 0b" "the bytes at fault_here are not ud2 (0f 0b)"
expect_not "$T/l2" 'Assertion failed' "lldb hit an assertion (addresses given as numbers)"
daemon_stop

# What the README says of expressions: Debian's lldb 14 prints an assertion
# backtrace whenever it evaluates one ($pc as an address, and every
# `watchpoint set expression`, a plain number too), then goes on and does
# the work: the bytes are read, the watchpoint is set and fires (on the
# tick counter of guests/interrupts.bin: 0 when the guest zeroes it, 1 at
# the first timer tick).
daemon_start guests/interrupts.bin
lldb_run "$T/l3" guests/interrupts.elf -- \
	'memory read --size 1 --count 5 $pc' \
	'watchpoint set expression -w write -s 4 -- 0x20100' \
	'continue' \
	'continue' \
	'register read eip'
expect "$T/l3" '^0x000ffff0: ea 00 00 00 f0' "memory read \$pc did not read the far jump"
expect "$T/l3" '^Watchpoint created: Watchpoint 1: addr = 0x00020100 size = 4 state = enabled type = w' \
	"lldb did not set the watchpoint at 0x20100"
expect "$T/l3" '^new value: 1$' "the watchpoint did not fire at the first tick (old 0, new 1)"
expect "$T/l3" 'stop reason = watchpoint 1' "lldb did not stop for the watchpoint"
expect "$T/l3" 'eip = 0x[0-9a-f]+ +interrupts.elf`timer_handler' "the second write is not the timer handler's"
if lldb --version 2>/dev/null | grep -q '^lldb version 14\.'; then
	[ "$(grep -c 'Assertion failed' "$T/l3")" -ge 2 ] ||
		fail "lldb 14 printed no assertion for an expression: the README's lldb section says it does"
fi
daemon_stop
echo "lldb: registers, memory, step, breakpoints, a watchpoint and exit work"
