# long under gdb: the walk-through (gdbscripts/lesson-long.gdb) follows the
# guest from the reset vector into 64-bit code with the 64-bit register
# layout, and `info registers rip` equals the symbol's address; then a
# session attaches to a guest that is ALREADY in long mode (--arch auto, the
# default: the first gdb follows the guest into 64-bit code, where kvmstub
# switches it to the 64-bit layout, and disconnects at a breakpoint there;
# a new gdb gets the 64-bit layout with the right registers).
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb
ELF=guests/long.elf

run_guest guests/long.bin
expect "$T/run.out" '^long mode: hello from 64-bit code$'

lm=$(sym "$ELF" lm_entry)
lm16=$(printf '0x%016x' "$lm")
msg=$(sym "$ELF" msg_hello)

# 1. Follow the guest into long mode, 64-bit layout from the start.
daemon_start --arch x86-64 guests/long.bin
gdb64_run "$T/g" "$ELF" <gdbscripts/lesson-long.gdb
cat "$T/g"
expect_not "$T/g" "too long|Architecture rejected" "gdb refused the 64-bit layout"
expect "$T/g" '^mode: real' "monitor mode at the reset vector"
expect "$T/g" '^mode: protected \(32-bit, paging off\)' "monitor mode before paging"
expect "$T/g" '^0x12000:	0x0000000000000083$' "PD[0]: one 2 MiB page"
expect "$T/g" '^mode: long compatibility' "monitor mode after CR0.PG"
expect "$T/g" '^\$1 = 0x500$' "EFER = LME | LMA in compatibility mode"
expect "$T/g" "Breakpoint 3, $lm16 in lm_entry" "breakpoint in 64-bit code"
expect "$T/g" '^mode: long \(64-bit, 4-level paging\)' "monitor mode in 64-bit code"
expect "$T/g" "^rip +$lm +$lm <lm_entry>\$" "info registers rip is not lm_entry ($lm)"
expect "$T/g" '^cs +0x18 +24$' "cs is not the 64-bit code selector"
expect "$T/g" "^\\\$3 = $lm\$" "p/x \$rip"
expect "$T/g" '^cs +0x0018 +0x0000000000000000 0xffffffff code, exec/read, accessed +0 +1 0 +1 1$' "monitor sregs: cs L=1"
expect "$T/g" "mov +\\\$0x90000,%rsp" "x/i decodes 64-bit code"
expect "$T/g" "^\\\$4 = $msg\$" "rsi after the RIP-relative lea"
expect "$T/g" 'long mode: hello from 64-bit code' "x/s \$rsi"
daemon_stop

# 2. Attach to a guest already in long mode (--arch auto).
daemon_start --arch auto guests/long.bin
gdb_run "$T/a1" "$ELF" <<EOF
break *lm_entry
continue
info registers rip
disconnect
EOF
cat "$T/a1"
expect "$T/a1" "^rip +$lm " "first session (switched to the 64-bit layout): rip"
gdb64_run "$T/a2" "$ELF" <<EOF
info registers rip rsp cs
p/x \$efer
p \$_gdb_setting_str("architecture")
x/i \$pc
stepi
info registers rsp
EOF
cat "$T/a2"
expect_not "$T/a2" "too long|Architecture rejected" "gdb refused the 64-bit layout"
expect "$T/a2" "^rip +$lm +$lm <lm_entry>\$" "second session: rip"
expect "$T/a2" '^cs +0x18 ' "second session: cs"
expect "$T/a2" '^\$1 = 0x500$' "second session: efer"
expect "$T/a2" "mov +\\\$0x90000,%rsp" "second session: 64-bit disassembly"
expect "$T/a2" '^rsp +0x90000 ' "second session: stepi in 64-bit code"
echo "PASS: long guest under gdb, followed into long mode and attached in it"
