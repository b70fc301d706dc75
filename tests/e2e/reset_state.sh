# reset_state: after monitor reset (and k) every vCPU is exactly as at
# power-on, whatever the guest and the debugger left behind.
#  1. The guest's own TF: stepping.bin's popf sets TF during a stepi; after
#     monitor reset a stepi must run the first instruction (pc 0xf0000),
#     not deliver a #DB through the zeroed IVT (pc 0).
#  2. Everything gdb can see: a fresh daemon's registers (the 64-bit
#     layout: general, segment, system, control registers, EFER) and
#     monitor sregs, against the same after long.bin ran into 64-bit mode,
#     with a watchpoint and breakpoints inserted, and monitor reset.
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb

daemon_start guests/stepping.bin
gdb_run "$T/tf" guests/stepping.elf <<'EOF'
hbreak *step_popf
continue
delete
stepi
printf "TF %d\n", ($eflags >> 8) & 1
monitor reset
maintenance flush register-cache
printf "RESET pc %#x eflags %#x\n", $pc, $eflags
stepi
printf "STEP pc %#x\n", $pc
EOF
cat "$T/tf"
expect "$T/tf" '^TF 1$' "the guest's popf did not set TF (the test's premise)"
expect "$T/tf" '^RESET pc 0xffff0 eflags 0x2$' "monitor reset: pc and EFLAGS at power-on"
expect "$T/tf" '^STEP pc 0xf0000$' "stepi after monitor reset: the guest's old TF delivered a #DB"
daemon_stop

# What gdb sees of the whole vCPU, one line per register.
SNAP='info registers
info registers cr0 cr2 cr3 cr4 cr8 efer
monitor sregs
monitor regs'

daemon_start --arch x86-64 guests/long.bin
gdb64_run "$T/fresh" guests/long.elf <<EOF
$SNAP
EOF
daemon_stop

daemon_start --arch x86-64 guests/long.bin
gdb64_run "$T/after" guests/long.elf <<EOF
break *say_hello
watch *(int *)0x1000
continue
delete
info registers rip
monitor reset
maintenance flush register-cache
echo ==SNAP==\n
$SNAP
EOF
grep -q 'say_hello' "$T/after" || { cat "$T/after"; fail "long.bin did not reach say_hello (the test's premise)"; }
sed -n '/^==SNAP==$/,$p' "$T/after" | sed 1d | grep -v 'Remote target' >"$T/after.snap"
grep -v 'Remote target' "$T/fresh" | sed -n '/^rax/,$p' >"$T/fresh.snap"
sed -n '/^rax/,$p' "$T/after.snap" >"$T/after.cmp"
if ! diff -u "$T/fresh.snap" "$T/after.cmp" >"$T/diff"; then
	cat "$T/diff"
	fail "after monitor reset the vCPU differs from a fresh daemon's"
fi
[ "$(wc -l <"$T/fresh.snap")" -gt 40 ] || { cat "$T/fresh.snap"; fail "too little state compared"; }
echo "PASS: monitor reset gives the power-on vCPU ($(wc -l <"$T/fresh.snap") lines compared)"
