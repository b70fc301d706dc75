# kvmstub --probe measures the host in milliseconds and says which
# mechanisms the daemon will use.
. "$(dirname "$0")/lib.sh"
need_kvm
"$KVMSTUB" --probe >"$T/out" 2>&1 || fail "--probe failed: $(cat "$T/out")"
cat "$T/out"
expect "$T/out" "single step"
expect "$T/out" "int3"
expect "$T/out" "watchpoint"
expect "$T/out" "software breakpoints"
