# hlt with interrupts disabled is a stop, with or without KVM's in-kernel
# interrupt controller (with one, hlt does not exit to kvmstub: the halt
# watchdog in kvm/irqchip.c finds it).  Under --no-gdb: exit status 0,
# quickly.  Under gdb: continue -> SIGTRAP and the message naming the hlt;
# another continue goes on after it (the jmp back) and stops there again.
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb
printf '\xfa\xf4\xeb\xfc' >"$T/hlt.bin"		# cli; hlt; jmp back to the cli
start=$(date +%s%N)
timeout 10 "$KVMSTUB" --no-gdb --load 0x7c00 "$T/hlt.bin" >"$T/out" 2>"$T/err"; rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$rc" -eq 0 ] || fail "--no-gdb: exit status $rc, want 0 (hlt); stderr: $(cat "$T/err")"
[ "$ms" -lt 2000 ] || fail "--no-gdb: the hlt took $ms ms to stop"

daemon_start --load 0x7c00 "$T/hlt.bin"
gdb_run "$T/g" <<EOF
continue
p/x \$pc
continue
p/x \$pc
EOF
cat "$T/g"
[ "$(grep -c 'hlt with interrupts disabled at 0000:7c01 (linear 0x7c01, real mode)' "$T/g")" -eq 2 ] ||
	fail "the hlt message did not come twice"
[ "$(grep -c 'Program received signal SIGTRAP' "$T/g")" -eq 2 ] || fail "no SIGTRAP at each hlt"
expect "$T/g" '^\$1 = 0x7c02$' "pc after the first hlt stop"
expect "$T/g" '^\$2 = 0x7c02$' "pc after the second hlt stop"
echo "halt: ok"
