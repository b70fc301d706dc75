# The memory-access decoder (kvm/insn_access*.c) against binutils'
# objdump, for what KVM's emulator here cannot execute (x87, most SSE,
# VEX): every opcode of the one-byte, 0F and VEX 0F maps in 16-, 32- and
# 64-bit code; the same lengths, memory operands of objdump's size, a
# memory destination written and a source only read (access_vs_objdump.c).
. "$(dirname "$0")/lib.sh"
command -v objdump >/dev/null || fail "objdump is not installed (make test installs binutils)"
bin=${KVMSTUB_BUILD:-build}/tests/access_vs_objdump
[ -x "$bin" ] || fail "$bin is not built (make test builds it)"
"$bin" objdump >"$T/out" 2>&1
rc=$?
cat "$T/out"
[ "$rc" -eq 0 ] || fail "the decoder and objdump differ (status $rc)"
expect "$T/out" "the decoder and objdump agree" "no summary line"
for code in 16 32 64; do
	n=$(sed -n "s/^$code-bit code: .*, \([0-9]*\) operand sizes equal.*/\1/p" "$T/out")
	[ -n "$n" ] && [ "$n" -ge 1000 ] || fail "$code-bit code: only ${n:-no} operand sizes compared"
done
echo "access_vs_objdump: ok"
