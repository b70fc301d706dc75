# Read and access watchpoints going backwards (issue 16).  The record log
# holds what instructions wrote, not what they read, so a move in it
# decodes each instruction it crosses (kvm/record/replay_reads.c).  The
# reference is the live read watchpoint (served by stepping,
# kvm/debug/watch_step.c), which stops after each reading instruction:
# recorded forward with the watchpoint live, each stop's pc is noted; then
# reverse-continue must stop at the same reads in reverse order, each with
# the state before the reading instruction (at the instruction whose next
# one, in objdump's disassembly, is the live stop's pc); then continue,
# forward through the log (replayed), must stop where the live run did,
# with the same values.
#   counter (32-bit protected mode): rwatch on shadow, read by one mov;
#     awatch on shadow, that read and the write after it.
#   paging (long mode, 4-level paging; the data on a remapped 4 KiB
#     page): rwatch on linear 0x400010, read by print64's lodsb (four
#     bytes of the marker) and by a mov; the code bytes are fetched
#     through the past's page tables.  Before those, nothing reads it:
#     one more reverse-continue reaches the start of the log.
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb

# The disassembly of ELF as "ADDR NEXT": each instruction and the one after it.
next_insn() {
	objdump -d "$1" | awk -F'\t' '/^ *[0-9a-f]+:\t/ { a = $1; sub(/^ */, "", a); sub(/:$/, "", a);
		sub(/^0+/, "", a); a = "0x" a; if (p != "") print p, a; p = a }'
}

# case TAG ELF N RUN GDB-RUN SETUP WATCH SHOW [END]: SETUP brings the guest
# to where WATCH is set; then N live stops, N back, N forward in the log,
# each printing "TAG WHAT pc SHOW..." (SHOW: registers the reading
# instruction does not change); END: more gdb commands at the end.
case_run() {
	local tag=$1 elf=$2 n=$3 run=$4 setup=$5 watch=$6 show=$7 end=${8:-}
	local pr="printf \"$tag %s %#x %d\\n\", \$pc, $show"
	{
		printf '%s\n' "$setup" "$watch"
		for i in $(seq "$n"); do echo continue; echo "${pr/\%s/LIVE}"; done
		for i in $(seq "$n"); do echo reverse-continue; echo "${pr/\%s/BACK}"; done
		printf '%s\n' "$end"
		# Forward from there (the first read's state, or END's): the
		# reads redone from the log.
		for i in $(seq "$n"); do echo continue; echo "${pr/\%s/REPLAY}"; done
		echo "monitor record status"
	} | $run "$T/$tag.out" "$elf"
	local out=$T/$tag.out
	grep "^$tag LIVE " "$out" | cut -d' ' -f3- >"$T/$tag.live"
	grep "^$tag BACK " "$out" | cut -d' ' -f3- >"$T/$tag.back"
	grep "^$tag REPLAY " "$out" | cut -d' ' -f3- >"$T/$tag.replay"
	cat "$T/$tag.live" "$T/$tag.back" "$T/$tag.replay" | sed "s/^/$tag: /"
	[ "$(wc -l <"$T/$tag.live")" = "$n" ] || fail "$tag: expected $n live stops, got $(cat "$T/$tag.live")"
	[ "$(wc -l <"$T/$tag.back")" = "$n" ] || fail "$tag: expected $n stops going back, got $(cat "$T/$tag.back")"
	[ "$(wc -l <"$T/$tag.replay")" = "$n" ] || fail "$tag: expected $n stops forward in the log"
	next_insn "$elf" >"$T/next"
	# Each stop going back, moved past its instruction: the live stops, reversed.
	tac "$T/$tag.back" | while read -r pc rest; do
		nx=$(awk -v a="$pc" '$1 == a { print $2 }' "$T/next")
		echo "${nx:-not-an-instruction:$pc} $rest"
	done >"$T/$tag.back_next"
	diff "$T/$tag.live" "$T/$tag.back_next" >"$T/d" ||
		fail "$tag: going back, the stops are not the live ones' reading instructions in reverse order (< live, > back, each moved past its instruction): $(cat "$T/d")"
	diff "$T/$tag.live" "$T/$tag.replay" >"$T/d" ||
		fail "$tag: forward through the log, the stops differ from the live run's (< live, > replayed): $(cat "$T/d")"
}

ELF=guests/counter.elf
LOOP=$(sym "$ELF" loop)
SHADOW=$(sym "$ELF" shadow)
daemon_start --record guests/counter.bin
case_run rwatch "$ELF" 4 gdb_run "break *$LOOP if \$eax == 5
continue
delete" "rwatch *(int *)$SHADOW" '$eax'
# Each stop is the mov that reads shadow, going back the state before it.
READ=$(objdump -d "$ELF" | awk '/mov +0x20004,%ebx/ { sub(":", "", $1); print "0x" $1 }')
[ -n "$READ" ] && ! grep -qv "^$READ " "$T/rwatch.back" ||
	fail "rwatch: going back, a stop is not at the mov that reads shadow (${READ:-not found})"
daemon_stop

daemon_start --record guests/counter.bin
case_run awatch "$ELF" 6 gdb_run "break *$LOOP if \$eax == 5
continue
delete" "awatch *(int *)$SHADOW" '$eax'
daemon_stop

ELF=guests/paging.elf
daemon_start --record --arch x86-64 guests/paging.bin
case_run paging "$ELF" 5 gdb64_run "break *$(sym "$ELF" read_remapped)
continue
delete" "rwatch *(int *)0x400010" '$rdx' "reverse-continue
printf \"paging BEGIN %#x\\n\", \$pc"
expect "$T/paging.out" "^paging BEGIN 0xffff0$" "paging: before the reads, reverse-continue did not reach the start of the log"
daemon_stop
echo "record_rwatch: ok: rwatch and awatch going back stop at the live run's reads in reverse order, in protected mode and with 4-level paging, and forward through the log where the live run did"
