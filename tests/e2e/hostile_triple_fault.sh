# A guest that triple-faults (divide by zero in protected mode with an
# empty IDT): the stop is reported to gdb (SIGSEGV and the message) and on
# the daemon's stderr; continuing faults again rather than hanging; the
# daemon stays responsive; monitor reset recovers (pc 0xffff0, stepi works).
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb
fw_image tf <<'EOF'
	.code16
	.text
	.globl start, pm, fault
start:	cli
	lgdtl	%cs:gdtp - start
	lidtl	%cs:idtp - start	/* an IDT with limit 0: no exception can be delivered */
	mov	%cr0, %eax
	or	$1, %eax
	mov	%eax, %cr0
	ljmpl	$8, $pm
	.code32
pm:	mov	$0x10, %ax
	mov	%ax, %ds
	xor	%ecx, %ecx
fault:	div	%ecx			/* #DE -> #GP -> #DF -> shutdown */
	jmp	.
	.balign 8
gdt:	.quad 0
	.quad 0x00cf9a000000ffff
	.quad 0x00cf92000000ffff
gdtp:	.word gdtp - gdt - 1
	.long gdt
idtp:	.word 0
	.long 0
EOF
fault=$(sym "$T/tf.elf" fault)
daemon_start "$T/tf.bin"
gdb_run "$T/g" -ex "file $T/tf.elf" <<EOF
continue
p/x \$pc
continue
p/x \$pc
monitor reset
maintenance flush register-cache
p/x \$pc
stepi
p/x \$pc
EOF
cat "$T/g"
expect "$T/g" "^triple fault \(shutdown\) at 0008:000f0029 \(linear $fault, protected mode\)$" \
	"gdb did not show the fault's message"
expect "$T/g" "Program received signal SIGSEGV" "gdb did not report SIGSEGV"
expect "$T/g" "^\\\$1 = $fault\$" "the pc is not at the faulting div"
expect "$T/g" "^\\\$2 = $fault\$" "continuing after the fault did not fault again at the div"
expect "$T/g" '^\$3 = 0xffff0$' "after monitor reset the pc is not 0xffff0"
expect "$T/g" '^\$4 = 0xf0000$' "stepi after monitor reset did not reach start"
expect "$T/daemon.err" "^kvmstub: guest fault: triple fault \(shutdown\) at 0008:000f0029 \(linear $fault, protected mode\)$" \
	"the daemon did not report the fault on stderr"
kill -0 "$DAEMON_PID" || fail "the daemon died"
timeout 10 python3 tests/e2e/rsp.py "127.0.0.1:$PORT" '?' >"$T/r" || fail "the daemon does not answer"
expect "$T/r" '^T' "the daemon does not answer '?'"
