# make_demo.sh - `make demo` (tests/demo.sh) walks through every lesson of
# the README: one "==== Lesson N" part for each "### Lesson N" section of
# the Lessons part, running each of the lesson's transcript blocks (the gdb
# scripts and the shell commands its markers name), and ends "All N
# lessons ran." with N the README's number of lessons.
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb

bash tests/demo.sh >"$T/demo.out" 2>&1
rc=$?
[ $rc -eq 0 ] || { cat "$T/demo.out"; fail "make demo exited with $rc"; }

sed -n '/^## Lessons$/,/^## /p' README.md | sed -n 's/^### \(Lesson [0-9]*\):.*/\1/p' >"$T/want"
n=$(wc -l <"$T/want")
[ "$n" -gt 0 ] || fail "no lesson in README.md's Lessons part"
sed -n 's/^==== \(Lesson [0-9]*\):.*/\1/p' "$T/demo.out" >"$T/got"
diff -u --label "README.md's lessons" --label "what make demo walked through" "$T/want" "$T/got" ||
	fail "make demo does not walk through every lesson of the README"
expect "$T/demo.out" "^All $n lessons ran\." "make demo's last word is not 'All $n lessons ran.'"

# Every gdb script and shell command of the Lessons part was run.
sed -n '/^## Lessons$/,/^## /p' README.md |
	sed -n 's/^<!-- transcript: \([a-z0-9-]*\) .*-->$/\1/p' | grep -v '^shell$' | sort -u >"$T/scripts"
for s in $(cat "$T/scripts"); do
	grep -q -- "-x gdbscripts/$s.gdb\$" "$T/demo.out" || fail "make demo did not run gdbscripts/$s.gdb"
done
sed -n '/^## Lessons$/,/^## /p' README.md | grep '^\$ ' | sort -u >"$T/shell"
while IFS= read -r c; do
	grep -qxF -- "$c" "$T/demo.out" || fail "make demo did not run: $c"
done <"$T/shell"
echo "make demo: all $n lessons, $(wc -l <"$T/scripts") gdb scripts, $(wc -l <"$T/shell") shell commands"
