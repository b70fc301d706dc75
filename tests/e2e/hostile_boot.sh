# Hostile boot images and drives (issue 15): truncated multiboot headers,
# a bad checksum, multiboot 2 tags whose sizes run past the header or the
# file, a required tag kvmstub cannot serve, modules larger than memory or
# missing, a kernel that does not fit --memory, disk images of 0 bytes or
# not whole sectors.  Each is exit status 1 with a message naming the
# field, and no file is written.
. "$(dirname "$0")/lib.sh"
need_kvm

# refuse WHAT PATTERN ARGS...: kvmstub must exit 1 saying PATTERN.
refuse() {
	local what=$1 pat=$2; shift 2
	timeout 10 "$KVMSTUB" --no-gdb "$@" >"$T/o" 2>"$T/e"; local rc=$?
	[ $rc -eq 1 ] || fail "$what: exit status $rc, want 1 ($(cat "$T/e"))"
	grep -Eq -- "$pat" "$T/e" || fail "$what: the message does not say /$pat/: $(cat "$T/e")"
	[ -s "$T/o" ] && fail "$what: the guest ran and printed: $(cat "$T/o")"
	echo "ok: $what: $(cat "$T/e")"
}
# The images, byte by byte (python3: shell strings cannot hold NUL bytes).
python3 - "$T" <<'PY' || fail "cannot write the hostile images"
import struct, sys
t = sys.argv[1]
def w(name, data):
    open(f"{t}/{name}", "wb").write(data)
def u32(*v):
    return struct.pack("<%dI" % len(v), *(x & 0xFFFFFFFF for x in v))
MB1, MB2 = 0x1BADB002, 0xE85250D6
w("trunc1.bin", bytes(64) + u32(MB1, 0))
w("sum1.bin", u32(MB1, 0x10000, 0) + bytes(64))
w("aout.bin", u32(MB1, 0x10000, -(MB1 + 0x10000)) + bytes(8))
w("flag.bin", u32(MB1, 0x8, -(MB1 + 0x8)))
w("past.bin", u32(MB1, 0x10000, -(MB1 + 0x10000), 0x100000, 0x100000, 0x200000, 0, 0x100020)
  + bytes(32))
def mb2(length, tags):
    return u32(MB2, 0, length, -(MB2 + length)) + tags
tag = lambda typ, flags, size: struct.pack("<HHI", typ, flags, size)
end = tag(0, 0, 8)
w("tag.bin", mb2(32, tag(3, 0, 200) + u32(0x100000) + end) + bytes(64))
w("hlen.bin", mb2(4000, end))
w("req.bin", mb2(32, tag(1, 0, 12) + u32(14, 0) + end) + bytes(64))
PY
refuse "truncated multiboot header" 'truncated multiboot header at offset 0x40: the file ends after 8 of its 12 bytes' "$T/trunc1.bin"
refuse "bad checksum" 'multiboot header at offset 0x0: checksum 0x00000000 is wrong' "$T/sum1.bin"
refuse "a.out kludge header cut short" 'flags bit 16 \(the a.out kludge\) needs 32 bytes of header, the file has 20' "$T/aout.bin"
refuse "unknown required flag" 'multiboot header flags 0x00000008 ask for something kvmstub does not know' "$T/flag.bin"
refuse "load_end_addr past the file" 'load_end_addr 0x200000 runs past the end of the file' "$T/past.bin"
refuse "multiboot 2 tag past the header" 'tag type 3 at offset 0x10: its size 200 runs past the header.s end' "$T/tag.bin"
refuse "multiboot 2 header_length past the file" 'header_length 4000 runs past the end of the file' "$T/hlen.bin"
refuse "multiboot 2 request kvmstub cannot serve" 'asks for tag type 14 \(ACPI 1.0 RSDP\), which kvmstub cannot give' "$T/req.bin"

# Modules: larger than the memory, missing; a kernel beyond --memory.
truncate -s 20M "$T/big.mod"
refuse "module larger than memory" "--module $T/big.mod: 20971520 bytes do not fit the memory left for it" \
	--module "$T/big.mod" guests/mbinfo1.elf
refuse "kernel beyond --memory" "mbinfo1.elf: the multiboot kernel's segment at 0x100000-0x[0-9a-f]+ does not fit the memory: RAM is 0x0-0xdffff and 0x100000-0xfffff \\(--memory 1M\\)" \
	--memory 1M guests/mbinfo1.elf
refuse "missing module" "--module $T/none.mod: No such file or directory" --module "$T/none.mod" guests/mbinfo1.elf
refuse "modules for a raw image" '--module is for a multiboot kernel; guests/kernel1.bin is raw firmware' \
	--module guests/kernel1.bin guests/kernel1.bin

# Disk images: empty, not whole sectors; the file stays as it was.
: >"$T/empty.img"
refuse "empty disk" "--disk $T/empty.img: 0 bytes is not a whole, non-zero number of 512-byte sectors" \
	--disk "$T/empty.img" guests/atatest.elf
head -c 1000 guests/bootsect.bin >"$T/odd.img"
sum=$(md5sum <"$T/odd.img")
refuse "disk of 1000 bytes" "--disk $T/odd.img: 1000 bytes is not a whole" \
	--disk "$T/odd.img,rw" guests/atatest.elf
[ "$(md5sum <"$T/odd.img")" = "$sum" ] || fail "the refused disk image was written"
refuse "boot a disk of 1000 bytes" "1000 bytes is not a whole" --disk "$T/odd.img"
echo "PASS: hostile images and drives are refused, saying why"
