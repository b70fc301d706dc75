"""stubs.py - the two GDB stubs the lockstep tool drives, started on one image
and read into one normalised form (class State), so that they can be
compared field by field.

  Kvmstub  ./kvmstub --reset architectural --arch x86-64 --listen 127.0.0.1:0
           Its pc register (rip) is LINEAR (CS.base + IP); the raw IP is its
           register "ip"; its 'g' reply also has the segment bases, the
           control registers, EFER, GDTR/IDTR and CS's attributes, and
           `monitor sregs` every hidden descriptor cache.
  Qemu     qemu-system-x86_64 -accel tcg, the image as -bios, stopped at
           reset (-S) with its gdbstub on a unix socket.  Its rip is the raw
           RIP/EIP; outside 64-bit mode it reports the low 32 bits of the
           general registers and 0 for r8-r15.  `monitor info registers`
           (qRcmd) gives its descriptor caches, GDTR/IDTR and CPL.
"""
import ctypes
import os
import re
import signal
import subprocess
import tempfile
import time

import wire

SEGS = ("cs", "ss", "ds", "es", "fs", "gs")
GPRS = ("rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
        "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15")
EFER_LMA = 0x400
CR0_PE = 1
# The segment attribute bits compared: type 0-3, S 4, DPL 5-6, P 7, L 13,
# D/B 14, G 15 (AVL, bit 12, is not shown by kvmstub's monitor sregs).
ATTR_MASK = 0xE0FF


class StubError(Exception):
    """A stub could not be started or used (its message says why)."""


class Seg:
    __slots__ = ("sel", "base", "limit", "attr", "unusable")

    def __init__(self, sel, base, limit, attr, unusable):
        self.sel, self.base, self.limit, self.attr, self.unusable = sel, base, limit, attr, unusable

    def __repr__(self):
        if self.unusable:
            return "%04x unusable" % self.sel
        return "%04x base %x limit %x attr %04x" % (self.sel, self.base, self.limit, self.attr)


class State:
    """One stub's architectural state after a step.  segs, gdtr and idtr are
    None unless the descriptor caches were read at this step."""
    __slots__ = ("regs", "ip", "pc", "eflags", "sel", "cr", "efer", "fs_base",
                 "gs_base", "segs", "gdtr", "idtr", "cs_base", "cs_attr", "extra")

    def __init__(self):
        self.segs = self.gdtr = self.idtr = None
        self.extra = {}

    def bits(self):
        """The code size the CPU decodes now: 16, 32 or 64."""
        if not self.cr[0] & CR0_PE:
            return 16
        if self.efer & EFER_LMA and self.cs_attr & 0x2000:
            return 64
        return 32 if self.cs_attr & 0x4000 else 16

    def long64(self):
        return bool(self.efer & EFER_LMA and self.cs_attr & 0x2000)

    def copy(self):
        s = State()
        s.regs = dict(self.regs)
        s.ip, s.pc, s.eflags, s.sel = self.ip, self.pc, self.eflags, dict(self.sel)
        s.cr, s.efer, s.fs_base, s.gs_base = dict(self.cr), self.efer, self.fs_base, self.gs_base
        s.segs = dict(self.segs) if self.segs else None
        s.gdtr, s.idtr, s.cs_base, s.cs_attr = self.gdtr, self.idtr, self.cs_base, self.cs_attr
        s.extra = dict(self.extra)
        return s


def parse_tdesc(fetch):
    """[(name, bits)] in register-number order, from target.xml and what it
    includes; fetch(annex) returns an annex's text."""
    regs = {}
    nextnum = [0]

    def walk(annex):
        text = re.sub(r"<!--.*?-->", "", fetch(annex), flags=re.S)
        for m in re.finditer(r"<xi:include\s+href=\"([^\"]+)\"\s*/>|<reg\s([^>]*)/?>", text):
            if m.group(1):
                walk(m.group(1))
                continue
            attrs = dict(re.findall(r"(\w+)=\"([^\"]*)\"", m.group(2)))
            num = int(attrs["regnum"]) if "regnum" in attrs else nextnum[0]
            regs[num] = (attrs["name"], int(attrs["bitsize"]))
            nextnum[0] = num + 1
    walk("target.xml")
    return [regs[n] for n in sorted(regs)]


