# protected under gdb: one session steps across mov %eax,%cr0 and the far
# jump; x/i shows 32-bit code after it; info registers works on both sides;
# a breakpoint in 32-bit code hits.
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb
ELF=guests/protected.elf
daemon_start guests/protected.bin
# Find the mov to cr0 from the ELF's own disassembly.
movcr0=$(objdump -d -m i8086 "$ELF" | awk '/mov +%eax,%cr0/ { sub(":", "", $1); print "0x" $1; exit }')
[ "$movcr0" != "0x" ] && [ -n "$movcr0" ] || fail "no mov %eax,%cr0 in $ELF"
pm=$(sym "$ELF" pm_entry)
exc=$(sym "$ELF" exc_common)
gdb_run "$T/g" <<EOF
info registers eip cs cr0
break *$movcr0
continue
x/i \$pc
stepi
p/x \$cr0
stepi
p/x \$pc
p/x \$cs
x/i \$pc
info registers eip cs cr0
break *$exc
continue
p/x \$pc
info registers
EOF
cat "$T/g"
expect "$T/g" "Breakpoint 1, $(printf '0x%08x' $movcr0)" "breakpoint before mov %eax,%cr0 did not hit"
expect "$T/g" "mov +%eax,%cr0" "x/i before the switch"
expect "$T/g" '^\$1 = 0x[0-9a-f]*[13579bdf]$' "CR0.PE not set after the mov"
expect "$T/g" "^\\\$2 = $pm\$" "after the far jump \$pc is not pm_entry ($pm)"
expect "$T/g" '^\$3 = 0x8$' "CS is not 0x08 after the far jump"
expect "$T/g" "Breakpoint 2, $(printf '0x%08x' $exc)" "breakpoint in 32-bit code did not hit"
expect "$T/g" "^eax +0x" "info registers"
