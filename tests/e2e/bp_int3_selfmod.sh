# bp_int3_selfmod: software breakpoints as real int3 bytes (monitor
# sw-break int3) on code the guest copies into RAM and then rewrites
# (guests/selfmod.S).  On a host that does not intercept int3 (nested
# kvm-pvm) this is the emulation-failure path: the int3 fails to emulate
# with RIP at our 0xCC, and that is our breakpoint.
#  A  (always-inserted on) the breakpoint hits; the guest sees 0xCC, gdb
#     (x/2xb, and a raw m packet) the original bytes; switching sw-break
#     with a breakpoint inserted is refused; after the guest rewrote the
#     routine over the breakpoint, gdb sees the new bytes and the
#     breakpoint is gone: the new code runs, nothing traps.
#  B  (gdb's default: breakpoints removed at every stop) removing the
#     breakpoint after the rewrite does not put the old byte back.
#  C  a breakpoint inserted in real mode: where int3 does not stop there
#     (the guest's IVT would get it) it is a debug register.
#  D  switching sw-break with a software breakpoint inserted is refused.
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb
"$KVMSTUB" --probe >"$T/probe" 2>&1 || fail "kvmstub --probe failed: $(cat "$T/probe")"
# "yes"/"no" in column $2 (1 real, 2 protected) of the probe row starting with $1.
col() { grep -F "  $1 " "$T/probe" | awk -v c="$2" '{ print $(NF - 3 + c) }'; }
icpt_pm=$(col 'int3 intercepted (USE_SW_BP)' 2)
emul_pm=$(col 'int3 -> internal error at the int3' 2)
[ -n "$icpt_pm" ] && [ -n "$emul_pm" ] || fail "cannot read the int3 rows of kvmstub --probe"
if [ "$icpt_pm" = no ] && [ "$emul_pm" = no ]; then
	skip "this host neither intercepts int3 nor fails on it at the int3 in protected mode" \
	     "(kvmstub --probe): int3 software breakpoints cannot work here"
fi
int3_rm=no
[ "$(col 'int3 intercepted (USE_SW_BP)' 1)" = yes ] && int3_rm=yes
[ "$(col 'int3 -> internal error at the int3' 1)" = yes ] && int3_rm=yes

