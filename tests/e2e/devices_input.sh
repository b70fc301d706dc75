# Interrupts from devices (issue 15), with guests/irqdemo.bin, a boot
# sector whose own handlers take IRQ 1 (keyboard), IRQ 4 (COM1) and IRQ 8
# (the CMOS clock): the keys gdb types (monitor key, monitor sendkey) and
# the bytes of --serial-in FILE reach the handlers, in order; the clock's
# update interrupt hits once a second; the time the guest reads from the
# CMOS clock is the host's (UTC).
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb
"$KVMSTUB" --probe | grep -q 'irqchip: yes' ||
	skip "this host's KVM has no in-kernel interrupt controller (KVM_CAP_IRQCHIP)"
ELF=guests/irqdemo.elf

printf 'ab!' >"$T/in.txt"
before=$(date -u +%s)
daemon_start --disk guests/irqdemo.bin --serial-in "$T/in.txt"
gdb_run "$T/g" "$ELF" <<'GDB'
break *main_loop
continue
delete
break *clock_irq
continue
printf "CLOCK ticks %d\n", *(unsigned short *)&ticks
continue
printf "CLOCK ticks %d\n", *(unsigned short *)&ticks
delete
break *key_irq
monitor key x
continue
printf "KEY pc %#x\n", $pc
delete
monitor sendkey shift-z
python
try:
    gdb.execute("monitor sendkey nosuchkey")
except gdb.error:
    pass
end
monitor key q
continue
GDB
after=$(date -u +%s)
cat "$T/g"
sleep 0.2
cat "$T/daemon.out"
expect "$T/g" '^CLOCK ticks 0$' "the first clock interrupt"
expect "$T/g" '^CLOCK ticks 1$' "the second clock interrupt"
expect "$T/g" "^KEY pc $(sym "$ELF" key_irq)\$" "monitor key did not raise IRQ 1"
expect "$T/g" "unknown key 'nosuchkey'" "a bad key name is not an error naming it"
expect "$T/g" 'exited normally' "the guest did not end after 'q'"
# The scancodes (set 1), make and break, in the order typed.
grep -E '^(key|serial) ' "$T/daemon.out" | grep -v '^serial' >"$T/keys"
printf '%s\n' 'key 0x2d' 'key 0xad (released)' 'key 0x2a' 'key 0x2c' 'key 0xac (released)' \
	'key 0xaa (released)' 'key 0x10' 'key 0x90 (released)' >"$T/want_keys"
diff -u "$T/want_keys" "$T/keys" || fail "the keyboard's scancodes are not the keys typed, in order"
grep '^serial ' "$T/daemon.out" >"$T/bytes"
printf '%s\n' 'serial a' 'serial b' 'serial !' >"$T/want_bytes"
diff -u "$T/want_bytes" "$T/bytes" || fail "COM1's IRQ 4 handler did not get the bytes in order"

# The clock: the guest's hh:mm:ss against the host's, within the run.
t=$(sed -n 's/^clock \([0-9][0-9]:[0-9][0-9]:[0-9][0-9]\)$/\1/p' "$T/daemon.out")
[ -n "$t" ] || fail "the guest printed no time"
guest=$(date -u -d "$(date -u -d @"$before" +%F) $t" +%s)
[ "$guest" -ge $((before - 1)) ] && [ "$guest" -le $((after + 1)) ] ||
	fail "the guest's clock says $t UTC, the host's was $(date -u -d @"$before" +%T)-$(date -u -d @"$after" +%T)"
echo "PASS: IRQ 1, 4 and 8 handlers got the keys, the bytes and the seconds"
