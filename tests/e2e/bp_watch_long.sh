# bp_watch_long: watchpoints and hardware breakpoints in long mode, on
# guests/counter64.S: watch (old/new values, pc after the write), rwatch, awatch,
# a stepi that reports a watchpoint, five hbreaks (one more than the debug registers) all hit.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bp_modes.inc"
need_kvm
need_gdb
# The 32-bit register layout: gdb will not cast the 32-bit ELF's
# addresses (&counter) in the x86-64 one (arch_auto.sh watches there).
bp_modes_test counter64 i386:x86-64 --arch i386
