#!/bin/bash
# bench.sh - make bench: how fast kvmstub is under a real gdb, next to QEMU's
# gdbstub with KVM (the peer) and to what KVM itself allows (kvm_limit).
#
#   tests/bench/bench.sh [KVM_LIMIT]      (make bench builds and runs it)
#
# Every figure is measured BENCH_RUNS times (default 5) and printed as
#   name median unit (min..max, N runs)
# then the whole as a markdown table with the ratio kvmstub/QEMU.  The
# measurements inside gdb are in tests/bench/bench.py.  It is not a test:
# it never fails on a number, only when something breaks (exit 1).
#
# Environment: BENCH_RUNS=N, BENCH_QEMU=0 (leave QEMU out even if installed),
# BENCH_COND_N=N (the conditional breakpoint's count, default: calibrated),
# BENCH_KVMSTUB=path (another kvmstub binary, to compare two builds).
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1

LIMIT=${1:-build/bench/kvm_limit}
RUNS=${BENCH_RUNS:-5}
KVMSTUB=${BENCH_KVMSTUB:-./kvmstub}
QEMU=qemu-system-x86_64
T=$(mktemp -d /tmp/kvmstub-bench.XXXXXX)
RES=$T/results			# lines: "figure system value"
SRV_PID=
SRV_ARGV=()
SRV_EXTRA=()			# more kvmstub options (run_record: --record)
PORT=
BROKEN=0

cleanup() {
	server_stop
	rm -rf "$T"
}
trap cleanup EXIT

die() {
	echo "bench: $*" >&2
	exit 1
}

# Something did not work: say so, leave the figure out, exit 1 at the end.
broken() {
	echo "bench: $*" >&2
	BROKEN=1
}

sym() {
	local a
	a=$(nm "$1" | awk -v n="$2" '$3 == n { print $1 }')
	[ -n "$a" ] || die "symbol $2 not in $1"
	printf '0x%x' "0x$a"
}

# A source line's number from its marker comment is too fragile: the summing
# loop is the only line of cloop.c that starts with "for" and has "s +=".
cloop_line() {
	grep -n 'for (int i = 0; i < N; i++) s +=' guests/cloop.c | cut -d: -f1
}

# Microseconds since the epoch, without a fork.
now_us() {
	local t=$EPOCHREALTIME
	echo "${t/./}"
}

free_port() {
	local p
	for _ in $(seq 1 50); do
		p=$((20000 + RANDOM % 40000))
		[ -z "$(ss -Hltn "sport = :$p" 2>/dev/null)" ] && { echo "$p"; return; }
	done
	die "no free TCP port found"
}

# server_argv SYSTEM IMAGE: SRV_ARGV, the command line of kvmstub or QEMU
# halted at the reset vector and listening for gdb on a new $PORT ($PIN in
# front: taskset, or nothing).
PIN=()
server_argv() {
	local sys=$1 image=$2
	PORT=$(free_port)
	case $sys in
	kvmstub)
		SRV_ARGV=("${PIN[@]}" "$KVMSTUB" --listen "127.0.0.1:$PORT" --serial none "${SRV_EXTRA[@]}" "$image")
		;;
	qemu)
		SRV_ARGV=("${PIN[@]}" "$QEMU" -enable-kvm -cpu host,-arch-capabilities -nographic -monitor none
			-serial none -S -gdb "tcp:127.0.0.1:$PORT" -m 16M -bios "$image"
			-device isa-debug-exit,iobase=0xf4,iosize=1)
		;;
	esac
}

# server_start SYSTEM IMAGE: the server of server_argv, in the background;
# returns when the port is open.
server_start() {
	server_argv "$1" "$2"
	"${SRV_ARGV[@]}" >"$T/srv.out" 2>"$T/srv.err" &
	SRV_PID=$!
	for _ in $(seq 1 2500); do
		[ -n "$(ss -Hltn "sport = :$PORT" 2>/dev/null)" ] && return 0
		kill -0 "$SRV_PID" 2>/dev/null || break
		sleep 0.002
	done
	cat "$T/srv.err" >&2
	die "$sys did not start listening on port $PORT"
}

server_stop() {
	[ -n "$SRV_PID" ] || return 0
	kill -KILL "$SRV_PID" 2>/dev/null
	wait "$SRV_PID" 2>/dev/null
	SRV_PID=
}

