# unwind.sh - gdb unwinds the lesson guests (their call frame information,
# guests/cfi.inc) in real, protected and long mode, and what it shows is
# what the CPU does: for a routine entered by `call` and for an interrupt
# handler, at every instruction until the CPU is back in the caller, gdb's
# frame 1 holds the pc, stack pointer (and flags, CS, registers) that the
# CPU has after the return (unwind-check, tests/e2e/unwind.py).  Then
# `bt`, `up`, `finish`, and `nexti` over a call made from outermost code,
# in each mode.  The reference is the CPU itself, stepped by kvmstub.
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb
gdb -nx -batch -ex 'python print("py-ok")' 2>/dev/null | grep -q py-ok ||
	skip "this gdb has no Python (tests/e2e/unwind.py needs it)"

# run IMAGE ELF OUT [--arch x86-64 | kvmstub args] < commands: gdb with
# unwind.py loaded against a fresh daemon.
run() {
	local image=$1 elf=$2 out=$3; shift 3
	daemon_start "$@" "$image"
	if [ "${1:-}" = --arch ]; then
		gdb64_run "$out" "$elf" -x tests/e2e/unwind.py
	else
		gdb_run "$out" "$elf" -x tests/e2e/unwind.py
	fi
	daemon_stop
}

# call_site ELF FUNC [OBJDUMP-OPTION]: the address of the first `call
# FUNC` in ELF (-Mi8086 for 16-bit code).
call_site() {
	local a
	a=$(objdump -d ${3:+"$3"} "$1" | awk -v f="<$2>" 'index($0, "call") && index($0, f) { sub(":", "", $1); print $1; exit }')
	[ -n "$a" ] || fail "no call $2 in $1"
	printf '0x%x' "0x$a"
}

# checked OUT NAME: unwind-check's line for NAME says it returned, exactly.
checked() {
	expect "$1" "^UNWIND $2: [0-9]+ steps, returned, 0 mismatches\$" \
		"gdb's frames in $2 do not match what the CPU did"
}

# ---- Real mode, with SS != 0, ESP's high half set, and a call two deep:
# a guest of our own, built with the lesson guests' include files.
cat >"$T/rm.S" <<'EOF'
#include "firmware.inc"
	.code16
	.text
	.globl	start, outer, inner, after_outer
.Limage_start:
start:
	CFI_OUTERMOST
	cli
	mov	$0x0500, %ax
	mov	%ax, %ss		/* SS.base 0x5000 */
	mov	$0x12340800, %esp	/* SP 0x0800: linear 0x5800 */
	mov	$0xaaaa1111, %eax	/* the routines change the low halves */
	mov	$0xbbbb2222, %ebx
	mov	$0xcccc3333, %ecx
	call	outer
after_outer:
	mov	$0, %al
	out	%al, $EXIT_PORT
1:	hlt
	jmp	1b
	.cfi_endproc
outer:
	CFI16_PROC
	push	%bx
	CFI16_CFA 4
	CFI16_SAVED DWARF_EBX, 4
	mov	$0x5555, %bx
	call	inner
	pop	%bx
	CFI16_CFA 2
	.cfi_restore DWARF_EBX
	ret
	CFI_ENDPROC outer
inner:
	CFI16_PROC
	push	%ax
	CFI16_CFA 4
	CFI16_SAVED DWARF_EAX, 4
	push	%cx
	CFI16_CFA 6
	CFI16_SAVED DWARF_ECX, 6
	mov	$0x6666, %ax
	mov	$0x7777, %cx
	pop	%cx
	CFI16_CFA 4
	.cfi_restore DWARF_ECX
	pop	%ax
	CFI16_CFA 2
	.cfi_restore DWARF_EAX
	ret
	CFI_ENDPROC inner
	RESET_VECTOR
EOF
cc -m32 -c -I guests -o "$T/rm.o" "$T/rm.S" &&
	ld -m elf_i386 -nostdlib -T guests/firmware.lds -o "$T/rm.elf" "$T/rm.o" &&
	objcopy -O binary "$T/rm.elf" "$T/rm.bin" || fail "cannot build the real-mode guest"
