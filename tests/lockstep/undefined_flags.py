"""undefined_flags.py - the EFLAGS bits the manual leaves undefined after an
instruction, so the lockstep tool does not compare them.

Every entry cites the "Flags Affected" paragraph of the instruction's page
in the Intel 64 and IA-32 Architectures Software Developer's Manual,
Volume 2 (instruction set reference).  Anything not listed here is compared.
"""

CF, PF, AF, ZF, SF, OF = 0x1, 0x4, 0x10, 0x40, 0x80, 0x800
ARITH = CF | PF | AF | ZF | SF | OF

# (what, flags, where the SDM says so): for the README and the log.
TABLE = [
    ("mul", SF | ZF | AF | PF, "SDM Vol. 2B, MUL: 'The SF, ZF, AF, and PF flags are undefined'"),
    ("imul", SF | ZF | AF | PF, "SDM Vol. 2A, IMUL: 'The SF, ZF, AF, and PF flags are undefined'"),
    ("div, idiv", ARITH, "SDM Vol. 2A, DIV/IDIV: 'The CF, OF, SF, ZF, AF, and PF flags are undefined'"),
    ("and, or, xor, test", AF, "SDM Vol. 2A/2B, AND/OR/XOR/TEST: 'The state of the AF flag is undefined'"),
    ("shl, shr, sar (count not 0)", AF, "SDM Vol. 2B, SAL/SAR/SHL/SHR: 'For a non-zero count, the AF flag is undefined'"),
    ("shl, shr, sar (count > 1)", OF, "SDM Vol. 2B, SAL/SAR/SHL/SHR: the OF flag is affected only for 1-bit shifts"),
    ("shl, shr (count >= operand size)", CF, "SDM Vol. 2B, SAL/SAR/SHL/SHR: CF 'is undefined for SHL and SHR "
     "instructions where the count is greater than or equal to the size'"),
    ("rol, ror, rcl, rcr (count not 1)", OF, "SDM Vol. 2B, RCL/RCR/ROL/ROR: 'The OF flag is defined only for "
     "the 1-bit rotates; it is undefined in all other cases'"),
    ("shld, shrd (count not 0)", AF, "SDM Vol. 2B, SHLD/SHRD: 'For a 1-bit shift, the OF flag is set ...; for "
     "shifts greater than 1 bit, the OF flag is undefined ... The AF flag is undefined'"),
    ("shld, shrd (count > 1)", OF, "SDM Vol. 2B, SHLD/SHRD (as above)"),
    ("shld, shrd (count > operand size)", ARITH, "SDM Vol. 2B, SHLD/SHRD: 'If the count is greater than the operand "
     "size, ... the flags are undefined' (and so is the destination)"),
    ("bsf, bsr", CF | OF | SF | AF | PF, "SDM Vol. 2A, BSF/BSR: 'The CF, OF, SF, AF, and PF flags are undefined' "
     "(the destination too when the source is 0)"),
    ("tzcnt, lzcnt", OF | SF | PF | AF, "SDM Vol. 2A/2B, LZCNT/TZCNT: 'The OF, SF, PF and AF flags are undefined'"),
    ("bt, bts, btr, btc", OF | SF | AF | PF, "SDM Vol. 2A, BT/BTC/BTR/BTS: 'The OF, SF, AF, and PF flags are undefined'"),
    ("aaa, aas", OF | SF | ZF | PF, "SDM Vol. 2A, AAA/AAS: 'The OF, SF, ZF, and PF flags are undefined'"),
    ("aam, aad", OF | AF | CF, "SDM Vol. 2A, AAM/AAD: 'The OF, AF, and CF flags are undefined'"),
    ("daa, das", OF, "SDM Vol. 2A, DAA/DAS: 'The OF flag is undefined'"),
]

_LOGIC = {0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25,
          0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x84, 0x85, 0xA8, 0xA9}


def _count(insn, regs, opsize):
    """The masked shift/rotate count of a group-2 instruction or SHLD/SHRD."""
    mask = 0x3F if opsize == 64 else 0x1F
    if insn.map == 0 and insn.op in (0xD0, 0xD1):
        return 1
    if insn.map == 0 and insn.op in (0xD2, 0xD3) or insn.map == 1 and insn.op in (0xA5, 0xAD):
        return regs["rcx"] & 0xFF & mask
    return (insn.imm or 0) & mask


def undefined(insn, regs):
    """(mask, why): the EFLAGS bits undefined after `insn`, given the
    registers before it; (0, None) when every flag is defined."""
    op, mp = insn.op, insn.map
    reg = insn.reg & 7 if insn.reg is not None else None
    if insn.vex:
        return 0, None
    if mp == 0:
        size8 = op in (0xC0, 0xD0, 0xD2)
        if op in _LOGIC or op in (0x80, 0x81, 0x82, 0x83) and reg in (1, 4, 6) or \
                op in (0xF6, 0xF7) and reg in (0, 1):
            return AF, "and, or, xor, test"
        if op in (0xF6, 0xF7) and reg == 4:
            return SF | ZF | AF | PF, "mul"
        if op in (0xF6, 0xF7) and reg == 5 or op in (0x69, 0x6B):
            return SF | ZF | AF | PF, "imul"
        if op in (0xF6, 0xF7) and reg in (6, 7):
            return ARITH, "div, idiv"
        if op in (0xC0, 0xC1, 0xD0, 0xD1, 0xD2, 0xD3):
            size = 8 if size8 else insn.osize
            n = _count(insn, regs, size)
            if n == 0:
                return 0, None
            if reg in (4, 5, 6, 7):
                m, why = AF, "shl, shr, sar (count not 0)"
                if n > 1:
                    m, why = m | OF, "shl, shr, sar (count > 1)"
                if reg in (4, 5, 6) and n >= size:
                    m, why = m | CF, "shl, shr (count >= operand size)"
                return m, why
            if n != 1:
                return OF, "rol, ror, rcl, rcr (count not 1)"
            return 0, None
        if op in (0x37, 0x3F):
            return OF | SF | ZF | PF, "aaa, aas"
        if op in (0xD4, 0xD5):
            return OF | AF | CF, "aam, aad"
        if op in (0x27, 0x2F):
            return OF, "daa, das"
        return 0, None
    if mp == 1:
        if op == 0xAF:
            return SF | ZF | AF | PF, "imul"
        if op in (0xA4, 0xA5, 0xAC, 0xAD):
            n = _count(insn, regs, insn.osize)
            if n == 0:
                return 0, None
            if n > insn.osize:
                return ARITH, "shld, shrd (count > operand size)"
            if n > 1:
                return AF | OF, "shld, shrd (count > 1)"
            return AF, "shld, shrd (count not 0)"
        if op in (0xBC, 0xBD):
            if insn.rep == 0xF3:
                return OF | SF | PF | AF, "tzcnt, lzcnt"
            return CF | OF | SF | AF | PF, "bsf, bsr"
        if op in (0xA3, 0xAB, 0xB3, 0xBB) or op == 0xBA and reg is not None and reg >= 4:
            return OF | SF | AF | PF, "bt, bts, btr, btc"
    return 0, None


def why(name):
    for what, _, cite in TABLE:
        if what == name:
            return cite
    return ""


def names(mask):
    out = [n for bit, n in ((CF, "CF"), (PF, "PF"), (AF, "AF"), (ZF, "ZF"), (SF, "SF"),
                            (OF, "OF")) if mask & bit]
    return ",".join(out)
