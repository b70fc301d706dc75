# Every bad input has its own message and exit status: 2 for bad usage,
# 1 for a file or machine that cannot be used.  Never a crash.
. "$(dirname "$0")/lib.sh"
need_kvm

# check STATUS REGEX ARGS...: run kvmstub, compare status and stderr.
check() {
	local want=$1 re=$2; shift 2
	"$KVMSTUB" "$@" >"$T/out" 2>"$T/err"; rc=$?
	[ "$rc" -eq "$want" ] || fail "kvmstub $*: status $rc, want $want; stderr: $(cat "$T/err")"
	grep -Eq -- "$re" "$T/err" || fail "kvmstub $*: stderr '$(cat "$T/err")' does not match /$re/"
	echo "ok: kvmstub $* -> $rc: $(head -1 "$T/err")"
}

: >"$T/empty.bin"
head -c $((16 * 1024 * 1024 + 1)) /dev/zero >"$T/big.bin"
head -c $((16 * 1024 * 1024)) /dev/zero >"$T/max.bin"
mkdir "$T/dir.bin"
printf '\177ELF\001\001\001\000' >"$T/trunc.elf"

check 2 "no image given" --no-gdb
check 2 "unknown option '--frobnicate'" --frobnicate guests/serial.bin
check 2 "--memory: bad size 'lots'" --memory lots guests/serial.bin
check 2 "--memory 64K is too small" --memory 64K guests/serial.bin
check 2 "--memory 8G is too large" --memory 8G guests/serial.bin
check 2 "--reset: unknown style 'warm'" --reset warm guests/serial.bin
check 2 "--listen: bad port '70000'" --listen :70000 guests/serial.bin
check 2 "option '--memory' needs a value" guests/serial.bin --memory
check 2 "--load .*below 1 MiB" --load 0x200000 guests/serial.bin
check 1 "nonexistent.bin: No such file or directory" --no-gdb "$T/nonexistent.bin"
check 1 "empty image" --no-gdb "$T/empty.bin"
check 1 "16777217 bytes.*at most 16777216" --no-gdb "$T/big.bin"
check 1 "Is a directory" --no-gdb "$T/dir.bin"
check 1 "trunc.elf: .*(truncated|too short|ELF)" --no-gdb "$T/trunc.elf"
check 2 "refusing to listen on 0\.0\.0\.0: not a loopback address" --listen 0.0.0.0:1234 guests/kernel1.bin

# More, each with its whole message (the first line of stderr) and status.
exact() {
	local want=$1 msg=$2; shift 2
	"$KVMSTUB" "$@" >"$T/out" 2>"$T/err" </dev/null; rc=$?
	[ "$rc" -eq "$want" ] || fail "kvmstub $*: status $rc, want $want; stderr: $(cat "$T/err")"
	[ "$(head -1 "$T/err")" = "$msg" ] || fail "kvmstub $*: stderr '$(head -1 "$T/err")', want '$msg'"
	echo "ok: kvmstub $* -> $rc: $msg"
}
exact 2 "kvmstub: --listen unix:PATH: the path is empty" --listen unix: guests/serial.bin
exact 2 "kvmstub: more than one image given ('guests/serial.bin' and 'guests/kernel1.bin')" \
	guests/serial.bin guests/kernel1.bin
exact 2 "kvmstub: option '--reset' needs a value" --reset
exact 2 "kvmstub: --load: bad address 'zz' (decimal, or hex with 0x)" --load zz guests/serial.bin
exact 2 "kvmstub: --memory 0 is too small: at least 1M (the firmware sits below 1 MiB)" \
	--memory 0 guests/serial.bin
exact 2 "kvmstub: --listen: bad port 'notaport' (expected 0-65535; forms: HOST:PORT, :PORT, PORT, unix:PATH)" \
	--listen 127.0.0.1:notaport guests/serial.bin
exact 1 "kvmstub: --load applies to raw images only; an ELF file is placed by its program headers" \
	--no-gdb --load 0x7c00 guests/kernel1.elf
exact 1 "kvmstub: --serial: cannot open $T/nodir/x: No such file or directory" \
	--no-gdb --serial "$T/nodir/x" guests/serial.bin
# (Offline, the resolver may say it differently.)
check 1 "^kvmstub: cannot listen on nosuchhost\.invalid:1: (Name or service not known|Temporary failure in name resolution|No address associated with hostname)$" \
	--listen nosuchhost.invalid:1 guests/serial.bin
# The port of a daemon that is already listening.
"$KVMSTUB" --listen 127.0.0.1:0 guests/kernel1.bin >"$T/busy" 2>/dev/null &
busy=$!
for _ in $(seq 1 100); do grep -q "target remote" "$T/busy" && break; sleep 0.05; done
bport=$(sed -n 's/.*target remote 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$T/busy")
exact 1 "kvmstub: cannot listen on 127.0.0.1:$bport: Address already in use (is another kvmstub or gdbserver running? choose another port with --listen)" \
	--listen "127.0.0.1:$bport" guests/serial.bin
kill $busy; wait $busy 2>/dev/null

# A zero 16 MiB image is accepted (and faults or runs; it must not crash).
timeout 5 "$KVMSTUB" --no-gdb --serial none "$T/max.bin" >"$T/out" 2>"$T/err"; rc=$?
[ "$rc" -ne 124 ] || true	# a zeroed image may loop: killed by timeout is fine
[ "$rc" -lt 128 ] || [ "$rc" -eq 124 ] || fail "16 MiB zero image: killed by signal $((rc - 128))"

# --help lists every option with its default, status 0.
"$KVMSTUB" --help >"$T/help" 2>&1 || fail "--help failed"
for o in --memory --load --reset --serial --listen --no-gdb --once --verbose --probe --help --version; do
	grep -q -- "$o" "$T/help" || fail "--help does not list $o"
done
expect "$T/help" "default 16M"
expect "$T/help" "default 127.0.0.1:1234"
"$KVMSTUB" --version >"$T/v" || fail "--version failed"
expect "$T/v" "^kvmstub [0-9]+\.[0-9]+"

# /dev/kvm unusable: permission denied as an unprivileged user...
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ] && [ "$(stat -c %a /dev/kvm)" = 600 ]; then
	setpriv --reuid=65534 --regid=65534 --clear-groups "$KVMSTUB" --no-gdb "$PWD/guests/serial.bin" \
		>"$T/out" 2>"$T/err"; rc=$?
	[ "$rc" -eq 1 ] || fail "as nobody: status $rc, want 1"
	expect "$T/err" "cannot open /dev/kvm: Permission denied \(is your user in group kvm\?\)"
else
	echo "SKIP (part): permission-denied case needs root and /dev/kvm mode 600"
fi
# ...and missing, in a private mount namespace with an empty /dev.
if command -v unshare >/dev/null && [ "$(id -u)" = 0 ]; then
	unshare --mount sh -c "mount -t tmpfs none /dev && exec '$(realpath "$KVMSTUB")' --no-gdb '$PWD/guests/serial.bin'" \
		>"$T/out" 2>"$T/err"; rc=$?
	[ "$rc" -eq 1 ] || fail "without /dev/kvm: status $rc, want 1: $(cat "$T/err")"
	expect "$T/err" "cannot open /dev/kvm: No such file or directory \(KVM is not available on this machine\)"
else
	echo "SKIP (part): missing-/dev/kvm case needs root for a private mount namespace"
fi
