# reverse-finish out of an interrupt handler (the interrupts guest's
# timer, recorded: the step that takes the interrupt stops at the
# handler's first instruction, an instruction boundary of its own), and
# reverse-next over a call in the C guest (guests/cloop: fill() undone,
# never stopped in, then next replays it).
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb

if "$KVMSTUB" --probe | grep -q 'irqchip: yes'; then
	ELF=guests/interrupts.elf
	ticks=$(sym "$ELF" ticks)
	ml=$(sym "$ELF" main_loop)
	mle=$(sym "$ELF" main_loop_end)
	daemon_start --record guests/interrupts.bin
	gdb_run "$T/i" "$ELF" <<EOF
break timer_handler
continue
continue
delete
set \$ret = *(unsigned int *)\$esp
set \$sp0 = \$esp + 12
set \$t0 = *(int *)$ticks
stepi 4
printf "IN HANDLER pc %#x ticks %d\n", \$pc, *(int *)$ticks
reverse-finish
printf "FINISHED pc %#x ret %#x esp %#x sp0 %#x ticks %d t0 %d\n", \$pc, \$ret, \$esp, \$sp0, *(int *)$ticks, \$t0
EOF
	cat "$T/i"
	expect "$T/i" '^IN HANDLER pc 0xf00bb ticks 2$' "interrupts: not in the handler after 4 steps"
	line=$(grep '^FINISHED' "$T/i") || fail "interrupts: no reverse-finish"
	read -r _ _ pc _ ret _ esp _ sp0 _ t _ t0 <<<"$line"
	[ "$pc" = "$ret" ] || fail "reverse-finish ended at $pc, not at the interrupted instruction $ret"
	[ "$esp" = "$sp0" ] || fail "reverse-finish: esp $esp, want $sp0 (before the interrupt's frame)"
	[ "$t" = "$t0" ] && [ "$t" = 1 ] || fail "reverse-finish: ticks $t, want $t0 (the handler's count undone)"
	[ $((pc)) -ge $((ml)) ] && [ $((pc)) -le $((mle)) ] || fail "reverse-finish: $pc is not in main_loop"
	daemon_stop
else
	echo "SKIP (part): no in-kernel irqchip on this host: no timer interrupts to go back out of"
fi

ELF=guests/cloop.elf
daemon_start --record guests/cloop.bin
gdb_run "$T/c" "$ELF" <<EOF
break 64
continue
printf "AFTER CALL data[5] %d\n", data[5]
reverse-next
info line *\$pc
printf "BEFORE CALL data[5] %d data[999] %d\n", data[5], data[999]
next
info line *\$pc
printf "REPLAYED data[5] %d data[999] %d\n", data[5], data[999]
EOF
cat "$T/c"
expect "$T/c" '^AFTER CALL data\[5\] 16$' "cloop: fill() did not run"
# Line 63 (the call) starts at main's first instruction (-O1, no
# prologue), so gdb's reverse-next, once back at the line's start, steps
# back out of main to its caller, as it does for any line at a
# function's entry: to pm_entry's call of main.  Never into fill().
expect "$T/c" "^0x000f003e in pm_entry" "cloop: reverse-next did not go back over the call to line 63's start and out of main"
expect_not "$T/c" "^fill \\(|in fill " "cloop: reverse-next stopped inside fill()"
expect "$T/c" '^BEFORE CALL data\[5\] 0 data\[999\] 0$' "cloop: reverse-next did not undo fill()"
expect "$T/c" '^REPLAYED data\[5\] 16 data\[999\] 2998$' "cloop: next over the call did not replay fill()"
expect "$T/c" '^Line 64 of "guests/cloop.c"' "cloop: next did not come back to line 64"
echo "record_finish_next: ok"
