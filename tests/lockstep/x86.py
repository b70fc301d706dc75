"""x86.py - just enough of an x86 instruction decoder for the lockstep tool.

decode(code, bits) takes up to 15 bytes at the pc and the code size (16, 32
or 64) and returns an Insn: its length, prefixes, opcode, ModRM fields, its
memory operand, its immediate, and what the lockstep cares about:

  kind       a name for the instructions the tool treats specially (port
             I/O, string instructions, cpuid, rdtsc, rdmsr, segment loads,
             control transfers, ...), or "" for the rest
  input      the platform-input class ("in", "ins", "cpuid", "rdtsc", ...):
             its result comes from outside the CPU
  seg_event  it may load a segment register, a descriptor table register
             or a control register, or change the mode
  branch     a near control transfer (the next pc is not the fall-through)

It decodes lengths for the whole one-byte, 0F, 0F38 and 0F3A maps and the
VEX/EVEX encodings; it names only what it needs.  The disassembly the tool
prints comes from objdump, not from here.
"""

# One-byte map: which opcodes have a ModRM byte ...
_MODRM1 = set()
for _b in range(0x00, 0x40):
    if _b & 7 < 4:
        _MODRM1.add(_b)
_MODRM1 |= {0x62, 0x63, 0x69, 0x6B, 0xC0, 0xC1, 0xC4, 0xC5, 0xC6, 0xC7,
            0xD0, 0xD1, 0xD2, 0xD3, 0xF6, 0xF7, 0xFE, 0xFF}
_MODRM1 |= set(range(0x80, 0x90)) | set(range(0xD8, 0xE0))

# ... and what immediate follows: b imm8, w imm16, z imm16/32 (operand
# size), v imm16/32/64 (mov reg, imm), a far pointer, o moffs (address
# size), e enter (imm16 + imm8).
_IMM1 = {}
for _b in range(0x00, 0x40, 8):
    _IMM1[_b + 4] = "b"
    _IMM1[_b + 5] = "z"
_IMM1.update({0x68: "z", 0x69: "z", 0x6A: "b", 0x6B: "b", 0x80: "b", 0x81: "z",
              0x82: "b", 0x83: "b", 0x9A: "a", 0xA0: "o", 0xA1: "o", 0xA2: "o",
              0xA3: "o", 0xA8: "b", 0xA9: "z", 0xC0: "b", 0xC1: "b", 0xC2: "w",
              0xC6: "b", 0xC7: "z", 0xC8: "e", 0xCA: "w", 0xCD: "b", 0xD4: "b",
              0xD5: "b", 0xE8: "z", 0xE9: "z", 0xEA: "a", 0xEB: "b"})
for _b in range(0x70, 0x80):
    _IMM1[_b] = "b"
for _b in range(0xB0, 0xB8):
    _IMM1[_b] = "b"
for _b in range(0xB8, 0xC0):
    _IMM1[_b] = "v"
for _b in range(0xE0, 0xE8):
    _IMM1[_b] = "b"

# Two-byte map (0F xx): the opcodes WITHOUT a ModRM byte, and immediates.
_NO_MODRM2 = {0x05, 0x06, 0x07, 0x08, 0x09, 0x0B, 0x0E, 0x30, 0x31, 0x32, 0x33,
              0x34, 0x35, 0x37, 0x77, 0xA0, 0xA1, 0xA2, 0xA8, 0xA9, 0xAA}
_NO_MODRM2 |= set(range(0x80, 0x90)) | set(range(0xC8, 0xD0))
_IMM2 = {0x70: "b", 0x71: "b", 0x72: "b", 0x73: "b", 0xA4: "b", 0xAC: "b",
         0xBA: "b", 0xC2: "b", 0xC4: "b", 0xC5: "b", 0xC6: "b", 0x0F: "b"}
for _b in range(0x80, 0x90):
    _IMM2[_b] = "z"

