# gdb_multiarch.sh - Debian's gdb-multiarch works as gdb does: it replays
# lesson 1 and lesson 4 and must print exactly the README's transcripts.
. "$(dirname "$0")/lib.sh"
need_kvm
command -v gdb-multiarch >/dev/null ||
	skip "gdb-multiarch is not installed: it is NOT tested (make test installs it as root; or: apt-get install gdb-multiarch)"
for lesson in lesson-kernel1 lesson-protected; do
	GDB=gdb-multiarch bash tests/e2e/readme_transcripts.sh --only $lesson ||
		fail "gdb-multiarch does not print the README's $lesson transcript"
done
