# Recording stopped in the past (issue 16): the guest goes on from there
# with the whole machine as it was there, its devices too.  The guest
# counts in COM1's scratch register: it reads it, checks that it holds
# the count so far, writes the next; 20 turns, then it ends with status 0
# (a wrong reading: status 1).  Recorded to its end, back to the turn
# where the count is 5 (reverse-continue), recording off: the rest of the
# run must read 5, 6, ... again, which only holds if the serial port's
# state went back with the rest (it holds 20 at the log's end).  The same
# for the PIC's mask register, which the guest counts in too (an in-kernel
# device: put back at every move, not only when recording stops), and
# for an MSR (IA32_SYSENTER_CS), each read back by monitor commands too.
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb
fw_image offpast <<'EOF'
	.code16
	.text
	.globl start, turn, done, bad
start:	cli
	xor	%di, %di			/* the count */
turn:	mov	$0x3ff, %dx			/* COM1's scratch register */
	in	%dx, %al
	cmp	%di, %ax
	jne	bad
	in	$0x21, %al			/* the master PIC's mask */
	cmp	%di, %ax
	jne	bad
	mov	$0x174, %ecx			/* IA32_SYSENTER_CS */
	rdmsr
	cmp	%di, %ax
	jne	bad
	inc	%di
	mov	%di, %ax
	mov	$0x3ff, %dx
	out	%al, %dx
	out	%al, $0x21
	mov	%di, %ax
	xor	%edx, %edx
	wrmsr
	cmp	$20, %di
	jb	turn
done:	xor	%al, %al			/* exit status 0 */
	out	%al, $0xf4
bad:	mov	$1, %al
	out	%al, $0xf4
EOF
daemon_start --record "$T/offpast.bin"
gdb_run "$T/g" "$T/offpast.elf" <<EOF
break done
continue
printf "END di %d\n", \$edi & 0xffff
monitor msr read 0x174
monitor pic
break turn if (\$edi & 0xffff) == 5
reverse-continue
printf "BACK di %d\n", \$edi & 0xffff
monitor msr read 0x174
monitor pic
monitor record off
delete
continue
EOF
cat "$T/g"
expect "$T/g" '^END di 20$' "the recorded run did not reach done with the count 20"
expect "$T/g" '^BACK di 5$' "reverse-continue did not go back to the turn with count 5"
[ "$(grep -c 'IA32_SYSENTER_CS (0x174) = ' "$T/g")" = 2 ] || fail "expected two monitor msr readings"
grep 'IA32_SYSENTER_CS (0x174) = ' "$T/g" | head -1 | grep -q '= 0x0*14$' ||
	fail "at the end the MSR should hold 20 (0x14)"
grep 'IA32_SYSENTER_CS (0x174) = ' "$T/g" | tail -1 | grep -q '= 0x0*5$' ||
	fail "in the past the MSR should hold 5, as the guest wrote it there"
[ "$(grep -c 'IMR (masked): 2 4;' "$T/g")" = 1 ] && [ "$(grep -c 'IMR (masked): 0 2;' "$T/g")" = 1 ] ||
	fail "monitor pic should show the mask 20 (IRQs 2 4) at the end and 5 (IRQs 0 2) in the past"
expect "$T/g" 'goes on from here, in the past' "monitor record off did not say the guest goes on in the past"
expect "$T/g" 'exited normally' "going on from the past, the guest read a device or MSR as at the log's end, not as it was there"
expect_not "$T/g" 'exited with code' "going on from the past, the guest read a state that is not the past's"
daemon_stop
echo "record_off_past: ok: COM1, the PIC and an MSR back as they were at the turn with count 5"