ELF=guests/selfmod.elf
RAM=$(sym "$ELF" ram_routine)
REWRITTEN=$(sym "$ELF" rewritten)
M=${RAM#0x}

# --- A ---
daemon_start --verbose guests/selfmod.bin
gdb_run "$T/a" "$ELF" <<EOF
set breakpoint always-inserted on
hbreak *call_loop
continue
delete 1
monitor sw-break int3
break *$RAM
continue
printf "A stop 1 at %#x\n", \$pc
x/2xb $RAM
maint packet m$M,2
continue
continue
hbreak *rewritten
continue
printf "A rewritten stop at %#x\n", \$pc
x/2xb $RAM
x/i $RAM
maint packet m$M,2
continue
EOF
cat "$T/a"
expect "$T/a" "^sw-break int3: software breakpoints are 0xCC bytes" "monitor sw-break int3 failed"
expect "$T/daemon.err" "<- .Z0,$M,1 " "gdb did not insert a software breakpoint (Z0)"
expect "$T/daemon.err" "-> .T05thread:01;swbreak:;" \
	"the stop was not reported as a software breakpoint"
expect "$T/a" "^A stop 1 at $RAM\$" "the int3 breakpoint did not stop at the RAM routine"
expect "$T/a" "^$RAM:[[:space:]]+0xb8[[:space:]]+0x57\$" \
	"x/2xb at the breakpoint shows other bytes"
expect "$T/a" '^received: "b857"$' "a raw memory read shows the breakpoint's 0xCC"
expect_not "$T/a" "0xcc" "gdb saw a 0xCC"
[ "$(grep -c '^Breakpoint 2, ' "$T/a")" = 3 ] ||
	fail "the int3 breakpoint did not hit exactly 3 times"
expect "$T/a" "^A rewritten stop at $REWRITTEN\$" "did not stop after the rewrite"
expect "$T/a" "^$RAM:[[:space:]]+0xb9[[:space:]]+0xae\$" \
	"x/2xb after the rewrite: not the guest's new bytes"
expect "$T/a" "^ +$RAM:[[:space:]]+mov +\\\$0x8ae,%ecx\$" \
	"x/i after the rewrite: not the new instruction"
expect "$T/a" '^received: "b9ae"$' \
	"a raw memory read after the rewrite: not the guest's new bytes"
expect "$T/a" 'exited normally' "the guest did not run to its end after the rewrite"
sed -n '/Breakpoint 3, /,$p' "$T/a" | grep -q '^Breakpoint 2, ' &&
	fail "the breakpoint the guest wrote over still trapped"
for n in 1 2 3; do
	expect "$T/daemon.out" "^selfmod: call $n: first byte cc, result 1111" \
		"the guest did not see the int3 (0xCC) in call $n"
done
expect "$T/daemon.out" "^selfmod: rewritten: first byte b9, result 2222" \
	"the guest's rewritten routine did not run as written"
daemon_stop
echo "ok: A: int3 hit 3 times, gdb saw b8 57 (the guest cc); after the rewrite b9 ae, no trap"

# --- B ---
daemon_start --verbose guests/selfmod.bin
gdb_run "$T/b" "$ELF" <<EOF
hbreak *call_loop
continue
delete 1
monitor sw-break int3
break *$RAM
hbreak *rewritten
continue
continue
continue
continue
printf "B rewritten stop at %#x\n", \$pc
delete 2
x/i $RAM
maint packet m$M,1
continue
EOF
cat "$T/b"
[ "$(grep -c '^Breakpoint 2, ' "$T/b")" = 3 ] || fail "B: the int3 breakpoint did not hit 3 times"
expect "$T/b" "^B rewritten stop at $REWRITTEN\$" "B: did not stop after the rewrite"
# gdb removed the breakpoint (z0) when the guest stopped after the rewrite.
expect "$T/daemon.err" "<- .z0,$M,1 " "B: gdb did not remove the software breakpoint"
expect "$T/b" "^ +$RAM:[[:space:]]+mov +\\\$0x8ae,%ecx\$" \
	"B: x/i after removal: not the new instruction"
expect "$T/b" '^received: "b9"$' "B: the old byte was written back over the new code"
expect "$T/b" 'exited normally' "B: the guest did not run to its end"
expect "$T/daemon.out" "^selfmod: rewritten: first byte b9, result 2222" \
	"B: removing the breakpoint damaged the rewritten routine"
daemon_stop
echo "ok: B: removing the breakpoint after the rewrite left the new code alone (result 2222)"

# --- C ---
daemon_start --verbose guests/selfmod.bin
gdb_run "$T/c" "$ELF" <<EOF
set breakpoint always-inserted on
monitor sw-break int3
break *$RAM
continue
printf "C stop at %#x\n", \$pc
delete
continue
EOF
cat "$T/c"
if [ "$int3_rm" = no ]; then
	expect "$T/daemon.err" \
		"sw-break int3: vCPU 0 is in real mode, where this host does not stop at an int3" \
		"C: no word that the real-mode breakpoint uses a debug register"
	expect "$T/c" "^C stop at $RAM\$" "C: the real-mode (debug register) breakpoint did not hit"
	# A debug register is not in memory: the guest's copy did not erase it.
	expect "$T/daemon.out" "^selfmod: call 1: first byte b8, result 1111" \
		"C: the real-mode breakpoint wrote an int3"
	echo "ok: C: in real mode sw-break int3 used a debug register (int3 would reach the IVT)"
else
	# An int3 placed in real mode, then the guest copies its routine over it.
	expect_not "$T/c" "^C stop at $RAM\$" "C: a breakpoint the guest's copy erased trapped"
	expect "$T/daemon.out" "^selfmod: rewritten: first byte b9, result 2222" \
		"C: the guest failed"
	echo "ok: C: int3 in real mode; the guest's copy over it removed it, nothing trapped"
fi

# --- D --- (a refused monitor command ends gdb's batch script: last)
daemon_start guests/selfmod.bin
gdb_run "$T/d" "$ELF" <<EOF
set breakpoint always-inserted on
break *$RAM
monitor sw-break int3
EOF
cat "$T/d"
expect "$T/d" "^cannot switch sw-break while software breakpoints are inserted" \
	"D: sw-break switched with a software breakpoint inserted"
echo "ok: D: sw-break refused while a software breakpoint is inserted"
