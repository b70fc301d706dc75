# bp_memmap: gdb reads the memory map (qXfer:memory-map:read): `info mem`
# lists RAM and the two firmware views as read-only, and a plain `break`
# in the firmware makes gdb use a hardware breakpoint (Z1), which hits.
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb
ELF=guests/counter.elf
daemon_start guests/counter.bin
gdb_run "$T/g" "$ELF" <<EOF
info mem
set debug remote 1
break *loop
continue
set debug remote 0
info breakpoints
EOF
grep -v '^ *\[remote\]' "$T/g"
expect "$T/g" 'Using memory regions provided by the target' "gdb did not read the memory map"
expect "$T/g" '^0[[:space:]]+y[[:space:]]+0x00000000 0x000e0000 rw' "info mem: RAM below the firmware alias"
expect "$T/g" '^1[[:space:]]+y[[:space:]]+0x000e0000 0x00100000 ro' "info mem: the firmware below 1 MiB is not rom"
expect "$T/g" '^2[[:space:]]+y[[:space:]]+0x00100000 0x[0-9a-f]+ rw' "info mem: RAM above 1 MiB"
expect "$T/g" '^3[[:space:]]+y[[:space:]]+0xfffe0000 0x100000000 ro' "info mem: the firmware below 4 GiB is not rom"
expect "$T/g" 'automatically using hardware breakpoints for read-only addresses' \
	"gdb did not switch to a hardware breakpoint in rom"
loop=$(sym "$ELF" loop)
expect "$T/g" "Sending packet: \\\$Z1,${loop#0x},1" "gdb did not insert a Z1 at loop"
expect "$T/g" '^Breakpoint 1, ' "the breakpoint in the firmware did not hit"
expect "$T/g" "$(printf '0x%08x' "$loop") in loop" "the breakpoint in the firmware did not stop at loop"
