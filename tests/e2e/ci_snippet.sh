# ci_snippet.sh - the README's CI snippet ("Using kvmstub from CI"), taken
# from the README and run as written, 20 times in a scratch directory: it
# must print "guest exit status: 6" each time, with nothing on stderr from
# the snippet's own lines (before it waited for the file, about one run in
# ten printed "sed: can't read daemon.out").  Once more with a daemon.out
# left from an earlier run, whose port must not be taken for the new one.
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb

sed -n '/^## Using kvmstub from CI$/,/^- /p' README.md | sed -n 's/^    //p' >"$T/snippet.sh"
grep -q 'guests/protected.bin' "$T/snippet.sh" || fail "no CI snippet in README.md: $(cat "$T/snippet.sh")"
grep -q -- '-x checks.gdb' "$T/snippet.sh" || fail "the CI snippet does not run checks.gdb"

mkdir -p "$T/ci"
ln -s "$(realpath "$KVMSTUB")" "$T/ci/kvmstub"
ln -s "$PWD/guests" "$T/ci/guests"
ln -s "$PWD/gdbscripts" "$T/ci/gdbscripts"
printf 'p/x $pc\n' >"$T/ci/checks.gdb"

# one N: run the snippet in $T/ci; its output in $T/ci.N.out and .err.
# (timeout ends the whole process group: the snippet's daemon too.)
one() {
	(cd "$T/ci" && timeout -k 5 30 bash ../snippet.sh) >"$T/ci.$1.out" 2>"$T/ci.$1.err"
	local rc=$?
	[ $rc -eq 0 ] || { cat "$T/ci.$1.out" "$T/ci.$1.err"; fail "run $1: the snippet exited with $rc"; }
	expect "$T/ci.$1.out" '^guest exit status: 6$' "run $1: the snippet did not report the guest's status 6"
	expect "$T/ci.$1.out" '^\$1 = 0xffff0$' "run $1: checks.gdb did not run against the guest"
	# gdb's own warnings go to stderr too (no ELF file given): only those.
	if grep -v -e '^warning: No executable has been specified' -e '^determining executable automatically' \
		-e '^kvmstub: ' "$T/ci.$1.err" | grep -q .; then
		cat "$T/ci.$1.err"; fail "run $1: the snippet printed errors"
	fi
}
for i in $(seq 1 20); do rm -f "$T/ci/daemon.out"; one "$i"; done	# as on a fresh checkout
echo "kvmstub: guest halted at f000:fff0 (linear 0xffff0); gdb: target remote 127.0.0.1:1" >"$T/ci/daemon.out"
one stale
echo "the README's CI snippet: 21 runs, exit status 6 each, no errors"
