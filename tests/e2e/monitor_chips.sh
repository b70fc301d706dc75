# monitor_chips: monitor msr, lapic, pic and pit against KVM with real gdb.
# interrupts.S in its timer handler: the PIC's vectors and in-service IRQ 0,
# the PIT's channel 0 at 100 Hz, the BSP's local APIC with LINT0 in ExtINT
# mode; long.S in 64-bit code: EFER with LME and LMA, an MSR written and
# read back, EFER written and seen by gdb as $efer, refusals that say why;
# and the PIT's count as a latch in the guest itself reads it.
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb

daemon_start guests/interrupts.bin
gdb_run "$T/irq" guests/interrupts.elf <<'EOF'
break *timer_handler
continue
monitor pic
monitor pit
monitor lapic
monitor msr read apic_base
EOF
cat "$T/irq"
daemon_stop
expect "$T/irq" '^master 8259 \(ports 0x20-0x21\): IRQ 0-7 arrive as vectors 0x20-0x27$' "master PIC's vectors"
expect "$T/irq" 'ISR \(in service\): 0;  IMR \(masked\): 1 2 3 4 5 6 7;' "IRQ 0 in service, the others masked"
expect "$T/irq" '^slave 8259 \(ports 0xa0-0xa1\), on the master.s IRQ 2: IRQ 8-15 arrive as vectors 0x28-0x2f$' "slave PIC"
expect "$T/irq" '^  channel 0 \(IRQ 0\): mode 2 \(rate generator\), reload 11932 \(100\.0 Hz\), count now not known, gate high, low byte, then high byte, binary$' \
	"PIT channel 0 as interrupts.S programs it"
expect "$T/irq" '^vCPU 0: local APIC at 0xfee00000 \(IA32_APIC_BASE 0xfee00900: enabled, xAPIC mode, BSP\)$' "the BSP's APIC"
expect "$T/irq" '^  LVT LINT0    0x00000700: vector 0x00, ExtINT, edge-triggered, active high, not masked$' \
	"LINT0 passes the PIC's interrupts (ExtINT)"
expect "$T/irq" '^IA32_APIC_BASE \(0x1b\) = 0x00000000fee00900: base 0xfee00000, enabled, BSP$' "msr read apic_base"

daemon_start guests/long.bin
gdb_run "$T/msr" guests/long.elf <<'EOF'
break *lm_entry
continue
monitor msr read efer
monitor msr write lstar 0xffffffff81000000
monitor msr read 0xc0000082
monitor msr write efer 0x501
maintenance flush register-cache
printf "EFER %#x\n", $efer
monitor msr list
python
for cmd in ("monitor msr read 0x12345", "monitor msr write efer 0xffffffffffff"):
    try:
        gdb.execute(cmd)
    except gdb.error as e:
        print("FAILED %s" % cmd)
end
EOF
cat "$T/msr"
daemon_stop
expect "$T/msr" '^IA32_EFER \(0xc0000080\) = 0x0000000000000500: LME LMA$' "EFER in long mode"
expect "$T/msr" '^IA32_LSTAR \(0xc0000082\) = 0xffffffff81000000 \(was 0x0\)$' "LSTAR written"
expect "$T/msr" '^IA32_LSTAR \(0xc0000082\) = 0xffffffff81000000$' "LSTAR read back by address"
expect "$T/msr" '^EFER 0x501$' "gdb's \$efer after monitor msr write efer"
expect "$T/msr" '^  IA32_KERNEL_GS_BASE     0xc0000102  0x0000000000000000  ' "msr list"
expect "$T/msr" '^KVM refuses to read MSR 0x12345: vCPU 0 has no such MSR$' "a refused read says why"
expect "$T/msr" '^FAILED monitor msr read 0x12345$' "a refused read is a gdb error"
expect "$T/msr" '^KVM refuses to write 0xffffffffffff to IA32_EFER \(0xc0000080\): vCPU 0 has no such MSR, or the MSR does not take that value$' \
	"a refused write says why"

# The PIT's count: what the guest's own latch read, and what monitor pit
# says a little later, counting down at 1.193182 MHz from 65536.  Channel
# 2 (channel 0's phase is the host timer's, which KVM does not report).
fw_image pitlatch <<'EOF'
	.code16
	.globl start, latched
start:	cli
	in	$0x61, %al
	or	$1, %al			# channel 2's gate high
	out	%al, $0x61
	mov	$0xb4, %al		# channel 2, low then high byte, mode 2
	out	%al, $0x43
	xor	%al, %al
	out	%al, $0x42		# reload 0: 65536
	out	%al, $0x42
again:	mov	$0x80, %al		# latch channel 2
	out	%al, $0x43
	in	$0x42, %al
	mov	%al, %bl
	in	$0x42, %al
	mov	%al, %bh		# bx: the latched count
latched:
	nop
	jmp	again
EOF
daemon_start "$T/pitlatch.bin"
# Plain gdb, no hook-stop: a round trip of a few ms, well under the
# counter's 55 ms period.
{ echo 'break *latched'; echo 'continue'
  for _ in 1 2 3 4 5 6; do
	echo 'printf "GUEST %u\n", $bx & 0xffff'; echo 'monitor pit'; echo 'continue'
  done; } >"$T/pit.gdb"
timeout -k 5 60 gdb -nx -batch "$T/pitlatch.elf" -ex "target remote 127.0.0.1:$PORT" \
	-x "$T/pit.gdb" >"$T/pit" 2>&1
cat "$T/pit"
daemon_stop
# monitor pit ran between two of the guest's latches: its count lies
# between theirs in the count-down (from 65536 at 1.193182 MHz), unless
# that round trip took more than a whole period.  A count computed wrong
# would land there by chance only as often as the round trip is short
# against the period.
sed -n 's/^GUEST //p' "$T/pit" >"$T/guest"
sed -n 's/^  channel 2 (the speaker, port 0x61):.* now \([0-9]*\),.*/\1/p' "$T/pit" >"$T/mon"
[ "$(wc -l <"$T/guest")" -ge 6 ] && [ "$(wc -l <"$T/mon")" -ge 6 ] ||
	fail "expected six latched counts and six monitor pit lines"
paste -d' ' <(head -5 "$T/guest") <(head -5 "$T/mon") <(sed -n '2,6p' "$T/guest") >"$T/triples"
good=0
while read -r g1 mon g2; do
	a=$(( (g1 - mon + 65536) % 65536 )) b=$(( (mon - g2 + 65536) % 65536 ))
	c=$(( (g1 - g2 + 65536) % 65536 ))
	echo "latch $g1, monitor pit $mon, next latch $g2: $a + $b clocks of $c"
	[ $((a + b)) = "$c" ] && good=$((good + 1))
done <"$T/triples"
[ "$good" -ge 4 ] || fail "monitor pit's count lay between the guest's own latches $good times of 5"
echo "PASS: monitor msr, lapic, pic and pit show what KVM holds"
