# transcript.sh - make the README's transcripts from real runs.  Sourced
# (after tests/e2e/lib.sh, which provides $T, daemon_start, daemon_stop) by
# tests/e2e/readme_transcripts.sh, tests/e2e/gdb_multiarch.sh and tests/demo.sh.
#
# A README transcript is a fenced block right after a marker line:
#
#   <!-- transcript: lesson-kernel1 image=guests/kernel1.bin elf=guests/kernel1.elf -->
#   ```console
#   (gdb) target remote :1234
#   ...
#   ```
#
#   - the first word names gdbscripts/NAME.gdb, the commands to run;
#   - image= is the guest the daemon boots (required, but for a disk that
#     the BIOS boots: args=--disk,FILE or --floppy,FILE), elf= the file gdb
#     loads for symbols (optional), args= more daemon options, commas for
#     blanks (args=--memory,32M), connect= the gdb command that connects
#     (default target remote; connect=connect64 for the 64-bit layout);
#   - "<!-- transcript: shell -->" instead runs each "$ COMMAND" line of the
#     block with bash in the top directory and puts its output under it
#     (carriage returns left out, as a terminal shows them);
#   - vary= lists, commas between them, extended regular expressions
#     without blanks for what changes from run to run (a timer's count, the
#     TSC): the check compares the rest, --update writes what was printed.
#
# gdb runs in batch mode with `set trace-commands on`; a traced command
# "+CMD" is shown as "(gdb) CMD", the lines gdb traces inside user-defined
# commands (the hook-stop of kvmstub.gdb: "++...") are dropped, and the
# daemon's free port is shown as 1234.  Nothing else is changed: addresses,
# values and messages are what gdb printed.

GDB=${GDB:-gdb}

# transcript_marker LINE: parse a marker line into TR_NAME TR_IMAGE TR_ELF
# TR_ARGS (an array).  Returns 1 when LINE is not a marker.
transcript_marker() {
	local line=$1 word
	[[ $line =~ ^\<!--\ transcript:\ (.*)\ --\>$ ]] || return 1
	TR_NAME= TR_IMAGE= TR_ELF= TR_ARGS=() TR_CONNECT="target remote" TR_VARY=()
	for word in ${BASH_REMATCH[1]}; do
		case $word in
		image=*) TR_IMAGE=${word#image=} ;;
		elf=*)   TR_ELF=${word#elf=} ;;
		args=*)  IFS=, read -r -a TR_ARGS <<<"${word#args=}" ;;
		connect=*) TR_CONNECT=${word#connect=} ;;
		vary=*)  IFS=, read -r -a TR_VARY <<<"${word#vary=}" ;;
		*=*)     echo "transcript marker: unknown key in '$word'" >&2; return 2 ;;
		*)       [ -z "$TR_NAME" ] || { echo "transcript marker: two names" >&2; return 2; }
			 TR_NAME=$word ;;
		esac
	done
	[ -n "$TR_NAME" ] || { echo "transcript marker without a name: $line" >&2; return 2; }
	if [ "$TR_NAME" != shell ]; then
		[ -f "gdbscripts/$TR_NAME.gdb" ] || { echo "no gdbscripts/$TR_NAME.gdb" >&2; return 2; }
		[ -n "$TR_IMAGE" ] || [[ " ${TR_ARGS[*]} " =~ \ --(disk|floppy)\  ]] ||
			{ echo "transcript $TR_NAME: no image= (nor --disk/--floppy)" >&2; return 2; }
	fi
	return 0
}

# transcript_masked FILE: FILE with every match of the marker's vary=
# expressions replaced by "<varies>", for the comparison.
transcript_masked() {
	local args=() re
	for re in "${TR_VARY[@]}"; do
		args+=(-e "s/$re/<varies>/g")
	done
	if [ ${#args[@]} -eq 0 ]; then cat "$1"; else sed -E "${args[@]}" "$1"; fi
}

# transcript_render RAW: gdb's traced output as the README shows it.
transcript_render() {
	sed -E -e '/^\+\+/d' -e 's/^\+/(gdb) /' -e "s/:$PORT([^0-9]|\$)/:1234\\1/g" "$1"
}

# transcript_gdb OUT: run gdbscripts/$TR_NAME.gdb against a fresh daemon on
# $TR_IMAGE; the rendered transcript goes to OUT.  Returns gdb's status.
transcript_gdb() {
	local out=$1 rc elf=()

	[ -n "$TR_ELF" ] && elf=("$TR_ELF")
	daemon_start "${TR_ARGS[@]}" ${TR_IMAGE:+"$TR_IMAGE"}
	timeout -k 5 60 "$GDB" -nx -q -batch "${elf[@]}" -x gdbscripts/kvmstub.gdb \
		-ex 'set trace-commands on' -ex "$TR_CONNECT :$PORT" \
		-x "gdbscripts/$TR_NAME.gdb" </dev/null >"$T/raw.txt" 2>&1
	rc=$?
	daemon_stop
	transcript_render "$T/raw.txt" >"$out"
	return $rc
}

# transcript_shell EXPECTED OUT: run the "$ COMMAND" lines of EXPECTED.
transcript_shell() {
	local expected=$1 out=$2 line
	: >"$out"
	while IFS= read -r line; do
		case $line in
		'$ '*)
			printf '%s\n' "$line" >>"$out"
			# A guest's \r\n (a BIOS's teletype) ends a line, as on a terminal.
			timeout -k 5 30 bash -c "${line#\$ }" </dev/null 2>&1 | tr -d '\r' >>"$out"
			;;
		esac
	done <"$expected"
}