# Segment override prefixes -> segment register names.
_SEGPFX = {0x26: "es", 0x2E: "cs", 0x36: "ss", 0x3E: "ds", 0x64: "fs", 0x65: "gs"}
GPR = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
       "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"]
SREG = ["es", "cs", "ss", "ds", "fs", "gs"]
_RM16 = [("rbx", "rsi"), ("rbx", "rdi"), ("rbp", "rsi"), ("rbp", "rdi"),
         ("rsi", None), ("rdi", None), ("rbp", None), ("rbx", None)]

# The string instructions: opcode -> (name, element size or 0 for the
# operand size).
_STRING = {0x6C: ("ins", 1), 0x6D: ("ins", 0), 0x6E: ("outs", 1), 0x6F: ("outs", 0),
           0xA4: ("movs", 1), 0xA5: ("movs", 0), 0xA6: ("cmps", 1), 0xA7: ("cmps", 0),
           0xAA: ("stos", 1), 0xAB: ("stos", 0), 0xAC: ("lods", 1), 0xAD: ("lods", 0),
           0xAE: ("scas", 1), 0xAF: ("scas", 0)}


STRING_KINDS = ("ins", "outs", "movs", "cmps", "stos", "lods", "scas")


class DecodeError(Exception):
    pass


class Mem:
    """A memory operand: seg:[base + index * scale + disp], or rip-relative."""
    __slots__ = ("seg", "base", "index", "scale", "disp", "riprel", "asize")

    def __init__(self, seg, base, index, scale, disp, riprel, asize):
        self.seg, self.base, self.index, self.scale = seg, base, index, scale
        self.disp, self.riprel, self.asize = disp, riprel, asize

    def linear(self, regs, seg_base, next_ip, bits):
        """Its linear address, given the registers before the instruction
        (a dict of GPR name -> value) and a function seg name -> base."""
        if self.riprel:
            ea = next_ip + self.disp
        else:
            ea = self.disp
            if self.base:
                ea += regs[self.base]
            if self.index:
                ea += regs[self.index] * self.scale
        ea &= (1 << self.asize) - 1
        base = seg_base(self.seg)
        if bits == 64 and self.seg not in ("fs", "gs"):
            base = 0
        lin = base + ea
        return lin & (0xFFFFFFFFFFFFFFFF if bits == 64 else 0xFFFFFFFF)


class Insn:
    __slots__ = ("length", "bits", "osize", "asize", "rep", "seg", "lock", "rex",
                 "map", "op", "modrm", "mod", "reg", "rm", "mem", "imm", "imm2",
                 "kind", "input", "seg_event", "branch", "target", "elem",
                 "vex")

    def __init__(self):
        self.rep = None
        self.seg = None
        self.lock = False
        self.rex = 0
        self.modrm = None
        self.mod = self.reg = self.rm = None
        self.mem = None
        self.imm = None
        self.imm2 = None
        self.kind = ""
        self.input = None
        self.seg_event = False
        self.branch = False
        self.target = None
        self.elem = 0
        self.vex = False

    def describe(self):
        return self.kind or "%s%02x" % ("0f" if self.map == 1 else "", self.op)


def _imm_size(kind, osize, asize, bits, op):
    if kind == "b":
        return 1
    if kind == "w":
        return 2
    if kind == "z":
        return 2 if osize == 16 else 4
    if kind == "v":
        return {16: 2, 32: 4, 64: 8}[osize]
    if kind == "a":
        return 4 if osize == 16 else 6
    if kind == "o":
        return asize // 8
    if kind == "e":
        return 3
    return 0


def _le(b):
    return int.from_bytes(b, "little")


def _signed(v, nbytes):
    bit = 1 << (nbytes * 8 - 1)
    return (v ^ bit) - bit


