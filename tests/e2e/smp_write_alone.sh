# smp_write_alone: while one vCPU runs alone (gdb's scheduler-locking,
# vCont;c:1: the BSP runs and waits for the AP forever), a memory write
# for the parked vCPU 2 is refused (E16, EBUSY)
# instead of changing the breakpoint bytes the running vCPU uses; after
# the stop the same write works.  A raw RSP client, as gdb never sends
# packets while it waits for a stop.
. "$(dirname "$0")/lib.sh"
need_kvm
"$KVMSTUB" --probe | grep -q 'irqchip: yes' ||
	skip "this host's KVM has no in-kernel interrupt controller (KVM_CAP_IRQCHIP): no APs"
daemon_start --smp 2 guests/smp.bin
python3 tests/e2e/rsp.py "127.0.0.1:$PORT" "Hg2" "mf0000,1" "!noreply:vCont;c:1" "!sleep:0.2" \
	"Mf0000,1:90" "mf0000,1" "!int" "!wait" "Mf0000,1:90" "mf0000,1" >"$T/r" 2>&1 ||
	{ cat "$T/r"; fail "the RSP session failed"; }
cat "$T/r"
first=$(sed -n 2p "$T/r")
[ "$(sed -n 3p "$T/r")" = "E16" ] || fail "M while vCPU 1 runs alone: want E16 (busy)"
[ "$(sed -n 4p "$T/r")" = "$first" ] || fail "the refused write changed memory"
sed -n 5p "$T/r" | grep -q '^T02' || fail "Ctrl-C: no stop reply"
[ "$(sed -n 6p "$T/r")" = "OK" ] || fail "M after the stop: want OK"
[ "$(sed -n 7p "$T/r")" = "90" ] || fail "the write after the stop did not land"
echo "PASS: memory writes wait for every vCPU to stop"