run "$T/rm.bin" "$T/rm.elf" "$T/rm" <<'EOF'
break *inner
continue
bt
frame-regs 2 pc sp eax ebx ecx
unwind-check 50 eax ebx ecx
unwind-check 50 eax ebx ecx
EOF
expect "$T/rm" '^#0  0x000f00[0-9a-f]{2} in inner \(\)$' "bt: frame 0 is not inner"
expect "$T/rm" '^#1  0x000f00[0-9a-f]{2} in outer \(\)$' "bt: frame 1 is not outer"
expect "$T/rm" '^#2  0x000f00[0-9a-f]{2} in start \(\)$' "bt: frame 2 is not start (the outermost)"
expect_not "$T/rm" '^#3' "bt goes past the outermost frame"
expect "$T/rm" "^FRAME 2 start pc=$(sym "$T/rm.elf" after_outer) sp=0x12340800 eax=0xaaaa1111 ebx=0xbbbb2222 ecx=0xcccc3333\$" \
	"frame 2 (two calls up, SS.base 0x5000): not the registers start has after the calls"
checked "$T/rm" inner
checked "$T/rm" outer
echo "real mode, SS 0x500: inner and outer unwind at every instruction"

# ---- Real mode: the serial lesson (lesson 3).
ELF=guests/serial.elf
site=$(call_site $ELF putc -Mi8086)
run guests/serial.bin $ELF "$T/serial" <<EOF
break *$site
continue
nexti
printf "NEXTI pc=%#x sp=%#x\n", \$pc, \$sp
delete
break *putc
continue
bt
up
printf "UP pc=%#x sp=%#x\n", \$pc, \$sp
down
finish
printf "FINISH pc=%#x sp=%#x\n", \$pc, \$sp
EOF
expect "$T/serial" "^NEXTI pc=$(printf '%#x' $((site + 3))) sp=0x7000\$" \
	"nexti over call putc (from outermost code) did not stop right after the call"
back=$((site + 8))	# the second call's return address (the first: site + 3)
expect "$T/serial" "^#1  $(printf '0x%08x' $back) in to_ascii \(\)\$" "bt in putc (second call): frame 1"
expect "$T/serial" "^UP pc=$(printf '%#x' $back) sp=0x7000\$" "up from putc"
expect "$T/serial" "^FINISH pc=$(printf '%#x' $back) sp=0x7000\$" "finish from putc did not return to the caller"
run guests/serial.bin $ELF "$T/serial2" <<'EOF'
break *putc
continue
unwind-check 100 eax edx
EOF
checked "$T/serial2" putc
echo "real mode: serial.S's putc unwinds; bt, up, finish, nexti"

# ---- Protected mode: print and putc, print_dec (its frame grows with
# ECX), an exception frame, the timer interrupt's frame.
ELF=guests/protected.elf
run guests/protected.bin $ELF "$T/pm" <<'EOF'
break *print
continue
unwind-check 2000 eax ecx edx esi
printf "LIVE pc=%#x sp=%#x cs=%#x eflags=%#x\n", $pc, $sp, $cs, $eflags
delete
break *exc_common
continue
bt
frame-regs 1 pc sp cs eflags
break *print_dec
continue
unwind-check 200 eax ecx edx ebx
EOF
run guests/protected.bin $ELF "$T/pm2" <<EOF
break *$(call_site $ELF print)
continue
nexti
printf "NEXTI pc=%#x sp=%#x\n", \$pc, \$sp
nexti
printf "NEXTI-UD2 pc=%#x\n", \$pc
EOF
fault=$(sym $ELF fault_here)
expect "$T/pm2" "^NEXTI pc=$fault sp=0x90000\$" "nexti over call print did not stop at fault_here"
expect "$T/pm2" "^NEXTI-UD2 pc=$(sym $ELF exc_6)\$" "nexti on the ud2 did not stop in the #UD handler, where the CPU went"
checked "$T/pm" print
expect "$T/pm" '^#0  0x[0-9a-f]+ in exc_common \(\)$' "bt in exc_common: frame 0"
expect "$T/pm" "^#1  $(printf '0x%08x' $fault) in " "bt in exc_common: frame 1 is not the ud2"
read -r lpc lsp lcs lfl < <(sed -n 's/^LIVE pc=\(0x[0-9a-f]*\) sp=\(0x[0-9a-f]*\) cs=\(0x[0-9a-f]*\) eflags=\(0x[0-9a-f]*\)$/\1 \2 \3 \4/p' "$T/pm")
[ "${lpc:-}" = "$fault" ] || fail "print did not return to fault_here"
# A fault pushes EFLAGS with RF (bit 16) set.
expect "$T/pm" "^FRAME 1 [a-z_]+ pc=$lpc sp=$lsp cs=$lcs eflags=$(printf '%#x' $((lfl | 0x10000)))\$" \
	"the exception frame: gdb's frame 1 is not the CPU's state at the ud2"
