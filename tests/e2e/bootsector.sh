# Booting a disk as a PC does (issue 15): kvmstub's BIOS from the reset
# vector loads sector 0 to 0000:7C00 and jumps there with DL = the drive;
# in gdb, `break *0x7c00`, then a stepi on the boot sector's `int $0x13`
# lands in the BIOS's handler (its symbols from guests/bios/bios.elf) and
# the boot sector gets back its sector with CF clear; the second stage is
# reached and enters protected mode.  The same image as a floppy starts
# with DL = 0x00; a disk without the boot signature is refused at start.
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb
IMG=guests/bootsect.bin ELF=guests/bootsect.elf

daemon_start --disk "$IMG"
expect "$T/daemon.err" "^kvmstub: boot sector of --disk $IMG \(drive 0x80\)" "the start-up line"
int13=$(sym "$ELF" read_disk)
gdb_run "$T/g" "$ELF" -ex "add-symbol-file guests/bios/bios.elf" <<GDB
printf "RESET %#x\n", \$pc
break *0x7c00
continue
printf "BOOT pc %#x cs %#x ip %#x dl %#x sig %#x\n", \$pc, \$cs, \$ip, \$edx & 0xff, *(unsigned short *)0x7dfe
delete
break *$int13
continue
x/i \$pc
stepi
printf "IN_BIOS pc %#x cs %#x\n", \$pc, \$cs
info symbol \$pc
delete
tbreak *($int13 + 2)
continue
printf "BACK pc %#x ah %#x al %#x cf %d\n", \$pc, (\$eax >> 8) & 0xff, \$eax & 0xff, \$eflags & 1
printf "STAGE2 %#x\n", *(unsigned char *)&stage2
break pm_entry
continue
printf "PM pe %d cs %#x\n", \$cr0 & 1, \$cs
delete
continue
GDB
cat "$T/g"
expect "$T/g" '^RESET 0xffff0$' "the BIOS does not start at the reset vector"
expect "$T/g" '^BOOT pc 0x7c00 cs 0 ip 0x7c00 dl 0x80 sig 0xaa55$' \
	"not at 0000:7c00 with DL 0x80 and the boot signature"
expect "$T/g" 'int +\$0x13' "the breakpoint is not at the int 0x13"
expect "$T/g" '^IN_BIOS pc 0xf[0-9a-f]{4} cs 0xf000$' "stepi over int 0x13 did not enter the BIOS"
expect "$T/g" '^int13_disk in section \.text' "the BIOS's int 0x13 handler is not where stepi went"
expect "$T/g" "^BACK pc $(printf %#x $((int13 + 2))) ah 0 al 0x1 cf 0\$" "int 0x13 did not read the sector (AH 0, AL 1, CF 0)"
expect "$T/g" '^PM pe 1 cs 0x8$' "the second stage did not enter protected mode"
expect "$T/g" 'exited normally' "the guest did not end"
expect "$T/daemon.out" "^Second stage loaded by int 0x13" "the second stage's message (int 0x10, mirrored to COM1)"
daemon_stop

# The floppy: drive 0x00.
daemon_start --floppy "$IMG"
gdb_run "$T/f" "$ELF" <<'GDB'
break *0x7c00
continue
printf "FLOPPY dl %#x\n", $edx & 0xff
delete
continue
GDB
expect "$T/f" '^FLOPPY dl 0$' "a floppy boots with DL 0"
expect "$T/f" 'exited normally' "the floppy's guest did not end"
daemon_stop

# No boot signature: refused before anything runs, saying why.
head -c 1024 /dev/zero >"$T/blank.img"
timeout 10 "$KVMSTUB" --no-gdb --disk "$T/blank.img" >"$T/o" 2>"$T/e"; rc=$?
[ $rc -eq 1 ] || fail "a disk without the boot signature: exit $rc, want 1"
expect "$T/e" "blank.img: sector 0 is not a boot sector: bytes 510-511 are 0x00 0x00, not the boot signature 0x55 0xaa" \
	"the message does not say what is missing"
echo "PASS: boot sectors through the BIOS, int 0x13 stepped into and back"
