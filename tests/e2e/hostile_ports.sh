# A guest that writes (and reads) every I/O port, 0 to 0xffff except the
# exit port 0xf4, with 0xfe (the reset command of the keyboard controller
# and of port 0xcf9 on a PC), then string I/O (rep outsw / rep insb):
# nothing crashes, nothing resets; without --verbose the daemon prints
# nothing but the serial bytes (ports 0x3f8, 0xe9, 0x402: three bytes);
# with --verbose its log stays bounded: one line per byte of port I/O
# without a device (131070 + 2 x 4096), never more.
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb
fw_image ports <<'EOF'
	.code16
	.text
	.globl start, again, done
start:	cli
	xor	%ax, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	$0x7000, %sp
	xor	%dx, %dx
again:	cmp	$0xf4, %dx		/* the exit port would end the guest */
	je	1f
	mov	$0xfe, %al
	out	%al, %dx
	in	%dx, %al
1:	inc	%dx
	jnz	again
	cld
	mov	$0x80, %dx		/* the POST port: 4096 words in one instruction */
	xor	%si, %si
	mov	$4096, %cx
	rep outsw
	mov	$0x3fd, %dx		/* the UART status, 512 bytes of it into RAM */
	mov	$0x1000, %di
	mov	$512, %cx
	rep insb
done:	hlt
	jmp	done
EOF
done_=$(sym "$T/ports.elf" done)

# Without gdb, without --verbose: it ends at the hlt, silently.
timeout 30 "$KVMSTUB" --no-gdb "$T/ports.bin" >"$T/out" 2>"$T/err"; rc=$?
[ "$rc" -eq 0 ] || fail "--no-gdb: status $rc, want 0 (hlt): $(cat "$T/err")"
[ ! -s "$T/err" ] || fail "the daemon printed on stderr without --verbose: $(head -5 "$T/err")"
bytes=$(wc -c <"$T/out")
[ "$bytes" -le 3 ] || fail "stdout has $bytes bytes, want the 3 serial bytes at most"
echo "ok: --no-gdb: status 0, stderr empty, $bytes serial bytes on stdout"

# With --verbose: bounded.
timeout 60 "$KVMSTUB" --no-gdb --verbose --serial none "$T/ports.bin" >"$T/out" 2>"$T/err"; rc=$?
[ "$rc" -eq 0 ] || fail "--no-gdb --verbose: status $rc, want 0"
lines=$(wc -l <"$T/err")
echo "--verbose: $lines lines on stderr"
[ "$lines" -le 150000 ] || fail "--verbose logged $lines lines for 139262 port accesses"

# Under gdb: continue ends at the hlt with its message; Ctrl-C while it
# loops over the ports works too; the daemon stays responsive.
daemon_start --serial none "$T/ports.bin"
gdb_run "$T/g" <<EOF
continue
p/x \$pc
monitor reset
maintenance flush register-cache
p/x \$pc
EOF
cat "$T/g"
expect "$T/g" "hlt with interrupts disabled" "gdb did not show the hlt message"
after_hlt=$(printf '0x%x' $((done_ + 1)))
expect "$T/g" "^\\\$1 = $after_hlt\$" "the guest did not reach the hlt at done"
expect "$T/g" '^\$2 = 0xffff0$' "monitor reset did not go back to the reset vector"
[ ! -s "$T/daemon.err" ] || fail "the daemon printed on stderr: $(head -5 "$T/daemon.err")"
kill -0 "$DAEMON_PID" || fail "the daemon died"
