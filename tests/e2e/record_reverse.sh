# reverse-continue (issue 16) in real, protected and long mode (the
# counter guests): back to a write watchpoint (it stops with the state
# before the write, at the instruction that wrote, as gdb expects), back
# to a breakpoint, back to the start of the log (replaylog:begin); then
# forward through the log (replayed) to a breakpoint and a watchpoint, and
# past its end to a breakpoint the guest reaches live, still recording.
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb

reverse() {
	local guest=$1 incl=$2 after=$3
	local ELF=guests/$guest.elf loop
	loop=$(sym "$ELF" loop)
	daemon_start --record guests/$guest.bin
	gdb_run "$T/$guest" "$ELF" <<EOF
break *$loop if \$eax == 100
continue
delete
watch *(int *)0x20000
reverse-continue
printf "WATCH BACK pc %#x eax %d counter %d\n", \$pc, \$eax, *(int *)0x20000
delete
break *$loop
reverse-continue
printf "BREAK BACK pc %#x eax %d counter %d\n", \$pc, \$eax, *(int *)0x20000
delete
reverse-continue
printf "BEGIN pc %#x\n", \$pc
break *$loop if \$eax == 50
continue
printf "REPLAY BREAK pc %#x eax %d counter %d\n", \$pc, \$eax, *(int *)0x20000
delete
watch *(int *)0x20000
continue
printf "REPLAY WATCH pc %#x eax %d counter %d\n", \$pc, \$eax, *(int *)0x20000
delete
break *$loop if \$eax == 150
continue
printf "LIVE pc %#x eax %d counter %d\n", \$pc, \$eax, *(int *)0x20000
monitor record status
EOF
	local g="$T/$guest"
	expect "$g" "^WATCH BACK pc $incl eax 100 counter 99$" "$guest: reverse-continue to the write watchpoint"
	expect "$g" "^BREAK BACK pc $loop eax 99 counter 99$" "$guest: reverse-continue to the breakpoint"
	expect "$g" "No more reverse-execution history" "$guest: no replaylog:begin at the start of the log"
	expect "$g" "^BEGIN pc 0xffff0$" "$guest: reverse-continue did not go back to the reset vector"
	expect "$g" "^REPLAY BREAK pc $loop eax 50 counter 50$" "$guest: forward through the log to a breakpoint"
	expect "$g" "^REPLAY WATCH pc $after eax 51 counter 51$" "$guest: forward through the log to the watchpoint"
	expect "$g" "^LIVE pc $loop eax 150 counter 150$" "$guest: past the end of the log, live"
	expect "$g" "position: at the end \(live\)" "$guest: not at the end of the log after going live"
	daemon_stop
}
reverse counter16 0xf0025 0xf002a
reverse counter 0xf0045 0xf004b
reverse counter64 0xf00ac 0xf00b3
echo "record_reverse: ok"
