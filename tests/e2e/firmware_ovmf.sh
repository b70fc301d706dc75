# firmware_ovmf.sh - real firmware, 2 MiB, under real gdb (issue 13):
# Debian's OVMF (/usr/share/ovmf/OVMF.fd, package ovmf) with --reset
# architectural --arch x86-64.  gdb sees the pc at the reset vector
# 0xfffffff0, the whole window as read-only memory, and a breakpoint in
# OVMF's flat 32-bit code and one in its 64-bit code (the SEC core's entry)
# are hit.
#
# The addresses come from the firmware itself, at run time, two ways that
# must agree, so that another OVMF build does not break the test:
# - the 32-bit one by stepping: `monitor stop-on-mode on` stops where CR0.PE
#   is set (at the far jump into 32-bit code), and one stepi more lands on
#   the first 32-bit instruction;
# - the SEC core's entry from the image's UEFI firmware volumes
#   (tests/e2e/fv_sec_entry.py, by the PI specification), and by stepping
#   from where EFER.LMA goes on until the pc is there: the reset vector code
#   itself jumps to it.
# OVMF goes from flat 32-bit protected mode straight to long mode (PAE
# paging with EFER.LME): no 32-bit paging, which this host cannot run.
# The test stops at the SEC core's entry: a few instructions later OVMF runs
# finit, which nested kvm-pvm hosts fail to emulate (QEMU with KVM stops
# there too: "KVM internal error. Suberror: 1"), and beyond it OVMF wants
# PCI and fw_cfg devices kvmstub does not have.
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb
OVMF=/usr/share/ovmf/OVMF.fd
[ -r "$OVMF" ] || skip "$OVMF is missing: install Debian's package ovmf (make test does, as root)"

size=$(stat -c %s "$OVMF")
base=$(printf '%x' $(( (1 << 32) - size )))
sec=$(python3 tests/e2e/fv_sec_entry.py "$OVMF") || fail "no SEC core entry point in $OVMF"
echo "$OVMF: $size bytes from 0x$base; SEC core entry point from its firmware volumes: $sec"

# 1. Find the addresses by running the firmware.
daemon_start --reset architectural --arch x86-64 "$OVMF"
gdb64_run "$T/find.out" <<EOF
printf "RESET pc %#x cs %#x ip %#x cs_base %#x\n", \$pc, \$cs, \$ip, \$cs_base
info mem
x/4xw 0xfffffff0
x/4xw 0xffff0
monitor stop-on-mode on
continue
stepi
printf "PM32 pc %#x cr0 %#x cs_attr %#x\n", \$pc, \$cr0, \$cs_attr
continue
continue
printf "LONG pc %#x efer %#x cs_attr %#x\n", \$pc, \$efer, \$cs_attr
monitor stop-on-mode off
set \$n = 0
while \$pc != $sec && \$n < 5000
  stepi
  set \$n = \$n + 1
end
printf "SEC pc %#x after %d steps in long mode\n", \$pc, \$n
kill
EOF
daemon_stop
out=$T/find.out
expect "$out" '^RESET pc 0xfffffff0 cs 0xf000 ip 0xfff0 cs_base 0xffff0000$' \
	"gdb does not show the pc at the reset vector 0xfffffff0"
expect "$out" "0x0*$base +0x0*100000000 +ro" "info mem does not show the window from 0x$base as ro"
expect "$out" '0x0*e0000 +0x0*100000 +ro' "info mem does not show the window's last 128 KiB below 1 MiB"
top=$(grep -A1 '^0xfffffff0:' "$out" | head -1 | cut -d: -f2)
low=$(grep '^0xffff0:' "$out" | cut -d: -f2)
[ -n "$top" ] && [ "$top" = "$low" ] ||
	fail "the reset vector's bytes differ at 0xfffffff0 ($top) and 0xffff0 ($low)"
