"""images.py - the images `make test` checks in lockstep, and why the others
are left out.

Every guest in guests/ that has no timer interrupts and starts at the reset
vector, kvmstub's own BIOS, the firmware Debian ships (SeaBIOS twice,
Bochs' BIOS, OVMF), and guests/lockstep.bin, the guest that exercises every
instruction kind the step path treats specially.
"""
import glob
import os

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

# Guests left out, and why.  Each takes timer interrupts (the PIT, the APIC):
# when a tick arrives differs between the two machines (and neither stub
# lets one in while it single-steps), so the traces part for a reason that
# is not stepping.  guests/lockstep.S covers their instructions instead.
EXCLUDED = {
    "interrupts": "takes timer interrupts (PIT): their arrival differs by machine",
    "stepping": "takes timer interrupts (PIT, at step_hlt_irq): their arrival differs by machine",
    "lapic": "takes timer interrupts (the local APIC's timer, the PIT through the I/O APIC): "
             "their arrival differs by machine",
    # Lesson 14's bug is a data segment's limit (64 KiB, G clear): the
    # CPU faults on the store above it, QEMU's software CPU does not check
    # data segment limits and goes on (the traces agree up to that store).
    "backwards": "its bug is a data segment limit, which QEMU's software CPU does not check",
}
# Guests that do not start at the reset vector: boot sectors (disks, which
# the BIOS loads to 0000:7C00) and multiboot kernels (ELF files, started at
# their entry by the boot protocol).  The lockstep run starts both machines
# at 0xFFFFFFF0 with the image as firmware; kvmstub's BIOS, which starts
# the boot sectors, is checked as firmware instead ("kvmstub-bios").
NOT_FIRMWARE = {
    "bootsect": "a boot sector (a disk for --disk), started by the BIOS at 0000:7C00",
    "biosprobe": "a boot sector (a disk for --disk), started by the BIOS at 0000:7C00",
    "keyprobe": "a boot sector (a disk for --disk), started by the BIOS at 0000:7C00",
    "irqdemo": "a boot sector (a disk for --disk), started by the BIOS at 0000:7C00; "
               "it takes timer interrupts too",
    "hello": "a multiboot kernel (ELF), started at its entry in protected mode",
    "mbinfo1": "a multiboot kernel (ELF), started at its entry in protected mode",
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
        if name.endswith("_boot") or name in EXCLUDED or name in NOT_FIRMWARE:
            continue
        specs.append(Spec(name, os.path.join(ROOT, "guests", name + ".bin")))
    for path in sorted(glob.glob(os.path.join(ROOT, "guests", "*_boot.S"))):
        name = os.path.basename(path)[:-len("_boot.S")]
        if name in NOT_FIRMWARE:
            continue
        specs.append(Spec(name, os.path.join(ROOT, "guests", name + ".bin")))
    specs.sort(key=lambda s: s.name)
    # guests/lockstep.S once more, ending with cli; hlt instead of the exit
    # port (its HLT_FLAG byte), so that a hlt is stepped too.
    # kvmstub's own BIOS (guests/bios/), which starts the boot sectors: as
    # firmware from the reset vector to its "no bootable disk" hlt.
    specs.append(Spec("kvmstub-bios", os.path.join(ROOT, "guests", "bios", "bios.bin")))
    specs.append(Spec("lockstep-hlt", os.path.join(ROOT, "guests", "lockstep.bin"),
                      pokes={0x5F0: b"\x01"}))
    # OVMF reaches 64-bit code at its 27,257th instruction (QEMU 7.2, Debian's
    # OVMF.fd): 32,000 steps take it through both transitions into SEC.
    specs += [Spec(n, p, min_steps=32000 if n == "ovmf" else 0) for n, p in FIRMWARE]
    return specs


def excluded():
    return sorted(list(EXCLUDED.items()) + list(NOT_FIRMWARE.items()))


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
