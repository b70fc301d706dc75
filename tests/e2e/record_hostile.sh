# Recording, used badly (issue 16): bs and bc without recording are error
# replies (and no ReverseStep+ is offered); --record with several vCPUs is
# refused with the reason; a log over its limit drops the oldest entries
# and says so (at the stop, and in monitor record status), and going back
# ends where the log now begins; in the past snapshots and register
# writes are refused; memory running out while recording stops the
# recording with a message, the guest and the daemon go on.
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb
ELF=guests/counter.elf

daemon_start guests/counter.bin
python3 tests/e2e/rsp.py "127.0.0.1:$PORT" "qSupported:swbreak+" bs bc "?" >"$T/rsp" ||
	fail "rsp.py failed: $(cat "$T/rsp")"
cat "$T/rsp"
expect_not "$T/rsp" "ReverseStep" "ReverseStep+ offered without recording"
[ "$(sed -n 2p "$T/rsp")" = E22 ] && [ "$(sed -n 3p "$T/rsp")" = E22 ] ||
	fail "bs / bc without recording: not an error reply"
expect "$T/rsp" "^T05thread:01;" "the daemon does not answer after bs and bc"
gdb_run "$T/g" "$ELF" <<'EOF'
set remote reverse-step-packet on
reverse-stepi
monitor record status
EOF
expect "$T/g" "recording: off" "monitor record status without recording"
daemon_stop

timeout 20 "$KVMSTUB" --smp 2 --record --no-gdb guests/counter.bin >"$T/smp.out" 2>"$T/smp.err"
rc=$?
[ "$rc" = 1 ] || fail "--smp 2 --record exited $rc, want 1"
expect "$T/smp.err" "recording needs a machine of one vCPU; this one has 2" "--smp 2 --record: not the reason"

# The limit: 100 instructions kept of 300.
daemon_start guests/counter.bin
gdb_run "$T/l" "$ELF" <<'EOF'
reverse-on
monitor record limit 100
stepi 300
monitor record status
set $end = $eax
reverse-continue
printf "BACK eax %d end %d\n", $eax, $end
python
for c in ("monitor record limit 0", "monitor record limit 1M", "monitor record limit x"):
    try:
        gdb.execute(c)
    except gdb.error as e:
        print("ERROR", e)
end
EOF
cat "$T/l" | grep -v '^=>'
expect "$T/l" "the record log is at its limit \(100 instructions" "no word at the stop that the oldest were dropped"
expect "$T/l" "^log: 100 instructions" "the log holds more than its limit"
expect "$T/l" "limit: 100 instructions, .*; 200 of the oldest dropped" "status: not what was dropped"
expect "$T/l" "No more reverse-execution history" "reverse-continue did not stop at the log's start"
line=$(grep '^BACK' "$T/l") || fail "no reverse-continue"
read -r _ _ back _ end <<<"$line"
[ "$back" -lt "$end" ] && [ $((end - back)) -le 20 ] ||
	fail "going back 100 instructions of the counter loop moved eax from $end to $back"
expect "$T/l" "a limit of 0 keeps nothing" "limit 0 not refused"
expect "$T/l" "at most [0-9]+ instructions and 1 MiB" "limit 1M (bytes)"
expect "$T/l" "usage: monitor record" "limit x not refused"
daemon_stop

# In the past: a snapshot is refused (the devices are the end's), gdb's
# register writes too (the log is what happened); at the end both work.
daemon_start --record guests/counter.bin
gdb_run "$T/p" "$ELF" <<'EOF'
stepi 30
reverse-stepi
python
for c in ("monitor snapshot save past", "set $eax = 7"):
    try:
        gdb.execute(c)
    except gdb.error as e:
        print("REFUSED", c, "|", e)
end
stepi
set $ebx = 5
monitor snapshot save end
EOF
cat "$T/p" | grep -v '^=>'
expect "$T/p" "^REFUSED monitor snapshot save past" "a snapshot in the past was not refused"
expect "$T/p" "the machine is in the past of the record log" "a snapshot in the past: not the reason"
expect "$T/p" "^REFUSED set .eax = 7" "a register write in the past was not refused"
expect "$T/p" "^snapshot end saved" "a snapshot at the end of the log was refused"
expect_not "$T/p" "Could not write register \"ebx\"" "a register write at the end of the log was refused"
daemon_stop

# Out of memory: once recording runs, the daemon's address space is
# bounded 4 MB above what it holds (prlimit on the running daemon); the
# log cannot grow far.
case "$KVMSTUB" in
*build-san*)
	echo "SKIP (part): out of memory: AddressSanitizer reserves more address space than a bound allows";;
*)
	command -v prlimit >/dev/null || fail "prlimit (util-linux) is not installed"
	daemon_start --record guests/counter.bin
	printf '#!/bin/sh
prlimit --pid %s --as=$(( ($(ps -o vsz= -p %s) + 4096) * 1024 ))
' \
		"$DAEMON_PID" "$DAEMON_PID" >"$T/bound.sh"
	gdb_run "$T/m" "$ELF" <<EOF
break *loop if \$eax == 50000
stepi 1000
shell sh $T/bound.sh
continue
monitor record status
printf "LIVE eax %d\n", \$eax
EOF
	grep -v '^=>' "$T/m"
	expect "$T/daemon.err" "recording stopped: out of memory for (the log|an entry) after [0-9]+ instructions" \
		"no message on the daemon's stderr when memory ran out"
	expect "$T/m" "recording stopped: out of memory" "gdb was not told that recording stopped"
	expect "$T/m" "^recording: off" "recording is not off after memory ran out"
	expect "$T/m" "^LIVE eax 50000$" "the guest did not go on after recording stopped"
	kill -0 "$DAEMON_PID" 2>/dev/null || fail "the daemon died"
	daemon_stop;;
esac
echo "record_hostile: ok"
