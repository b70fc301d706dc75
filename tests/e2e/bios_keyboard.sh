# The BIOS's keyboard (int 0x16) and clock (int 0x1A) services, fed by the
# keyboard controller's IRQ 1 (issue 15): guests/keyprobe.bin waits for
# keys with int 0x16 AH 0 and prints each scancode:ASCII word; gdb types
# "aZ1", Enter, and with monitor sendkey an arrow key, then q.  The words
# are the IBM PC AT BIOS's scancode:ASCII pairs.  The time of int 0x1A AH 2
# is the host's (UTC); the equipment word says 80x25 colour, a serial
# port, an x87 (and no floppy).
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb
"$KVMSTUB" --probe | grep -q 'irqchip: yes' ||
	skip "this host's KVM has no in-kernel interrupt controller (KVM_CAP_IRQCHIP)"

before=$(date -u +%s)
daemon_start --disk guests/keyprobe.bin
gdb_run "$T/g" guests/keyprobe.elf <<'GDB'
break *wait_key
continue
delete
monitor key aZ1\n
monitor sendkey up
monitor key q
continue
GDB
after=$(date -u +%s)
cat "$T/g"; sleep 0.2; cat "$T/daemon.out"
expect "$T/g" 'exited normally' "the guest did not end at the key q"
grep '^key ' "$T/daemon.out" >"$T/keys"
# a, shift-z, 1, Enter, the up arrow (ASCII 0 from AH 0), q
printf '%s\n' 'key 1e61' 'key 2c5a' 'key 0231' 'key 1c0d' 'key 4800' 'key 1071' >"$T/want"
diff -u "$T/want" "$T/keys" || fail "int 0x16 did not return the keys' BIOS words in order"
expect "$T/daemon.out" '^equipment 0222$' "int 0x11's equipment word"
t=$(sed -n 's/^time \([0-9]\{2\}\)\([0-9]\{2\}\)\([0-9]\{2\}\)$/\1:\2:\3/p' "$T/daemon.out")
[ -n "$t" ] || fail "no time from int 0x1A"
guest=$(date -u -d "$(date -u -d @"$before" +%F) $t" +%s)
[ "$guest" -ge $((before - 1)) ] && [ "$guest" -le $((after + 1)) ] ||
	fail "int 0x1A says $t, the host's clock said $(date -u -d @"$before" +%T)"
echo "PASS: int 0x16 keys and int 0x1A time"
