# A multiboot 1 kernel sees the same information under kvmstub as under
# QEMU's -kernel (a loader we did not write): the same magic, command line
# ("IMAGE ARGS"), modules (their bytes, page alignment, "FILE ARGS"
# strings), mem_lower and the low memory map.  What legitimately differs
# is left out and said: QEMU's loader name, its mem_upper and RAM length
# (SeaBIOS keeps the top 128 KiB of RAM for its tables), the ranges above
# RAM, and the framebuffer, which QEMU does not give.
. "$(dirname "$0")/lib.sh"
need_kvm
command -v qemu-system-x86_64 >/dev/null ||
	skip "qemu-system-x86_64 is not installed (make test installs qemu-system-x86)"

printf 'module one' >"$T/m1"
head -c 7000 /dev/urandom >"$T/m2"
timeout 20 "$KVMSTUB" --no-gdb --append "alpha beta" --module "$T/m1,x y" --module "$T/m2" \
	guests/mbinfo1.elf >"$T/ours" 2>"$T/ours.err" || fail "kvmstub: $(cat "$T/ours.err")"
timeout 60 qemu-system-x86_64 -accel tcg -m 16 -display none -no-reboot -kernel guests/mbinfo1.elf \
	-append "alpha beta" -initrd "$T/m1 x y,$T/m2" -serial "file:$T/qemu" \
	-device isa-debug-exit,iobase=0xf4,iosize=0x01 -monitor none >"$T/qemu.err" 2>&1
rc=$?
# isa-debug-exit turns the byte 0 into exit status 1.
[ $rc -eq 1 ] || fail "QEMU exited $rc: $(cat "$T/qemu.err")"
echo "--- kvmstub:"; cat "$T/ours"
echo "--- QEMU -kernel:"; cat "$T/qemu"
same() {
	grep -E "$1" "$T/ours" >"$T/a"
	grep -E "$1" "$T/qemu" >"$T/b"
	[ -s "$T/a" ] || fail "kvmstub printed no line matching /$1/"
	diff -u --label kvmstub --label qemu "$T/a" "$T/b" || fail "kvmstub and QEMU differ in /$1/"
}
same '^magic '
same '^cmdline '
same '^modules '
same '^module '
same '^mem_lower '
same '^mmap 0x0 '
same '^mmap 0x9fc00 '
grep -q '^mmap 0x100000 0x[0-9a-f]* type 1$' "$T/qemu" || fail "QEMU has no RAM at 1 MiB?"
expect "$T/ours" '^mmap 0x100000 0xf00000 type 1$' "kvmstub's RAM above 1 MiB"
expect "$T/ours" '^done$'
expect "$T/qemu" '^done$'
echo "PASS: the multiboot information matches QEMU's -kernel"
