# machine_elf_start.sh - an ELF file that cannot boot is refused, saying
# what it is and what kvmstub can boot (issue 17), with exit status 1 (an
# image that cannot be used, as the README says), before anything runs or
# listens.  An ELF file that loads code at the reset vector still boots,
# with either reset style.
. "$(dirname "$0")/lib.sh"
need_kvm

ADVICE="kvmstub boots raw firmware, an ELF file that loads code at the reset vector, or a multiboot kernel (a multiboot 1 or 2 header in its first 8 or 32 KiB) at its entry point"

# refused WHAT REGEX KVMSTUB-ARGS...: status 1, the first line of stderr
# matches REGEX and ends with the advice, nothing on stdout.
refused() {
	local what=$1 re=$2 rc line; shift 2
	timeout 20 "$KVMSTUB" "$@" >"$T/out" 2>"$T/err" </dev/null; rc=$?
	line=$(head -1 "$T/err")
	[ "$rc" -eq 1 ] || fail "$what: kvmstub $*: status $rc, want 1; stderr: $(cat "$T/err")"
	[[ $line =~ $re ]] || fail "$what: kvmstub $*: stderr '$line' does not match /$re/"
	[[ $line == *"; $ADVICE" ]] || fail "$what: the message does not end with the advice: '$line'"
	[ ! -s "$T/out" ] || fail "$what: something ran or listened: $(cat "$T/out")"
	echo "ok: $what -> 1: $line"
}

# The issue's own trigger: a program of this very system.
if [ "$(head -c 4 /bin/ls | od -An -c | tr -d ' ')" = '177ELF' ]; then
	refused "/bin/ls --no-gdb" \
		'^kvmstub: /bin/ls: a dynamically linked program \(its interpreter is /[^ ]*ld[^ ]*\), which runs under an operating system, not on a bare machine' \
		--no-gdb /bin/ls
	refused "/bin/ls under gdb" '^kvmstub: /bin/ls: a dynamically linked program' \
		--listen 127.0.0.1:0 /bin/ls
else
	echo "SKIP (part): /bin/ls is not an ELF file here"
fi

# Files built here: a kernel linked at 1 MiB and entered there, firmware
# that forgot its reset vector, a static position-independent program.
cat >"$T/k.s" <<'EOF'
	.text
	.globl start
start:	cli
	hlt
	jmp start
EOF
as --32 -o "$T/k32.o" "$T/k.s" && as --64 -o "$T/k64.o" "$T/k.s" || fail "cannot assemble"
# (-N: one segment, without the ELF headers loaded below it; ld warns that
# it is writable and executable.)
{ ld -m elf_i386 -nostdlib -N -Ttext=0x100000 -e start -o "$T/kernel.elf" "$T/k32.o" &&
	ld -m elf_i386 -nostdlib -N -Ttext=0xf0000 -e start -o "$T/noreset.elf" "$T/k32.o" &&
	ld -m elf_x86_64 -nostdlib -pie --no-dynamic-linker -e start -o "$T/pie.elf" "$T/k64.o"
} 2>"$T/ld.err" || fail "cannot link: $(cat "$T/ld.err")"

refused "a kernel at 1 MiB" \
	"^kvmstub: $T/kernel.elf: nothing is loaded at the reset vector 0xffff0 \(--reset legacy\), where the CPU starts \(the segments load 0x100000-0x[0-9a-f]+\), and the entry point 0x100000 is far from it: a kernel that a boot loader starts, or a program for an operating system" \
	--no-gdb "$T/kernel.elf"
refused "firmware without its reset vector" \
	"^kvmstub: $T/noreset.elf: nothing is loaded at the reset vector 0xffff0 \(--reset legacy\), where the CPU starts \(the segments load 0xf0000-0xf000[0-9a-f]\): link 16 bytes of code there, a jump to the entry point 0xf0000" \
	--no-gdb "$T/noreset.elf"
refused "the same, --reset architectural" \
	"^kvmstub: $T/noreset.elf: nothing is loaded at the reset vector 0xfffffff0 \(--reset architectural\)" \
	--no-gdb --reset architectural "$T/noreset.elf"
refused "a static PIE" \
	"^kvmstub: $T/pie.elf: position-independent code \(ELF type ET_DYN: a shared library or a PIE program, placed by an operating system's loader\) that loads nothing at the reset vector 0xffff0" \
	--no-gdb "$T/pie.elf"

# An ELF file with code at the reset vector boots, in either reset style
# (the firmware's last 128 KiB are the same bytes at 0xe0000 and below 4 GiB).
for reset in legacy architectural; do
	timeout 20 "$KVMSTUB" --no-gdb --reset "$reset" guests/serial.elf >"$T/out" 2>"$T/err"; rc=$?
	[ "$rc" -eq 0 ] || fail "guests/serial.elf --reset $reset: status $rc: $(cat "$T/err")"
	[ "$(cat "$T/out")" = 4 ] || fail "guests/serial.elf --reset $reset printed '$(cat "$T/out")', want 4"
	echo "ok: guests/serial.elf --reset $reset runs and prints 4"
done
