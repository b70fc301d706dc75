# The 2+2 program: prints exactly "4\n" on the serial port and halts: status 0.
. "$(dirname "$0")/lib.sh"
need_kvm
"$KVMSTUB" --no-gdb guests/serial.bin >"$T/out" 2>"$T/err"; rc=$?
printf '4\n' >"$T/want"
cmp -s "$T/out" "$T/want" || { od -c "$T/out"; fail "stdout is not exactly '4\\n'"; }
[ "$rc" -eq 0 ] || fail "exit status $rc, want 0 (hlt); stderr: $(cat "$T/err")"
# The same output to a file with --serial FILE, nothing on stdout.
"$KVMSTUB" --no-gdb --serial "$T/serial.txt" guests/serial.bin >"$T/out2" 2>&1 || fail "--serial FILE run failed"
cmp -s "$T/serial.txt" "$T/want" || fail "--serial FILE did not get '4\\n'"
[ ! -s "$T/out2" ] || fail "stdout not empty with --serial FILE: $(cat "$T/out2")"
# --serial none discards it.
"$KVMSTUB" --no-gdb --serial none guests/serial.bin >"$T/out3" 2>&1 || fail "--serial none run failed"
[ ! -s "$T/out3" ] || fail "output with --serial none: $(cat "$T/out3")"
echo "serial: ok"