# The server's peak resident memory in MiB (VmHWM).
server_hwm() {
	awk '/^VmHWM:/ { printf "%.2f\n", $2 / 1024 }' "/proc/$SRV_PID/status" 2>/dev/null
}

record() {
	echo "$1 $2 $3" >>"$RES"
}

# gdb_bench SYSTEM ELF|- PYTHON-CALL...: one gdb session against the running
# server; every "BENCH name value" it prints is recorded for SYSTEM.
gdb_bench() {
	local sys=$1 elf=$2 args=() call
	shift 2
	# QEMU's x86-64 target description: a 32-bit ELF must not choose i386.
	[ "$sys" = qemu ] && args+=(-ex "set architecture i386:x86-64")
	[ "$elf" != - ] && args+=("$elf")
	args+=(-ex "set pagination off" -ex "set confirm off")
	args+=(-ex "target remote 127.0.0.1:$PORT" -x tests/bench/bench.py)
	for call in "$@"; do
		args+=(-ex "python $call")
	done
	BENCH_BREAK=$([ "$sys" = qemu ] && echo hbreak || echo break) \
	BENCH_DUMP=$T/dump BENCH_SERVER_PID=$SRV_PID timeout -k 5 120 "${PIN[@]}" gdb -nx -batch \
		"${args[@]}" >"$T/gdb.out" 2>&1
	grep '^BENCH-ERROR' "$T/gdb.out" >&2 && broken "$sys: $*"
	if ! grep -q '^BENCH ' "$T/gdb.out"; then
		tail -5 "$T/gdb.out" >&2
		broken "$sys: no figure from gdb ($*)"
	fi
	awk -v s="$sys" '$1 == "BENCH" { print $2, s, $3 }' "$T/gdb.out" >>"$RES"
}

# ---- the figures, one run each ----

# Attach, as the issue defines it: gdb is up and waiting, bench_attach
# starts the server and times it to gdb's registers (and to listening).
# Then the same from one shell line, gdb started once the port is open, so
# that gdb's own start-up (the same for both servers) is in: attach_cold.
run_attach() {
	local sys=$1 t0 t1
	server_argv "$sys" guests/kernel1.bin
	BENCH_SERVER_CMD="${SRV_ARGV[*]@Q}" BENCH_PORT=$PORT BENCH_SERVER_LOG=$T/srv.out \
		timeout -k 5 60 gdb -nx -batch -x tests/bench/bench.py \
		-ex "python bench_attach('attach', 'start')" >"$T/attach.out" 2>&1
	grep '^BENCH-ERROR' "$T/attach.out" >&2 && broken "$sys: attach"
	if grep -q '^BENCH ' "$T/attach.out"; then
		awk -v s="$sys" '$1 == "BENCH" { print $2, s, $3 }' "$T/attach.out" >>"$RES"
	else
		broken "$sys: attach: $(tail -2 "$T/attach.out")"
	fi

	t0=$(now_us)
	server_start "$sys" guests/kernel1.bin
	timeout -k 5 30 gdb -nx -batch -ex "target remote 127.0.0.1:$PORT" -ex 'p $pc' \
		>"$T/attach.out" 2>&1
	t1=$(now_us)
	server_stop
	if grep -q '^\$1 = ' "$T/attach.out"; then
		record attach_cold "$sys" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1000 }')"
	else
		broken "$sys: attach from one shell line: $(tail -2 "$T/attach.out")"
	fi
}

# Real mode (kernel1): stepi, register reads, memory dumps, interrupt,
# peak memory.
run_real() {
	local sys=$1 hwm
	server_start "$sys" guests/kernel1.bin
	gdb_bench "$sys" - "bench_stepi(2000, 'stepi_real')" \
		"bench_regs(1000, 'regs_g', 'eax')" "bench_regs(1000, 'regs_p_st0', 'st0')" \
		"bench_dump(1 << 20, 'dump_1m')" "bench_dump(16 << 20, 'dump_16m')" \
		"bench_interrupt('interrupt')"
	hwm=$(server_hwm)
	[ -n "$hwm" ] && record rss "$sys" "$hwm"
	server_stop
}

# Protected mode (counter): stepi in the hot loop, breakpoint round trips.
run_protected() {
	local sys=$1
	server_start "$sys" guests/counter.bin
	gdb_bench "$sys" guests/counter.elf "bench_stepi(2000, 'stepi_prot', '$LOOP')" \
		"bench_bp('$LOOP', 200, 'bp_hits')"
	server_stop
}

