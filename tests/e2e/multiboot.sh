# Multiboot 1 and 2 kernels (issue 15): the state the specifications give
# the kernel at its entry, checked in real gdb (EAX, EBX, flat CS and DS,
# CR0, EFLAGS), the information structure read through gdb, and the
# test kernels' own view of it (guests/mbinfo.c) with --append and two
# --module files; the start-up line names the protocol.
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb

printf 'the first module' >"$T/mod1.txt"
head -c 10000 /dev/urandom >"$T/mod2.bin"
sum2=$(od -An -v -tu1 "$T/mod2.bin" | tr -s ' ' '\n' | awk '{ s += $1 } END { print s }')

# --- multiboot 1: the entry state in gdb ---
daemon_start --append "root=/dev/x quiet" --module "$T/mod1.txt,one two" \
	--module "$T/mod2.bin" guests/mbinfo1.elf
expect "$T/daemon.err" '^kvmstub: multiboot 1 kernel \(ELF\), entry 0x[0-9a-f]+, 2 modules' \
	"the start-up line does not name the protocol"
expect "$T/daemon.out" 'guest halted at 0008:' "the guest does not start in protected mode"
gdb_run "$T/g1" guests/mbinfo1.elf <<'GDB'
printf "ENTRY pc %#x start %#x\n", $pc, &_start
printf "EAX %#x\n", $eax
printf "CS %#x DS %#x SS %#x ES %#x\n", $cs, $ds, $ss, $es
printf "CR0 %#x IF %d\n", $cr0, ($eflags >> 9) & 1
printf "CS_BASE %#x CS_LIMIT %#x\n", $cs_base, $cs_limit
set $mbi = (unsigned int *)$ebx
printf "FLAGS %#x\n", $mbi[0]
printf "MEM %d %d\n", $mbi[1], $mbi[2]
printf "CMDLINE %s\n", (char *)$mbi[4]
printf "MODS %d\n", $mbi[5]
set $mod = (unsigned int *)$mbi[6]
printf "MOD0 %s\n", (char *)$mod[2]
printf "MOD0LEN %d\n", $mod[1] - $mod[0]
printf "MOD0DATA %s\n", (char *)$mod[0]
printf "MOD1LEN %d\n", $mod[5] - $mod[4]
printf "LOADER %s\n", (char *)$mbi[16]
kill
GDB
cat "$T/g1"
expect "$T/g1" '^ENTRY pc (0x[0-9a-f]+) start \1$' "the CPU does not start at the ELF entry"
expect "$T/g1" '^EAX 0x2badb002$' "EAX is not the multiboot 1 magic"
expect "$T/g1" '^CS 0x8 DS 0x10 SS 0x10 ES 0x10$' "the segments are not the flat GDT's"
expect "$T/g1" '^CR0 0x11 IF 0$' "not protected mode without paging, or interrupts on"
expect "$T/g1" '^CS_BASE 0 CS_LIMIT 0xffffffff$' "CS is not flat"
expect "$T/g1" '^MEM 639 15360$' "mem_lower/mem_upper for 16 MiB"
expect "$T/g1" '^CMDLINE guests/mbinfo1.elf root=/dev/x quiet$' "the command line"
expect "$T/g1" '^MODS 2$' "the module count"
expect "$T/g1" "^MOD0 $T/mod1.txt one two\$" "the first module's string"
expect "$T/g1" '^MOD0LEN 16$' "the first module's length"
expect "$T/g1" '^MOD0DATA the first module' "the first module's bytes"
expect "$T/g1" '^MOD1LEN 10000$' "the second module's length"
expect "$T/g1" '^LOADER kvmstub$' "the boot loader name"
daemon_stop

# --- multiboot 1: what the kernel itself sees ---
timeout 20 "$KVMSTUB" --no-gdb --append "a b" --module "$T/mod1.txt,one" --module "$T/mod2.bin" \
	guests/mbinfo1.elf >"$T/k1" 2>"$T/k1.err" || fail "mbinfo1.elf exited $?: $(cat "$T/k1.err")"
cat "$T/k1"
expect "$T/k1" '^magic 0x2badb002$' "magic"
expect "$T/k1" '^mem_lower 639$' "mem_lower"
expect "$T/k1" "^module 0 size 16 sum [0-9]+ page-aligned string '$T/mod1.txt one'\$" "module 0"
expect "$T/k1" "^module 1 size 10000 sum $sum2 page-aligned string '$T/mod2.bin'\$" \
	"module 1: its bytes are not the file's"
expect "$T/k1" '^mmap 0x0 0x9fc00 type 1$' "the memory map's first entry"
expect "$T/k1" '^mmap 0x100000 0xf00000 type 1$' "the memory map's RAM above 1 MiB"
expect "$T/k1" '^framebuffer 0xb8000 pitch 160 80x25x16 type 2$' "the EGA text framebuffer"
expect "$T/k1" '^done$' "the kernel did not finish"

# --- multiboot 2 ---
daemon_start --append "two" --module "$T/mod1.txt,m" guests/mbinfo2.elf
expect "$T/daemon.err" '^kvmstub: multiboot 2 kernel \(ELF\), entry 0x[0-9a-f]+, 1 module' \
	"the multiboot 2 start-up line"
gdb_run "$T/g2" guests/mbinfo2.elf <<'GDB'
printf "EAX %#x\n", $eax
printf "ALIGNED %d\n", ($ebx & 7) == 0
printf "TOTAL %d\n", *(unsigned int *)$ebx > 16
printf "FIRST %d\n", *(unsigned int *)($ebx + 8)
printf "CS %#x DS %#x CR0 %#x\n", $cs, $ds, $cr0
kill
GDB
cat "$T/g2"
expect "$T/g2" '^EAX 0x36d76289$' "EAX is not the multiboot 2 magic"
expect "$T/g2" '^ALIGNED 1$' "the information is not 8-byte aligned"
expect "$T/g2" '^FIRST 1$' "the first tag is not the command line"
expect "$T/g2" '^CS 0x8 DS 0x10 CR0 0x11$' "the multiboot 2 entry state"
daemon_stop
timeout 20 "$KVMSTUB" --no-gdb --append "two words" --module "$T/mod2.bin,x" guests/mbinfo2.elf \
	>"$T/k2" 2>"$T/k2.err" || fail "mbinfo2.elf exited $?: $(cat "$T/k2.err")"
cat "$T/k2"
expect "$T/k2" '^magic 0x36d76289$' "multiboot 2 magic"
expect "$T/k2" "^cmdline 'guests/mbinfo2.elf two words'\$" "multiboot 2 command line"
expect "$T/k2" "^loader 'kvmstub'\$" "multiboot 2 loader name"
expect "$T/k2" "^module 0 size 10000 sum $sum2 page-aligned string '$T/mod2.bin x'\$" \
	"multiboot 2 module"
expect "$T/k2" '^mem_lower 639$' "multiboot 2 basic memory"
expect "$T/k2" '^mmap 0x100000 0xf00000 type 1$' "multiboot 2 memory map"
expect "$T/k2" '^framebuffer 0xb8000 pitch 160 80x25x16 type 2$' "multiboot 2 framebuffer"
expect "$T/k2" '^end$' "multiboot 2 end tag"
echo "PASS: multiboot 1 and 2 entry state and information"
