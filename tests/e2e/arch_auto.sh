# arch_auto: --arch auto (the default) follows the CPU from the reset
# vector into 64-bit code and back in one gdb session.  guests/long.S with
# breakpoints in real, protected and 64-bit code: all three hit; $ip in
# real mode, $eip in protected mode, $rip and $r8 (all 64 bits) in 64-bit
# mode, where gdb disassembles 64-bit code; a stepi across the far jump
# into 64-bit code stops at the first 64-bit instruction; after a reset the
# next stop is back in the i386 layout, and the breakpoints and symbols
# are all still there.  The switch is an exec stop, which gdb follows by
# reading the target description again.
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb
ELF=guests/long.elf
lm=$(sym "$ELF" lm_entry)

daemon_start guests/long.bin
gdb_run "$T/g" "$ELF" <<'EOF'
break *start
break *pm_entry
break *compat_mode
break *lm_entry
continue
printf "REAL ip %#x cs %#x rip-void %d\n", $ip, $cs, $_isvoid($rip)
continue
printf "PROT eip %#x rip-void %d\n", $eip, $_isvoid($rip)
continue
printf "COMPAT eip %#x rip-void %d\n", $eip, $_isvoid($rip)
stepi
printf "STEPPED rip %#lx rip-void %d\n", $rip, $_isvoid($rip)
set $r8 = 0x1122334455667788
stepi
printf "LONG rip %#lx r8 %#lx\n", $rip, $r8
info symbol $pc
info breakpoints
reset
delete 3
continue
printf "AGAIN ip %#x rip-void %d\n", $ip, $_isvoid($rip)
continue
continue
printf "AGAIN64 rip %#lx\n", $rip
EOF
cat "$T/g"
daemon_stop
expect_not "$T/g" "too long|rejected|not compatible|Error in re-setting" "gdb refused a layout"
expect "$T/g" '^Breakpoint 1, 0x000f0000 in start \(\)$' "the real-mode breakpoint"
expect "$T/g" '^REAL ip 0 cs 0xf000 rip-void 1$' "real mode: \$ip, the i386 layout"
expect "$T/g" '^Breakpoint 2, 0x000f001b in pm_entry \(\)$' "the protected-mode breakpoint"
expect "$T/g" '^PROT eip 0xf001b rip-void 1$' "protected mode: \$eip"
expect "$T/g" '^COMPAT eip 0xf0084 rip-void 1$' "compatibility mode keeps the i386 layout"
expect "$T/g" '^Remote target is executing new program: /kvmstub: the CPU is in 64-bit mode, x86-64 registers$' \
	"the exec stop that switches to the x86-64 layout"
expect "$T/g" "^STEPPED rip $lm rip-void 0\$" "stepi across the far jump stops at lm_entry"
expect "$T/g" '^LONG rip 0xf0092 r8 0x1122334455667788$' "64-bit mode: \$rip and all of \$r8"
expect "$T/g" 'mov +\$0x90000,%rsp' "64-bit disassembly"
expect "$T/g" '^say_hello in section \.text$' "symbols kept through the switch"
[ "$(grep -Ec '^[1-4] +breakpoint +keep y ' "$T/g")" = 4 ] || fail "a breakpoint was lost or disabled"
expect "$T/g" '^Remote target is executing new program: /kvmstub: the CPU left 64-bit mode, i386 registers$' \
	"the exec stop back to the i386 layout after the reset"
expect "$T/g" '^AGAIN ip 0 rip-void 1$' "after the reset: the real-mode breakpoint in the i386 layout"
expect "$T/g" "^Breakpoint 4, 0x0*f008b in lm_entry \\(\\)\$" "the 64-bit breakpoint, hit by a continue"
expect "$T/g" "^AGAIN64 rip $lm\$" "64-bit mode again"

# A watchpoint in 64-bit code with the x86-64 layout (counter64).  gdb casts
# the 32-bit ELF file's addresses through long only.
daemon_start guests/counter64.bin
gdb_run "$T/w" guests/counter64.elf <<'EOF'
break *loop
continue
delete
watch *(int *)(long)&counter
continue
printf "RIP-VOID %d\n", $_isvoid($rip)
EOF
cat "$T/w"
daemon_stop
expect "$T/w" '^Hardware watchpoint 2: \*\(int \*\)\(long\)&counter' "watch in the x86-64 layout"
expect "$T/w" '^New value = 1$' "the watchpoint hit"
expect "$T/w" '^RIP-VOID 0$' "the x86-64 layout"
echo "PASS: one session from the reset vector into 64-bit code and back, layouts switched by exec stops"
