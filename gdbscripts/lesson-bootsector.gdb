set osabi none
add-symbol-file guests/bios/bios.elf
echo \n=== 1. The BIOS loaded sector 0 to 0000:7c00 and jumps there.\n
break *0x7c00
continue
printf "DL = %#x: the drive the BIOS booted from (0x80: the first hard disk)\n", $edx & 0xff
x/2xb 0x7dfe
echo \n=== 2. The boot sector asks the BIOS for the second stage: int 0x13.\n
break *read_disk
continue
printf "AH = %#x (read), AL = %d sector, CH/CL/DH = cylinder %d, sector %d, head %d\n", ($eax >> 8) & 0xff, $eax & 0xff, ($ecx >> 8) & 0xff, $ecx & 0x3f, ($edx >> 8) & 0xff
stepi
echo (stepi went through the interrupt vector table into the BIOS)\n
x/3i $pc
tbreak *read_disk + 2
continue
printf "back: AH = %d (success), AL = %d sector read, CF = %d\n", ($eax >> 8) & 0xff, $eax & 0xff, $eflags & 1
x/s &loaded
echo \n=== 3. The second stage switches to protected mode.\n
break pm_entry
continue
info registers cr0 cs
delete
echo \n=== 4. What the screen shows at the end.\n
break *pm_done
continue
monitor screen
delete
continue
