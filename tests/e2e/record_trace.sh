# Reverse execution, exact to the bit (issue 16): from the reset vector,
# the whole life of guests/protected (real mode, the switch to protected
# mode, its #UD and handler, the serial port's output: 1,250
# instructions) and of guests/long (paging, long mode: 3,500), recorded;
# then reverse-stepi back to 0xFFFF0 one by one, the registers and the
# memory gdb reads compared at every step with a forward trace taken in
# another daemon that does not record; then forward again through the log
# (replayed) and compared once more at its end; one more stepi runs live.
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb

# One line per state: the registers (their low 32 bits, in either
# layout: --arch auto gives gdb the x86-64 one in long mode) and a CRC-32
# of the memory the guests use (interrupt vectors and BIOS data, long's
# page tables, the stack below 0x90000).
cat >"$T/trace.py" <<'PY'
import gdb, zlib
REGS = ["eip", "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "eflags",
        "cs", "ss", "ds", "es", "fs", "gs"]
def state():
    inf = gdb.selected_inferior()
    f = gdb.selected_frame()
    vals = []
    for r in REGS:
        try:
            v = f.read_register(r)
        except ValueError:		# the x86-64 layout (--arch auto in long mode): rip
            v = f.read_register("r" + r[1:])
        vals.append("%x" % (int(v) & 0xffffffff))
    crcs = ["%08x" % zlib.crc32(bytes(inf.read_memory(a, n)))
            for a, n in ((0, 0x600), (0x10000, 0x3000), (0x8f000, 0x1000))]
    return " ".join(vals + crcs)
def steps(cmd, n):
    # One command each: gdb ends a "stepi N" early at the exec stop that
    # switches the register layout (--arch auto entering long mode).
    for _ in range(n):
        gdb.execute(cmd, to_string=True)
def walk(path, cmd, n):
    with open(path, "w") as f:
        f.write(state() + "\n")
        for _ in range(n):
            gdb.execute(cmd, to_string=True)
            f.write(state() + "\n")
PY
# gdb's own work at each stop (kvmstub.gdb's hook-stop) is not tested here.
printf 'define hook-stop\nend\n' >"$T/quiet.gdb"

trace() {
	local guest=$1 n=$2
	# The reference: stepi n times without recording.
	daemon_start --serial "$T/$guest.serial0" guests/$guest.bin
	gdb_run "$T/$guest.g0" guests/$guest.elf -x "$T/quiet.gdb" -x "$T/trace.py" <<EOF
python walk("$T/$guest.fwd", "stepi", $n)
EOF
	daemon_stop
	[ "$(wc -l <"$T/$guest.fwd")" -eq $((n + 1)) ] ||
		{ tail "$T/$guest.g0"; fail "$guest: the forward trace has $(wc -l <"$T/$guest.fwd") states, want $((n + 1))"; }
	[ "$(sort -u "$T/$guest.fwd" | wc -l)" -gt $((n / 2)) ] || fail "$guest: the forward trace hardly changes"
	# Recorded: n steps, back one by one to the reset vector, forward again.
	daemon_start --record --serial "$T/$guest.serial1" guests/$guest.bin
	gdb_run "$T/$guest.g1" guests/$guest.elf -x "$T/quiet.gdb" -x "$T/trace.py" <<EOF
python steps("stepi", $n)
python walk("$T/$guest.back", "reverse-stepi", $n)
info registers eip
reverse-stepi
python steps("stepi", $n)
python open("$T/$guest.end", "w").write(state() + "\n")
monitor record status
stepi
info registers pc
EOF
	daemon_stop
	grep -q "^eip  *0xffff0 " "$T/$guest.g1" ||
		{ tail -30 "$T/$guest.g1"; fail "$guest: reverse-stepi did not end at the reset vector"; }
	expect "$T/$guest.g1" "No more reverse-execution history" "$guest: reverse-stepi at the start of the log: no replaylog:begin"
	tac "$T/$guest.back" | diff "$T/$guest.fwd" - >"$T/d" ||
		{ head -20 "$T/d"; fail "$guest: going back, a state differs from the forward trace"; }
	tail -1 "$T/$guest.fwd" | diff - "$T/$guest.end" ||
		fail "$guest: forward again through the log, the state at its end differs"
	expect "$T/$guest.g1" "log: $n instructions" "$guest: the log does not hold $n instructions"
	expect "$T/$guest.g1" "position: at the end \(live\)" "$guest: forward again did not reach the end of the log"
	[ "$(grep -Ec '^(eip|rip|pc) ' "$T/$guest.g1")" -eq 2 ] || fail "$guest: the stepi past the log's end failed"
	grep -E "^(eip|rip|pc) " "$T/$guest.g1" | tail -1 | grep -q "0x0*$(tail -1 "$T/$guest.fwd" | cut -d' ' -f1) " &&
		fail "$guest: the stepi past the end of the log did not move"
	cmp -s "$T/$guest.serial0" "$T/$guest.serial1" || fail "$guest: the serial output differs"
}
trace protected 1250
trace long 3500
echo "record_trace: ok (4,750 instructions back and forth in real, protected and long mode, every state equal)"
