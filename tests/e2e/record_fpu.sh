# Going back undoes the x87 and SSE registers too: guests/fpu.S, recorded
# from the reset vector, is stepped live over fninit, fxrstor (st0 = pi,
# xmm0 = {2, 4, 6, 8}), movdqu (xmm4 = {1, 2, 3, 4}), fxsave and fxrstor,
# with the registers gdb reads after each step (the vCPU's own, through
# KVM's XSAVE); then reverse-stepi back over each, and stepi forward again
# in the log's past, must show the same registers at the same places.
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb

ELF=guests/fpu.elf
daemon_start --record --arch x86-64 guests/fpu.bin
show='printf "AT %#x fctrl %#x ftag %#x st0 %d x0 %d %d x4 %d %d mxcsr %#x\n", $pc, $fctrl, $ftag, (int)($st0 * 1000), $xmm0.v4_int32[0], $xmm0.v4_int32[3], $xmm4.v4_int32[0], $xmm4.v4_int32[3], $mxcsr'
{
	echo "break *$(objdump -d "$ELF" | awk '/\tfninit/ { sub(":", "", $1); print "0x" $1; exit }')"
	echo "continue"
	echo "delete"
	for i in 0 1 2 3 4; do echo "echo LIVE\\n"; echo "$show"; echo "stepi"; done
	echo "echo LIVE\\n"; echo "$show"
	for i in 0 1 2 3 4; do echo "reverse-stepi"; echo "echo BACK\\n"; echo "$show"; done
	for i in 0 1 2 3 4; do echo "stepi"; echo "echo REPLAY\\n"; echo "$show"; done
} | gdb64_run "$T/out" "$ELF"
cat "$T/out"
grep -A1 '^LIVE$' "$T/out" | grep '^AT ' >"$T/live"
grep -A1 '^BACK$' "$T/out" | grep '^AT ' >"$T/back"
grep -A1 '^REPLAY$' "$T/out" | grep '^AT ' >"$T/replay"
[ "$(wc -l <"$T/live")" = 6 ] || fail "expected 6 live states, got $(wc -l <"$T/live")"
# The live states are the CPU's: fxrstor loaded pi and xmm0, movdqu xmm4.
expect "$T/live" ' st0 3141 x0 2 8 x4 0 0 ' "fxrstor's image is not in st0 and xmm0 after it"
expect "$T/live" ' x4 1 4 mxcsr' "movdqu's value is not in xmm4 after it"
head -5 "$T/live" | tac >"$T/live_back"
diff "$T/live_back" "$T/back" >"$T/d1" || fail "going back, the x87/SSE registers differ from the live run: $(cat "$T/d1")"
tail -5 "$T/live" >"$T/live_fwd"
diff "$T/live_fwd" "$T/replay" >"$T/d2" || fail "replayed forward, the x87/SSE registers differ from the live run: $(cat "$T/d2")"
daemon_stop
echo "record_fpu: ok: reverse-stepi undoes fninit, fxrstor, movdqu, fxsave and fxrstor: 5 x87/SSE states equal to the live run's, back and forward"