def decode(code, bits):
    """Decode the instruction at the start of `code` (bytes) in `bits`-bit code."""
    d = Insn()
    d.bits = bits
    i = 0
    opsize_pfx = addr_pfx = False
    n = len(code)

    def byte():
        nonlocal i
        if i >= n or i >= 15:
            raise DecodeError("instruction longer than the bytes read")
        b = code[i]
        i += 1
        return b

    # Legacy prefixes, then REX (64-bit mode, last before the opcode).
    while True:
        b = byte()
        if b == 0x66:
            opsize_pfx = True
        elif b == 0x67:
            addr_pfx = True
        elif b in (0xF2, 0xF3):
            d.rep = b
        elif b == 0xF0:
            d.lock = True
        elif b in _SEGPFX:
            if bits != 64 or b in (0x64, 0x65):
                d.seg = _SEGPFX[b]
        elif bits == 64 and 0x40 <= b <= 0x4F:
            # A REX counts only right before the opcode; one followed by
            # another prefix is part of the instruction but ignored.
            d.rex = b
            continue
        else:
            break
        if d.rex:
            d.rex = 0
    rex_w = bool(d.rex & 8)
    if bits == 64:
        d.osize = 64 if rex_w else (16 if opsize_pfx else 32)
        d.asize = 32 if addr_pfx else 64
    elif bits == 32:
        d.osize = 16 if opsize_pfx else 32
        d.asize = 16 if addr_pfx else 32
    else:
        d.osize = 32 if opsize_pfx else 16
        d.asize = 32 if addr_pfx else 16

    op = b
    d.map = 0
    has_modrm = False
    immk = None
    # VEX (C4, C5) and EVEX (62): in 64-bit mode always, else only when the
    # next byte would be a register-form ModRM (mod = 11).
    if op in (0xC4, 0xC5, 0x62) and (bits == 64 or (i < n and code[i] >= 0xC0)):
        d.vex = True
        if op == 0xC5:
            byte()
            d.map = 1
        elif op == 0xC4:
            p0 = byte()
            p1 = byte()
            d.map = {1: 1, 2: 2, 3: 3}.get(p0 & 0x1F, 1)
            if p1 & 0x80 and bits == 64:
                d.osize = 64
        else:
            p0 = byte()
            byte()
            byte()
            d.map = {1: 1, 2: 2, 3: 3}.get(p0 & 3, 1)
        op = byte()
        has_modrm = not (d.map == 1 and op == 0x77)
        immk = "b" if d.map == 3 else (_IMM2.get(op) if d.map == 1 and op in
                                         (0x70, 0x71, 0x72, 0x73, 0xC2, 0xC4, 0xC5, 0xC6)
                                         else None)
    elif op == 0x0F:
        op = byte()
        d.map = 1
        if op == 0x38:
            op = byte()
            d.map = 2
            has_modrm = True
        elif op == 0x3A:
            op = byte()
            d.map = 3
            has_modrm = True
            immk = "b"
        else:
            has_modrm = op not in _NO_MODRM2
            immk = _IMM2.get(op)
    else:
        has_modrm = op in _MODRM1
        immk = _IMM1.get(op)
        if op == 0xF6 or op == 0xF7:
            pass                        # decided by ModRM.reg below
    d.op = op

    # Operand size 64 by default in 64-bit mode: push/pop, near branches.
    if bits == 64 and d.map == 0 and not rex_w:
        if op in (0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5A,
                  0x5B, 0x5C, 0x5D, 0x5E, 0x5F, 0x68, 0x6A, 0x8F, 0x9C, 0x9D, 0xC2,
                  0xC3, 0xE8, 0xE9, 0xEB, 0xC9) or 0x70 <= op <= 0x7F or 0xE0 <= op <= 0xE3:
            d.osize = 16 if opsize_pfx and op not in (0xE8, 0xE9, 0xEB, 0xC2, 0xC3) and \
                not (0x70 <= op <= 0x7F) else 64

    if has_modrm:
        m = byte()
        d.modrm = m
        d.mod, d.reg, d.rm = m >> 6, (m >> 3) & 7, m & 7
        if d.rex & 4:
            d.reg += 8
        if d.mod != 3 and not (d.map == 1 and op in (0x20, 0x21, 0x22, 0x23)):
            d.mem = _modrm_mem(d, byte, bits)
        elif d.rex & 1:
            d.rm += 8
    if d.map == 0 and op in (0xF6, 0xF7):
        if d.reg & 7 in (0, 1):
            immk = "b" if op == 0xF6 else "z"
    if immk:
        size = _imm_size(immk, d.osize, d.asize, bits, op)
        if immk == "z" and bits == 64 and d.osize == 64:
            size = 4
        if d.map == 0 and op in (0xE8, 0xE9) and bits == 64:
            size = 4
        if d.map == 1 and 0x80 <= op <= 0x8F and bits == 64:
            size = 4
        if i + size > n or i + size > 15:
            raise DecodeError("instruction longer than the bytes read")
        raw = code[i:i + size]
        i += size
        if immk == "e":
            d.imm, d.imm2 = _le(raw[:2]), raw[2]
        elif immk == "a":
            d.imm, d.imm2 = _le(raw[:-2]), _le(raw[-2:])
        else:
            d.imm = _le(raw)
            d.imm2 = size
    d.length = i
    _classify(d)
    return d


