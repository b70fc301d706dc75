# Lesson 14 (README "Going backwards"): from a triple fault back to the
# instruction that loaded the bad descriptor, with kvmstub --record
# (guests/backwards.S).
echo \n=== 1. Run: the guest dies.\n
continue
echo \n=== 2. Back one instruction: the store that faulted, not yet done.\n
reverse-stepi
printf "DS = %#x: base %#x, limit %#x\n", $ds, $ds_base, $ds_limit
echo \n=== 3. Back to the instruction that loaded DS, and the descriptor it read.\n
reverse-stepi 4
monitor gdt
echo \n=== 4. How far back the log reaches, and what it costs.\n
monitor record status
echo \n=== 5. Try the fix from here: stop recording (the guest goes on from this\n
echo ===    point of its past), set the G bit of GDT entry 2 (in RAM at 0x500), go on.\n
monitor record off
set var *(unsigned char *)(0x500 + 2 * 8 + 6) = 0xcf
continue
