# The protected-mode kernel: GDT, CR0.PE, far jump, IDT, ud2 -> its #UD
# handler prints where and exits through port 0xf4 with the vector (6).
. "$(dirname "$0")/lib.sh"
need_kvm
"$KVMSTUB" --no-gdb guests/protected.bin >"$T/out" 2>"$T/err"; rc=$?
ud2=$(sym guests/protected.elf fault_here)
printf 'protected mode: hello from 32-bit code\nexception 6 (#UD) at 0x%08x\n' "$ud2" >"$T/want"
diff "$T/want" "$T/out" || fail "serial output differs (want above, got below)"
[ "$rc" -eq 6 ] || fail "exit status $rc, want 6 (the #UD vector written to port 0xf4); stderr: $(cat "$T/err")"
# The ELF file boots the same way (loaded by its program headers).
"$KVMSTUB" --no-gdb guests/protected.elf >"$T/out2" 2>"$T/err2"; rc=$?
diff "$T/want" "$T/out2" || fail "ELF image: serial output differs"
[ "$rc" -eq 6 ] || fail "ELF image: exit status $rc, want 6"
# Architectural reset: first fetch at 0xfffffff0, the alias of the same image.
"$KVMSTUB" --no-gdb --reset architectural guests/protected.bin >"$T/out3" 2>&1; rc=$?
[ "$rc" -eq 6 ] || fail "--reset architectural: exit status $rc, want 6: $(cat "$T/out3")"
echo "protected: ok"