def _modrm_mem(d, byte, bits):
    seg = d.seg
    if d.asize == 16:
        if d.mod == 0 and d.rm == 6:
            disp = _signed(byte() | byte() << 8, 2)
            return Mem(seg or "ds", None, None, 1, disp, False, 16)
        base, index = _RM16[d.rm]
        disp = 0
        if d.mod == 1:
            disp = _signed(byte(), 1)
        elif d.mod == 2:
            disp = _signed(byte() | byte() << 8, 2)
        if seg is None:
            seg = "ss" if base == "rbp" else "ds"
        return Mem(seg, base, index, 1, disp, False, 16)
    base = index = None
    scale = 1
    riprel = False
    rm = d.rm
    if rm == 4:
        sib = byte()
        scale = 1 << (sib >> 6)
        idx = (sib >> 3) & 7 | (8 if d.rex & 2 else 0)
        if idx != 4:
            index = GPR[idx]
        b = sib & 7
        if b == 5 and d.mod == 0:
            base = None
            disp = _signed(_le(bytes(byte() for _ in range(4))), 4)
            return Mem(seg or "ds", None, index, scale, disp, False, d.asize)
        base = GPR[b | (8 if d.rex & 1 else 0)]
    elif rm == 5 and d.mod == 0:
        disp = _signed(_le(bytes(byte() for _ in range(4))), 4)
        if bits == 64:
            riprel = True
        return Mem(seg or "ds", None, None, 1, disp, riprel, d.asize)
    else:
        base = GPR[rm | (8 if d.rex & 1 else 0)]
    disp = 0
    if d.mod == 1:
        disp = _signed(byte(), 1)
    elif d.mod == 2:
        disp = _signed(_le(bytes(byte() for _ in range(4))), 4)
    if seg is None:
        seg = "ss" if base in ("rsp", "rbp") else "ds"
    return Mem(seg, base, index, scale, disp, False, d.asize)


