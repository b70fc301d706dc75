echo \n=== 1. The boot sector put its handlers into the interrupt vector table.\n
break *main_loop
continue
delete
printf "IRQ 1 -> vector 0x09 -> %04x:%04x (key_irq at %#x)\n", *(unsigned short *)0x26, *(unsigned short *)0x24, &key_irq
printf "IRQ 8 -> vector 0x70 -> %04x:%04x (clock_irq at %#x)\n", *(unsigned short *)0x1c2, *(unsigned short *)0x1c0, &clock_irq
echo \n=== 2. A key: its scancodes go to the keyboard controller, IRQ 1 follows.\n
break *key_irq
monitor key a
continue
stepi 3
printf "AL = %#x: the make code of 'a' (key down)\n", $eax & 0xff
continue
stepi 3
printf "AL = %#x: its break code (key up: 0x80 more)\n", $eax & 0xff
delete
echo \n=== 3. The clock: register B's update interrupt, once a second.\n
break *clock_irq
continue
set $t = *(unsigned short *)&ticks
continue
printf "clock interrupts since the last stop: %d\n", *(unsigned short *)&ticks - $t
delete
echo \n=== 4. The key q ends the program.\n
monitor key q
continue
