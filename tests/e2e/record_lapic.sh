# Recording a guest whose interrupts come through the local APIC and the
# I/O APIC (guests/lapic.S: the LAPIC timer on vector 0x40, the PIT's IRQ 0
# through an I/O APIC pin on 0x41, the PICs masked), issue 16:
#  a. every interrupt is a stop of its own: 3,000 stepi with interrupts let
#     in (monitor step-irq on), more until each handler ran twice; each
#     time the pc enters a handler it is at the handler's first instruction
#     (KVM would run that instruction in the step that delivered the
#     interrupt), and the entries seen equal the ticks the guest counted in
#     memory, for both handlers;
#  b. going back undoes the MSRs: monitor msr read 0x174 around the wrmsr,
#     live, after reverse-stepi over it (the old value) and after a stepi
#     forward in the log (the new one);
#  c. going back undoes the local APIC: monitor lapic (the spurious vector,
#     TPR, the error and timer LVTs, the timer's initial count and divisor;
#     not its current count, which is time) at each instruction from the
#     TPR write to the timer's start, live, then the same places going back
#     and forward again;
#  d. going back undoes the PICs: monitor pic around the two outs that
#     mask them, the same way.
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb

cat >"$T/apic.py" <<'PY'
import gdb, re
def pc():
    return int(gdb.parse_and_eval("$pc")) & 0xffffffff
def sym(name):
    return int(gdb.parse_and_eval("(unsigned)&%s" % name))
def word(name):
    return int(gdb.parse_and_eval("*(unsigned *)&%s" % name))
def mon(cmd, keep=None):
    out = gdb.execute("monitor " + cmd, to_string=True)
    lines = out.splitlines()
    if keep:
        lines = [re.sub(r", current count 0x[0-9a-f]+", "", l) for l in lines if re.search(keep, l)]
    return " | ".join(l.strip() for l in lines)
def until(name):
    want = sym(name)
    for _ in range(2000):
        if pc() == want:
            return
        gdb.execute("stepi", to_string=True)
    raise gdb.GdbError("never reached " + name)

# a: n steps, the pc after each; then on until out of the handlers.
def handler_walk(n, out):
    hs = [(nm, sym(nm), sym(nm + "_end")) for nm in ("timer_handler", "pit_handler")]
    inside = lambda p: any(lo <= p < hi for _, lo, hi in hs)
    pcs = [pc()]
    for _ in range(n):
        gdb.execute("stepi", to_string=True)
        pcs.append(pc())
    # A faster host steps n in less time than two ticks take: on to them.
    while (word("lapic_ticks") < 2 or word("pit_ticks") < 2) and len(pcs) < 20 * n:
        gdb.execute("stepi", to_string=True)
        pcs.append(pc())
    while inside(pcs[-1]) and len(pcs) < n + 100:
        gdb.execute("stepi", to_string=True)
        pcs.append(pc())
    with open(out, "w") as f:
        f.write("\n".join("%x" % p for p in pcs) + "\n")
    for nm, lo, hi in hs:
        entries = folded = 0
        for prev, cur in zip(pcs, pcs[1:]):
            if lo <= cur < hi and not lo <= prev < hi:
                if cur == lo:
                    entries += 1
                else:
                    folded += 1
                    print("FOLDED %s: %#x -> %#x" % (nm, prev, cur))
        count = word("lapic_ticks" if nm == "timer_handler" else "pit_ticks")
        print("ENTRIES %s entered %d folded %d counted %d" % (nm, entries, folded, count))

# b-d: the state show(), live at each of n steps from here, then going
# back over them and forward again: each place's state printed as
# LIVE/BACK/FWD k STATE.
def undo(tag, n, show):
    live = [show()]
    for _ in range(n):
        gdb.execute("stepi", to_string=True)
        live.append(show())
    for k in range(n):
        print("%s LIVE %d %s" % (tag, k, live[k]))
    print("%s LIVE %d %s" % (tag, n, live[n]))
    for k in range(n - 1, -1, -1):
        gdb.execute("reverse-stepi", to_string=True)
        print("%s BACK %d %s" % (tag, k, show()))
    for k in range(1, n + 1):
        gdb.execute("stepi", to_string=True)
        print("%s FWD %d %s" % (tag, k, show()))