def _classify(d):
    op, mp = d.op, d.map
    reg = d.reg & 7 if d.reg is not None else None
    if d.vex:
        return
    if mp == 0:
        if op in (0xE4, 0xE5, 0xEC, 0xED):
            d.kind, d.input = "in", "in"
            d.elem = 1 if op in (0xE4, 0xEC) else (2 if d.osize == 16 else 4)
        elif op in (0xE6, 0xE7, 0xEE, 0xEF):
            d.kind = "out"
            d.elem = 1 if op in (0xE6, 0xEE) else (2 if d.osize == 16 else 4)
        elif op in _STRING:
            name, elem = _STRING[op]
            d.kind = name
            d.elem = elem or d.osize // 8
            if name == "ins":
                d.input = "ins"
        elif op == 0xF4:
            d.kind = "hlt"
        elif op == 0xCC:
            d.kind, d.seg_event = "int3", True
        elif op == 0xCD:
            d.kind, d.seg_event = "int", True
        elif op == 0xCE:
            d.kind, d.seg_event = "into", True
        elif op == 0xF1:
            d.kind, d.seg_event = "int1", True
        elif op == 0xCF:
            d.kind, d.seg_event = "iret", True
        elif op == 0x8E:
            d.kind, d.seg_event = ("mov_ss" if reg == 2 else "mov_sreg"), True
        elif op in (0x07, 0x1F):
            d.kind, d.seg_event = "pop_sreg", True
        elif op == 0x17:
            d.kind, d.seg_event = "pop_ss", True
        elif op in (0xC4, 0xC5):
            d.kind, d.seg_event = "lxs", True
        elif op == 0xFB:
            d.kind = "sti"
        elif op == 0xFA:
            d.kind = "cli"
        elif op == 0x9D:
            d.kind = "popf"
        elif op == 0x9C:
            d.kind = "pushf"
        elif op in (0xEA, 0x9A, 0xCA, 0xCB):
            d.kind, d.seg_event = {0xEA: "ljmp", 0x9A: "lcall", 0xCA: "lret",
                                   0xCB: "lret"}[op], True
        elif op == 0xFF and reg in (3, 5):
            d.kind, d.seg_event = ("lcall" if reg == 3 else "ljmp"), True
        elif op == 0xFF and reg in (2, 4):
            d.kind, d.branch = ("call" if reg == 2 else "jmp"), True
        elif op == 0xFF and reg == 6:
            d.kind = "push"
        elif op in (0xE8, 0xE9, 0xEB) or 0x70 <= op <= 0x7F or 0xE0 <= op <= 0xE3:
            d.kind = {0xE8: "call", 0xE9: "jmp", 0xEB: "jmp"}.get(op, "jcc")
            d.branch = True
            size = d.imm2
            d.target = _signed(d.imm, size)
        elif op in (0xC2, 0xC3):
            d.kind, d.branch = "ret", True
        elif 0x50 <= op <= 0x57 or op in (0x68, 0x6A, 0x06, 0x0E, 0x16, 0x1E):
            d.kind = "push"
        elif op == 0xF6 or op == 0xF7:
            d.kind = {4: "mul", 5: "imul", 6: "div", 7: "idiv"}.get(reg, "")
    elif mp == 1:
        if op == 0xA2:
            d.kind, d.input = "cpuid", "cpuid"
        elif op == 0x31:
            d.kind, d.input = "rdtsc", "rdtsc"
        elif op == 0x32:
            d.kind, d.input = "rdmsr", "rdmsr"
        elif op == 0x33:
            d.kind, d.input = "rdpmc", "rdpmc"
        elif op == 0x30:
            d.kind, d.seg_event = "wrmsr", True   # EFER, FS/GS base
        elif op == 0x01:
            if d.modrm == 0xF9:
                d.kind, d.input = "rdtscp", "rdtscp"
            elif d.modrm == 0xF8:
                d.kind, d.seg_event = "swapgs", True
            elif d.mod != 3 and reg in (2, 3):
                d.kind, d.seg_event = ("lgdt" if reg == 2 else "lidt"), True
            elif d.mod != 3 and reg == 6 or d.mod == 3 and reg == 6:
                d.kind, d.seg_event = "lmsw", True
            else:
                d.kind = "0f01"
        elif op == 0x00:
            d.kind, d.seg_event = "0f00", True    # lldt, ltr, verr, ...
        elif op == 0x22:
            d.kind, d.seg_event = "mov_cr", True
        elif op == 0x06:
            d.kind, d.seg_event = "clts", True
        elif op in (0xA1, 0xA9):
            d.kind, d.seg_event = "pop_sreg", True
        elif op in (0xB2, 0xB4, 0xB5):
            d.kind, d.seg_event = "lxs", True
        elif op in (0x05, 0x07, 0x34, 0x35, 0xAA):
            d.kind, d.seg_event = {0x05: "syscall", 0x07: "sysret", 0x34: "sysenter",
                                   0x35: "sysexit", 0xAA: "rsm"}[op], True
        elif 0x80 <= op <= 0x8F:
            d.kind, d.branch = "jcc", True
            d.target = _signed(d.imm, d.imm2)
        elif op == 0x0B:
            d.kind = "ud2"
        elif op == 0xC7 and d.mod == 3 and reg in (6, 7) and d.rep is None:
            d.kind, d.input = ("rdrand", "rdrand") if reg == 6 else ("rdseed", "rdseed")
        elif op in (0xBC, 0xBD):
            d.kind = ("tzcnt" if op == 0xBC else "lzcnt") if d.rep == 0xF3 else \
                ("bsf" if op == 0xBC else "bsr")
        elif op in (0xA3, 0xAB, 0xB3, 0xBB) or op == 0xBA and reg >= 4:
            d.kind = "bt"


