"""compare.py - which parts of two stubs' states must be equal after a step.

  general registers  rax..r15 in 64-bit mode; eax..edi (the low 32 bits)
                     elsewhere, where QEMU reports nothing more
  ip                 the raw IP/EIP/RIP, and the linear pc (CS.base + IP)
  eflags             all of bits 0-21 but RF, and but the flags the manual
                     leaves undefined after the instruction just run
  selectors          cs, ss, ds, es, fs, gs
  fs_base, gs_base   (both stubs report them with every step)
  cr0 cr2 cr3 cr4    and EFER
  descriptor caches  base, limit and attributes (type, S, DPL, P, L, D/B, G)
                     of cs ss ds es fs gs tr ldtr, and GDTR and IDTR, at the
                     steps where the tool reads them (engine.py: every step
                     that can change them, and every Nth step besides); an
                     unusable (null) data segment is compared as unusable,
                     its stale base and limit are not
"""
import stubs

RF = 0x10000
EFLAGS_BITS = 0x3FFFFF
_FLAG_NAMES = [(0, "CF"), (2, "PF"), (4, "AF"), (6, "ZF"), (7, "SF"), (8, "TF"), (9, "IF"),
               (10, "DF"), (11, "OF"), (12, "IOPL0"), (13, "IOPL1"), (14, "NT"), (16, "RF"),
               (17, "VM"), (18, "AC"), (19, "VIF"), (20, "VIP"), (21, "ID")]
SYS_SEGS = ("cs", "ss", "ds", "es", "fs", "gs", "tr", "ldtr")


def flag_names(bits):
    return ",".join(n for b, n in _FLAG_NAMES if bits >> b & 1) or "-"


def fmt(v):
    if isinstance(v, int):
        return "%#x" % v
    return str(v)


def diff(k, q, umask, ignored=(), undefined_dest=None, eflags_ignore=0):
    """[(field, kvmstub value, qemu value)] for every compared field that
    differs; [] when the states agree."""
    out = []
    long64 = k.long64() or q.long64()
    m = 0xFFFFFFFFFFFFFFFF if long64 else 0xFFFFFFFF
    for r in (stubs.GPRS if long64 else stubs.GPRS[:8]):
        if r == undefined_dest or r in ignored:
            continue
        if (k.regs[r] ^ q.regs[r]) & m:
            out.append((r, k.regs[r] & m, q.regs[r] & m))
    if (k.ip ^ q.ip) & m:
        out.append(("ip", k.ip & m, q.ip & m))
    elif k.pc != q.pc:
        out.append(("pc", k.pc, q.pc))
    fl = (k.eflags ^ q.eflags) & EFLAGS_BITS & ~(RF | umask | eflags_ignore)
    if fl:
        out.append(("eflags", "%#x (%s differ)" % (k.eflags, flag_names(fl)), "%#x" % q.eflags))
    for s in stubs.SEGS:
        if k.sel[s] != q.sel[s]:
            out.append((s, k.sel[s], q.sel[s]))
    for n in (0, 2, 3, 4):
        if k.cr[n] != q.cr[n] and "cr%d" % n not in ignored:
            out.append(("cr%d" % n, k.cr[n], q.cr[n]))
    if k.efer != q.efer and "efer" not in ignored:
        out.append(("efer", k.efer, q.efer))
    for name in ("fs_base", "gs_base"):
        kv, qv = getattr(k, name), getattr(q, name)
        if kv != qv and name not in ignored:
            out.append((name, kv, qv))
    if k.segs and q.segs:
        for s in SYS_SEGS:
            ks, qs = k.segs.get(s), q.segs.get(s)
            if ks is None or qs is None:
                continue
            if s != "cs" and (ks.unusable or qs.unusable):
                if ks.unusable != qs.unusable and s + ".usable" not in ignored:
                    out.append((s + ".usable", not ks.unusable, not qs.unusable))
                continue
            for field, kv, qv in (("base", ks.base, qs.base), ("limit", ks.limit, qs.limit),
                                  ("attr", ks.attr & stubs.ATTR_MASK, qs.attr & stubs.ATTR_MASK)):
                if kv != qv and "%s.%s" % (s, field) not in ignored:
                    out.append(("%s.%s" % (s, field), kv, qv))
    if k.gdtr and q.gdtr:
        for name, kv, qv in (("gdtr", k.gdtr, q.gdtr), ("idtr", k.idtr, q.idtr)):
            if kv != qv and name not in ignored:
                out.append((name, "%#x/%#x" % kv, "%#x/%#x" % qv))
    return out
