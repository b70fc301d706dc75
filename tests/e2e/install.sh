# install.sh - make install PREFIX=... DESTDIR=... installs kvmstub, the man
# page, the guests and the gdb scripts; `man kvmstub` shows the page, and
# the page names every option of `kvmstub --help`.
. "$(dirname "$0")/lib.sh"
command -v man >/dev/null ||
	skip "man is not installed: the manual page is NOT checked (make test installs man-db; or: apt-get install man-db)"
prefix=/opt/kvmstub-test
make --no-print-directory install PREFIX=$prefix DESTDIR="$T/dest" >"$T/install.log" 2>&1 ||
	{ cat "$T/install.log"; fail "make install failed"; }
root=$T/dest$prefix
for f in bin/kvmstub share/man/man1/kvmstub.1 share/kvmstub/guests/kernel1.bin \
	 share/kvmstub/gdbscripts/kvmstub.gdb share/kvmstub/gdbscripts/lesson-kernel1.gdb; do
	[ -f "$root/$f" ] || fail "make install did not install $f"
done
[ -x "$root/bin/kvmstub" ] || fail "the installed kvmstub is not executable"
"$root/bin/kvmstub" --version | grep -Eq '^kvmstub [0-9]' || fail "installed kvmstub --version"

# man through MANPATH, as `man kvmstub` finds it after a real install.
MANPATH=$root/share/man MANWIDTH=80 man kvmstub >"$T/man.txt" 2>"$T/man.err" </dev/null ||
	{ cat "$T/man.err"; fail "man kvmstub failed with MANPATH=$root/share/man"; }
expect "$T/man.txt" '^OPTIONS' "the man page has no OPTIONS section"
expect "$T/man.txt" '^EXIT STATUS' "the man page has no EXIT STATUS section"
expect "$T/man.txt" 'kvmstub +- +debug +a +raw +x86 +kernel' "the man page has no NAME line"
# troff warnings (bad requests, unknown fonts) go to stderr.
[ -s "$T/man.err" ] && { cat "$T/man.err"; fail "man printed warnings"; }

# Every option in --help is documented.
./kvmstub --help | grep -Eo -- '^ +--[a-z-]+' | tr -d ' ' | sort -u >"$T/opts"
[ -s "$T/opts" ] || fail "no options found in kvmstub --help"
while read -r opt; do
	grep -q -- "$opt" "$T/man.txt" || fail "the man page does not document $opt (stub/kvmstub.1)"
done <"$T/opts"
echo "installed; man kvmstub shows $(wc -l <"$T/man.txt") lines, all $(wc -l <"$T/opts") options"
