#!/usr/bin/env python3
"""test_x86.py - the lockstep tool's decoder (x86.py) checked against GNU
objdump: every instruction objdump finds in a linear sweep of real code
(the firmware Debian ships, the guests) must have the length objdump gives
it, in the mode it was disassembled in.

    tests/lockstep/test_x86.py [FILE:MODE[:START] ...]      MODE is 16, 32 or 64

Exit status 0 when every length agrees, 1 otherwise (with the first
disagreements listed), 77 when objdump is missing.
"""
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True
import x86  # noqa: E402

ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
MACHINE = {16: ["-mi386", "-Maddr16,data16"], 32: ["-mi386"], 64: ["-mi386:x86-64"]}
# Lines objdump prints for a prefix on its own (when what follows does not
# take it); the decoder counts the prefix with the next instruction.
PREFIX_ONLY = re.compile(r"^(rep[a-z]*|lock|[c-gs]s|data16|data32|addr16|addr32|rex[.a-zA-Z]*|"
                         r"bnd|notrack|xacquire|xrelease)$")
DEFAULT = [
    ("/usr/share/seabios/bios.bin", 16, 0), ("/usr/share/seabios/bios.bin", 32, 0),
    ("/usr/share/bochs/BIOS-bochs-latest", 16, 0),
    # OVMF's SEC and PEI core: uncompressed code from 1.75 MiB on.
    ("/usr/share/ovmf/OVMF.fd", 32, 0x1C0000), ("/usr/share/ovmf/OVMF.fd", 64, 0x1C0000),
    (os.path.join(ROOT, "guests", "lockstep.bin"), 16, 0),
    (os.path.join(ROOT, "guests", "lockstep.bin"), 32, 0),
    (os.path.join(ROOT, "guests", "lockstep.bin"), 64, 0),
]


def sweep(path, bits, limit, start=0):
    """[(offset, length, text)] of objdump's linear sweep over `path`."""
    out = subprocess.run(["objdump", "-D", "-b", "binary", "-w", "--start-address=%#x" % start] +
                         MACHINE[bits] + [path],
                         capture_output=True, text=True, check=True).stdout
    insns = []
    for line in out.splitlines():
        m = re.match(r"\s*([0-9a-f]+):\t([0-9a-f ]+?)\s*(?:\t(.*))?$", line)
        if not m:
            continue
        off, nbytes, text = int(m.group(1), 16), len(m.group(2).split()), (m.group(3) or "").strip()
        insns.append([off, nbytes, text])
        if len(insns) >= limit:
            break
    # A prefix objdump shows alone belongs to the next instruction.
    merged = []
    carry = None
    for off, n, text in insns:
        mnem = text.split()[0] if text else ""
        if carry is not None:
            off, n = carry[0], n + carry[1]
            carry = None
        if PREFIX_ONLY.match(mnem) and len(text.split()) == 1:
            carry = (off, n)
            continue
        merged.append((off, n, text))
    return merged


def check(path, bits, start=0, limit=60000):
    data = open(path, "rb").read()
    bad, n = [], 0
    for off, length, text in sweep(path, bits, limit, start):
        if "(bad)" in text or not text or off + 16 > len(data):
            continue
        n += 1
        try:
            got = x86.decode(data[off:off + 16], bits).length
        except x86.DecodeError:
            got = None
        if got is None and length > 15:
            continue    # longer than the CPU allows (#GP): no length to agree on
        if got == 1 and data[off] == 0x9B and text.startswith("f") and length > 1:
            continue    # objdump shows fwait + fnXXX as one "fXXX"; the CPU runs two
        if got != length:
            bad.append("%s (%d-bit) at %#x: %s  objdump: %d bytes '%s', x86.py: %s" % (
                os.path.basename(path), bits, off, data[off:off + length].hex(" "), length, text, got))
    return n, bad


def main(argv):
    if not shutil.which("objdump"):
        print("SKIP: objdump (binutils) is not installed")
        return 77
    cases = [(a.split(":")[0], int(a.split(":")[1]), int(a.split(":")[2], 0) if a.count(":") > 1 else 0)
             for a in argv] or DEFAULT
    total, failures, missing = 0, [], []
    for path, bits, start in cases:
        if not os.path.exists(path):
            missing.append(path)
            continue
        n, bad = check(path, bits, start)
        total += n
        failures += bad
        print("%-40s %2d-bit  %6d instructions, %d lengths differ" % (path, bits, n, len(bad)))
    for f in failures[:40]:
        print("  " + f)
    if missing:
        print("missing (make test installs them): " + ", ".join(sorted(set(missing))))
    print("x86.py: %d instructions, %d lengths differ from objdump's" % (total, len(failures)))
    return 1 if failures or missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