# Without an ELF file, as a user debugging a firmware blob has it: stepi
# in protected mode, and breakpoint round trips.
run_noelf() {
	local sys=$1
	server_start "$sys" guests/counter.bin
	gdb_bench "$sys" - "bench_stepi(2000, 'stepi_prot_noelf', '$LOOP')" \
		"bench_bp('$LOOP', 200, 'bp_hits_noelf')"
	server_stop
}

# The daemon and gdb on one CPU (taskset -c 0): a wake-up across CPUs
# costs more than a step on these machines.
run_one_cpu() {
	local sys=$1
	PIN=(taskset -c 0)
	server_start "$sys" guests/kernel1.bin
	gdb_bench "$sys" - "bench_stepi(2000, 'stepi_real_1cpu')"
	server_stop
	PIN=()
}

run_cond() {
	local sys=$1 n=$2 name=${3:-cond_hits}
	server_start "$sys" guests/counter.bin
	gdb_bench "$sys" guests/counter.elf "bench_cond('$LOOP', $n, '$name')"
	server_stop
}

# A compute loop with a breakpoint armed where it ends: kvmstub against bare KVM.
# The compute loop under kvmstub and under bare KVM with the same
# breakpoint, back to back (this host's speed drifts by tens of percent
# within a minute), in turns first; their ratio is the paired figure.
run_loop() {
	local i=$1 out k b
	bare_loop() {
		out=$("$LIMIT" run-dr "$DONE" guests/counter.bin) || { broken "kvm_limit run-dr"; return; }
		b=$(echo "$out" | awk '{ for (i = 1; i < NF; i++) if ($i == "after") print $(i+1) }')
		record loop_dr_s limit "$b"
	}
	[ $((i % 2)) = 0 ] && bare_loop
	server_start kvmstub guests/counter.bin
	gdb_bench kvmstub guests/counter.elf "bench_loop('$DONE', 'loop_s')"
	server_stop
	[ $((i % 2)) = 1 ] && bare_loop
	k=$(awk '$1 == "loop_s" && $2 == "kvmstub" { v = $3 } END { print v }' "$RES")
	[ -n "$k" ] && [ -n "$b" ] &&
		record loop_ratio kvmstub "$(awk -v a="$k" -v b="$b" 'BEGIN { printf "%.4f", a / b }')"
}

run_next() {
	local sys=$1 line
	line=$(cloop_line)
	server_start "$sys" guests/cloop.bin
	gdb_bench "$sys" guests/cloop.elf "bench_next('cloop.c:$line', 'next_range', True)"
	server_stop
	server_start "$sys" guests/cloop.bin
	gdb_bench "$sys" guests/cloop.elf "bench_next('cloop.c:$line', 'next_norange', False)"
	server_stop
}

# What KVM allows: kvm_limit, in-process, no protocol.
run_limit() {
	local out
	out=$("$LIMIT" step 20000 guests/kernel1.bin) || { broken "kvm_limit step"; return; }
	record step_real limit "$(echo "$out" | awk '{ print $(NF-1) }')"
	out=$("$LIMIT" step-regs 20000 guests/kernel1.bin) || { broken "kvm_limit step-regs"; return; }
	record stepregs_real limit "$(echo "$out" | awk '{ print $(NF-1) }')"
	out=$("$LIMIT" --start "$LOOP" step 20000 guests/counter.bin) || { broken "kvm_limit step"; return; }
	record step_prot limit "$(echo "$out" | awk '{ print $(NF-1) }')"
	out=$("$LIMIT" --start "$LOOP" step-regs 20000 guests/counter.bin) ||
		{ broken "kvm_limit step-regs"; return; }
	record stepregs_prot limit "$(echo "$out" | awk '{ print $(NF-1) }')"
	out=$("$LIMIT" --start "$LOOP" bp-over 20000 guests/counter.bin) ||
		{ broken "kvm_limit bp-over"; return; }
	record cond_hits limit "$(echo "$out" | awk '{ print $(NF-1) }')"
	out=$("$LIMIT" kick 40 guests/kernel1.bin) || { broken "kvm_limit kick"; return; }
	record kick_real limit "$(echo "$out" | awk '{ for (i = 1; i < NF; i++) if ($i == "median") print $(i+1) }')"
	out=$("$LIMIT" --start "$LOOP" kick 40 guests/counter.bin) || { broken "kvm_limit kick"; return; }
	record kick_prot limit "$(echo "$out" | awk '{ for (i = 1; i < NF; i++) if ($i == "median") print $(i+1) }')"
	out=$("$LIMIT" run guests/counter.bin) || { broken "kvm_limit run"; return; }
	record loop_s limit "$(echo "$out" | awk '{ for (i = 1; i < NF; i++) if ($i == "after") print $(i+1) }')"
	record loop_cpu limit "$(echo "$out" | awk '{ for (i = 1; i < NF; i++) if ($(i+2) == "CPU") print $i }')"
}

