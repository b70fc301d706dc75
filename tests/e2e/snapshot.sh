# Snapshots (issue 16): monitor snapshot save, run on (the guest writes
# memory, gdb writes a register and a byte), restore: every register gdb
# shows and every byte of RAM and of the firmware window equal what they
# were at the save, and the guest goes on from there as it did; a second
# snapshot copies only the pages that changed; restore after monitor
# reset; a snapshot written to a file and started from (--restore) in a
# new daemon; --snapshot-dir; a file of another image, of another RAM
# size, and a damaged file refused with the reason; the in-kernel PIC and
# PIT come back (the interrupts guest, reset, restored, ticks on to its end).
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb
ELF=guests/counter.elf
counter=$(sym "$ELF" counter)

# What gdb shows of the machine: every register, all of RAM, the firmware.
cat >"$T/state.gdb" <<'EOF'
python
class State(gdb.Command):
    """state PREFIX: every register, and RAM and the firmware into PREFIX.ram, PREFIX.fw"""
    def __init__(self):
        super().__init__("state", gdb.COMMAND_USER)
    def invoke(self, arg, from_tty):
        gdb.execute("info all-registers")
        gdb.execute("dump binary memory %s.ram 0 0x1000000" % arg)
        gdb.execute("dump binary memory %s.fw 0xfffe0000 0x100000000" % arg)
State()
end
EOF
# Compare two states: the register lines and both memory dumps.
same_state() {
	local a=$1 b=$2 what=$3
	cmp -s "$a.ram" "$b.ram" || fail "$what: RAM differs from the state at the save ($(cmp "$a.ram" "$b.ram" | head -1))"
	cmp -s "$a.fw" "$b.fw" || fail "$what: the firmware window differs from the state at the save"
	diff <(sed -n '/^REGS-BEGIN/,/^REGS-END/p' "$a.txt") <(sed -n '/^REGS-BEGIN/,/^REGS-END/p' "$b.txt") >"$T/regdiff" ||
		{ cat "$T/regdiff"; fail "$what: registers differ from the state at the save"; }
	[ "$(grep -c . <(sed -n '/^REGS-BEGIN/,/^REGS-END/p' "$a.txt"))" -gt 40 ] || fail "$what: too few register lines"
}

daemon_start guests/counter.bin
gdb_run "$T/g" "$ELF" -x "$T/state.gdb" <<EOF
break *loop if \$eax == 1000
continue
delete
monitor snapshot save first
echo REGS-BEGIN\n
state $T/s0
echo REGS-END\n
break *loop if \$eax == 3000
continue
delete
set \$ebx = 0xdeadbeef
set var *(unsigned char *)0x30000 = 0x5a
monitor snapshot save second
printf "RUN ON eax %d counter %d\n", \$eax, *(int *)$counter
monitor snapshot restore first
echo REGS-BEGIN\n
state $T/s1
echo REGS-END\n
printf "RESTORED eax %d counter %d\n", \$eax, *(int *)$counter
break *loop if \$eax == 1010
continue
delete
printf "ON AGAIN eax %d counter %d\n", \$eax, *(int *)$counter
monitor reset
monitor snapshot restore first
echo REGS-BEGIN\n
state $T/s2
echo REGS-END\n
monitor snapshot list
monitor snapshot write first $T/first.kvmsnap
monitor snapshot delete second
monitor snapshot list
EOF
cat "$T/g"
sed -n '/REGS-BEGIN/,/REGS-END/p' "$T/g" | awk -v f="$T" '/REGS-BEGIN/ { n++ } { print > (f "/s" (n - 1) ".txt") }'
expect "$T/g" '^snapshot first saved: [0-9]+ pages of memory in use, [0-9]+ copied' "the first save"
# The second save copies the pages that changed since the first: the
# counter's (the loop's writes) and 0x30000's (gdb's); the rest is shared.
copied=$(sed -n 's/^snapshot second saved: [0-9]* pages of memory in use, \([0-9]*\) copied.*/\1/p' "$T/g")
[ "$copied" = 2 ] ||
	fail "the second snapshot copied '$copied' pages; 2 changed (the counter's, 0x30000's)"
expect "$T/g" '^RUN ON eax 3000 counter 3000$' "the guest did not run on after the save"
expect "$T/g" '^snapshot first restored' "restore"
expect "$T/g" '^RESTORED eax 1000 counter 1000$' "after the restore gdb does not see the saved state"
expect "$T/g" '^ON AGAIN eax 1010 counter 1010$' "the guest did not go on from the restored state"
same_state $T/s0 "$T/s1" "restore"
same_state $T/s0 "$T/s2" "restore after monitor reset"
expect "$T/g" '^first  *taken .*, rip 0xf0044' "snapshot list"
expect "$T/g" '^memory held by snapshots: [0-9]+ KiB' "snapshot list: the memory held"
expect "$T/g" "^snapshot first written to $T/first.kvmsnap" "snapshot write"
expect "$T/g" '^snapshot second deleted' "snapshot delete"
[ "$(grep -c '^second  *taken' "$T/g")" -eq 1 ] || fail "second is still listed after its delete"