checked "$T/pm" print_dec

ELF=guests/interrupts.elf
site=$(call_site $ELF pic_init)
run guests/interrupts.bin $ELF "$T/irq" <<EOF
break *main_loop
continue
delete
break *timer_handler
continue
unwind-check 100 eflags cs eax
delete
monitor reset
maintenance flush register-cache
break *$site
continue
nexti
printf "NEXTI pc=%#x\n", \$pc
nexti
printf "NEXTI pc=%#x\n", \$pc
delete
break *print_dec
continue
unwind-check 500 eax ecx edx ebx esi
EOF
checked "$T/irq" timer_handler
checked "$T/irq" print_dec
expect "$T/irq" "^NEXTI pc=$(printf '%#x' $((site + 5)))\$" "nexti over call pic_init"
expect "$T/irq" "^NEXTI pc=$(printf '%#x' $((site + 10)))\$" "nexti over call pit_init"
echo "protected mode: print, putc, print_dec, the timer handler unwind; an exception frame; nexti"

# ---- Long mode (64-bit register layout).
ELF=guests/long.elf
run guests/long.bin $ELF "$T/long" --arch x86-64 <<EOF
break *$(call_site $ELF print64)
continue
nexti
printf "NEXTI pc=%#x sp=%#x\n", \$pc, \$sp
EOF
expect "$T/long" "^NEXTI pc=$(sym $ELF done) sp=0x90000\$" "nexti over call print64 did not stop at done"
run guests/long.bin $ELF "$T/long2" --arch x86-64 <<'EOF'
break *print64
continue
bt
finish
printf "FINISH pc=%#x sp=%#x\n", $pc, $sp
EOF
expect "$T/long2" "^#1  $(printf '0x%016x' $(sym $ELF done)) in say_hello \(\)\$" "bt in print64: frame 1"
expect "$T/long2" "^FINISH pc=$(sym $ELF done) sp=0x90000\$" "finish from print64"
run guests/long.bin $ELF "$T/long3" --arch x86-64 <<'EOF'
break *print64
continue
unwind-check 1000 rax rdx rsi
EOF
checked "$T/long3" print64
echo "long mode: print64 unwinds; bt, finish, nexti"

# ---- The other lesson guests' bt ends in no error: stop in every routine
# that has debug information, and look at the bottom of the backtrace
# (past main(), where gdb's bt stops by default, to the C guest's boot
# stub).  One session a routine (gdb makes these breakpoints hardware ones,
# and there are four); a routine the guest never calls runs it to its end.
for g in protected paging smp cloop; do
	elf=guests/$g.elf args=() hits=0
	case $g in long|paging) args=(--arch x86-64) ;; smp) args=(--smp 2) ;; esac
	funcs=$(readelf --debug-dump=info "$elf" 2>/dev/null |
		awk '/DW_TAG_subprogram/ { s = 1 } s && /DW_AT_name/ { print $NF; s = 0 }' | sort -u)
	[ -n "$funcs" ] || fail "$elf has no routine with debug information"
	for f in $funcs; do
		run guests/$g.bin "$elf" "$T/all" "${args[@]}" <<-EOF
		set backtrace past-main on
		break *$f
		continue
		frame-regs 1 pc
		python print("BOTTOM", gdb.frame_stop_reason_string(frames()[-1].unwind_stop_reason()))
		EOF
		grep -Eq "^(Thread [0-9]+ hit )?Breakpoint 1, " "$T/all" || continue
		hits=$((hits + 1))
		expect_not "$T/all" '^FRAME 1 none' "$g: $f has no caller frame"
		expect "$T/all" '^BOTTOM outermost$' "$g: the backtrace in $f does not end in the outermost frame"
	done
	[ $hits -gt 0 ] || fail "$g: none of its routines was reached"
	echo "$g: $hits of its $(echo $funcs | wc -w) routines reached, each backtrace ends in the outermost frame"
done
