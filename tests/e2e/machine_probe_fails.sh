# The probe measures the host in a helper thread while the daemon starts
# listening (kvm/startup.c).  When it fails, the daemon says why, gdb can
# still look at the machine, and whatever needs the measurements (running
# the guest, breakpoints, monitor info) is refused with that reason.  An
# LD_PRELOAD shim makes the probe's extra vCPUs fail (shims/).
. "$(dirname "$0")/lib.sh"
need_kvm
need_gdb
command -v gcc >/dev/null || fail "gcc is not installed (make test installs it)"
gcc -shared -fPIC -O2 -o "$T/shim.so" "$(dirname "$0")/shims/fail_probe_vcpus.c" -ldl ||
	fail "cannot build the shim"
# A sanitized daemon (make test SANITIZE=1) wants its ASan runtime first.
preload=$T/shim.so
asan=$(ldd "$KVMSTUB" | awk '/libasan/ { print $3 }')
[ -n "$asan" ] && preload="$asan $preload"

# --no-gdb: the guest is not started; status 1 and the reason.
LD_PRELOAD=$preload timeout 20 "$KVMSTUB" --no-gdb guests/protected.bin >"$T/out" 2>"$T/err"
rc=$?
cat "$T/err"
[ "$rc" -eq 1 ] || fail "--no-gdb with a failing probe: status $rc, want 1"
expect "$T/err" "^kvmstub: probing this host's KVM failed: .*KVM_CREATE_VCPU" "the reason"
expect "$T/err" "^kvmstub: cannot start the guest" "the refusal"
[ -s "$T/out" ] && fail "the guest ran: $(cat "$T/out")"

# Under gdb: registers and memory are there, running is refused.
LD_PRELOAD=$preload daemon_start guests/protected.bin
gdb_run "$T/g" <<'GDB'
printf "pc at reset: 0x%x\n", $pc
x/2xb 0xffff0
monitor info
stepi
break *0xffff0
continue
GDB
cat "$T/g"
daemon_stop
cat "$T/daemon.err"
expect "$T/g" '^pc at reset: 0xffff0$' "the registers"
expect "$T/g" '^0xffff0.*0xea' "memory (the far jump at the reset vector)"
expect "$T/g" "^probing this host's KVM failed: " "monitor info does not give the reason"
expect "$T/daemon.err" "^kvmstub: probing this host's KVM failed: .*KVM_CREATE_VCPU" "the daemon's message"
[ "$(grep -c "probing this host's KVM failed" "$T/daemon.err")" -eq 1 ] ||
	fail "the reason is not said exactly once"
expect_not "$T/g" 'Breakpoint 1, ' "a breakpoint hit with the probe failed"
echo "machine_probe_fails: ok"
