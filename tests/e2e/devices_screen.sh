# The VGA text screen (issue 15): a multiboot kernel (guests/hello.elf)
# writes "Hello" yellow on blue and the rest light green at 0xB8000 and
# moves the CRT controller's cursor; `monitor screen` shows the text and
# the cursor, `monitor screen ansi` the colours as ANSI escapes, and
# --screen FILE holds the picture after the run (redrawn from KVM's
# dirty-page log, not by polling).
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb

daemon_start --append "screen test" guests/hello.elf
gdb_run "$T/g" guests/hello.elf <<'GDB'
break *&_start + 12
continue
monitor screen
monitor screen ansi
x/2xh 0xb8000
kill
GDB
cat "$T/g"
expect "$T/g" '^Hello, kernel World!$' "monitor screen does not show the text"
expect "$T/g" '^command line: guests/hello.elf screen test$' "the second line"
expect "$T/g" '^cursor at row 2, column 0$' "the cursor (CRTC 0x0E/0x0F)"
# Yellow (bright brown: 1;33) on blue (44) for "Hello", green after it.
grep -q $'\033\\[0;1;33;44mHello\033\\[0;1;32;40m, kernel' "$T/g" ||
	fail "monitor screen ansi does not colour 'Hello' yellow on blue"
expect "$T/g" '0xb8000:	0x1e48	0x1e65' "the cells at 0xB8000 (character, attribute 0x1e)"
daemon_stop

timeout 20 "$KVMSTUB" --no-gdb --screen "$T/screen.txt" guests/hello.elf >"$T/o" 2>"$T/e"
rc=$?
[ $rc -eq 0 ] || fail "hello.elf --no-gdb exited $rc: $(cat "$T/e")"
cat "$T/screen.txt"
expect "$T/screen.txt" '^Hello, kernel World!$' "--screen FILE does not hold the screen"
[ "$(wc -l <"$T/screen.txt")" -eq 26 ] || fail "--screen FILE is not 25 lines and the cursor line"
echo "PASS: monitor screen and --screen FILE"