# The conditional breakpoint's N: about 2 s of hits on this system.
cond_n() {
	local sys=$1 rate n
	[ -n "${BENCH_COND_N:-}" ] && { echo "$BENCH_COND_N"; return; }
	run_cond "$sys" 300 cond_calib
	rate=$(awk -v s="$sys" '$1 == "cond_calib" && $2 == s { print $3 }' "$RES" | tail -1)
	n=$(awk -v r="${rate:-150}" 'BEGIN { n = int(r * 2 / 100) * 100;
		if (n < 300) n = 300; if (n > 100000) n = 100000; print n }')
	echo "$n"
}

# ---- the summary ----

# stats FIGURE SYSTEM: "median min max count", or nothing.
stats() {
	awk -v f="$1" -v s="$2" '$1 == f && $2 == s { print $3 }' "$RES" | sort -g |
		awk '{ v[NR] = $1 } END {
			if (NR == 0) exit
			m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			print m, v[1], v[NR], NR }'
}

fmt() {
	awk -v v="$1" 'BEGIN { a = v < 0 ? -v : v
		if (a >= 100) printf "%.0f", v; else if (a >= 10) printf "%.1f", v;
		else if (a >= 1) printf "%.2f", v; else printf "%.3f", v }'
}

# FIGURE|label|unit
FIGURES="attach|attach (daemon start to registers read, gdb waiting)|ms
start|... of which the daemon's start, to listening|ms
attach_cold|attach from one shell line (gdb's start-up included)|ms
stepi_real|stepi, real mode (stepi 2000)|instr/s
stepi_prot|stepi, protected mode (stepi 2000)|instr/s
stepi_prot_noelf|stepi, protected mode, no ELF file|instr/s
stepi_real_1cpu|stepi, real mode, daemon and gdb on one CPU (taskset)|instr/s
regs_g|register read after a cache flush ('g': p \$eax)|reads/s
regs_p_st0|x87 register read after a cache flush ('p': p \$st0)|reads/s
dump_1m|memory dump 1 MiB|MiB/s
dump_16m|memory dump 16 MiB|MiB/s
bp_hits|breakpoint round trip (200 continues)|hits/s
bp_hits_noelf|breakpoint round trip, no ELF file|hits/s
cond_hits|conditional breakpoint (\$eax == N)|hits/s
interrupt|interrupt (Ctrl-C to stop shown)|ms
rss|peak resident memory, 16 MiB guest|MiB
next_range|next over a 1000-turn loop line, range stepping (QEMU: none)|ms
next_norange|next over the same line, set range-stepping off|ms
loop_s|compute loop (1,000,000 turns), breakpoint armed (bare KVM: none)|s
loop_dr_s|... bare KVM with the same debug-register breakpoint|s
loop_cpu|compute loop, CPU time of the daemon / of bare KVM|s
loop_exits|compute loop: exits from KVM_RUN to the daemon|exits
loop_ratio|compute loop, kvmstub / bare KVM with the breakpoint, run back to back|x
step_real|KVM limit: single-step exits, real mode|exits/s
stepregs_real|KVM limit: step + GET_REGS + GET_SREGS, real mode|exits/s
step_prot|KVM limit: single-step exits, protected mode|exits/s
stepregs_prot|KVM limit: step + GET_REGS + GET_SREGS, protected mode|exits/s
kick_real|KVM limit: a kick (immediate_exit, SIGUSR1) until KVM_RUN returns, real mode|us
kick_prot|KVM limit: the same, protected mode|us
rec_speed|recording (--record), the counter loop|instr/s
rec_insns|... instructions recorded|instr
rstepi|reverse-stepi (median of 200)|ms
rcont|reverse-continue across the whole log to a breakpoint at its start|s
rec_bytes|bytes a recorded instruction, counter guest|bytes
rec_bytes_paging|bytes a recorded instruction, paging guest (5000 stepi)|bytes
rec_bytes_interrupts|bytes a recorded instruction, interrupts guest (to its end)|bytes"

SYSTEMS="kvmstub qemu limit"

sysname() {
	case $1 in
	kvmstub) echo kvmstub ;;
	qemu) echo "QEMU+KVM" ;;
	limit) echo "bare KVM" ;;
	esac
}

