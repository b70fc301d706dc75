#!/usr/bin/env python3
"""fv_sec_entry.py - the entry point of a UEFI firmware image's SEC core.

    fv_sec_entry.py IMAGE     prints the linear address (0x...) where the
                              SEC core starts, with IMAGE ending at 4 GiB

What the firmware's own reset vector code does to find where to jump, done
from the file by the UEFI Platform Initialization specification (volume 3:
firmware volumes, FFS files, sections) and the PE/COFF and TE image
formats, so that a test knows the address from the image itself and not
from a guess that another build would break.  An uncompressed firmware
volume holds one file of type SECURITY_CORE (0x03) whose PE32 (0x10) or
TE (0x12) section is executed in place: its entry point is the section's
address plus the image's AddressOfEntryPoint (for TE, less the header
bytes that TE stripped).  Exit status 1, with a message, unless exactly
one entry point is found.
"""
import struct
import sys

FFS_SECURITY_CORE = 0x03
SECTION_PE32, SECTION_TE = 0x10, 0x12
FFS_ATTRIB_LARGE_FILE = 0x01
TE_HEADER_SIZE = 40


def le(fmt, data, off):
    return struct.unpack_from("<" + fmt, data, off)[0]


def size24(data, off):
    return int.from_bytes(data[off:off + 3], "little")


def sections(data, off, end):
    """(type, data offset) of each section in [off, end), 4-byte aligned."""
    off = (off + 3) & ~3
    while off + 4 <= end:
        size, kind, hdr = size24(data, off), data[off + 3], 4
        if size == 0xFFFFFF:
            size, hdr = le("I", data, off + 4), 8
        if size < hdr:
            return
        yield kind, off + hdr
        off = (off + size + 3) & ~3


def image_entry(data, kind, off):
    """The file offset where the PE32 or TE image at off starts, or None."""
    if kind == SECTION_PE32 and data[off:off + 2] == b"MZ":
        pe = off + le("I", data, off + 0x3C)
        if data[pe:pe + 4] == b"PE\0\0":
            # COFF header (20 bytes) after the signature; AddressOfEntryPoint
            # at offset 16 of the optional header.
            return off + le("I", data, pe + 4 + 20 + 16)
    if kind == SECTION_TE and data[off:off + 2] == b"VZ":
        stripped, entry = le("H", data, off + 6), le("I", data, off + 8)
        return off + TE_HEADER_SIZE - stripped + entry
    return None


def volumes(data):
    """(start, end) of each firmware volume: '_FVH' at offset 40 of its header."""
    at = -1
    while True:
        at = data.find(b"_FVH", at + 1)
        if at < 0:
            return
        fv = at - 40
        if fv < 0 or any(data[fv:fv + 16]):
            continue                       # the header starts with 16 zero bytes
        length, hdr_len = le("Q", data, fv + 32), le("H", data, fv + 48)
        if hdr_len < 56 or length < hdr_len or fv + length > len(data):
            continue
        yield fv, fv + length


def files(data, fv, end):
    """(type, header size, size, offset) of each FFS file in a volume."""
    ext = le("H", data, fv + 52)
    off = fv + ext + le("I", data, fv + ext + 16) if ext else fv + le("H", data, fv + 48)
    while True:
        off = (off + 7) & ~7
        if off + 24 > end or data[off:off + 24] == b"\xff" * 24:
            return                         # the erased rest of the volume
        kind, attrs = data[off + 18], data[off + 19]
        size, hdr = size24(data, off + 20), 24
        if attrs & FFS_ATTRIB_LARGE_FILE:
            size, hdr = le("Q", data, off + 24), 32
        if size < hdr:
            return
        yield kind, hdr, size, off
        off += size


def sec_entries(data):
    for fv, end in volumes(data):
        for kind, hdr, size, off in files(data, fv, end):
            if kind != FFS_SECURITY_CORE:
                continue
            for skind, soff in sections(data, off + hdr, min(off + size, end)):
                entry = image_entry(data, skind, soff)
                if entry is not None:
                    yield entry


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: fv_sec_entry.py IMAGE")
    with open(sys.argv[1], "rb") as f:
        data = f.read()
    base = (1 << 32) - len(data)
    found = sorted({base + e for e in sec_entries(data)})
    if len(found) != 1:
        sys.exit("%s: %d SEC core entry points found (%s), want 1"
                 % (sys.argv[1], len(found), " ".join(hex(a) for a in found)))
    print("0x%x" % found[0])


if __name__ == "__main__":
    main()
