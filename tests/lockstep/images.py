"""images.py - the images `make test` checks in lockstep, and why the others
are left out.

Every guest in guests/ that has no timer interrupts, the firmware Debian
ships (SeaBIOS twice, Bochs' BIOS, OVMF), and guests/lockstep.bin, the
guest that exercises every instruction kind the step path treats specially.
"""
import glob
import os

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

# Guests left out, and why.  Both program the PIT and take its interrupts:
# when a tick arrives differs between the two machines (and neither stub
# lets one in while it single-steps), so the traces part for a reason that
# is not stepping.  guests/lockstep.S covers their instructions instead.
EXCLUDED = {
    "interrupts": "takes timer interrupts (PIT): their arrival differs by machine",
    "stepping": "takes timer interrupts (PIT, at step_hlt_irq): their arrival differs by machine",
}

FIRMWARE = [
    ("seabios", "/usr/share/seabios/bios.bin"),
    ("seabios-256k", "/usr/share/seabios/bios-256k.bin"),
    ("bochs-bios", "/usr/share/bochs/BIOS-bochs-latest"),
    ("ovmf", "/usr/share/ovmf/OVMF.fd"),
]


class UnknownImage(Exception):
    pass


class Spec:
    """An image: its name in the output, its file, why it is left out (or
    None), and bytes to write into both machines' RAM before the first step."""

    def __init__(self, name, path, skip=None, pokes=None, min_steps=0):
        self.name, self.path, self.skip, self.pokes = name, path, skip, pokes or {}
        self.min_steps = min_steps


def builtin():
    specs = []
    for path in sorted(glob.glob(os.path.join(ROOT, "guests", "*.S"))):
        name = os.path.basename(path)[:-2]
        if name.endswith("_boot") or name in EXCLUDED:
            continue
        specs.append(Spec(name, os.path.join(ROOT, "guests", name + ".bin")))
    for path in sorted(glob.glob(os.path.join(ROOT, "guests", "*_boot.S"))):
        name = os.path.basename(path)[:-len("_boot.S")]
        specs.append(Spec(name, os.path.join(ROOT, "guests", name + ".bin")))
    specs.sort(key=lambda s: s.name)
    # guests/lockstep.S once more, ending with cli; hlt instead of the exit
    # port (its HLT_FLAG byte), so that a hlt is stepped too.
    specs.append(Spec("lockstep-hlt", os.path.join(ROOT, "guests", "lockstep.bin"),
                      pokes={0x5F0: b"\x01"}))
    # OVMF reaches 64-bit code at its 27,257th instruction (QEMU 7.2, Debian's
    # OVMF.fd): 32,000 steps take it through both transitions into SEC.
    specs += [Spec(n, p, min_steps=32000 if n == "ovmf" else 0) for n, p in FIRMWARE]
    return specs


def excluded():
    return sorted(EXCLUDED.items())


def select(args):
    specs = builtin()
    if not args:
        return specs
    by_name = {s.name: s for s in specs}
    out = []
    for a in args:
        if a in by_name:
            out.append(by_name[a])
        elif a in EXCLUDED and not os.path.exists(a):
            out.append(Spec(a, os.path.join(ROOT, "guests", a + ".bin")))
        elif os.path.exists(a):
            out.append(Spec(os.path.basename(a), os.path.abspath(a)))
        else:
            raise UnknownImage("%s: no such file, and not one of the built-in images (%s)" % (
                a, ", ".join(sorted(by_name))))
    return out