summary() {
	local fig label unit sys st med
	echo
	echo "== results (median over runs; min..max)"
	while IFS='|' read -r fig label unit; do
		for sys in $SYSTEMS; do
			st=$(stats "$fig" "$sys")
			[ -n "$st" ] || continue
			set -- $st
			printf '%-62s %s %s (%s..%s, %d runs)\n' "$label, $(sysname "$sys")" \
				"$(fmt "$1")" "$unit" "$(fmt "$2")" "$(fmt "$3")" "$4"
		done
	done <<<"$FIGURES"

	echo
	echo "| figure | unit | kvmstub | QEMU + KVM | kvmstub / QEMU | bare KVM |"
	echo "|---|---|---:|---:|---:|---:|"
	while IFS='|' read -r fig label unit; do
		local k q l r
		k=$(stats "$fig" kvmstub | cut -d' ' -f1)
		q=$(stats "$fig" qemu | cut -d' ' -f1)
		l=$(stats "$fig" limit | cut -d' ' -f1)
		[ -n "$k$q$l" ] || continue
		r=
		[ -n "$k" ] && [ -n "$q" ] && r="$(awk -v a="$k" -v b="$q" 'BEGIN { if (b > 0) printf "%.2fx", a / b }')"
		printf '| %s | %s | %s | %s | %s | %s |\n' "$label" "$unit" \
			"${k:+$(fmt "$k")}" "${q:+$(fmt "$q")}" "$r" "${l:+$(fmt "$l")}"
	done <<<"$FIGURES"

	local kl bl what col ex sp
	echo
	for what in "loop_s loop_s wall" "loop_s loop_dr_s wall" "loop_cpu loop_cpu CPU"; do
		set -- $what
		for col in 1 2; do	# medians, minimums
			kl=$(stats "$1" kvmstub | cut -d' ' -f"$col")
			bl=$(stats "$2" limit | cut -d' ' -f"$col")
			[ -n "$kl" ] && [ -n "$bl" ] &&
				echo "compute loop, $3 time, $([ "$col" = 1 ] && echo median || echo minimum):" \
					"kvmstub $(fmt "$kl") s, bare KVM$([ "$2" = loop_dr_s ] &&
					echo ' with the breakpoint') $(fmt "$bl") s" \
					"($(awk -v a="$kl" -v b="$bl" 'BEGIN { printf "%+.1f%%", (a / b - 1) * 100 }'))"
		done
	done
	# What the daemon itself costs a running guest: its exits (the halt
	# watchdog's ticks), each about one KVM round trip (a step exit).
	ex=$(stats loop_exits kvmstub | cut -d' ' -f1)
	sp=$(stats step_prot limit | cut -d' ' -f1)
	kl=$(stats loop_s kvmstub | cut -d' ' -f1)
	[ -n "$ex" ] && [ -n "$sp" ] && [ -n "$kl" ] &&
		echo "compute loop: $(fmt "$ex") exits to kvmstub in $(fmt "$kl") s;" \
			"at bare KVM's $(awk -v r="$sp" 'BEGIN { printf "%.1f", 1e6 / r }') us a round trip" \
			"that is $(awk -v e="$ex" -v r="$sp" -v t="$kl" 'BEGIN { printf "%.3f%%", e / r / t * 100 }')" \
			"of the loop's time"
	local rs rb
	rs=$(stats rec_speed kvmstub | cut -d' ' -f1)
	rb=$(stats step_prot limit | cut -d' ' -f1)
	[ -n "$rs" ] && [ -n "$rb" ] && echo "recording: $(fmt "$rs") instr/s," \
		"$(awk -v a="$rs" -v b="$rb" 'BEGIN { printf "%.2f", a / b }') of bare KVM's" \
		"single-step exits (protected mode: $(fmt "$rb") a second)"
	local sr ss
	for m in real prot; do
		sr=$(stats "stepi_$m" kvmstub | cut -d' ' -f1)
		ss=$(stats "stepregs_$m" limit | cut -d' ' -f1)
		[ -n "$sr" ] && [ -n "$ss" ] && echo "stepi ($m mode): kvmstub reaches" \
			"$(awk -v a="$sr" -v b="$ss" 'BEGIN { printf "%.0f%%", a / b * 100 }')" \
			"of bare KVM's step + register reads"
	done
	echo
	echo "$(date -u '+%Y-%m-%d %H:%M UTC'); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')," \
		"$(nproc) CPUs, Linux $(uname -r); $(gdb --version | head -1)${HAVE_QEMU:+; $($QEMU --version | head -1)}"
	echo "KVM: $(grep -q -w -E 'vmx|svm' /proc/cpuinfo && echo 'hardware-assisted (VMX/SVM)' ||
		echo 'no VMX/SVM in the CPU flags (nested or emulated KVM, e.g. kvm-pvm)')"
}

