# paging under gdb (64-bit register layout): after paging is on, x on the
# remapped page shows the physical page it maps to, monitor xlate shows the
# walk level by level, monitor pagetable lists the merged ranges, monitor
# phys on reads physical memory, and an unmapped page gives gdb's "Cannot
# access memory" (also for the bytes past the end of a mapped page).
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb
ELF=guests/paging.elf

# The guest on its own: what it prints, and status 0.
run_guest guests/paging.bin
expect "$T/run.out" '^paging: 0x400000 -> 0x200000 says "REMAPPED PAGE: physical 0x200000"$'
expect "$T/run.out" '^paging: a write at linear 0x200010 is seen at linear 0x400010$'

daemon_start --arch x86-64 guests/paging.bin
gdb64_run "$T/g" "$ELF" <gdbscripts/lesson-paging.gdb
cat "$T/g"
rr=$(sym "$ELF" read_remapped)
expect "$T/g" "Breakpoint 2, 0x0*${rr#0x} in read_remapped" "no stop at read_remapped"
expect "$T/g" '^mode: long \(64-bit, 4-level paging\)' "monitor mode: not long mode"
expect "$T/g" '^0x12000:	0x0000000000000083	0x0000000000200083$' "PD[0], PD[1]: 2 MiB pages"
expect "$T/g" '^0x12010:	0x0000000000013003	0x0000000000000000$' "PD[2] -> PT, PD[3] empty"
expect "$T/g" '^0x13000:	0x0000000000200001	0x0000000000000000$' "PT[0] -> 0x200000 read-only"
expect "$T/g" '^0x400000:	"REMAPPED PAGE: physical 0x200000"$' "x/s 0x400000 does not show the marker"
expect "$T/g" '^0x400000:	0x52	0x45	0x4d	0x41$' "x/4xb 0x400000"
expect "$T/g" '^  PML4E \[  0\] at 0x00010000 = 0x00000000000110[0-9a-f]{2}  P RW' "xlate: PML4E line"
expect "$T/g" '^  PDPTE \[  0\] at 0x00011000 = ' "xlate: PDPTE line"
expect "$T/g" '^  PDE   \[  2\] at 0x00012010 = ' "xlate: PDE line"
expect "$T/g" '^  PTE   \[  0\] at 0x00013000 = 0x00000000002000[0-9a-f]{2}  P' "xlate: PTE line"
expect "$T/g" '^physical 0x00200000 \(4 KiB page' "xlate: physical 0x200000"
expect "$T/g" '^  PDE   \[  3\] at 0x00012018 = 0x0000000000000000  not present' "xlate 0x600000: PDE not present"
expect "$T/g" '^0x0000000000000000-0x00000000003fffff -> 0x0000000000000000  rwx kernel  2 x 2 MiB$' "pagetable: identity range"
expect "$T/g" '^0x0000000000400000-0x0000000000400fff -> 0x0000000000200000  r-x kernel  1 x 4 KiB$' "pagetable: remapped page"
expect "$T/g" '^2 ranges, 4 MiB 4 KiB mapped' "pagetable: summary"
expect "$T/g" '^0x200000:	"REMAPPED PAGE: physical 0x200000"$' "monitor phys on: x/s 0x200000"
expect "$T/g" 'Cannot access memory at address 0x600000' "x/x 0x600000 did not fail"
expect "$T/g" '^rip +0x[0-9a-f]+ +0x[0-9a-f]+ <read_remapped>' "info registers rip"
expect_not "$T/g" "too long|Architecture rejected" "gdb refused the 64-bit layout"

# A read that runs from the mapped page into the unmapped one: gdb shows
# the readable bytes, then the first unreadable address.  (The first gdb
# detached: the guest ran to its end.  A new daemon starts it again.)
daemon_stop
daemon_start --arch x86-64 guests/paging.bin
gdb64_run "$T/g2" "$ELF" <<EOF
break *read_remapped
continue
x/8xb 0x400ffc
EOF
cat "$T/g2"
expect "$T/g2" '^0x400ffc:	0x00	0x00	0x00	0x00' "the readable half of a cross-page read"
expect "$T/g2" 'Cannot access memory at address 0x401000' "the unmapped half of a cross-page read"
echo "PASS: paging guest under gdb"
