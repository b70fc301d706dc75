# The ATA disk (issue 15): a driver in protected mode (guests/atatest.c,
# polling the primary IDE channel) IDENTIFYs the disk, writes sector 5,
# reads it back with 28- and 48-bit commands, and is refused past the end.
# Without ,rw the image file is unchanged after the run (the writes stayed
# in memory); with ,rw sector 5 of the file holds what the guest wrote.
. "$(dirname "$0")/lib.sh"
need_kvm

cp guests/bootsect.bin "$T/disk.img" && truncate -s 64K "$T/disk.img" || fail "cannot make the disk"
sum=$(md5sum <"$T/disk.img")
run_guest guests/atatest.elf --disk "$T/disk.img"
expect "$T/run.out" '^identify: 00000080 sectors, 48-bit yes$' "IDENTIFY's size and 48-bit support"
expect "$T/run.out" '^read back: ok$' "the sector read back is not what was written"
expect "$T/run.out" '^read sector 5 \(48-bit\): ok$' "READ SECTORS EXT"
expect "$T/run.out" '^past the end is refused: ok$' "a read past the end was not refused"
[ "$(md5sum <"$T/disk.img")" = "$sum" ] || fail "the image opened read-only changed"

run_guest guests/atatest.elf --disk "$T/disk.img,rw"
want=$(for i in $(seq 0 255); do printf '%02x%02x' $((i & 255)) 165; done)
got=$(od -An -v -tx1 -j $((5 * 512)) -N 512 "$T/disk.img" | tr -d ' \n')
[ "$got" = "$want" ] || fail "sector 5 of the ,rw image is not what the guest wrote"
[ "$(od -An -tx1 -j 510 -N 2 "$T/disk.img" | tr -d ' ')" = 55aa ] || fail "sector 0 was damaged"
echo "PASS: ATA reads back its writes; a read-only image stays as it was"
