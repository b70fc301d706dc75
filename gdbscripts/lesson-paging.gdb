# lesson-paging.gdb - lesson 7 (README.md), page tables: an identity map,
# one remapped page and a hole, in 64-bit long mode (guests/paging.S).
#
#   ./kvmstub --arch x86-64 guests/paging.bin
#   gdb -q guests/paging.elf -x gdbscripts/kvmstub.gdb -ex 'connect64 :1234' \
#       -x gdbscripts/lesson-paging.gdb
#
# (connect64, from kvmstub.gdb, connects with the 64-bit register layout.)
# Used by tests/e2e/paging.sh.

# The tables are built; paging is not on yet.
break *enable_paging
continue
monitor mode
# The tables: PML4 at 0x10000, PDPT 0x11000, PD 0x12000, PT 0x13000.
# PML4[0], PDPT[0]: the next table's address | P RW (0x3), A (0x20) once used.
x/1gx 0x10000
x/1gx 0x11000
# PD[0], PD[1]: 2 MiB pages (PS, 0x80); PD[2]: a page table; PD[3]: empty.
x/4gx 0x12000
# PT[0]: linear 0x400000 -> physical 0x200000, P only: read-only.
x/2gx 0x13000
# Paging is off: linear = physical, so 0x400000 is still plain RAM (zeros).
x/s 0x400000

# Paging and long mode are on: the first 64-bit instruction that reads it.
break *read_remapped
continue
monitor mode
info registers rip cr0 cr3 cr4 efer
# Linear 0x400000 now shows physical page 0x200000 (the marker).
x/s 0x400000
x/4xb 0x400000
# How the CPU finds it: one entry per level.
monitor xlate 0x400000
# The hole: PD[3] is not present.
monitor xlate 0x600000
# Everything mapped, merged into ranges.
monitor pagetable
# gdb's addresses physical for a moment: the same marker at 0x200000.
monitor phys on
x/s 0x200000
monitor phys off
# Last, because gdb stops a script at an error: an unmapped read,
# meant to fail with "Cannot access memory".
x/x 0x600000