class Layout:
    def __init__(self, regs):
        self.regs = regs
        self.num = {}
        self.off = {}
        off = 0
        for i, (name, bits) in enumerate(regs):
            self.num[name] = i
            self.off[name] = (off, bits // 4)
            off += bits // 4
        self.hexlen = off

    def want(self, names):
        """Restrict parse() to these registers (the ones the tool compares)."""
        self.wanted = [(n, self.off[n][0] // 2, self.off[n][1] // 2) for n in names if n in self.off]

    def parse(self, g):
        if "x" in g:
            g = g.replace("x", "0")     # registers the stub cannot read (x87 ...)
        try:
            raw = bytes.fromhex(g)
        except ValueError:
            raise StubError("a 'g' reply that is not hex (unavailable registers?): %r" % g[:80])
        # A 'g' reply may stop short of the description (gdb reads the rest
        # with 'p': kvmstub leaves the x87 ... AVX-512 state out of it), but
        # it must hold every register compared.
        out = {}
        for name, off, n in self.wanted:
            if off + n > len(raw):
                raise StubError("a 'g' reply of %d bytes ends before %s (bytes %d-%d)" % (
                    len(raw), name, off, off + n - 1))
            out[name] = int.from_bytes(raw[off:off + n], "little")
        return out


def parse_stop(r):
    """('stop', signal, {key: value}) | ('exit', status) | ('killed', signal)."""
    if not r:
        return ("bad", r)
    if r[0] in "TS":
        sig = int(r[1:3], 16)
        info = {}
        for item in r[3:].split(";"):
            if ":" in item:
                k, _, v = item.partition(":")
                info[k] = v
        return ("stop", sig, info)
    if r[0] == "W":
        return ("exit", int(r[1:3], 16))
    if r[0] == "X":
        return ("killed", int(r[1:3], 16))
    return ("bad", r)


class Stub:
    name = "stub"

    def __init__(self):
        self.proc = None
        self.conn = None
        self.layout = None
        self.errlog = None
        self.tmp = None

    want = GPRS + ("rip", "eflags") + SEGS + ("fs_base", "gs_base", "cr0", "cr2", "cr3",
                                              "cr4", "efer")

    def connect_common(self):
        self.conn.handshake()
        self.layout = Layout(parse_tdesc(lambda a: self.conn.xfer("features", a)))
        missing = [n for n in self.want if n not in self.layout.off]
        if missing:
            raise StubError("%s: its target description lacks %s" % (self.name, ", ".join(missing)))
        self.layout.want(self.want)

    # --- memory and registers ------------------------------------------
    def read_mem(self, addr, n):
        r = self.conn.cmd("m%x,%x" % (addr, n))
        if not r or r[0] == "E" and len(r) == 3:
            return None
        try:
            return bytes.fromhex(r)
        except ValueError:
            return None

    def write_mem(self, addr, data):
        r = self.conn.cmd("M%x,%x:%s" % (addr, len(data), data.hex()))
        return r == "OK"

    def write_reg(self, name, value):
        num = self.layout.num[name]
        bits = self.layout.regs[num][1]
        value &= (1 << bits) - 1
        r = self.conn.cmd("P%x=%s" % (num, value.to_bytes(bits // 8, "little").hex()))
        if r != "OK":
            raise StubError("%s: writing %s failed: %r" % (self.name, name, r))

    def insert(self, kind, addr, length=1):
        return self.conn.cmd("Z%d,%x,%x" % (kind, addr, length))

    def remove(self, kind, addr, length=1):
        return self.conn.cmd("z%d,%x,%x" % (kind, addr, length))

    # --- processes ------------------------------------------------------
    def stop(self):
        if self.conn:
            self.conn.close()
            self.conn = None
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.tmp:
            self.tmp.cleanup()
            self.tmp = None

    def exited(self):
        """The process's exit status if it has ended, else None."""
        if not self.proc:
            return None
        try:
            return self.proc.wait(2)
        except subprocess.TimeoutExpired:
            return None


def _die_with_parent():
    """In the child, before exec: SIGTERM when the tool's process dies, so
    that no stub outlives a killed run (prctl PR_SET_PDEATHSIG)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _read_port(proc, errpath, what, timeout=10.0):
    deadline = time.time() + timeout
    line = ""
    while time.time() < deadline:
        line = proc.stdout.readline()
        if line:
            m = re.search(r"target remote 127\.0\.0\.1:(\d+)", line)
            if m:
                return int(m.group(1))
            continue
        if proc.poll() is not None:
            break
    proc.wait()
    with open(errpath) as f:
        err = f.read().strip()
    last = err.splitlines()[-1] if err else ""
    if last.startswith("kvmstub: "):
        last = last[len("kvmstub: "):]
    raise StubError("%s: %s" % (what, last if last else
                                "exited with status %s before listening" % proc.returncode))


class Kvmstub(Stub):
    """kvmstub on IMAGE; __init__ leaves nothing running when it fails."""
    name = "kvmstub"
    want = Stub.want + ("ip", "cs_attr", "gdtr_base", "gdtr_limit", "idtr_base", "idtr_limit") + \
        tuple(x + "_base" for x in SEGS)

    def __init__(self, binary, image, memory=None, extra=()):
        super().__init__()
        try:
            self._start(binary, image, memory, extra)
        except BaseException:
            self.stop()
            raise

    def _start(self, binary, image, memory, extra):
        self.tmp = tempfile.TemporaryDirectory(prefix="lockstep-kvmstub.")
        errpath = os.path.join(self.tmp.name, "stderr")
        self.serial = os.path.join(self.tmp.name, "serial")
        cmd = [binary, "--reset", "architectural", "--arch", "x86-64", "--listen",
               "127.0.0.1:0", "--serial", self.serial]
        if memory:
            cmd += ["--memory", memory]
        cmd += list(extra) + [image]
        self.cmdline = cmd
        self.errpath = errpath
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=open(errpath, "w"),
                                     stdin=subprocess.DEVNULL, text=True,
                                     preexec_fn=_die_with_parent)
        port = _read_port(self.proc, errpath, "refused by kvmstub")
        try:
            self.conn = wire.Conn("127.0.0.1:%d" % port, "kvmstub")
        except OSError as e:
            raise StubError("kvmstub: cannot connect to port %d: %s" % (port, e))
        self.connect_common()
        self.memmap = self._memory_map()

    def _memory_map(self):
        xml = self.conn.xfer("memory-map", "")
        out = []
        for m in re.finditer(r"<memory type=\"(\w+)\" start=\"0x([0-9a-f]+)\" length=\"0x([0-9a-f]+)\"", xml):
            out.append((m.group(1), int(m.group(2), 16), int(m.group(3), 16)))
        return out

    def region(self, addr):
        """'ram', 'rom' or None (no memory there: a device or nothing)."""
        for kind, start, length in self.memmap:
            if start <= addr < start + length:
                return kind
        return None

    def state_from_g(self, g):
        v = self.layout.parse(g)
        s = State()
        s.regs = {r: v[r] for r in GPRS}
        s.pc = v["rip"]
        s.ip = v["ip"]
        s.eflags = v["eflags"]
        s.sel = {x: v[x] & 0xFFFF for x in SEGS}
        s.cr = {0: v["cr0"], 2: v["cr2"], 3: v["cr3"], 4: v["cr4"]}
        s.efer = v["efer"]
        s.fs_base, s.gs_base = v["fs_base"], v["gs_base"]
        s.cs_base = v["cs_base"]
        s.cs_attr = v["cs_attr"]
        s.extra = {"gdtr": (v["gdtr_base"], v["gdtr_limit"]),
                   "idtr": (v["idtr_base"], v["idtr_limit"])}
        for x in SEGS:
            s.extra[x + "_base"] = v[x + "_base"]
        return s

    def sregs_request(self):
        self.conn.console = ""
        self.conn.send("qRcmd," + b"sregs".hex())

    def sregs_reply(self, state):
        r = self.conn.reply()
        text = self.conn.console
        if r != "OK":
            raise StubError("kvmstub: monitor sregs failed: %r" % r)
        state.segs = parse_kvmstub_sregs(text)
        state.gdtr, state.idtr = state.extra["gdtr"], state.extra["idtr"]


_LEGACY_SYS = {"16-bit TSS (available)": 1, "LDT": 2, "16-bit TSS (busy)": 3,
               "16-bit call gate": 4, "task gate": 5, "16-bit interrupt gate": 6,
               "16-bit trap gate": 7, "32-bit TSS (available)": 9, "32-bit TSS (busy)": 11,
               "32-bit call gate": 12, "32-bit interrupt gate": 14, "32-bit trap gate": 15,
               "64-bit TSS (available)": 9, "64-bit TSS (busy)": 11, "64-bit call gate": 12,
               "64-bit interrupt gate": 14, "64-bit trap gate": 15, "reserved": 0}


def _type_from_text(t):
    """kvmstub's type column -> (S, type), or None for "unusable"."""
    if t.startswith("unusable"):
        return None
    if t.startswith("code,") or t.startswith("data,"):
        ty = 8 if t.startswith("code") else 0
        if "exec/read" in t or "read/write" in t:
            ty |= 2
        if "conforming" in t or "expand-down" in t:
            ty |= 4
        if "accessed" in t:
            ty |= 1
        return 1, ty
    return 0, _LEGACY_SYS.get(t.strip(), 0)


_KSEG = re.compile(r"^(cs|ss|ds|es|fs|gs|tr|ldtr)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+"
                   r"(.*?)\s+(\d)\s+(\d)\s+(\d)\s+(\d)\s+(\d)\s*$", re.M)


def parse_kvmstub_sregs(text):
    segs = {}
    for m in _KSEG.finditer(text):
        name = m.group(1)
        st = _type_from_text(m.group(5))
        dpl, p, db, g, l = (int(m.group(i)) for i in range(6, 11))
        if st is None:
            segs[name] = Seg(int(m.group(2), 16), int(m.group(3), 16), int(m.group(4), 16), 0, True)
            continue
        s, ty = st
        attr = ty | s << 4 | dpl << 5 | p << 7 | l << 13 | db << 14 | g << 15
        segs[name] = Seg(int(m.group(2), 16), int(m.group(3), 16), int(m.group(4), 16), attr, False)
    if len(segs) < 6:
        raise StubError("kvmstub: cannot parse monitor sregs:\n" + text)
    return segs


_QSEG = re.compile(r"^(ES|CS|SS|DS|FS|GS|LDT|TR) ?=([0-9a-f]{4}) ([0-9a-f]+) ([0-9a-f]+) ([0-9a-f]+)", re.M)
_QDT = re.compile(r"^(GDT|IDT)= +([0-9a-f]+) ([0-9a-f]+)", re.M)


def parse_qemu_info_registers(text):
    segs = {}
    for m in _QSEG.finditer(text):
        name = {"LDT": "ldtr", "TR": "tr"}.get(m.group(1), m.group(1).lower())
        flags = int(m.group(5), 16)
        attr = (flags >> 8) & 0xFF | (flags >> 8) & 0xF000
        segs[name] = Seg(int(m.group(2), 16), int(m.group(3), 16), int(m.group(4), 16),
                         attr, not flags & 0x8000)
    dts = {m.group(1): (int(m.group(2), 16), int(m.group(3), 16)) for m in _QDT.finditer(text)}
    info = {}
    m = re.search(r"CPL=(\d) II=(\d) A20=(\d) SMM=(\d) HLT=(\d)", text)
    if m:
        info = {"cpl": int(m.group(1)), "inhibit": int(m.group(2)), "a20": int(m.group(3)),
                "smm": int(m.group(4)), "halted": int(m.group(5))}
    if len(segs) < 6 or "GDT" not in dts:
        raise StubError("qemu: cannot parse info registers:\n" + text)
    return segs, dts["GDT"], dts["IDT"], info


class Qemu(Stub):
    name = "qemu"

    def __init__(self, binary, image, memory="16M", cpu=None, smp=1, extra=()):
        super().__init__()
        try:
            self._start(binary, image, memory, cpu, smp, extra)
        except BaseException:
            self.stop()
            raise

    def _start(self, binary, image, memory, cpu, smp, extra):
        self.tmp = tempfile.TemporaryDirectory(prefix="lockstep-qemu.")
        sock = os.path.join(self.tmp.name, "gdb.sock")
        errpath = os.path.join(self.tmp.name, "stderr")
        self.serial = os.path.join(self.tmp.name, "serial")
        cmd = [binary, "-accel", "tcg", "-M", "pc", "-m", memory, "-smp", str(smp),
               "-bios", image, "-S", "-nodefaults", "-display", "none", "-no-reboot",
               "-monitor", "none", "-serial", "file:" + self.serial,
               "-device", "isa-debug-exit,iobase=0xf4,iosize=1",
               # Firmware reads QEMU's configuration by port I/O, which the
               # tool copies into kvmstub, not by DMA, which it cannot.
               "-global", "fw_cfg_io.dma_enabled=off",
               "-chardev", "socket,id=gdb0,path=%s,server=on,wait=off" % sock,
               "-gdb", "chardev:gdb0"]
        if cpu:
            cmd += ["-cpu", cpu]
        cmd += list(extra)
        self.cmdline = cmd
        self.errpath = errpath
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=open(errpath, "w"),
                                     stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        deadline = time.time() + 10
        while not os.path.exists(sock):
            if self.proc.poll() is not None or time.time() > deadline:
                with open(errpath) as f:
                    err = f.read().strip()
                raise StubError("qemu did not start: %s" % (err or "no gdb socket within 10 s"))
            time.sleep(0.01)
        while True:
            try:
                self.conn = wire.Conn("unix:" + sock, "qemu")
                break
            except OSError as e:          # the socket exists before QEMU listens
                if self.proc.poll() is not None or time.time() > deadline:
                    raise StubError("qemu: cannot connect to its gdbstub: %s" % e)
                time.sleep(0.01)
        self.connect_common()

    def state_from_g(self, g, prev=None):
        v = self.layout.parse(g)
        s = State()
        s.regs = {r: v[r] for r in GPRS}
        s.ip = v["rip"]
        s.eflags = v["eflags"]
        s.sel = {x: v[x] & 0xFFFF for x in SEGS}
        s.cr = {0: v["cr0"], 2: v["cr2"], 3: v["cr3"], 4: v["cr4"]}
        s.efer = v["efer"]
        s.fs_base, s.gs_base = v["fs_base"], v["gs_base"]
        # CS's base and attributes are not in QEMU's 'g': the last ones read
        # by info registers stand until the next read (taken at every step
        # that can change them).
        s.cs_base = prev.cs_base if prev else 0
        s.cs_attr = prev.cs_attr if prev else 0
        s.pc = self.linear_pc(s)
        return s

    def linear_pc(self, s):
        if s.efer & EFER_LMA and s.cs_attr & 0x2000:
            return s.ip
        return (s.cs_base + (s.ip & 0xFFFFFFFF)) & 0xFFFFFFFF

    def sregs_request(self):
        self.conn.console = ""
        self.conn.send("qRcmd," + b"info registers".hex())

    def sregs_reply(self, state):
        r = self.conn.reply()
        text = self.conn.console
        if r != "OK":
            raise StubError("qemu: monitor info registers failed: %r" % r)
        state.segs, state.gdtr, state.idtr, info = parse_qemu_info_registers(text)
        state.extra.update(info)
        state.cs_base = state.segs["cs"].base
        state.cs_attr = state.segs["cs"].attr
        state.pc = self.linear_pc(state)
