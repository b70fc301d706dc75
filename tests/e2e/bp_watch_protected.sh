# bp_watch_protected: watchpoints and hardware breakpoints in protected mode, on
# guests/counter.S: watch (old/new values, pc after the write), rwatch, awatch,
# a stepi that reports a watchpoint, five hbreaks (one more than the debug registers) all hit.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bp_modes.inc"
need_kvm
need_gdb
bp_modes_test counter i386
