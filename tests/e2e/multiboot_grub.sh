# GRUB's own multiboot test kernel, the example of the Multiboot
# specification (Debian's package `multiboot` ships it built, as
# /usr/lib/multiboot/examples/kernel): code we did not write prints on the
# VGA text screen what it finds in the information kvmstub gave it.  It
# must see a multiboot loader's magic, 639/15360 KiB of memory, the
# command line, the memory map; and, given the EGA text framebuffer (flags
# bit 12), it draws its diagonal of '\' across the screen, as it does on
# GRUB's framebuffer.  --screen FILE holds that screen.
. "$(dirname "$0")/lib.sh"
need_kvm

K=/usr/lib/multiboot/examples/kernel
[ -f "$K" ] || skip "GRUB's multiboot test kernel is not installed ($K: Debian package multiboot; make test installs it)"
timeout 20 "$KVMSTUB" --no-gdb --append "from kvmstub" --screen "$T/screen.txt" "$K" \
	>"$T/o" 2>"$T/e"; rc=$?
cat "$T/e" "$T/screen.txt"
[ $rc -eq 0 ] || fail "the example kernel ended with status $rc: $(cat "$T/e")"
expect "$T/e" '^kvmstub: multiboot 1 kernel \(ELF\), entry 0x100000' "kvmstub did not take it as multiboot 1"
expect_not "$T/screen.txt" 'Invalid magic' "it did not see a multiboot loader's magic"
expect "$T/screen.txt" 'lags = 0x124d$' "the flags it saw (memory, command line, modules, map, loader name, framebuffer)"
expect "$T/screen.txt" 'mem_upper = 15360KB$' "its view of the memory sizes"
expect "$T/screen.txt" '_lower = 639KB' "its view of mem_lower"
expect "$T/screen.txt" "line = $K from kvmstub\$" "its view of the command line"
expect "$T/screen.txt" 'base_addr = 0x000100000, length = 0x000f00000, type = 0x1$' "its view of the memory map"
expect "$T/screen.txt" '^Halted\.' "it did not run to its end"
expect "$T/screen.txt" '^                        \\$' "its diagonal across the EGA text framebuffer"
echo "PASS: GRUB's multiboot test kernel sees what it should"
