# bp_watch_long: watchpoints and hardware breakpoints in long mode, on
# guests/counter64.S: watch (old/new values, pc after the write), rwatch, awatch,
# a stepi that reports a watchpoint, five hbreaks (one more than the debug registers) all hit.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bp_modes.inc"
need_kvm
need_gdb
bp_modes_test counter64 i386:x86-64
