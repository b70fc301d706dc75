# readme_lessons.sh - what the README's Lessons part says about itself is
# true:
#   - the replay command of its introduction, run as written (the port
#     aside) and shown as the introduction says (+COMMAND as "(gdb)
#     COMMAND", no ++ lines), prints exactly lesson 1's session;
#   - every lesson with a gdb session has a "Run:" line that starts the
#     daemon and gdb as its transcript marker does (image, daemon options,
#     ELF file, connect command), and a "What to notice:" list;
#   - a guest or gdb script whose header names a lesson number is one that
#     lesson uses or mentions, and the guest of every lesson names it.
. "$(dirname "$0")/lib.sh"
. tests/transcript.sh
need_kvm
need_gdb

sed -n '/^## Lessons$/,/^## [^L]/p' README.md >"$T/lessons.md"
[ -s "$T/lessons.md" ] || fail "README.md has no Lessons part"

# ---- The introduction's replay command.
awk '/^or replay a whole lesson/ { on = 1; next } on && /^    / { print; if (!/\\$/) exit }' \
	"$T/lessons.md" | sed 's/^    //; s/\\$//' | tr '\n' ' ' >"$T/replay"
grep -q -- '-x gdbscripts/lesson-kernel1.gdb' "$T/replay" ||
	fail "no replay command for lesson 1 in the Lessons introduction: $(cat "$T/replay")"
grep -q "set trace-commands on" "$T/replay" ||
	fail "the replay command does not turn trace-commands on, as the introduction says"
daemon_start guests/kernel1.bin
cmd=$(sed "s/:1234'/:$PORT'/" "$T/replay")
timeout -k 5 60 bash -c "$cmd" </dev/null >"$T/replay.out" 2>&1
daemon_stop
sed -e '/^++/d' -e 's/^+/(gdb) /' -e "s/:$PORT\$/:1234/" "$T/replay.out" >"$T/replay.txt"
awk '/^<!-- transcript: lesson-kernel1 / { m = 1; next } m && /^```console$/ { on = 1; next }
     on && /^```$/ { exit } on { print }' "$T/lessons.md" >"$T/lesson1.txt"
[ -s "$T/lesson1.txt" ] || fail "no lesson-kernel1 transcript in the Lessons part"
diff -u --label "lesson 1 in README.md" --label "the introduction's replay command, shown as it says" \
	"$T/lesson1.txt" "$T/replay.txt" || fail "the introduction's replay command does not print lesson 1's session"
echo "the introduction's replay command prints lesson 1's session"

# ---- Each lesson: Run line and What to notice.
# lesson_sections: the Lessons part cut into $T/lesson.N files.
awk -v dir="$T" '/^### Lesson [0-9]+:/ { n = $3; sub(":", "", n); f = dir "/lesson." n }
	f { print > f }' "$T/lessons.md"
lessons=$(ls "$T"/lesson.[0-9]* 2>/dev/null | sed 's/.*lesson\.//' | sort -n)
[ -n "$lessons" ] || fail "no '### Lesson N:' section"
for n in $lessons; do
	sec=$T/lesson.$n
	# The prose, one line, for the Run: text that wraps.
	grep -v '^    ' "$sec" | tr '\n' ' ' | sed 's/  */ /g' >"$sec.flat"
	while IFS= read -r marker; do
		transcript_marker "$marker" || fail "lesson $n: bad marker $marker"
		[ "$TR_NAME" = shell ] && continue
		daemon="./kvmstub${TR_ARGS[*]:+ ${TR_ARGS[*]}}${TR_IMAGE:+ $TR_IMAGE}"
		client="gdb -q${TR_ELF:+ $TR_ELF} -x gdbscripts/kvmstub.gdb -ex '$TR_CONNECT :1234'"
		grep -qF "Run: \`$daemon\`, then \`$client\`" "$sec.flat" ||
			fail "lesson $n: no line 'Run: \`$daemon\`, then \`$client\`' for its $TR_NAME session"
	done < <(grep '^<!-- transcript: ' "$sec")
	if grep '^<!-- transcript: ' "$sec" | grep -qv 'transcript: shell'; then
		grep -q '^What to notice:$' "$sec" || fail "lesson $n has no 'What to notice:'"
	fi
done
echo "lessons $(echo $lessons): each gdb session has its Run line and a What to notice"

# ---- Headers that name lessons.
# uses N FILE: lesson N's section names FILE (guests/X.S, X.bin, X.elf or
# gdbscripts/X.gdb).
uses() {
	local base
	base=$(basename "$2"); base=${base%.*}
	case $2 in
	guests/*) grep -Eq "guests/$base\.(S|c|bin|elf)\b" "$T/lesson.$1" ;;
	*)        grep -Eq "(gdbscripts/|transcript: )$base(\.gdb)?\b" "$T/lesson.$1" ;;
	esac
}
for f in guests/*.S guests/*.c gdbscripts/*.gdb; do
	head=$(sed -n '1,2p' "$f" | grep -Eio -- "- lessons? [0-9]+( and [0-9]+)?" | head -1)
	if [ -z "$head" ]; then
		sed -n '1,2p' "$f" | grep -Eqi -- "- lesson\b" &&
			fail "$f calls itself a lesson but gives no number: $(sed -n '1,2p' "$f" | tr '\n' ' ')"
		continue
	fi
	for n in $(echo "$head" | grep -Eo '[0-9]+'); do
		[ -f "$T/lesson.$n" ] || fail "$f names lesson $n, which the README does not have"
		uses "$n" "$f" || fail "$f names lesson $n, but lesson $n does not use or mention it"
	done
done
for n in $lessons; do
	for img in $(grep -o 'image=guests/[a-z0-9_]*\.bin' "$T/lesson.$n" | sort -u); do
		g=${img#image=guests/}; g=${g%.bin}
		src=$(ls guests/$g.S guests/$g.c 2>/dev/null | head -1)
		[ -n "$src" ] || fail "lesson $n: no source for guests/$g.bin"
		sed -n '1,2p' "$src" | grep -Eio -- "- lessons? [0-9]+( and [0-9]+)?" | grep -Eqw "$n" ||
			fail "$src is lesson $n's guest but its header does not say so: $(sed -n 2p "$src")"
	done
done
echo "the guests' and scripts' headers name the README's lesson numbers"
