# Lesson 14 (README "Going backwards"): from a triple fault back to the
# instruction that caused it, with kvmstub --record (guests/backwards.S).
echo \n=== 1. Run: the guest dies.\n
continue
echo \n=== 2. Back one instruction: the far jump that faulted.\n
reverse-stepi
printf "GDT register: base %#x, limit %#x\n", $gdtr_base, $gdtr_limit
echo \n=== 3. Back to the lgdt that loaded it, and what it read.\n
reverse-stepi 4
x/3hx 0x40
x/3hx &gdt_ptr
echo \n=== 4. How far back the log reaches, and what it costs.\n
monitor record status
echo \n=== 5. Try the fix from here: stop recording (the guest goes on from this\n
echo ===    point of its past), and let lgdt read its operand at 0xf000:0x40.\n
monitor record off
set $ds = 0xf000
continue
