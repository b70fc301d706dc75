# kvmstub's BIOS against SeaBIOS (QEMU's, a BIOS we did not write) on the
# same 2 MiB disk image: a boot sector (guests/biosprobe.S) calls int 0x12,
# int 0x15 (E820's first entry, A20 on), int 0x13 (0x08 drive parameters,
# 0x41 extensions, 0x48 extended parameters, 0x42 a packet read) and
# prints what comes back.  Every line must be the same, but int 0x15 E801
# and 0x88: SeaBIOS keeps the top 128 KiB of RAM for its own tables, so it
# reports 15232 KiB above 1 MiB where kvmstub (and the CMOS) say 15360.
. "$(dirname "$0")/lib.sh"
need_kvm
command -v qemu-system-x86_64 >/dev/null ||
	skip "qemu-system-x86_64 is not installed (make test installs qemu-system-x86)"

cp guests/biosprobe.bin "$T/disk.img" && truncate -s 2M "$T/disk.img" || fail "cannot make the disk"
timeout 20 "$KVMSTUB" --no-gdb --disk "$T/disk.img" >"$T/ours" 2>"$T/ours.err" ||
	fail "kvmstub: exit $?: $(cat "$T/ours.err")"
timeout 60 qemu-system-x86_64 -accel tcg -m 16 -display none -no-reboot -monitor none \
	-drive "file=$T/disk.img,format=raw,if=ide" -serial "file:$T/seabios" \
	-device isa-debug-exit,iobase=0xf4,iosize=0x01 >"$T/q.err" 2>&1
[ $? -eq 1 ] || fail "QEMU did not run the probe to its end: $(cat "$T/q.err")"
echo "--- kvmstub's BIOS:"; cat "$T/ours"
echo "--- SeaBIOS:"; cat "$T/seabios"
expect "$T/ours" '^done$' "the probe did not finish under kvmstub"
expect "$T/ours" '^e801 3c00 0000 3c00 0000$' "E801 for 16 MiB"
expect "$T/ours" '^88 3c00$' "AH 0x88 for 16 MiB"
grep -Ev '^(e801|88) ' "$T/ours" >"$T/a"
grep -Ev '^(e801|88) ' "$T/seabios" >"$T/b"
diff -u --label "kvmstub's BIOS" --label SeaBIOS "$T/a" "$T/b" ||
	fail "kvmstub's BIOS and SeaBIOS return different things"
echo "PASS: the BIOS calls return what SeaBIOS returns"