PY
printf 'define hook-stop\nend\n' >"$T/quiet.gdb"

# --- a: interrupts as steps of their own.
daemon_start --record guests/lapic.bin
gdb_run "$T/a" guests/lapic.elf -x "$T/quiet.gdb" -x "$T/apic.py" <<EOF
monitor step-irq on
python handler_walk(3000, "$T/pcs")
monitor record status
EOF
daemon_stop
grep -E "^(ENTRIES|FOLDED)" "$T/a" | head -20
grep -q "^ENTRIES pit_handler" "$T/a" || { tail -20 "$T/a"; fail "a: the step walk did not finish"; }
grep -q "^FOLDED" "$T/a" &&
	fail "a: a handler's first instruction was folded into the step that took the interrupt"
for h in timer_handler pit_handler; do
	line=$(grep "^ENTRIES $h " "$T/a")
	set -- $(echo "$line" | sed 's/.*entered \([0-9]*\) folded \([0-9]*\) counted \([0-9]*\)/\1 \2 \3/')
	[ "$3" -ge 2 ] || fail "a: $h ran only $3 times in 3,000 to 60,000 steps: the guest's interrupts did not come ($line)"
	[ "$1" -eq "$3" ] || fail "a: $h was entered $1 times as a step of its own, but counted $3 ticks ($line)"
done
ticks=$(grep "^ENTRIES" "$T/a" | sed 's/.*counted //' | paste -sd/)

# --- b, c, d: the MSRs, the local APIC and the PICs undone going back.
daemon_start --record guests/lapic.bin
gdb_run "$T/b" guests/lapic.elf -x "$T/quiet.gdb" -x "$T/apic.py" <<'EOF'
python until("mask_pics")
python undo("PIC", 3, lambda: mon("pic"))
python until("wrmsr_cs")
python undo("MSR", 1, lambda: mon("msr read 0x174"))
python until("lapic_on")
python undo("LAPIC", 6, lambda: mon("lapic", r"spurious vector|TPR|LVT timer|LVT error|timer: initial"))
EOF
daemon_stop
grep -q "^LAPIC FWD 6 " "$T/b" || { tail -20 "$T/b"; fail "b-d: the walks did not finish"; }
for tag in PIC MSR LAPIC; do
	grep "^$tag LIVE" "$T/b" | sed 's/^[A-Z]* LIVE [0-9]* //' | sort -u | wc -l | grep -qx 1 &&
		fail "$tag: the state does not change over the steps looked at: $(grep "^$tag LIVE 0" "$T/b")"
	grep -E "^$tag (BACK|FWD) " "$T/b" | while read -r _ how k state; do
		want=$(grep "^$tag LIVE $k " "$T/b" | sed 's/^[A-Z]* LIVE [0-9]* //')
		[ "$state" = "$want" ] || { echo "$tag: $how at $k: $state"; echo "  live there: $want"; }
	done >"$T/diff.$tag"
	[ -s "$T/diff.$tag" ] && { cat "$T/diff.$tag"; fail "$tag: going back or forward in the log, the state is not the live one at that place"; }
done
expect "$T/b" "^MSR LIVE 0 .*= 0x0+$" "b: IA32_SYSENTER_CS was not 0 before the wrmsr"
expect "$T/b" "^MSR LIVE 1 .*= 0x0*5a10$" "b: IA32_SYSENTER_CS is not the guest's 0x5a10 after the wrmsr"
echo "record_lapic: ok (every LAPIC and I/O APIC interrupt a step of its own, $ticks ticks; the MSRs, the LAPIC and the PICs undone going back)"
