# watch_exit_port: a `rep outsb` that reads its byte from a watched page
# and writes it to the exit port (0xF4).  gdb is told of the read
# watchpoint first; the next continue reports the guest's exit at once,
# with its status, and nothing after the outsb runs (it would print X on
# the serial port).  Before, the exit was noted and forgotten until an
# unrelated I/O exit later: the X was printed, and the exit reported there.
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb
fw_image exitport <<'SRC'
	.code16
	.globl start, outs
start:	cli
	xor	%ax, %ax
	mov	%ax, %ds
	mov	%ax, %es
	movb	$7, 0x2000
	mov	$0x2000, %si
	mov	$0xf4, %dx
	mov	$1, %cx
	cld
outs:	rep outsb
	mov	$0x3f8, %dx
	mov	$'X', %al
	out	%al, (%dx)
1:	jmp	1b
SRC
daemon_start "$T/exitport.bin"
gdb_run "$T/g" "$T/exitport.elf" <<'CMDS'
rwatch *(char *)0x2000
continue
continue
CMDS
cat "$T/g"
expect "$T/g" "Hardware read watchpoint 1: \\*\\(char \\*\\)0x2000" "the read watchpoint was not set"
expect "$T/g" "^Value = 7 '\\\\a'" "the read by rep outsb was not reported"
# The CPU reports a data breakpoint of a rep's last iteration after it.
expect "$T/g" "^0x000f0018 in outs \\(\\)" "the watchpoint stop is not after the rep outsb"
expect "$T/g" "exited with code 07" "the guest's exit was not reported at the next continue"
grep -q X "$T/daemon.out" && fail "the guest ran on after writing the exit port (X was printed)"
echo "PASS: an exit-port write whose read hit a watchpoint is reported next, and nothing runs after it"