# A new daemon from the file: the same state at once.
daemon_stop
daemon_start --restore "$T/first.kvmsnap" guests/counter.bin
expect "$T/daemon.err" "snapshot first restored from $T/first.kvmsnap" "--restore did not say so"
gdb_run "$T/r" "$ELF" -x "$T/state.gdb" <<EOF
echo REGS-BEGIN\n
state $T/s3
echo REGS-END\n
EOF
sed -n '/REGS-BEGIN/,/REGS-END/p' "$T/r" >"$T/s3.txt"
same_state $T/s0 "$T/s3" "--restore FILE in a new daemon"
daemon_stop

# Refused, each with its reason, and the daemon does not start.
refused() {
	local why=$1; shift
	timeout 20 "$KVMSTUB" --no-gdb "$@" >"$T/ref.out" 2>"$T/ref.err"; rc=$?
	[ "$rc" -eq 1 ] || fail "--restore $* exited $rc, want 1: $(cat "$T/ref.err")"
	expect "$T/ref.err" "$why" "--restore $*: not the reason"
}
refused "taken of the image counter.bin .*this machine runs the image protected.bin" \
	--restore "$T/first.kvmsnap" guests/protected.bin
refused "with 16M of RAM; this one has 32M \(start kvmstub with --memory 16M\)" \
	--memory 32M --restore "$T/first.kvmsnap" guests/counter.bin
cp "$T/first.kvmsnap" "$T/bad.kvmsnap"
size=$(stat -c %s "$T/bad.kvmsnap")
printf '\x77' | dd of="$T/bad.kvmsnap" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
refused "is damaged: its checksum does not match" --restore "$T/bad.kvmsnap" guests/counter.bin
head -c 5000 "$T/first.kvmsnap" >"$T/short.kvmsnap"
refused "is cut short" --restore "$T/short.kvmsnap" guests/counter.bin
refused "is not a kvmstub snapshot" --restore "$ELF" guests/counter.bin

# --snapshot-dir: a save is a file there, found by name by the next daemon.
mkdir "$T/dir"
daemon_start --snapshot-dir "$T/dir" guests/counter.bin
gdb_run "$T/d" "$ELF" <<EOF
break *loop if \$eax == 77
continue
monitor snapshot save at77
EOF
[ -s "$T/dir/at77.kvmsnap" ] || fail "--snapshot-dir: no file $T/dir/at77.kvmsnap"
daemon_stop
daemon_start --snapshot-dir "$T/dir" guests/counter.bin
gdb_run "$T/e" "$ELF" <<EOF
monitor snapshot list
monitor snapshot restore at77
printf "FROM DIR eax %d counter %d\n", \$eax, *(int *)$counter
EOF
cat "$T/e"
expect "$T/e" "^at77  *in $T/dir/at77.kvmsnap \(not loaded\)" "--snapshot-dir: not listed"
expect "$T/e" '^FROM DIR eax 77 counter 77$' "--snapshot-dir: restore by name"
daemon_stop

# The in-kernel PIC and PIT: a snapshot in the timer handler, a reset (the
# PIC and PIT back at power-on: no more ticks), the restore: the ticks
# come again and the guest counts to its 50 and ends.
if "$KVMSTUB" --probe | grep -q 'irqchip: yes'; then
	IELF=guests/interrupts.elf
	daemon_start guests/interrupts.bin
	gdb_run "$T/i" "$IELF" <<EOF
break *$(sym "$IELF" timer_handler)
continue
continue
delete
monitor snapshot save tick
printf "TICKS AT SAVE %d\n", *(int *)$(sym "$IELF" ticks)
monitor reset
monitor snapshot restore tick
printf "TICKS RESTORED %d\n", *(int *)$(sym "$IELF" ticks)
continue
EOF
	cat "$T/i"
	expect "$T/i" '^TICKS AT SAVE 1$' "interrupts: the save"
	expect "$T/i" '^TICKS RESTORED 1$' "interrupts: the restore"
	expect "$T/i" 'exited normally' "interrupts: no ticks after the restore (PIC/PIT not restored?)"
	expect "$T/daemon.out" 'interrupts: 50 timer ticks' "interrupts: the guest did not count to 50"
else
	echo "SKIP (part): no in-kernel irqchip on this host: the PIC/PIT part is not run"
fi
echo "snapshot: ok"
