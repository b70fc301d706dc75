# readme_transcripts.sh - every transcript in README.md is what kvmstub and
# gdb really print.  For each marked block (see tests/transcript.sh) it boots
# the block's guest, runs the block's gdb script, and compares the output
# with the README, exactly.
#
#   bash tests/e2e/readme_transcripts.sh              check (make test runs this)
#   bash tests/e2e/readme_transcripts.sh --update     rewrite the README's blocks
#   bash tests/e2e/readme_transcripts.sh --only NAME  just the blocks named NAME
#   GDB=gdb-multiarch bash tests/e2e/readme_transcripts.sh ...   another gdb
. "$(dirname "$0")/lib.sh"
. tests/transcript.sh

update=0 only=
while [ $# -gt 0 ]; do
	case $1 in
	--update) update=1 ;;
	--only) only=${2:?--only needs a name}; shift ;;
	*) echo "usage: $0 [--update] [--only NAME]"; exit 2 ;;
	esac
	shift
done

need_kvm
command -v "$GDB" >/dev/null || fail "$GDB is not installed (make test installs gdb)"
README=README.md
mapfile -t lines <"$README"
new=() checked=0 differ=0 i=0 n=${#lines[@]}

while [ $i -lt $n ]; do
	line=${lines[$i]}
	new+=("$line")
	i=$((i + 1))
	transcript_marker "$line"
	case $? in 0) ;; 1) continue ;; *) fail "README.md line $i: bad transcript marker" ;; esac
	[ "${lines[$i]:-}" = '```console' ] ||
		fail "README.md line $((i + 1)): a transcript marker must be followed by a \`\`\`console line"
	new+=("${lines[$i]}")
	start=$((i + 1)) end=$start
	while [ $end -lt $n ] && [ "${lines[$end]}" != '```' ]; do end=$((end + 1)); done
	[ $end -lt $n ] || fail "README.md line $((i + 1)): the transcript block is not closed"
	printf '%s\n' "${lines[@]:$start:$((end - start))}" >"$T/expected.txt"
	[ $end -gt $start ] || : >"$T/expected.txt"
	i=$end
	if [ -n "$only" ] && [ "$TR_NAME" != "$only" ]; then
		new+=("${lines[@]:$start:$((end - start))}")
		continue
	fi
	if [ "$TR_NAME" = shell ]; then
		transcript_shell "$T/expected.txt" "$T/actual.txt"
	else
		transcript_gdb "$T/actual.txt"
	fi
	mapfile -t actual <"$T/actual.txt"
	new+=("${actual[@]}")
	checked=$((checked + 1))
	transcript_masked "$T/expected.txt" >"$T/expected.cmp"
	transcript_masked "$T/actual.txt" >"$T/actual.cmp"
	if ! diff -u --label "README.md (line $((start + 1)), $TR_NAME)" \
		--label "what $GDB and kvmstub print now" "$T/expected.cmp" "$T/actual.cmp" \
		>"$T/diff.txt"; then
		differ=$((differ + 1))
		[ $update = 1 ] || cat "$T/diff.txt"
	fi
done

[ $checked -gt 0 ] || fail "no transcript${only:+ named $only} found in README.md"
if [ $update = 1 ]; then
	if [ $differ -gt 0 ]; then
		printf '%s\n' "${new[@]}" >"$T/README.new" && cat "$T/README.new" >"$README"
		echo "README.md: $differ of $checked transcripts rewritten; review with git diff README.md"
	else
		echo "README.md: all $checked transcripts are up to date"
	fi
	exit 0
fi
if [ $differ -gt 0 ]; then
	fail "$differ of $checked README transcripts differ from what kvmstub and $GDB print now.
If the new behaviour is right, regenerate them and review the change:
    bash tests/e2e/readme_transcripts.sh --update && git diff README.md"
fi
echo "all $checked README transcripts match"
