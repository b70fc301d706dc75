#!/usr/bin/env bash
# run-tests.sh - run the cmocka unit tests and the end-to-end tests, and
# close with one line: "N passed, N failed, N skipped".
#   tests/run-tests.sh [--unit-only|--e2e-only] BUILD_DIR [UNIT_BINARIES...]
# An end-to-end test is tests/e2e/NAME.sh: exit 0 passes, 77 skips (it
# prints a loud SKIP line saying why), anything else fails.  It finds the
# programs built for it (tests/e2e/NAME.c) in $KVMSTUB_BUILD/tests.
set -u
cd "$(dirname "$0")/.." || exit 1

mode=all
case "${1:-}" in --unit-only) mode=unit; shift ;; --e2e-only) mode=e2e; shift ;; esac
build=${1:-build}; shift || true
passed=0 failed=0 skipped=0 failures=()

# Every daemon a test starts inherits this run's mark in its environment,
# so that daemons of another test run on the same machine are not ours.
export KVMSTUB_TEST_RUN="$$.$(date +%s%N)"

# The pids of running (not zombie) kvmstub processes of this run, sorted.
live_daemons() {
	local pid
	for pid in $(ps -C kvmstub -o pid=,stat= 2>/dev/null | awk '$2 !~ /^Z/ { print $1 }'); do
		tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null |
			grep -qx "KVMSTUB_TEST_RUN=$KVMSTUB_TEST_RUN" && echo "$pid"
	done | sort
}

if [ "$mode" != e2e ]; then
	for t in "$@"; do
		out=$("$t" 2>&1); rc=$?
		p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
		f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
		s=$(printf '%s\n' "$out" | sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' | tail -1)
		p=${p:-0} f=${f:-0} s=${s:-0}
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
		passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
		if [ "$f" -ne 0 ]; then
			failures+=("unit: $t")
			printf '%s\n' "$out"
		fi
		printf 'unit %-28s %3d passed, %d failed, %d skipped\n' "$(basename "$t")" "$p" "$f" "$s"
		printf '%s\n' "$out" | grep '^SKIP' || true
	done
fi

if [ "$mode" != unit ]; then
	for t in tests/e2e/[0-9a-z]*.sh; do
		[ -f "$t" ] || continue
		name=$(basename "$t" .sh)
		[ "$name" != lib ] || continue
		log="$build/e2e-$name.log"
		mkdir -p "$build"
		start=$(date +%s%N)
		before=$(live_daemons)
		KVMSTUB_BUILD=$build timeout -k 5 300 bash "$t" >"$log" 2>&1; rc=$?
		# Nothing may be left running: a daemon the test did not stop fails it.
		left=$(comm -13 <(echo "$before") <(live_daemons))
		if [ -n "$left" ]; then
			echo "FAIL: left kvmstub running: pid $(echo $left)" >>"$log"
			kill -KILL $left 2>/dev/null
			if [ "$rc" -eq 0 ] || [ "$rc" -eq 77 ]; then rc=1; fi
		fi
		ms=$(( ($(date +%s%N) - start) / 1000000 )); secs=$((ms / 1000)).$((ms % 1000 / 100))
		case $rc in
		0)  passed=$((passed + 1)); printf 'e2e  %-28s PASS (%ss)\n' "$name" "$secs" ;;
		77) skipped=$((skipped + 1)); printf 'e2e  %-28s SKIP: %s\n' "$name" "$(grep -m1 'SKIP' "$log")" ;;
		*)  failed=$((failed + 1)); failures+=("e2e: $name")
		    printf 'e2e  %-28s FAIL (exit %d, %ss); its log:\n' "$name" "$rc" "$secs"
		    sed 's/^/    | /' "$log" | tail -60 ;;
		esac
	done
fi

if [ ${#failures[@]} -ne 0 ]; then
	echo "failures:"; printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
