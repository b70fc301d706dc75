# Replay determinism (issue 16): a guest that reads COM1 (--serial-in),
# the CMOS clock and counts timer interrupts (PIT, PIC) in real mode,
# recorded to its end; back to the start of the log (every byte it read
# and counted undone), then forward through the log: the same bytes, the
# same clock readings, the same ticks at the same instructions, and no
# device touched (its output once, its input not read again).  Then the
# PIC's in-service IRQ 0, undone and redone with the tick that set it.
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb
"$KVMSTUB" --probe | grep -q 'irqchip: yes' ||
	skip "this host's KVM has no in-kernel interrupt controller: no timer interrupts"
fw_image replay <<'EOF'
	.code16
	.text
	.globl start, loop, done, irq0
start:	cli
	xor	%ax, %ax
	mov	%ax, %ds
	mov	%ax, %ss
	mov	$0x7000, %sp
	movw	$(irq0 - start), 0x20		/* IVT 8: IRQ 0 */
	movw	$0xf000, 0x22
	mov	$0x11, %al			/* the PIC: vectors 8-15, IRQ 0 only */
	out	%al, $0x20
	mov	$0x08, %al
	out	%al, $0x21
	mov	$0x04, %al
	out	%al, $0x21
	mov	$0x01, %al
	out	%al, $0x21
	mov	$0xfe, %al
	out	%al, $0x21
	mov	$0x34, %al			/* the PIT: 100 Hz */
	out	%al, $0x43
	mov	$0x9c, %al
	out	%al, $0x40
	mov	$0x2e, %al
	out	%al, $0x40
	xor	%si, %si
	sti
loop:	mov	$0x3fd, %dx			/* COM1: a byte there? */
	in	%dx, %al
	test	$1, %al
	jz	1f
	mov	$0x3f8, %dx
	in	%dx, %al
	mov	%al, 0x600(%si)
	inc	%si
1:	mov	$0x00, %al			/* CMOS: the seconds */
	out	%al, $0x70
	in	$0x71, %al
	mov	%al, 0x700
	add	%al, 0x702
	incw	0x704				/* readings */
	cmpw	$5, 0x500
	jb	loop
	cmp	$5, %si
	jb	loop
done:	cli
	xor	%bx, %bx
2:	mov	0x600(%bx), %al			/* the bytes read, echoed */
	mov	$0x3f8, %dx
	out	%al, %dx
	inc	%bx
	cmp	%si, %bx
	jb	2b
	xor	%al, %al
	out	%al, $0xf4
irq0:	push	%ax
	incw	0x500				/* ticks */
	mov	$0x20, %al
	out	%al, $0x20
	pop	%ax
	iret
EOF
printf 'hello' >"$T/in"
daemon_start --record --serial-in "$T/in" --serial "$T/out" "$T/replay.bin"
gdb_run "$T/g" "$T/replay.elf" <<EOF
define state
  printf "\$arg0 eax %#x ebx %#x edx %#x esi %#x esp %#x ticks %d reads %d clock %d %d bytes %s\n", \$eax, \$ebx, \$edx, \$esi, \$esp, *(short *)0x500, *(short *)0x704, *(char *)0x700, *(char *)0x702, (char *)0x600
end
break done
continue
state RECORDED
delete
break irq0
set \$back = 0
while 1
  reverse-continue
  if \$pc != irq0
    loop_break
  end
  set \$back = \$back + 1
end
printf "START pc %#x ticks %d reads %d byte0 %d\n", \$pc, *(short *)0x500, *(short *)0x704, *(char *)0x600
break done
set \$fwd = 0
while \$pc != done
  continue
  if \$pc == irq0
    set \$fwd = \$fwd + 1
  end
end
state REPLAYED
printf "TICKS back %d forward %d\n", \$back, \$fwd
delete
continue
EOF
grep -v '^=>' "$T/g" | grep -E '^(RECORDED|REPLAYED|START|TICKS)|exited'
rec=$(sed -n 's/^RECORDED //p' "$T/g")
[ -n "$rec" ] || fail "the guest did not reach done while recording"
echo "$rec" | grep -Eq "ticks ([5-9]|[1-9][0-9]+) reads [1-9][0-9]* .* bytes hello$" ||
	fail "the recorded run did not read the serial input, the clock and 5 ticks: $rec"
[ "$(sed -n 's/^REPLAYED //p' "$T/g")" = "$rec" ] || fail "the replay's state differs from the recorded run's"
expect "$T/g" "^START pc 0xffff0 ticks 0 reads 0 byte0 0$" "going back did not undo the ticks, reads and bytes"
ticks=$(echo "$rec" | sed 's/.*ticks \([0-9]*\).*/\1/')
expect "$T/g" "^TICKS back $ticks forward $ticks$" "the handler was not entered as often going back and replaying as ticks counted"
expect "$T/g" "exited normally" "the guest did not end live after the replay"
[ "$(cat "$T/out")" = "hello" ] || fail "the guest's output is '$(cat "$T/out")', want hello once (replay must not run devices)"
# The PIC's state goes back with the interrupt that changed it: at the
# handler's first instruction IRQ 0 is in service; one instruction back
# (before the tick was taken) it is not; forward again, it is.
daemon_start --record --serial-in "$T/in" --serial "$T/out2" "$T/replay.bin"
gdb_run "$T/p" "$T/replay.elf" <<EOF
monitor step-irq on
break irq0
continue
delete
echo AT HANDLER\n
monitor pic
reverse-stepi
echo ONE BACK\n
monitor pic
stepi
echo FORWARD\n
monitor pic
EOF
isr() { sed -n "/^$1\$/,/^slave/p" "$T/p" | sed -n 's/.*ISR (in service): \([^;]*\);.*/\1/p'; }
[ "$(isr 'AT HANDLER')" = 0 ] || { cat "$T/p"; fail "at the timer handler's entry, IRQ 0 is not in service: '$(isr 'AT HANDLER')'"; }
[ "$(isr 'ONE BACK')" = none ] || { cat "$T/p"; fail "one instruction before the tick was taken, the PIC still shows IRQ 0 in service: '$(isr 'ONE BACK')'"; }
[ "$(isr FORWARD)" = 0 ] || { cat "$T/p"; fail "forward again in the log, IRQ 0 is not in service: '$(isr FORWARD)'"; }
daemon_stop
echo "record_replay: ok ($ticks ticks, the serial input and the clock replayed; the PIC's in-service IRQ undone with its tick)"
