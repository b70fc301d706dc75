# SIGTERM and SIGINT to the daemon while gdb is attached and the guest is
# printing: the daemon closes the client (gdb sees the connection end),
# the guest's output is complete up to the stop (written unbuffered, no
# byte lost or torn), and the exit status says which signal (143 / 130),
# with a line on stderr.
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb
# Prints "abcdefghijklmnopqrstuvwxyz\n" on port 0xe9 forever, slowly.
fw_image abc <<'EOF'
	.code16
	.text
	.globl start
start:	cli
	mov	$0xe9, %dx
line:	mov	$'a', %al
char:	out	%al, %dx
	mov	$20000, %cx
1:	loop	1b			/* a pause, so that the output is not a flood */
	inc	%al
	cmp	$'z' + 1, %al
	jne	char
	mov	$'\n', %al
	out	%al, %dx
	jmp	line
EOF

for sig in TERM INT; do
	want=$([ $sig = TERM ] && echo 143 || echo 130)
	why=$([ $sig = TERM ] && echo Terminated || echo Interrupt)
	daemon_start "$T/abc.bin"
	gdb_run "$T/g-$sig" <<EOF &
continue
EOF
	gpid=$!
	for _ in $(seq 1 100); do [ "$(wc -l <"$T/daemon.out")" -ge 3 ] && break; sleep 0.05; done
	[ "$(wc -l <"$T/daemon.out")" -ge 3 ] || fail "SIG$sig: the guest did not print under gdb"
	start=$(date +%s%N)
	kill -$sig "$DAEMON_PID"
	wait "$DAEMON_PID"; rc=$?
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	DAEMON_PID=
	wait $gpid
	cat "$T/g-$sig"
	[ "$rc" -eq "$want" ] || fail "SIG$sig with gdb attached: status $rc, want $want"
	[ "$ms" -lt 2000 ] || fail "SIG$sig: took $ms ms to exit"
	expect "$T/daemon.err" "^kvmstub: $why: shutting down$" "SIG$sig: no message on stderr"
	expect "$T/g-$sig" "Remote connection closed|Remote communication error|Connection reset" \
		"SIG$sig: gdb did not see the connection close"
	# The output: whole lines, then at most a prefix of one.
	tail -n +2 "$T/daemon.out" >"$T/serial"
	lines=$(grep -c . "$T/serial")
	python3 - "$T/serial" <<'PY' || fail "SIG$sig: the guest's output is torn: $(tail -c 200 "$T/serial")"
import sys
data = open(sys.argv[1], "rb").read()
line = b"abcdefghijklmnopqrstuvwxyz\n"
whole = len(data) // len(line)
assert data[: whole * len(line)] == line * whole, "a line is damaged"
assert line.startswith(data[whole * len(line):]), "the last line is not a prefix"
PY
	echo "ok: SIG$sig with gdb attached: status $rc in $ms ms, $lines lines of guest output intact"
done
