#!/usr/bin/env bash
# lockstep.sh - kvmstub against a reference CPU (issue 13): every image the
# lockstep tool knows (every guest without timer interrupts that starts at the
# reset vector, guests/lockstep.bin twice, kvmstub's own BIOS, SeaBIOS, Bochs'
# BIOS, OVMF) is single-stepped in kvmstub and in
# QEMU's software CPU side by side for 20,000 instructions or to its end,
# comparing the architectural state after every step; then both run again
# with breakpoints and with watchpoints, and their stops must be the same.
# tests/lockstep/lockstep.py does the work; this runs it bounded (about 2
# minutes on 2 cores) and fails on any divergence it cannot explain.
. "$(dirname "$0")/lib.sh"
need_kvm
command -v qemu-system-x86_64 >/dev/null ||
	skip "qemu-system-x86_64 is not installed (Debian package qemu-system-x86, which make test installs when run as root): no reference CPU to compare kvmstub with"
command -v objdump >/dev/null || fail "objdump is not installed (binutils; make test installs it)"
for f in guests/lockstep.bin guests/serial.bin guests/bios/bios.bin; do
	[ -e "$f" ] || fail "$f is not built"
done

# Under make test SANITIZE=1 the same paths run with a quarter of the steps:
# that run looks for memory errors, the full one for divergences, and CI
# runs both within its time.
steps=20000
case "$KVMSTUB" in *build-san/*) steps=5000 ;; esac

# The tool in the background, so that a SIGTERM (the test harness's timeout)
# reaches it: it stops its stubs on the way out.
python3 tests/lockstep/lockstep.py --kvmstub "$KVMSTUB" --steps $steps --jobs 2 \
	--log-dir "${KVMSTUB_BUILD:-build}/lockstep" >"$T/out" 2>&1 &
tool=$!
trap 'kill -TERM $tool 2>/dev/null; wait $tool' TERM INT
wait $tool; rc=$?
trap - TERM INT
cat "$T/out"
# One line per image and phase, and the summary: a run that printed
# nothing for an image did not check it.
for image in serial protected long paging selfmod counter cloop fpu lockstep lockstep-hlt \
		kvmstub-bios seabios seabios-256k bochs-bios ovmf; do
	expect "$T/out" "^$image +steps " "no lockstep line for $image"
done
expect "$T/out" '^lockstep: [0-9]+ images, ' "the tool did not finish"
[ $rc -eq 0 ] || fail "the lockstep run found divergences (exit $rc); each image's log is in ${KVMSTUB_BUILD:-build}/lockstep"
