# firmware_16m.sh - the largest raw firmware, 16 MiB (issue 13), under real
# gdb, with both reset styles: the pc at the reset vector, the memory map
# (the whole window 0xff000000-0xffffffff and its last 128 KiB at 0xe0000
# as ROM), the window's far end holding the file's first bytes, a write
# watchpoint in RAM, one on the window's top view hit by a write through
# the view below 1 MiB, and monitor reset bringing back the image.
#
# The image is built here: markers at file offsets 0 and 8 MiB, and a tiny
# guest (fw_image, lib.sh) in its last 64 KiB: it writes RAM, overwrites a
# byte of its own firmware (orig, 0xa5) through the low view, and exits
# with status 42.  A raw image over 128 KiB that is not whole 4 KiB sectors,
# or over 16 MiB, is refused with status 1.
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb

fw_image g <<'EOF'
	.code16
	.text
	.globl start, ram_done, fw_done, orig
start:	xor	%ax, %ax
	mov	%ax, %ds
	movw	$0x1234, 0x6000
ram_done:
	mov	$0xf000, %ax
	mov	%ax, %ds
	movb	$0x5a, %ds:(orig - start)
fw_done:
	mov	$42, %al
	out	%al, $0xf4
	hlt
orig:	.byte	0xa5
EOF
python3 - "$T/g.bin" "$T/fw16.bin" <<'EOF' || fail "cannot build the 16 MiB image"
import sys
code = open(sys.argv[1], "rb").read()
assert len(code) == 0x10000, len(code)
img = bytearray(16 << 20)
img[0:22] = b"kvmstub 16 MiB bottom\0"
img[8 << 20:(8 << 20) + 22] = b"kvmstub 16 MiB middle\0"
img[-len(code):] = code
open(sys.argv[2], "wb").write(img)
EOF
ram_done=$(sym "$T/g.elf" ram_done) fw_done=$(sym "$T/g.elf" fw_done) orig=$(sym "$T/g.elf" orig)
orig_top=$(printf '0x%x' $((0xffff0000 + orig - 0xf0000)))	# the same byte, seen below 4 GiB

for reset in legacy architectural; do
	case $reset in
	legacy) rv=0xffff0 mem=3G ramtop=0xc0000000 ;;		# the most RAM there can be
	architectural) rv=0xfffffff0 mem=16M ramtop=0x1000000 ;;
	esac
	daemon_start --reset "$reset" --memory "$mem" "$T/fw16.bin"
	out=$T/$reset.out
	gdb_run "$out" <<EOF
