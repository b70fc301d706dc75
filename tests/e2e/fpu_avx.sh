# fpu_avx: the AVX registers in real gdb.  guests/fpu.S, told by gdb
# (use_avx) that the vCPU has AVX, enables it (CR4.OSXSAVE, XCR0) and
# computes ymm1 = {1.0, ..., 8.0} doubled with vaddps; gdb reads
# $ymm1.v8_float and $xcr0, writes ymm3 (its lower half is xmm3, its upper
# half ymm3h), and the guest exits with 0 only when vmovdqu finds that
# value in ymm3.  Only where kvmstub describes AVX (the vCPU's CPUID from
# KVM has it): a loud SKIP elsewhere.
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb
ELF=guests/fpu.elf
# The guest's flags are absolute symbols, which gdb does not look up.
WROTE=$(sym "$ELF" gdb_wrote)
USE_AVX=$(sym "$ELF" use_avx)
subst() { sed "s/@WROTE@/$WROTE/; s/@USE_AVX@/$USE_AVX/"; }

daemon_start --arch x86-64 guests/fpu.bin
gdb64_run "$T/probe" "$ELF" <<'EOF2'
printf "AVX %d\n", !$_isvoid($ymm0)
kill
EOF2
if ! grep -q '^AVX 1$' "$T/probe"; then
	cat "$T/probe"
	skip "the vCPU has no AVX on this host (KVM's CPUID for it lacks AVX or XSAVE: kvmstub describes no ymm registers)"
fi
daemon_start --arch x86-64 guests/fpu.bin
subst <<'EOF2' >"$T/script.gdb"
break *fpu_ready
continue
set var *(int *)@USE_AVX@ = 1
set $st0 = 2.5
set $fctrl = 0x27f
set $xmm2.v4_int32 = {0x11111111, 0x22222222, 0x33333333, 0x44444444}
set $mxcsr = 0x3f80
set var *(int *)@WROTE@ = 1
break *avx_ready
continue
p $ymm1.v8_float
printf "XCR0 %#x\n", $xcr0
set $ymm3.v8_int32 = {1, 2, 3, 4, 5, 6, 7, 8}
maintenance flush register-cache
printf "BACK ymm3 %d %d\n", $ymm3.v8_int32[0], $ymm3.v8_int32[7]
info registers vector
continue
EOF2
gdb64_run "$T/g" "$ELF" <"$T/script.gdb"
cat "$T/g"
expect "$T/g" '^\$1 = \{2, 4, 6, 8, 10, 12, 14, 16\}$' "ymm1.v8_float after vaddps"
expect "$T/g" '^XCR0 0x7$' "xcr0 as the guest set it"
expect "$T/g" '^BACK ymm3 1 8$' "ymm3 read back"
expect "$T/g" '^ymm3 ' "info registers vector shows the ymm registers"
expect "$T/g" 'exited normally' "the guest did not find in ymm3 what gdb wrote (exit status 4)"
echo "PASS: AVX registers read and written"