# Recording (kvmstub --record): once, its 1,000,000-instruction log
# being the point: the speed, reverse-stepi, reverse-continue across the
# log to a breakpoint at its start, bytes a recorded instruction for the
# counter, paging and interrupts guests.
run_record() {
	local img
	SRV_EXTRA=(--record)
	server_start kvmstub guests/counter.bin
	gdb_bench kvmstub guests/counter.elf \
		"bench_record('$LOOP', '$(sym guests/counter.elf pm_entry)', 150000, 'rec')"
	server_stop
	server_start kvmstub guests/paging.bin
	gdb_bench kvmstub guests/paging.elf "bench_record_bytes('rec_bytes_paging', steps=5000)"
	server_stop
	server_start kvmstub guests/interrupts.bin
	gdb_bench kvmstub guests/interrupts.elf \
		"bench_record_bytes('rec_bytes_interrupts', until='$(sym guests/interrupts.elf done)')"
	server_stop
	SRV_EXTRA=()
}

# ---- main ----

command -v gdb >/dev/null || die "gdb is not installed (make test installs it)"
[ -x "$KVMSTUB" ] || die "$KVMSTUB is not built"
[ -x "$LIMIT" ] || die "$LIMIT is not built"
[ -r /dev/kvm ] && [ -w /dev/kvm ] || die "/dev/kvm is not usable here"
for f in guests/kernel1.bin guests/counter.bin guests/counter.elf guests/cloop.bin guests/cloop.elf; do
	[ -r "$f" ] || die "$f is not built"
done
gdb -nx -batch -ex 'python import time' >/dev/null 2>&1 || die "this gdb has no Python"
: >"$RES"
LOOP=$(sym guests/counter.elf loop)
DONE=$(sym guests/counter.elf done)
HAVE_QEMU=
if [ "${BENCH_QEMU:-1}" = 0 ]; then
	echo "bench: BENCH_QEMU=0: no QEMU figures"
elif command -v "$QEMU" >/dev/null; then
	HAVE_QEMU=1
else
	echo "bench: $QEMU is not installed: no QEMU figures (make bench installs it as root)"
fi
SYS_RUN="kvmstub${HAVE_QEMU:+ qemu}"

start=$(now_us)
echo "bench: $RUNS runs of each figure; kvmstub${HAVE_QEMU:+, QEMU with KVM} and bare KVM"
for sys in $SYS_RUN; do
	echo "bench: $(sysname "$sys"): calibrating the conditional breakpoint"
	declare "COND_N_$sys=$(cond_n "$sys")"
done
for i in $(seq 1 "$RUNS"); do
	echo "bench: run $i of $RUNS"
	run_limit
	for sys in $SYS_RUN; do
		run_attach "$sys"
		run_real "$sys"
		run_protected "$sys"
		run_noelf "$sys"
		run_one_cpu "$sys"
		n=COND_N_$sys
		run_cond "$sys" "${!n}"
		run_next "$sys"
	done
	run_loop "$i"
done
echo "bench: recording (once)"
run_record
for sys in $SYS_RUN; do
	n=COND_N_$sys
	echo "bench: conditional breakpoint N for $(sysname "$sys"): ${!n}"
done
summary
echo "bench: took $(( ($(now_us) - start) / 1000000 )) s"
[ "$BROKEN" = 0 ] || { echo "bench: some measurements failed (see above)"; exit 1; }
exit 0
