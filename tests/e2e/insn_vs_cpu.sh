# The instructions kvmstub executes itself past a false condition's
# breakpoint (kvm/insn.c) against KVM's vCPU: random forms, operands and
# flags, one single step each, in real, protected and long mode
# (insn_vs_cpu.c).  Then the daemon's use of it: a condition on a loop
# whose first instruction is one of them stops at the right turn.
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb
bin=${KVMSTUB_BUILD:-build}/tests/insn_vs_cpu
[ -x "$bin" ] || fail "$bin is not built (make test builds it)"
"$bin" 5000 >"$T/out" 2>&1
rc=$?
cat "$T/out"
[ "$rc" -eq 0 ] || fail "insn.c and the vCPU differ (status $rc)"
expect "$T/out" "agree on every register" "no summary line"
echo "insn_vs_cpu: ok"

# The daemon: `inc %eax` starts the counter guest's loop, so each false
# hit of `break *loop if $eax == 2000` costs one exit (KVM_RUN returns,
# monitor info), not the three a step over it takes; EAX and the counter
# in memory, which the loop increments together, still agree.
ELF=guests/counter.elf
daemon_start guests/counter.bin
gdb_run "$T/g" "$ELF" <<GDB
break *$(sym "$ELF" loop) if \$eax == 2000
monitor info
continue
monitor info
printf "eax %d counter %d\n", \$eax, *(int *)$(sym "$ELF" counter)
GDB
cat "$T/g"
daemon_stop
expect "$T/g" '^eax 2000 counter 2000$' "the stop is not at the turn where eax is 2000, or the counter disagrees"
set -- $(sed -n 's/^exits to kvmstub so far: \([0-9]*\) .*/\1/p' "$T/g")
[ $# -eq 2 ] || fail "monitor info did not give two exit counts"
n=$(($2 - $1))
echo "exits for 2000 false hits: $n"
[ "$n" -ge 2000 ] && [ "$n" -le 2200 ] ||
	fail "2000 false hits took $n exits: want one each (insn.c or RF), not a step each"
echo "insn_vs_cpu: daemon ok"
