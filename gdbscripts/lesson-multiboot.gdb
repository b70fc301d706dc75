echo \n=== 1. Where the CPU starts: the kernel's entry, in 32-bit protected mode.\n
info registers eip cs ds cr0
printf "EAX = %#x: a multiboot boot loader started this kernel\n", $eax
printf "EBX = %#x: the address of the multiboot information\n", $ebx
x/3xw $ebx
printf "mem_lower = %d KiB, mem_upper = %d KiB\n", *(int *)($ebx + 4), *(int *)($ebx + 8)
printf "command line: %s\n", *(char **)($ebx + 16)
echo \n=== 2. The C code: kernel_main gets the two registers as its arguments.\n
break kernel_main
continue
bt
p/x magic
p *info
echo \n=== 3. The first write to the screen: "Hello", yellow on blue.\n
break terminal_write
continue
delete
finish
x/5xh 0xb8000
echo \n=== 4. Run to the end (hlt) and look at the screen.\n
continue
monitor screen