# Opcodes whose ModRM memory operand is written (one-byte map): the
# destination-r/m ALU forms, xchg, mov, pop r/m, shifts, not/neg, inc/dec.
_WRITE1 = {0x00, 0x01, 0x08, 0x09, 0x10, 0x11, 0x18, 0x19, 0x20, 0x21, 0x28, 0x29,
           0x30, 0x31, 0x86, 0x87, 0x88, 0x89, 0x8C, 0x8F, 0xC0, 0xC1, 0xC6, 0xC7,
           0xD0, 0xD1, 0xD2, 0xD3}
_WRITE2 = {0xAB, 0xB3, 0xBB, 0xB0, 0xB1, 0xC0, 0xC1, 0xA4, 0xA5, 0xAC, 0xAD, 0x11, 0x29,
           0x2B, 0x7F, 0xE7, 0xD6}


def mem_write_size(d):
    """The size of the ModRM memory operand `d` writes, or 0 when it only
    reads it (or has none).  Enough for the lockstep's bookkeeping of
    writes into the firmware region; not every instruction is known."""
    if d.mem is None or d.vex:
        return 0
    op, reg = d.op, (d.reg & 7 if d.reg is not None else None)
    osz = d.osize // 8
    if d.map == 0:
        byte = op in (0x00, 0x08, 0x10, 0x18, 0x20, 0x28, 0x30, 0x86, 0x88, 0xC0, 0xC6,
                      0xD0, 0xD2, 0x80, 0x82, 0xF6, 0xFE)
        if op in _WRITE1 or op in (0x80, 0x81, 0x82, 0x83) and reg != 7 or \
                op in (0xF6, 0xF7) and reg in (2, 3) or op in (0xFE, 0xFF) and reg in (0, 1):
            if op == 0x8C:
                return 2
            return 1 if byte else osz
        return 0
    if d.map == 1:
        if 0x90 <= op <= 0x9F:
            return 1
        if op == 0xBA and reg >= 5 or op in _WRITE2:
            if op in (0xB0, 0xC0):
                return 1
            if op in (0x11, 0x29, 0x2B, 0x7F, 0xE7):
                return 16 if op != 0x7F or d.rep == 0xF3 or d.osize == 16 else 8
            if op == 0xD6:
                return 8
            return osz
        if op == 0x00 and reg in (0, 1) or op == 0x01 and reg == 4:
            return 2
        if op == 0x01 and reg in (0, 1):
            return 10 if d.bits == 64 else 6
        if op == 0xC7 and reg == 1:
            return 16 if d.osize == 64 else 8
    return 0
