"""disasm.py - instruction text for the divergence reports, from GNU objdump
(binutils) on the raw bytes, in the CPU mode the instruction ran in."""
import os
import re
import subprocess
import tempfile

_MACHINE = {16: ["-mi386", "-Maddr16,data16"], 32: ["-mi386"], 64: ["-mi386:x86-64"]}


def disassemble(code, bits, addr):
    """The first instruction of `code` as objdump prints it ('out %al,$0x70'),
    or '(no bytes)' / '(objdump failed)'."""
    if not code:
        return "(no bytes: memory unreadable)"
    fd, path = tempfile.mkstemp(prefix="lockstep-insn.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(code)
        try:
            out = subprocess.run(["objdump", "-D", "-b", "binary"] + _MACHINE[bits] +
                                 ["--adjust-vma=0x%x" % addr, path],
                                 capture_output=True, text=True, timeout=10).stdout
        except (OSError, subprocess.TimeoutExpired):
            return "(objdump failed)"
    finally:
        os.unlink(path)
    for line in out.splitlines():
        m = re.match(r"\s*([0-9a-f]+):\t([0-9a-f ]+)\t(.*)$", line)
        if m and int(m.group(1), 16) == addr:
            return re.sub(r"\s+", " ", m.group(3)).strip()
    return "(objdump: no instruction)"
