# Errors that say what went wrong, as gdb 13 shows them:
# - a refused register write (set $ds beyond the GDT limit, set $cs to a
#   data segment) says why, inside gdb's "remote failure reply";
# - a failing monitor command prints its message once and is an error
#   that a script can catch (python try, or the next -ex runs);
#   with a client that announces error-message+ (newer gdb) the message is
#   the error reply itself, "E.text";
# - monitor step-irq, stop-on-mode and sw-break without an argument show
#   their setting;
# - monitor xlate 0x100000000 with paging off is no valid address;
# - gdbscripts/kvmstub.gdb's reset does not print the advice it follows.
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb
pm=$(sym guests/protected.elf pm_entry)
rsp() { timeout 20 python3 tests/e2e/rsp.py "127.0.0.1:$PORT" "$@"; }

# 1. Register writes in protected mode; the GDT has 3 entries (limit 0x17).
daemon_start guests/protected.bin
# (-ex, not a command file: gdb ends a command file at its first error.)
timeout -k 5 60 gdb -nx -batch guests/protected.elf -x gdbscripts/kvmstub.gdb \
	-ex "target remote 127.0.0.1:$PORT" -ex "break *$pm" -ex continue -ex 'p/x $gdtr_limit' \
	-ex 'set $ds = 0x18' -ex 'set $cs = 0x10' -ex 'set $ds = 0x10' -ex 'p/x $ds' \
	>"$T/g1" 2>&1
cat "$T/g1"
expect "$T/g1" '^\$1 = 0x17$' "the GDT limit at pm_entry is not 0x17"
expect "$T/g1" "^Could not write register \"ds\"; remote failure reply 'E\\.selector 0x0018 \\(GDT index 3\\) lies beyond the GDT limit 0x0017: loading it faults \\(GP\\)'$" \
	"set \$ds = 0x18 beyond the GDT limit did not say why"
expect "$T/g1" "^Could not write register \"cs\"; remote failure reply 'E\\.selector 0x0010 is a data segment; cs needs a code segment'$" \
	"set \$cs = 0x10 (a data segment) did not say why"
expect "$T/g1" '^\$2 = 0x10$' "a valid selector write did not stick"
daemon_stop

# 2. Monitor errors: once, and catchable.
daemon_start guests/kernel1.bin
cat >"$T/catch.py" <<'EOF'
import gdb
for cmd in ("monitor foo", "monitor xlate zz", "monitor"):
    try:
        gdb.execute(cmd)
        print("NOT CAUGHT: " + cmd)
    except gdb.error as e:
        print("CAUGHT: %s: %s" % (cmd, e))
EOF
timeout -k 5 60 gdb -nx -batch -x gdbscripts/kvmstub.gdb -ex "target remote 127.0.0.1:$PORT" \
	-ex "source $T/catch.py" -ex 'monitor bar' -ex 'echo AFTER-ERROR\n' \
	-ex 'monitor step-irq' -ex 'monitor stop-on-mode' -ex 'monitor sw-break' \
	-ex 'monitor step-irq on' -ex 'monitor step-irq' \
	-ex 'monitor xlate 0x100000000' -ex 'monitor xlate 0xffffffff' >"$T/g2" 2>&1
cat "$T/g2"
expect "$T/g2" '^CAUGHT: monitor foo: ' "a failing monitor command is not a gdb error a python script can catch"
expect "$T/g2" '^CAUGHT: monitor xlate zz: ' "monitor xlate zz is not a catchable error"
expect "$T/g2" '^CAUGHT: monitor: ' "monitor with no command is not a catchable error"
expect_not "$T/g2" 'NOT CAUGHT' "a failing monitor command went unnoticed"
[ "$(grep -c "unknown monitor command 'foo'" "$T/g2")" -eq 1 ] || fail "the message of monitor foo is not shown exactly once"
[ "$(grep -c "unknown monitor command 'bar'" "$T/g2")" -eq 1 ] || fail "the message of monitor bar is not shown exactly once"
expect "$T/g2" '^AFTER-ERROR$' "the -ex after a failing monitor command did not run"
expect "$T/g2" '^step-irq off: interrupts are held off while single-stepping$' "monitor step-irq does not show its setting"
expect "$T/g2" '^stop-on-mode off: continue runs at full speed$' "monitor stop-on-mode does not show its setting"
expect "$T/g2" '^sw-break auto: software breakpoints are the mechanism the start-up probe chose' \
	"monitor sw-break does not show its setting"
[ "$(grep -c '^step-irq on: interrupts may be taken while single-stepping$' "$T/g2")" -eq 2 ] ||
	fail "monitor step-irq after step-irq on does not show on"
expect "$T/g2" '^0x100000000 is beyond 4 GiB: with paging off, linear addresses have 32 bits' \
	"monitor xlate 0x100000000 with paging off is not refused"
expect_not "$T/g2" 'physical 0x100000000' "monitor xlate 0x100000000 reported a 33-bit physical address"
expect "$T/g2" '^physical 0xffffffff \(paging off: physical = linear\)$' "monitor xlate 0xffffffff"

# A client that takes E.text for qRcmd (newer gdb says error-message+).
rsp 'qSupported:swbreak+;error-message+' 'qRcmd,666f6f' 'qRcmd,68656c70' >"$T/r"
cat "$T/r"
expect "$T/r" "^E\\.unknown monitor command 'foo'; try 'monitor help'$" "no E.text for a client that said error-message+"
expect_not "$T/r" '^console: unknown monitor' "the message was sent as console text as well"
expect "$T/r" '^OK$' "monitor help failed"

# 3. The script's reset: the reset line, and no advice to do what it just did.
gdb_run "$T/g3" <<EOF
stepi
reset
monitor reset
EOF
cat "$T/g3"
[ "$(grep -c '^machine reset: vCPUs at the reset vector f000:fff0' "$T/g3")" -eq 2 ] || fail "reset or monitor reset did not reset"
[ "$(grep -c 'maint flush register-cache' "$T/g3")" -eq 1 ] ||
	fail "the advice to flush gdb's register cache is not printed by monitor reset alone"
# The script's reset comes first: the line after its reset line is gdb's, not the advice.
[ "$(grep -A1 -m1 '^machine reset' "$T/g3" | tail -1)" = "CS:IP = f000:fff0  (linear 0xffff0)" ] ||
	fail "the script's reset printed more than the reset line (the advice it had just followed?)"
echo "ok: register writes say why; monitor errors once and catchable; settings shown; xlate; reset"
