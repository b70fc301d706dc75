#!/usr/bin/env bash
# lockstep_decoder.sh - the lockstep tool's instruction decoder
# (tests/lockstep/x86.py), on which its platform-input, undefined-flag and
# segment bookkeeping rests, agrees with GNU objdump on the length of every
# instruction of a linear sweep over SeaBIOS, Bochs' BIOS, OVMF and
# guests/lockstep.bin, in 16-, 32- and 64-bit code.
. "$(dirname "$0")/lib.sh"
command -v objdump >/dev/null || fail "objdump is not installed (binutils; make test installs it)"
[ -e guests/lockstep.bin ] || fail "guests/lockstep.bin is not built"
python3 tests/lockstep/test_x86.py >"$T/out" 2>&1; rc=$?
cat "$T/out"
[ $rc -eq 0 ] || fail "x86.py and objdump disagree (exit $rc)"
expect "$T/out" '^x86\.py: [0-9]{5,} instructions, 0 lengths differ' "too few instructions were compared"
