# bp_watch_real: watchpoints and hardware breakpoints in real mode, on
# guests/counter16.S: watch (old/new values, pc after the write), rwatch, awatch,
# a stepi that reports a watchpoint, five hbreaks (one more than the debug registers) all hit.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bp_modes.inc"
need_kvm
need_gdb
bp_modes_test counter16 i8086
