# fpu_regs: the x87 and SSE registers in real gdb, read and written.
# guests/fpu.S loads st0 = pi, st1 = 1.5, xmm0 = {2, 4, 6, 8} and MXCSR
# with fxrstor (and xmm4 with movdqu); gdb reads them in both register
# layouts, writes st0, fctrl, xmm2 and mxcsr, and the guest stores its
# registers with fxsave and exits with 0 only when they hold what gdb
# wrote.  KVM's XSAVE image is read once a stop, only when gdb asks for
# one of these registers (strace counts the ioctls).  AVX: fpu_avx.sh.
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb
command -v strace >/dev/null || fail "strace is not installed (make test installs it)"
ELF=guests/fpu.elf
# The guest's flags are absolute symbols, which gdb does not look up.
WROTE=$(sym "$ELF" gdb_wrote)
USE_AVX=$(sym "$ELF" use_avx)
subst() { sed "s/@WROTE@/$WROTE/; s/@USE_AVX@/$USE_AVX/"; }

run_guest guests/fpu.bin

# 1. The 64-bit layout, under strace: reads, writes, the guest's verdict.
: >"$T/daemon.out"
strace -f -qq -o "$T/strace" -e trace=ioctl "$KVMSTUB" --listen 127.0.0.1:0 --arch x86-64 \
	guests/fpu.bin >"$T/daemon.out" 2>"$T/daemon.err" &
STRACE_PID=$!
for _ in $(seq 1 100); do
	PORT=$(sed -n 's/.*target remote 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$T/daemon.out" | head -1)
	[ -n "$PORT" ] && break
	sleep 0.1
done
# The daemon itself is strace's child: stopping it ends strace too.
DAEMON_PID=$(pgrep -P "$STRACE_PID" | head -1)
[ -n "$PORT" ] && [ -n "$DAEMON_PID" ] || { kill "$STRACE_PID"; fail "the daemon under strace did not start"; }
export STRACE_OUT=$T/strace T_DIR=$T

subst <<'EOF' >"$T/script.gdb"
shell grep -c 'KVM_GET_XSAVE2\|KVM_GET_XSAVE,\|KVM_GET_FPU,' $STRACE_OUT > $T_DIR/at_connect
stepi 5
shell grep -c 'KVM_GET_XSAVE2\|KVM_GET_XSAVE,\|KVM_GET_FPU,' $STRACE_OUT > $T_DIR/after_steps
break *fpu_ready
continue
info registers float
info registers vector
p $xmm0.v4_int32
p $xmm4.v4_int32
printf "MXCSR %#x\n", $mxcsr
p $st0
p $st1
printf "FTAG %#x FSTAT %#x\n", $ftag, $fstat
shell grep -c 'KVM_GET_XSAVE2\|KVM_GET_XSAVE,\|KVM_GET_FPU,' $STRACE_OUT > $T_DIR/after_look
set $st0 = 2.5
set $fctrl = 0x27f
set $xmm2.v4_int32 = {0x11111111, 0x22222222, 0x33333333, 0x44444444}
set $mxcsr = 0x3f80
maintenance flush register-cache
printf "BACK st0 %d fctrl %#x mxcsr %#x xmm2 %#x %#x\n", $st0 == 2.5, $fctrl, $mxcsr, $xmm2.v4_int32[0], $xmm2.v4_int32[3]
python
try:
    gdb.execute("set $mxcsr = 0xffffffff")
except gdb.error as e:
    print("REFUSED %s" % e)
end
set var *(int *)@WROTE@ = 1
continue
EOF
gdb64_run "$T/g" "$ELF" <"$T/script.gdb"
cat "$T/g"
daemon_stop
wait "$STRACE_PID"
expect_not "$T/g" "unavailable" "a register read as <unavailable>"
expect "$T/g" '^st0 +3\.14159265358979323851 +\(raw 0x4000c90fdaa22168c235\)$' "st0 is pi"
expect "$T/g" '^st1 +1\.5 +\(raw 0x3fffc000000000000000\)$' "st1 is 1.5"
expect "$T/g" '^fctrl +0x37f ' "fctrl after fxrstor"
expect "$T/g" '^FTAG 0xfff FSTAT 0x3000$' "the tag word: physical registers 6 and 7 valid, TOP 6"
expect "$T/g" '^xmm0 +\{v4_float' "info registers vector shows xmm0"
expect "$T/g" '^\$[0-9]+ = \{2, 4, 6, 8\}$' "xmm0.v4_int32"
expect "$T/g" '^\$[0-9]+ = \{1, 2, 3, 4\}$' "xmm4.v4_int32 (movdqu)"
expect "$T/g" '^MXCSR 0x1f80$' "mxcsr"
expect "$T/g" '^BACK st0 1 fctrl 0x27f mxcsr 0x3f80 xmm2 0x11111111 0x44444444$' \
	"the written registers read back from the target"
expect "$T/g" "^REFUSED Could not write register \"mxcsr\"; remote failure reply 'E.mxcsr 0xffffffff sets bits this CPU reserves" \
	"a reserved MXCSR bit is refused, saying why"
expect "$T/g" 'exited normally' "the guest did not see what gdb wrote (its exit status names the register)"
# The XSAVE reads after gdb connected (the machine's power-on state is
# read once before).
base=$(cat "$T/at_connect" 2>/dev/null) || fail "no count of XSAVE reads at the start"
steps=$(( $(cat "$T/after_steps") - base ))
look=$(( $(cat "$T/after_look") - base ))
[ "$steps" = 0 ] || fail "stepping without looking at the FPU read KVM's XSAVE image $steps times"
[ "$look" = 1 ] ||
	fail "info registers float and vector and five prints at one stop read the XSAVE image $look times, not once"

# 2. The 32-bit layout shows the same x87 and SSE state (xmm0-7).
daemon_start --arch i386 guests/fpu.bin
gdb_run "$T/g32" "$ELF" <<'EOF'
break *fpu_ready
continue
p $st0
p $xmm0.v4_int32
p $xmm8
EOF
cat "$T/g32"
expect "$T/g32" '^\$1 = 3\.14159265358979323851$' "i386 layout: st0"
expect "$T/g32" '^\$2 = \{2, 4, 6, 8\}$' "i386 layout: xmm0"
expect "$T/g32" '^\$3 = void$' "i386 layout: no xmm8"
daemon_stop
echo "PASS: x87 and SSE registers read and written in both layouts, one XSAVE read a stop"