printf "RESET pc %#x\n", \$pc
info mem
monitor info
x/s 0xff000000
x/s 0xff800000
x/4xw 0xfffffff0
x/4xw 0xffff0
watch *(short *)0x6000
continue
printf "RAM pc %#x value %#x\n", \$pc, *(short *)0x6000
delete
watch *(unsigned char *)$orig_top
continue
printf "FW pc %#x top %#x low %#x\n", \$pc, *(unsigned char *)$orig_top, *(unsigned char *)$orig
delete
monitor reset
maintenance flush register-cache
printf "AFTER RESET pc %#x top %#x low %#x ram %#x\n", \$pc, *(unsigned char *)$orig_top, *(unsigned char *)$orig, *(short *)0x6000
x/s 0xff000000
stepi
printf "STEP pc %#x\n", \$pc
continue
EOF
	daemon_stop
	what="16 MiB, --reset $reset"
	expect "$out" "^RESET pc $rv\$" "$what: the pc is not at the reset vector $rv"
	expect "$out" "^0 +y[[:space:]]+0x0*0 +0x0*e0000 +rw" "$what: no RAM below 0xe0000 in the memory map"
	expect "$out" "^1 +y[[:space:]]+0x0*e0000 +0x0*100000 +ro" "$what: the window's last 128 KiB are not ROM at 0xe0000"
	expect "$out" "^2 +y[[:space:]]+0x0*100000 +0x0*${ramtop#0x} +rw" "$what: RAM does not reach $ramtop"
	expect "$out" "^3 +y[[:space:]]+0x0*ff000000 +0x0*100000000 +ro" "$what: the 16 MiB window is not ROM"
	expect_not "$out" "^4 +y" "$what: more regions than RAM and the two views of the firmware"
	expect "$out" "firmware window 16384 KiB at 0xff000000" "$what: monitor info does not show the window"
	expect "$out" '^0xff000000:	"kvmstub 16 MiB bottom"' "$what: the file's first bytes are not at 0xff000000"
	expect "$out" '^0xff800000:	"kvmstub 16 MiB middle"' "$what: the file's middle is not at 0xff800000"
	top=$(grep -A1 '^0xfffffff0:' "$out" | head -1 | cut -d: -f2)
	low=$(grep '^0xffff0:' "$out" | cut -d: -f2)
	[ -n "$top" ] && [ "$top" = "$low" ] || fail "$what: the reset vector differs at 0xfffffff0 ($top) and 0xffff0 ($low)"
	expect "$out" "^New value = 4660\$" "$what: the RAM watchpoint did not report the new value"
	expect "$out" "^RAM pc $ram_done value 0x1234\$" "$what: the RAM watchpoint did not stop after the write"
	expect "$out" "^New value = 90 'Z'\$" "$what: the firmware watchpoint did not report the new value"
	expect "$out" "^FW pc $fw_done top 0x5a low 0x5a\$" \
		"$what: the write through 0xe0000-0xfffff did not stop at the watchpoint on the top view"
	expect "$out" "^AFTER RESET pc $rv top 0xa5 low 0xa5 ram 0\$" \
		"$what: monitor reset did not bring back the image and clear RAM"
	[ "$(grep -c '^0xff000000:	"kvmstub 16 MiB bottom"' "$out")" -eq 2 ] ||
		fail "$what: after monitor reset the window's far end is not the file's"
	expect "$out" "^STEP pc 0xf0000\$" "$what: stepi from the reset vector did not reach start"
	expect "$out" "exited with code 052\]" "$what: the guest did not run to its exit (status 42) after the reset"
	echo "ok: $what: reset vector $rv, memory map, watchpoints, monitor reset"
done

# Without gdb it runs to its end.
timeout 20 "$KVMSTUB" --no-gdb "$T/fw16.bin" >"$T/run.out" 2>"$T/run.err"; rc=$?
[ "$rc" -eq 42 ] || fail "--no-gdb: status $rc, want 42: $(cat "$T/run.err")"

# Sizes that are refused, each with status 1 and what was wrong.
head -c $((16 << 20)) "$T/fw16.bin" >"$T/big.bin" && head -c 4096 /dev/zero >>"$T/big.bin"
"$KVMSTUB" --no-gdb "$T/big.bin" >/dev/null 2>"$T/err"; rc=$?
[ "$rc" -eq 1 ] || fail "16 MiB + 4 KiB: status $rc, want 1"
expect "$T/err" "^kvmstub: $T/big.bin: image is 16781312 bytes; a raw image may be at most 16777216 bytes \(16 MiB"
tail -c $((200 * 1024 + 1)) "$T/fw16.bin" >"$T/odd.bin"
"$KVMSTUB" --no-gdb "$T/odd.bin" >/dev/null 2>"$T/err"; rc=$?
[ "$rc" -eq 1 ] || fail "200 KiB + 1: status $rc, want 1"
expect "$T/err" "^kvmstub: $T/odd.bin: 204801 bytes is not a whole number of 4 KiB flash sectors, as raw firmware over 128 KiB must be \(QEMU's pflash asks the same, its -bios a multiple of 64 KiB\): is it firmware\?\$"
echo "ok: --no-gdb exits 42; 16 MiB + 4 KiB and 200 KiB + 1 byte are refused"