expect "$out" '^mode change: real -> protected at 0xffff' "no stop where CR0.PE is set"
expect "$out" '^mode change: protected -> compatibility at 0xffff' "no stop where EFER.LMA is set"
expect "$out" '^mode change: compatibility -> long at 0xffff' "no stop where CS.L is set"
pm32=$(sed -n 's/^PM32 pc \(0x[0-9a-f]*\) .*/\1/p' "$out")
[ -n "$pm32" ] || fail "no 32-bit pc"
read -r cr0 attr < <(sed -n 's/^PM32 pc 0x[0-9a-f]* cr0 \(0x[0-9a-f]*\) cs_attr \(0x[0-9a-f]*\)$/\1 \2/p' "$out")
# Flat 32-bit protected mode: CR0.PE on, PG off; CS D/B (bit 14) on, L (bit 13) off.
[ $((cr0 & 0x80000001)) -eq 1 ] || fail "at $pm32 CR0 is $cr0: not protected mode without paging"
[ $((attr & 0x6000)) -eq $((0x4000)) ] || fail "at $pm32 CS attributes are $attr: not 32-bit code"
read -r lpc efer lattr < <(sed -n 's/^LONG pc \(0x[0-9a-f]*\) efer \(0x[0-9a-f]*\) cs_attr \(0x[0-9a-f]*\)$/\1 \2 \3/p' "$out")
[ -n "$lpc" ] || fail "no long-mode stop"
[ $((efer & 0x400)) -ne 0 ] && [ $((lattr & 0x2000)) -ne 0 ] ||
	fail "at $lpc EFER is $efer and CS attributes $lattr: not 64-bit code"
expect "$out" "^SEC pc $sec after [0-9]+ steps in long mode\$" \
	"stepping from $lpc did not reach the SEC core's entry $sec within 5000 instructions"
echo "32-bit code at $pm32, long mode from $lpc, SEC core at $sec"

# 2. Breakpoints there, from the reset vector, at full speed; then again
# after monitor reset.  gdb makes them hardware breakpoints (the memory map
# says ROM).
daemon_start --reset architectural --arch x86-64 "$OVMF"
gdb64_run "$T/bp.out" <<EOF
break *$pm32
break *$sec
continue
printf "HIT pc %#x cr0 %#x cs_attr %#x\n", \$pc, \$cr0, \$cs_attr
continue
printf "HIT pc %#x efer %#x cs_attr %#x\n", \$pc, \$efer, \$cs_attr
info breakpoints
monitor reset
maintenance flush register-cache
printf "RESET pc %#x\n", \$pc
continue
printf "HIT again pc %#x\n", \$pc
kill
EOF
daemon_stop
out=$T/bp.out
read -r hpc cr0 attr < <(sed -n 's/^HIT pc \(0x[0-9a-f]*\) cr0 \(0x[0-9a-f]*\) cs_attr \(0x[0-9a-f]*\)$/\1 \2 \3/p' "$out")
[ "${hpc:-}" = "$pm32" ] || fail "the breakpoint in 32-bit code at $pm32 was not hit"
[ $((cr0 & 0x80000001)) -eq 1 ] && [ $((attr & 0x6000)) -eq $((0x4000)) ] ||
	fail "at the 32-bit breakpoint CR0 is $cr0 and CS attributes $attr"
expect "$out" "^Breakpoint 1, 0x0*${pm32#0x} in" "gdb did not report breakpoint 1"
read -r hpc efer attr < <(sed -n 's/^HIT pc \(0x[0-9a-f]*\) efer \(0x[0-9a-f]*\) cs_attr \(0x[0-9a-f]*\)$/\1 \2 \3/p' "$out")
[ "${hpc:-}" = "$sec" ] || fail "the breakpoint in the 64-bit SEC core at $sec was not hit"
[ $((efer & 0x400)) -ne 0 ] && [ $((attr & 0x2000)) -ne 0 ] ||
	fail "at the SEC core's breakpoint EFER is $efer and CS attributes $attr: not 64-bit code"
expect "$out" "^Breakpoint 2, 0x0*${sec#0x} in" "gdb did not report breakpoint 2"
expect "$out" '^Note: automatically using hardware breakpoints for read-only addresses' \
	"gdb did not take the firmware window for read-only memory"
[ "$(grep -c '^	breakpoint already hit 1 time' "$out")" -eq 2 ] ||
	fail "info breakpoints: the two breakpoints were not hit once each"
expect "$out" '^RESET pc 0xfffffff0$' "monitor reset did not go back to 0xfffffff0"
expect "$out" "^HIT again pc $pm32\$" "after monitor reset the 32-bit breakpoint was not hit again"
echo "PASS: OVMF from 0xfffffff0: breakpoints hit at $pm32 (32-bit) and $sec (SEC, 64-bit)"
