# bp_stop_on_mode: `monitor stop-on-mode on` makes continue stop at each CPU
# mode change of guests/counter64.S: real -> protected (mov to cr0),
# protected -> compatibility (paging on with EFER.LME), -> long (the far
# jump to the 64-bit code segment); off again, continue runs to a breakpoint.
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb
ELF=guests/counter64.elf
daemon_start guests/counter64.bin
lm=$(sym "$ELF" lm_entry)
gdb_run "$T/g" "$ELF" <<EOF
monitor stop-on-mode on
continue
p/x \$cr0
continue
p/x \$efer
continue
p/x \$pc
monitor stop-on-mode off
break *loop
continue
EOF
cat "$T/g"
expect "$T/g" '^stop-on-mode on' "monitor stop-on-mode on"
expect "$T/g" '^mode change: real -> protected at 0x000f00' "no stop at real -> protected"
expect "$T/g" '^\$1 = 0x[0-9a-f]*[13579bdf]$' "CR0.PE not set at the first stop"
expect "$T/g" '^mode change: protected -> compatibility at ' "no stop when paging turned long mode on"
expect "$T/g" '^\$2 = 0x5[0-9a-f]{2}$' "EFER.LMA/LME not set at the second stop"
expect "$T/g" "^mode change: compatibility -> long at $(printf '0x%08x' "$lm")" \
	"no stop at the far jump to 64-bit code"
expect "$T/g" "^\\\$3 = $lm\$" "pc is not lm_entry after the switch to 64-bit code"
expect "$T/g" '^Breakpoint 1, .* in loop' "continue after stop-on-mode off did not reach loop"
[ "$(grep -c '^mode change:' "$T/g")" -eq 3 ] || fail "not exactly three mode changes"
