# paging32 (32-bit non-PAE paging) under gdb.  Hosts whose KVM cannot run
# 32-bit paging (nested kvm-pvm: the guest shuts down as CR0.PG is set)
# say so in `kvmstub --probe`; there this test is a loud SKIP.  Elsewhere it
# runs the guest for real: x on the remapped page, monitor xlate (PDE, PTE),
# monitor pagetable, and "Cannot access memory" for the unmapped page.
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb
ELF=guests/paging32.elf

"$KVMSTUB" --probe >"$T/probe" 2>&1 || fail "kvmstub --probe failed: $(cat "$T/probe")"
if grep -q '32-bit paging runs: no' "$T/probe"; then
	skip "this host's KVM cannot run 32-bit paging (see kvmstub --probe)"
fi
expect "$T/probe" '32-bit paging runs: yes' "the probe says nothing about 32-bit paging"

run_guest guests/paging32.bin
expect "$T/run.out" '^paging32: 0x400000 -> 0x200000 says "REMAPPED PAGE: physical 0x200000"$'

daemon_start guests/paging32.bin
rr=$(sym "$ELF" read_remapped)
gdb_run "$T/g" "$ELF" <<EOF
break *read_remapped
continue
monitor mode
x/s 0x400000
monitor xlate 0x400000
monitor xlate 0x600000
monitor pagetable
monitor phys on
x/s 0x200000
monitor phys off
x/x 0x600000
EOF
cat "$T/g"
expect "$T/g" "Breakpoint 1, $(printf '0x%08x' "$rr") in read_remapped" "no stop at read_remapped"
expect "$T/g" '^0x400000:	"REMAPPED PAGE: physical 0x200000"$' "x/s 0x400000"
expect "$T/g" '^paging: 32-bit \(2 levels' "xlate: 32-bit paging"
expect "$T/g" '^  PDE   \[  1\] at 0x00010004 = 0x00012[0-9a-f]{3}  P RW' "xlate: PDE"
expect "$T/g" '^  PTE   \[  0\] at 0x00012000 = 0x00200[0-9a-f]{3}  P' "xlate: PTE"
expect "$T/g" '^physical 0x00200000 ' "xlate: physical"
expect "$T/g" '^0x00000000-0x003fffff -> 0x00000000  rwx kernel  1024 x 4 KiB$' "pagetable: identity"
expect "$T/g" '^0x00400000-0x00400fff -> 0x00200000  r-x kernel  1 x 4 KiB$' "pagetable: remap"
expect "$T/g" '^0x200000:	"REMAPPED PAGE: physical 0x200000"$' "monitor phys on"
expect "$T/g" 'Cannot access memory at address 0x600000' "x/x 0x600000"
echo "PASS: paging32 guest under gdb"
