# The memory-access decoder (kvm/insn_access*.c) against a KVM vCPU:
# random instructions of every family it covers, single-stepped in real,
# protected and long mode with their data and stack outside the memory
# slots, so that every access exits as MMIO and is recorded byte by byte
# (access_vs_cpu.c).  Every access the vCPU made must be the decoder's,
# and every access the decoder is sure of must have been made.
. "$(dirname "$0")/lib.sh"
need_kvm
bin=${KVMSTUB_BUILD:-build}/tests/access_vs_cpu
[ -x "$bin" ] || fail "$bin is not built (make test builds it)"
"$bin" 8000 >"$T/out" 2>&1
rc=$?
cat "$T/out"
[ "$rc" -ne 2 ] || skip "KVM cannot run the test's scratch VM here: $(cat "$T/out")"
[ "$rc" -eq 0 ] || fail "the decoder and the vCPU differ (status $rc)"
expect "$T/out" "every access the vCPU made was the decoder's" "no summary line"
# Enough of it must really be compared in each mode: skips (what KVM's
# emulator cannot execute, what faults) are counted, never passed.
for mode in real protected long; do
	set -- $(sed -n "s/^$mode mode: \([0-9]*\) tried, \([0-9]*\) compared, \([0-9]*\) equal.*/\1 \2 \3/p" "$T/out")
	[ $# -eq 3 ] || fail "no count for $mode mode"
	echo "$mode mode: $2 of $1 compared, $3 equal"
	[ "$3" -eq "$2" ] || fail "$mode mode: $2 compared but only $3 equal"
	[ $(($2 * 2)) -ge "$1" ] || fail "$mode mode: only $2 of $1 instructions compared"
done
echo "access_vs_cpu: ok"
