#!/usr/bin/env bash
# demo.sh - `make demo`: the first thing to run.  Walks through every lesson
# of README.md (each "### Lesson N" section of its Lessons part) the way the
# README shows it: each of the lesson's transcript blocks is run again, a gdb
# session in batch mode (the lesson's guest booted on a free port, its
# gdbscripts/NAME.gdb run by gdb) or the block's shell commands.  The
# lessons and their guests come from the README's transcript markers
# (tests/transcript.sh), so a new lesson shows up here by itself.  Exits 0
# when every lesson ran; leaves no daemon behind.
. "$(dirname "$0")/e2e/lib.sh"
. tests/transcript.sh
trap 'exit 130' INT TERM	# run lib.sh's cleanup (EXIT) on Ctrl-C too

if [ ! -e /dev/kvm ]; then
	echo "make demo: /dev/kvm does not exist: KVM is not available on this machine"; exit 1
elif [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
	echo "make demo: /dev/kvm is not accessible to $(id -un) (add it to group kvm)"; exit 1
fi
[ -x "$KVMSTUB" ] || { echo "make demo: $KVMSTUB is not built (run make)"; exit 1; }
command -v "$GDB" >/dev/null || { echo "make demo: $GDB is not installed"; exit 1; }

bold= plain=
if [ -t 1 ]; then bold=$(printf '\033[1m') plain=$(printf '\033[0m'); fi

# demo_gdb: one gdb session, as the README's block under the marker shows.
demo_gdb() {
	local elf=${TR_ELF:+$TR_ELF }
	printf '$ ./kvmstub%s%s    # on a free port, shown as 1234\n' \
		"${TR_ARGS[*]:+ ${TR_ARGS[*]}}" "${TR_IMAGE:+ $TR_IMAGE}"
	printf '$ gdb -q -batch %s-x gdbscripts/kvmstub.gdb -ex '\''%s :1234'\'' -x gdbscripts/%s.gdb\n\n' \
		"$elf" "$TR_CONNECT" "$TR_NAME"
	# A lesson may end on purpose with a command that fails (gdb stops a
	# script at an error, and exits 1): its script says so just above it.
	if ! transcript_gdb "$T/session.txt" &&
	   ! { tail -3 "gdbscripts/$TR_NAME.gdb" | grep -q 'meant to fail' &&
	       tail -3 "$T/session.txt" | grep -q 'Cannot access memory'; }; then
		echo "(gdb exited with an error; the guest's output is in the daemon's log:)"
		cat "$T/daemon.err"
		cat "$T/session.txt"
		return 1
	fi
	cat "$T/session.txt"
	if [ -s "$T/daemon.out" ] && [ "$(wc -l <"$T/daemon.out")" -gt 1 ]; then
		echo
		echo "The guest's serial output, on the daemon's terminal:"
		tail -n +2 "$T/daemon.out" | sed 's/^/    /'
	fi
}

# demo_shell: the "$ COMMAND" lines of the block in $T/block.txt.
demo_shell() {
	transcript_shell "$T/block.txt" "$T/session.txt"
	cat "$T/session.txt"
}

mapfile -t lines <README.md
heading= lessons=0 failed=0 part= i=0 n=${#lines[@]} ran=0 bad=0
finish_lesson() {
	[ -n "$heading" ] || return 0
	if [ $ran -eq 0 ]; then
		echo "make demo: \"$heading\" in README.md has no transcript to run"; bad=1
	fi
	[ $bad -eq 0 ] || failed=$((failed + 1))
	heading= ran=0 bad=0
}
while [ $i -lt $n ]; do
	line=${lines[$i]}
	i=$((i + 1))
	case $line in
	'## '*) finish_lesson; part=${line#\#\# } ; continue ;;
	'### Lesson '*)
		finish_lesson
		[ "$part" = Lessons ] || continue
		heading=${line#\#\#\# } lessons=$((lessons + 1))
		printf '\n%s==== %s%s\n' "$bold" "$heading" "$plain"
		continue ;;
	'### '*) finish_lesson; continue ;;
	esac
	[ -n "$heading" ] || continue
	transcript_marker "$line" 2>/dev/null || continue
	start=$((i + 1)) end=$((i + 1))
	while [ $end -lt $n ] && [ "${lines[$end]}" != '```' ]; do end=$((end + 1)); done
	printf '%s\n' "${lines[@]:$start:$((end - start))}" >"$T/block.txt"
	i=$end
	echo
	ran=$((ran + 1))
	if [ "$TR_NAME" = shell ]; then
		demo_shell || bad=1
	else
		demo_gdb || bad=1
	fi
done
finish_lesson

echo
if [ $lessons -eq 0 ]; then
	echo "make demo: no lesson found in README.md"; exit 1
fi
if [ $failed -gt 0 ]; then
	echo "make demo: $failed of $lessons lessons failed"; exit 1
fi
echo "${bold}All $lessons lessons ran.${plain} README.md explains each one (## Lessons);"
echo "replay one yourself: ./kvmstub guests/kernel1.bin, and in another terminal"
echo "    gdb -q guests/kernel1.elf -x gdbscripts/kvmstub.gdb -ex 'target remote :1234'"
