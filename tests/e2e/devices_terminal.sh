# The daemon's terminal is the guest's keyboard and COM1 (issue 15): with
# kvmstub's standard input a terminal (a pseudo-terminal here), what is
# typed there reaches guests/irqdemo.bin's IRQ 1 handler as scancodes and
# its IRQ 4 handler as bytes, in order; the key q ends the guest.
. "$(dirname "$0")/lib.sh"
need_kvm
"$KVMSTUB" --probe | grep -q 'irqchip: yes' ||
	skip "this host's KVM has no in-kernel interrupt controller (KVM_CAP_IRQCHIP)"

python3 - "$KVMSTUB" >"$T/out" 2>&1 <<'PY'
import os, pty, select, sys, time

pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "--no-gdb", "--disk", "guests/irqdemo.bin"])
out, typed, deadline = b"", False, time.time() + 20
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.1)
    if r:
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        out += data
    if not typed and b"clock " in out and b"\n" in out.split(b"clock ", 1)[1]:
        os.write(fd, b"h")
        time.sleep(0.3)
        os.write(fd, b"q")
        typed = True
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace").replace("\r", ""))
print("STATUS", os.waitstatus_to_exitcode(status))
PY
cat "$T/out"
expect "$T/out" '^STATUS 0$' "the guest did not end with status 0 after the key q"
grep -E '^(key|serial) ' "$T/out" >"$T/events"
printf '%s\n' 'key 0x23' 'key 0xa3 (released)' 'serial h' 'key 0x10' >"$T/want"
head -4 "$T/events" | diff -u "$T/want" - || fail "the terminal's keys did not reach the keyboard and COM1 in order"
echo "PASS: the terminal types on the keyboard and COM1"
