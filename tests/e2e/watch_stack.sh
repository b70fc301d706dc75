# watch_stack: a watchpoint never changes what the guest does, and the
# CPU's own accesses to a watched page are watched like any other (issue
# 17).  Watchpoints on the page that holds the stack, where exceptions and
# interrupts push their frames and pusha, call and int write several words:
#  1. protected.bin: a write, a read and an access watchpoint on a word of
#     the stack page; its ud2's #UD still reaches exc_6, which ends the
#     guest with status 6.
#  2. interrupts.bin: a write watchpoint on a stack-page word nothing
#     writes; the timer's interrupts are delivered, the guest ends well.
#  3. stepping.bin: the real-mode int $0x30 with its stack page watched:
#     the handler sees the frame the int pushed (IP, CS, FLAGS).
#  4. a guest that does pusha/popa and far calls on a watched stack page:
#     every register comes back, and a watched word that pusha writes is
#     reported with its old and new value, at the instruction after it.
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb

# 1. protected.bin, each kind of watchpoint.
for kind in watch rwatch awatch; do
	daemon_start guests/protected.bin
	gdb_run "$T/p-$kind" guests/protected.elf <<EOF
break *fault_here
continue
delete
$kind *(int *)0x8fff4
continue
continue
continue
continue
EOF
	cat "$T/p-$kind"
	expect_not "$T/p-$kind" "triple fault|internal error|SIGSEGV" "protected.bin, $kind on the stack page: the guest faulted"
	expect "$T/p-$kind" "exited with code 06" "protected.bin, $kind on the stack page: exc_6 did not end the guest with status 6"
	daemon_stop
done

# 2. interrupts.bin: the timer's frames on a watched stack page.
daemon_start guests/interrupts.bin
gdb_run "$T/i" guests/interrupts.elf <<'EOF'
break *main_loop
continue
delete
watch *(int *)0x8f010
continue
EOF
cat "$T/i"
expect_not "$T/i" "triple fault|internal error|SIGSEGV" "interrupts.bin: the timer interrupt faulted with the stack page watched"
expect "$T/i" "exited normally|exited with code 0*\]" "interrupts.bin did not run to its end with the stack page watched"
daemon_stop

# 3. stepping.bin: the int's frame on a watched page.
daemon_start guests/stepping.bin
gdb_run "$T/s" guests/stepping.elf <<'EOF'
break *step_int
continue
delete
watch *(short *)0x6010
break *int30_handler
continue
x/3xh $sp
EOF
cat "$T/s"
expect "$T/s" "0x003b	0xf000	0x0046" "stepping.bin: the frame int \$0x30 pushed on the watched page is not IP, CS, FLAGS"

# 4. pusha, popa and a far call on a watched stack page.
fw_image stackwatch <<'SRC'
	.code16
	.globl start, after_pusha, done
start:	cli
	xor	%ax, %ax
	mov	%ax, %ss
	mov	$0x7000, %sp
	mov	$0x1111, %ax
	mov	$0x2222, %cx
	mov	$0x3333, %dx
	mov	$0x4444, %bx
	mov	$0x5555, %bp
	mov	$0x6666, %si
	mov	$0x7777, %di
	pusha
after_pusha:
	xor	%ax, %ax
	xor	%cx, %cx
	xor	%dx, %dx
	xor	%bx, %bx
	xor	%bp, %bp
	xor	%si, %si
	xor	%di, %di
	popa
	lcall	$0xf000, $(far_sub - start)
	cmp	$0x1111, %ax
	jne	bad
	cmp	$0x2222, %cx
	jne	bad
	cmp	$0x3333, %dx
	jne	bad
	cmp	$0x4444, %bx
	jne	bad
	cmp	$0x5555, %bp
	jne	bad
	cmp	$0x6666, %si
	jne	bad
	cmp	$0x7777, %di
	jne	bad
	cmp	$0x7000, %sp
	jne	bad
done:	mov	$0, %al
	out	%al, $0xf4
bad:	mov	$1, %al
	out	%al, $0xf4
far_sub:
	lret
SRC
daemon_start "$T/stackwatch.bin"
gdb_run "$T/w" "$T/stackwatch.elf" <<'EOF'
watch *(short *)0x6ffe
continue
continue
continue
EOF
cat "$T/w"
# pusha's first push (AX at 0x6ffe) is the watched word.
expect "$T/w" "^Old value = 0$" "pusha's write of the watched word: no old value 0"
expect "$T/w" "^New value = 4369$" "pusha's write of the watched word: no new value 0x1111"
expect "$T/w" "in after_pusha" "the watchpoint on pusha's write is not reported after the pusha"
# The far call pushes CS (0xf000) over it: reported at the called code.
expect "$T/w" "^New value = -4096$" "the far call's push of CS on the watched word was not reported"
expect "$T/w" "in far_sub" "the watchpoint on the far call's push is not reported at far_sub"
expect "$T/w" "exited normally|exited with code 0*\]" "the registers pusha saved on the watched page did not come back (exit status 1)"
echo "PASS: watchpoints on the stack page leave event delivery, pusha, calls and ints as they are"
