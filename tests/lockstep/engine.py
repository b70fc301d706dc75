"""engine.py - kvmstub and QEMU's software CPU, single-stepped side by side.

Lockstep.run() steps both stubs once per instruction from the reset vector
and compares, after every step, the architectural state (compare.py says
exactly what).  Around that it

  - copies the reference's result into kvmstub after an instruction whose
    result comes from outside the CPU (in/ins, cpuid, rdtsc(p), rdmsr,
    rdpmc, rdrand/rdseed, reads of device memory), and logs it;
  - copies the flags the manual leaves undefined (undefined_flags.py), so
    that they cannot differ later either;
  - knows the one place where QEMU's gdbstub and the CPU step differently
    (an interrupt shadow, below) and the endings (exit port, hlt, a shut-down);
  - records the trace (addresses, sync points, memory accesses) that the
    breakpoint and watchpoint comparison (stops.py) builds on.

A difference it cannot explain is a divergence: the report shows the last
instructions of both traces, the registers that differ, and the run fails.
"""
import collections
import re
import time

import compare
import disasm
import stubs
import undefined_flags
import wire
import x86

RF = 0x10000
IF = 0x200
TF = 0x100
TRACE_SHOWN = 8
SHADOW_CITE = ("Intel SDM Vol. 3A, 6.8.3 'Masking Exceptions and Interrupts When Switching "
               "Stacks': after MOV SS or POP SS the processor inhibits debug exceptions and "
               "single-step traps until the instruction boundary after the NEXT instruction")

# Registers an input instruction writes: kind -> [(register, bits)].
_INPUT_REGS = {
    "cpuid": [("rax", 32), ("rbx", 32), ("rcx", 32), ("rdx", 32)],
    "rdtsc": [("rax", 32), ("rdx", 32)],
    "rdtscp": [("rax", 32), ("rdx", 32), ("rcx", 32)],
    "rdmsr": [("rax", 32), ("rdx", 32)],
    "rdpmc": [("rax", 32), ("rdx", 32)],
}


class Entry:
    """One instruction of a trace: where, what bytes, in which mode."""
    __slots__ = ("step", "pc", "cs", "ip", "bits", "code", "text")

    def __init__(self, step, pc, cs, ip, bits, code):
        self.step, self.pc, self.cs, self.ip, self.bits, self.code = step, pc, cs, ip, bits, code
        self.text = None

    def line(self):
        if self.text is None:
            self.text = disasm.disassemble(self.code, self.bits, self.pc)
        where = "%04x:%0*x" % (self.cs, 16 if self.bits == 64 else 4 if self.bits == 16 else 8, self.ip)
        return "%7s  %-22s %#012x  %-24s %s" % (
            "#%d" % self.step if self.step is not None else "now", where, self.pc,
            self.code.hex(" ") if self.code else "-", self.text)


class Result:
    """What one image's lockstep run found."""

    def __init__(self, name):
        self.name = name
        self.steps = 0              # steps compared
        self.prefix = None          # identical prefix (steps before the first divergence)
        self.ended = ""             # how it ended, one phrase
        self.verdict = "pass"       # pass | fail | platform
        self.report = []            # the divergence report, lines
        self.classes = []           # (keep-going) divergence classes found
        self.syncs = collections.Counter()
        self.trace = []             # linear pcs, one per step, while identical
        self.ended_by = ""          # steps | diverged | spin | exit | hlt | platform ...
        self.sync_pcs = set()       # where an input had to be copied
        self.writes = {}            # kind -> first (linear, size, step) written
        self.reads = []             # first few (linear, size, step) read
        self.special = {}           # name -> linear address (bp after I/O, ...)
        self.code_pages = set()
        self.seconds = 0.0
        self.k_wait = 0.0           # seconds waiting for kvmstub's step replies
        self.q_wait = 0.0

    def line(self):
        prefix = self.prefix if self.prefix is not None else self.steps
        return "%-22s steps %6d  identical prefix %6d  %s" % (self.name, self.steps, prefix, self.ended)


class Divergence(Exception):
    pass


class Lockstep:
    def __init__(self, image, name, cfg, log, pokes=None, steps=None):
        self.image, self.name, self.cfg, self.log = image, name, cfg, log
        self.steps = steps or cfg.steps
        self.pokes = pokes or {}
        self.last_stops = (None, None)
        self.k = self.q = None
        self.res = Result(name)
        self.ktrace = collections.deque(maxlen=TRACE_SHOWN)
        self.qtrace = collections.deque(maxlen=TRACE_SHOWN)
        self.ignored = set()        # (keep-going) fields no longer compared
        self.eflags_ignore = 0      # (keep-going) EFLAGS bits no longer compared
        self.classes = {}
        self._xlate = {}
        self._decoded = {}          # (bytes, bits) -> Insn: loops decode once
        self._rom_logged = set()
        self._rom_pending = []       # firmware-region writes of a rep still going

    # ------------------------------------------------------------ set-up
    def start(self):
        cfg = self.cfg
        self.k = stubs.Kvmstub(cfg.kvmstub, self.image, cfg.memory, cfg.kvmstub_args)
        self.q = stubs.Qemu(cfg.qemu, self.image, cfg.memory or "16M", cfg.cpu)
        self.k.conn.settimeout(cfg.timeout)
        self.q.conn.settimeout(cfg.timeout)
        for addr, data in sorted(self.pokes.items()):
            # The image's own switches (guests/lockstep.S: HLT_FLAG), the
            # same bytes in both machines' RAM before the first step.
            if not (self.k.write_mem(addr, data) and self.q.write_mem(addr, data)):
                raise stubs.StubError("cannot write %s at %#x before the start" % (data.hex(), addr))
            self.log.info("start: wrote %s at %#x in both machines' RAM" % (data.hex(), addr))

    def stop(self):
        for s in (self.k, self.q):
            if s:
                s.stop()

    def read_states(self, kprev, qprev, segs):
        """Both stubs' states (their descriptor caches too when `segs`), and
        the bytes at kvmstub's new pc, with the requests overlapped."""
        k, q = self.k, self.q
        k.conn.send("g")
        q.conn.send("g")
        if segs:
            k.sregs_request()
            q.sregs_request()
        ks = k.state_from_g(k.conn.reply())
        if segs:
            k.sregs_reply(ks)
        k.conn.send("m%x,f" % ks.pc)
        qs = q.state_from_g(q.conn.reply(), qprev)
        if segs:
            q.sregs_reply(qs)
        code = self._code_reply(ks.pc)
        return ks, qs, code

    def _code_reply(self, pc):
        r = self.k.conn.reply()
        try:
            if r and not (r[0] == "E" and len(r) == 3):
                return bytes.fromhex(r)
        except ValueError:
            pass
        # Unreadable at full length: the pc is near the end of a page.
        n = 0x1000 - (pc & 0xFFF)
        if n < 15:
            return self.k.read_mem(pc, n) or b""
        return b""

    # ------------------------------------------------------------ the run
    def run(self):
        res = self.res
        t0 = time.time()
        try:
            self.start()
            self._run()
        except Divergence:
            pass
        except (wire.WireError, stubs.StubError, OSError) as e:
            res.verdict = "fail"
            if self.q is None:          # kvmstub or QEMU did not start
                res.ended = str(e)
            else:
                res.ended = "ERROR at step %d: %s" % (res.steps, e)
            res.report.append(res.ended)
        finally:
            res.seconds = time.time() - t0
            self.stop()
        if res.classes:
            # --keep-going: what was found stands, however the run ended.
            res.ended += "; %d divergences in %d classes, the first at step #%d" % (
                len(res.classes), len(self.classes), res.classes[0][0])
            res.verdict = "fail"
        if res.prefix is None and res.verdict == "pass":
            res.prefix = res.steps
        if res.verdict == "fail" and not res.ended_by:
            res.ended_by = "diverged"
        return res

    def _run(self):
        res, cfg = self.res, self.cfg
        ks, qs, code = self.read_states(None, None, True)
        self._sync_reset(ks, qs)
        diffs = compare.diff(ks, qs, 0, self.ignored)
        if diffs:
            self._diverged(ks, qs, None, diffs, "the reset states differ")
        step = 0
        while step < self.steps:
            bits = ks.bits()
            key = (code, bits)
            insn = self._decoded.get(key, False)
            if insn is False:
                try:
                    insn = x86.decode(code, bits)
                except x86.DecodeError:
                    insn = None
                if len(self._decoded) > 65536:
                    self._decoded.clear()
                self._decoded[key] = insn
            entry = Entry(step, ks.pc, ks.sel["cs"], ks.ip, bits,
                          code[:insn.length] if insn else code)
            self.ktrace.append(entry)
            self.qtrace.append(Entry(step, qs.pc, qs.sel["cs"], qs.ip, qs.bits(),
                                     entry.code))
            res.trace.append(ks.pc)
            res.code_pages.add(ks.pc >> 12)
            if insn:
                self._note_access(insn, ks, step)
            if insn and insn.kind == "hlt":
                self._hlt(ks, qs, insn, step)
                return
            res.steps = step + 1
            nks, nqs, code, insn_done = self._step(ks, qs, insn, step)
            step += 1
            if insn_done is not None:      # an ending (exit port, shut-down)
                return
            ks, qs = nks, nqs
            if entry.pc == ks.pc and insn and insn.kind == "jmp" and insn.target == -insn.length:
                if ks.regs == self._prev_regs:
                    res.ended = "ended: spins at %#x (a jump to itself), %d steps" % (ks.pc, step)
                    res.ended_by = "spin"
                    return
            self._prev_regs = ks.regs
        res.ended = "reached %d steps" % step
        res.ended_by = "steps"

    _prev_regs = None

    def _sync_reset(self, ks, qs):
        """The reset state's one platform value: EDX holds the processor's
        signature (family, model, stepping: Intel SDM Vol. 3A, 10.1.4 'First
        Instruction Executed' and Table 10-1), which differs by CPU model."""
        if ks.regs["rdx"] != qs.regs["rdx"]:
            self.log.info("reset: EDX (the processor signature) is %#x on kvmstub, %#x on QEMU: "
                          "copied QEMU's" % (ks.regs["rdx"], qs.regs["rdx"]))
            self.k.write_reg("rdx", qs.regs["rdx"])
            ks.regs["rdx"] = qs.regs["rdx"]
            self.res.syncs["reset EDX"] += 1

    # ------------------------------------------------------------ one step
    def _step(self, ks, qs, insn, step):
        """Step both; returns (kvmstub state, QEMU state, code at the new pc,
        ending or None)."""
        res = self.res
        k, q = self.k, self.q
        t = time.time()
        k.conn.console = ""
        k.conn.send("s")
        q.conn.send("s")
        kr = self._stop_reply(k)
        t1 = time.time()
        qr = self._stop_reply(q)
        if self.q_after_watch:
            qr = self._past_bare_trap(qr, qs)
        t2 = time.time()
        res.k_wait += t1 - t
        res.q_wait += t2 - t
        self.last_stops = (kr, qr)
        end = self._ending(kr, qr, ks, qs, insn, step)
        if end:
            return None, None, None, end
        fall = (ks.ip + insn.length) if insn else None
        want = self._want_segs(insn, ks, step)
        nks, nqs, code = self.read_states(ks, qs, want)
        event = insn is None or not self._expected_ip(insn, ks, nks) or \
            not self._expected_ip(insn, qs, nqs)
        if not want and (nks.sel != ks.sel or nqs.sel != qs.sel or event):
            self._fetch_segs(nks, nqs)
        frame = []
        if event and nks.ip == nqs.ip and nks.regs["rsp"] == nqs.regs["rsp"] and \
                nks.sel["cs"] == nqs.sel["cs"] and (nks.regs["rsp"] ^ ks.regs["rsp"]) & 0xFFFF:
            frame = self._check_frame(nks, insn, ks, step)
        if insn and insn.input and fall is not None:
            self._sync_input(insn, ks, nks, nqs, step, fall)
        if insn:
            self._sync_rom(insn, ks, nks, nqs, step)
        umask, uwhy = (undefined_flags.undefined(insn, ks.regs) if insn else (0, None))
        diffs = compare.diff(nks, nqs, umask, self.ignored, self._undefined_dest(insn, nqs),
                             self.eflags_ignore) + frame
        if diffs:
            nks, nqs, code, diffs = self._explain(insn, ks, qs, nks, nqs, code, diffs, step, umask)
        if diffs:
            self._diverged(nks, nqs, insn, diffs, None, step, ks)
            nks, nqs, code = self.read_states(nks, nqs, True)
        if umask:
            self._sync_undefined(nks, nqs, umask, uwhy, insn)
        return nks, nqs, code, None

    def _check_frame(self, nks, insn, ks, step):
        """An exception or interrupt was delivered (protected or long mode):
        the frame it pushed must be the same too (the registers do not show
        it until the handler reads it or returns).  One bit may differ and is
        the reference's fault: for a fault the CPU pushes RF = 1 (Intel SDM
        Vol. 3B, 17.3.1.1: 'For any fault-class exception except a debug
        exception generated in response to an instruction breakpoint, the
        value pushed for RF is 1'), QEMU the RF it has, 0; QEMU's frame gets
        kvmstub's bit, logged.  Any other difference is a divergence.
        Returns [(field, kvmstub, qemu)]."""
        long64 = nks.long64()
        m = self._stack_mask(nks)
        sp = self._seg_base(nks, "ss", long64) + (nks.regs["rsp"] & m)
        real = not nks.cr[0] & 1
        # Real mode: IP, CS, FLAGS (2 bytes each); else the slots of 4
        # bytes (8 in 64-bit mode), with an error code first for some.
        slot = 2 if real else 8 if long64 else 4
        n = 6 if real else 6 * slot
        kf, qf = self.k.read_mem(sp, n), self.q.read_mem(sp, n)
        if not kf or not qf or kf == qf or len(kf) != len(qf):
            return []
        # Bit 16 of EFLAGS in the frame: the third slot, or the fourth after
        # an error code.
        for at in (() if real else (2 * slot + 2, 3 * slot + 2)):
            if (kf[at] ^ qf[at]) == 1 and kf[at] & 1:
                self.q.write_mem(sp + at, kf[at:at + 1])
                qf = qf[:at] + kf[at:at + 1] + qf[at + 1:]
                self.res.syncs["RF in a fault's EFLAGS image (QEMU pushes 0)"] += 1
                self.log.info("step %d: the exception frame at %#x: kvmstub's EFLAGS image has RF set, "
                              "QEMU's not; the CPU sets it for a fault (Intel SDM Vol. 3B, 17.3.1.1): "
                              "QEMU's frame gets kvmstub's bit" % (step, sp))
                break
        if kf == qf:
            return []
        words = lambda b: " ".join(b[i:i + slot][::-1].hex() for i in range(0, len(b), slot))
        return [("frame at %#x" % sp, words(kf), words(qf))]

    # Set by the stop runs after QEMU reported a watchpoint: QEMU 7.2 may
    # then answer the next resume with a bare trap, having run nothing.
    q_after_watch = False

    def _past_bare_trap(self, qr, qs):
        """A step QEMU answered with a bare trap after a watchpoint stop:
        if its registers are all as they were, it ran nothing; step it
        again.  Logged."""
        self.q_after_watch = False
        if qr[0] != "stop" or qr[1] != 5 or any(
                w in qr[2] for w in ("watch", "rwatch", "awatch", "swbreak", "hwbreak")):
            return qr
        now = self.q.state_from_g(self.q.conn.cmd("g"), qs)
        if now.pc != qs.pc or now.regs != qs.regs or now.eflags != qs.eflags:
            return qr
        self.log.info("QEMU answered a step after a watchpoint stop with a bare trap, at %#x, "
                      "having run nothing: stepped it again" % now.pc)
        self.q.conn.send("s")
        return self._stop_reply(self.q)

    def _stop_reply(self, s):
        try:
            return stubs.parse_stop(s.conn.reply())
        except wire.WireError:
            st = s.exited()
            if st is None:
                raise
            return ("closed", st)

    def _want_segs(self, insn, ks, step):
        if insn is None or insn.seg_event:
            return True
        return step % self.cfg.seg_every == 0

    def _fetch_segs(self, ks, qs):
        self.k.sregs_request()
        self.q.sregs_request()
        self.k.sregs_reply(ks)
        self.q.sregs_reply(qs)

    @staticmethod
    def _expected_ip(insn, before, after):
        """Did the instruction go where a non-faulting instance goes?  (A
        mismatch means an exception or interrupt was delivered: descriptor
        caches are compared then.)"""
        mask = 0xFFFFFFFFFFFFFFFF if before.long64() else 0xFFFFFFFF
        fall = (before.ip + insn.length) & mask
        ip = after.ip & mask
        if ip == fall:
            return True
        if insn.rep and insn.kind in x86.STRING_KINDS and ip == before.ip & mask:
            return True             # one iteration of a rep: still on the rep
        if insn.branch:
            if insn.target is None:
                return True         # indirect or ret: no way to know here
            return ip == (fall + insn.target) & mask or ip == ((fall + insn.target) & 0xFFFF)
        return False

    # ------------------------------------------------------------ endings
    def _ending(self, kr, qr, ks, qs, insn, step):
        res = self.res
        if kr[0] == "stop" and qr[0] == "stop" and kr[1] == 5 and qr[1] == 5:
            return None
        kdesc = self._describe_stop(kr, "kvmstub")
        qdesc = self._describe_stop(qr, "qemu")
        if kr[0] == "exit" and qr[0] == "closed" and qr[1] & 1 and qr[1] >> 1 == kr[1]:
            res.ended = "ended: both exited with status %d (port 0xf4), %d steps" % (kr[1], step + 1)
            return "exit"
        if kr[0] == "stop" and kr[1] == 11 and qr[0] == "closed" and qr[1] == 0:
            text = self.k.conn.console.strip()
            res.ended = "ended: both shut down (triple fault) after %d steps%s" % (
                step + 1, ": " + text if text else "")
            return "shutdown"
        ktext = self.k.conn.console.strip()
        if kr[0] == "stop" and kr[1] == 11 and qr[0] == "stop" and insn and insn.kind == "mov_cr" \
                and insn.reg == 0 and not ks.cr[4] & 0x20 and "shutdown" in ktext and \
                not self.cfg.host_paging32:
            # Setting CR0.PG without CR4.PAE: 32-bit paging, which this host's
            # KVM cannot run (kvmstub --probe: "32-bit paging runs: no").
            res.prefix = step if res.prefix is None else res.prefix
            res.verdict = "platform"
            res.ended = ("platform: 32-bit paging (CR0.PG on, CR4.PAE off) at %#x, step %d: this host's "
                         "KVM cannot run it (kvmstub --probe: 32-bit paging runs: no); kvmstub: %s" % (
                             ks.pc, step, ktext.splitlines()[0]))
            res.report.append(res.ended)
            raise Divergence()
        res.verdict = "fail"
        res.prefix = step if res.prefix is None else res.prefix
        res.ended = "DIVERGED at step %d: kvmstub %s, qemu %s" % (step, kdesc, qdesc)
        res.report += [res.ended] + (["kvmstub said: " + ktext] if ktext else [])
        res.report += ["the last instructions, both traces:"] + self._trace_lines()
        raise Divergence()

    @staticmethod
    def _describe_stop(r, who):
        if r[0] == "stop":
            return "stopped with signal %d" % r[1]
        if r[0] == "exit":
            return "exited with status %d" % r[1]
        if r[0] == "closed":
            return "process ended with status %s" % r[1]
        return "replied %r" % (r[1],)

    def _hlt(self, ks, qs, insn, step):
        """hlt.  With interrupts off it is the guest's end: kvmstub's step
        stops after it; QEMU's step never returns (its CPU waits for an
        interrupt that cannot come), so it is interrupted and must be halted
        after the hlt too.  With interrupts on, when the CPU wakes depends on
        each machine's timers: a platform ending, not compared."""
        res = self.res
        if ks.eflags & IF:
            res.verdict = "platform"
            res.ended = ("platform: hlt with interrupts on at %#x after %d steps (when an interrupt "
                         "wakes the CPU is up to each machine's devices)" % (ks.pc, step))
            return
        self.k.conn.send("s")
        kr = self._stop_reply(self.k)
        self.q.conn.send("s")
        self.q.conn.settimeout(0.5)
        try:
            qr = self._stop_reply(self.q)
        except wire.WireError:
            self.q.conn.send_raw(b"\x03")
            self.q.conn.settimeout(self.cfg.timeout)
            qr = self._stop_reply(self.q)
        self.q.conn.settimeout(self.cfg.timeout)
        res.steps = step + 1
        if kr[0] != "stop":
            self._ending(kr, qr, ks, qs, insn, step)
        nks, nqs, _ = self.read_states(ks, qs, True)
        diffs = compare.diff(nks, nqs, 0, self.ignored)
        if diffs or not nqs.extra.get("halted"):
            self._diverged(nks, nqs, insn, diffs, "after hlt", step)
        res.ended = "ended: hlt with interrupts off at %#x, %d steps" % (ks.pc, step + 1)

    # ------------------------------------------------------------ platform inputs
    def _sync_input(self, insn, ks, nks, nqs, step, fall):
        mask = 0xFFFFFFFFFFFFFFFF if ks.long64() else 0xFFFFFFFF
        if (nks.ip & mask) != (fall & mask) or (nqs.ip & mask) != (fall & mask):
            if (nks.ip & mask) != (nqs.ip & mask) and insn.input in ("rdmsr", "rdpmc", "rdtscp",
                                                                      "rdrand", "rdseed"):
                who = "kvmstub" if (nks.ip & mask) != (fall & mask) else "QEMU"
                self._platform(nks, nqs, insn, step, "%s at %#x faulted on %s only (ECX %#x): the "
                               "two platforms' CPUs differ (model-specific registers and features "
                               "are per CPU model)" % (insn.kind, ks.pc, who, ks.regs["rcx"] & 0xFFFFFFFF))
            return
        kind = insn.input
        changed = []
        if kind == "in":
            changed.append(self._copy_reg(nks, nqs, "rax", insn.elem * 8, ks.long64()))
        elif kind == "ins":
            asz = (1 << insn.asize) - 1
            addr = self._seg_base(ks, "es", ks.long64()) + (ks.regs["rdi"] & asz)
            qdata = self.q.read_mem(addr, insn.elem)
            kdata = self.k.read_mem(addr, insn.elem)
            if qdata is not None and qdata != kdata:
                if not self.k.write_mem(addr, qdata):
                    raise stubs.StubError("kvmstub: cannot write the ins data at %#x" % addr)
                changed.append("[%#x]=%s (was %s)" % (addr, qdata.hex(), kdata.hex() if kdata else "?"))
        elif kind in _INPUT_REGS:
            for reg, bits in _INPUT_REGS[kind]:
                changed.append(self._copy_reg(nks, nqs, reg, bits, ks.long64()))
        elif kind in ("rdrand", "rdseed"):
            reg = x86.GPR[insn.rm]
            changed.append(self._copy_reg(nks, nqs, reg, insn.osize, ks.long64()))
            changed.append(self._copy_flags(nks, nqs, undefined_flags.ARITH))
        changed = [c for c in changed if c]
        self.res.syncs[kind] += 1
        self.res.sync_pcs.add(ks.pc)
        if changed:
            self.log.info("step %d: %s at %#x: copied from QEMU: %s" % (
                step, kind, ks.pc, ", ".join(changed)))

    def _stack_mask(self, ks):
        if ks.long64():
            return 0xFFFFFFFFFFFFFFFF
        if not ks.cr[0] & 1:
            return 0xFFFF
        segs = ks.segs or {}
        ss = segs.get("ss")
        return 0xFFFFFFFF if ss is None or ss.attr & 0x4000 else 0xFFFF

    def _written(self, insn, ks, nks):
        """[(linear, size)] the instruction (completed) wrote, as far as the
        decoder knows: its ModRM destination, a string destination, and the
        stack below the old stack pointer when it pushed."""
        long64 = ks.long64()
        out = []
        if insn.kind in ("movs", "stos", "ins"):
            asz = (1 << insn.asize) - 1
            out.append((self._seg_base(ks, "es", long64) + (ks.regs["rdi"] & asz), insn.elem))
        elif x86.mem_write_size(insn):
            out.append((insn.mem.linear(ks.regs, lambda s: self._seg_base(ks, s, long64),
                                        ks.ip + insn.length, ks.bits()), x86.mem_write_size(insn)))
        m = self._stack_mask(ks)
        pushed = (ks.regs["rsp"] - nks.regs["rsp"]) & m
        if 0 < pushed <= 64 and ks.sel["ss"] == nks.sel["ss"]:
            out.append((self._seg_base(ks, "ss", long64) + (nks.regs["rsp"] & m), pushed))
        return out

    def _read(self, insn, ks):
        """[(linear, size)] the instruction read from memory (ModRM source,
        string source, the stack it pops)."""
        long64 = ks.long64()
        out = []
        asz = (1 << insn.asize) - 1
        if insn.kind in ("movs", "lods", "cmps", "outs"):
            out.append((self._seg_base(ks, insn.seg or "ds", long64) + (ks.regs["rsi"] & asz), insn.elem))
        if insn.kind in ("cmps", "scas"):
            out.append((self._seg_base(ks, "es", long64) + (ks.regs["rdi"] & asz), insn.elem))
        if insn.mem is not None and not (insn.map == 0 and insn.op in (0x88, 0x89, 0xC6, 0xC7, 0x8D,
                                                                        0x8F)):
            size = max(x86.mem_write_size(insn), 1 if insn.map == 0 and insn.op % 2 == 0 and
                       insn.op < 0x40 else insn.osize // 8)
            out.append((insn.mem.linear(ks.regs, lambda s: self._seg_base(ks, s, long64),
                                        ks.ip + insn.length, ks.bits()), size))
        if insn.kind in ("ret", "iret", "lret", "popf") or insn.map == 0 and \
                (0x58 <= insn.op <= 0x5F or insn.op in (0x8F, 0x1F, 0x07, 0x17, 0x61, 0xC9)):
            m = self._stack_mask(ks)
            base = ks.regs["rbp"] if insn.map == 0 and insn.op == 0xC9 else ks.regs["rsp"]
            out.append((self._seg_base(ks, "ss", long64) + (base & m), 8 if long64 else 4))
        return out

    def _rom_ranges(self, ranges, ks):
        """The ranges that lie in kvmstub's firmware region (ROM there)."""
        out = []
        for lin, size in ranges:
            phys = self._phys(lin, ks)
            if phys is not None and self.k.region(phys) == "rom":
                out.append((lin, size))
        return out

    def _copy_rom(self, ranges, step, insn, ks, why):
        """Give kvmstub QEMU's bytes where they differ in these ranges of the
        firmware region; returns what was copied."""
        done = []
        chunks = [(lin + off, min(0x800, size - off)) for lin, size in ranges
                  for off in range(0, size, 0x800)]
        for lin, size in chunks:
            qdata = self.q.read_mem(lin, size)
            kdata = self.k.read_mem(lin, size)
            if qdata is None or qdata == kdata:
                continue
            if not self.k.write_mem(lin, qdata):
                raise stubs.StubError("kvmstub: cannot write %d bytes at %#x" % (size, lin))
            done.append("%#x: %s" % (lin, qdata[:16].hex() + ("..." if size > 16 else "")))
        if done:
            self.res.syncs["firmware region (RAM on QEMU, ROM in kvmstub): " + why] += 1
            if why not in self._rom_logged:
                self.log.info("step %d: %s at %#x %s the firmware region (%s): RAM on QEMU, whose "
                              "chipset (i440FX PAM) shadows the BIOS there, ROM in kvmstub; copied "
                              "QEMU's bytes into kvmstub, and so from here on (counted)" % (
                                  step, insn.describe(), ks.pc, why, ", ".join(done)))
                self._rom_logged.add(why)
        return done

    def _sync_rom(self, insn, ks, nks, nqs, step):
        """A write into the firmware region: ROM in kvmstub (its memory map
        says so), but a PC chipset can turn it into RAM (the i440FX's PAM
        registers, which SeaBIOS programs on QEMU to shadow itself).  Where
        QEMU's memory took the write and kvmstub's did not, kvmstub gets
        the bytes QEMU holds: a platform difference, logged."""
        if nks.ip != nqs.ip:
            return
        ranges = self._rom_ranges(self._written(insn, ks, nks), ks)
        if insn.rep and insn.kind in ("movs", "stos") and nks.ip == ks.ip:
            # An iteration of a rep that goes on: its bytes are copied in
            # one go when it ends (a 128 KiB shadowing copy would cost three
            # round trips an iteration).
            for lin, size in ranges:
                p = self._rom_pending
                if p and p[-1][0] + p[-1][1] == lin:
                    p[-1] = (p[-1][0], p[-1][1] + size)
                elif p and lin + size == p[-1][0]:
                    p[-1] = (lin, p[-1][1] + size)
                else:
                    p.append((lin, size))
            return
        ranges += self._rom_pending
        self._rom_pending = []
        if ranges:
            self._copy_rom(ranges, step, insn, ks, "wrote")


    @staticmethod
    def _seg_base(s, seg, long64):
        if long64 and seg not in ("fs", "gs"):
            return 0
        if seg == "fs":
            return s.fs_base
        if seg == "gs":
            return s.gs_base
        if seg + "_base" in s.extra:
            return s.extra[seg + "_base"]
        if s.segs:
            return s.segs[seg].base
        return s.extra.get(seg + "_base", 0)

    def _copy_reg(self, nks, nqs, reg, bits, long64):
        """kvmstub's `reg` gets QEMU's low `bits` (a 32-bit result clears the
        upper half in 64-bit mode, as the CPU does)."""
        kv, qv = nks.regs[reg], nqs.regs[reg]
        if bits == 32 and long64:
            new = qv & 0xFFFFFFFF
        elif bits == 64:
            new = qv
        else:
            m = (1 << bits) - 1
            new = (kv & ~m) | (qv & m)
        if new == kv:
            return None
        self.k.write_reg(reg, new)
        nks.regs[reg] = new
        return "%s=%#x (kvmstub had %#x)" % (reg, new, kv)

    def _copy_flags(self, nks, nqs, mask):
        new = (nks.eflags & ~mask) | (nqs.eflags & mask)
        if new == nks.eflags:
            return None
        old = nks.eflags
        self.k.write_reg("eflags", new)
        nks.eflags = new
        return "eflags=%#x (kvmstub had %#x)" % (new, old)

    def _sync_undefined(self, nks, nqs, umask, why, insn):
        if (nks.eflags ^ nqs.eflags) & umask:
            self._copy_flags(nks, nqs, umask)
            self.res.syncs["undefined flags"] += 1
            self.log.debug("undefined flags %s after %s (%s): copied QEMU's" % (
                undefined_flags.names(umask), why, undefined_flags.why(why)))
        dest = self._undefined_dest(insn, nqs)
        if dest and nks.regs[dest] != nqs.regs[dest]:
            self._copy_reg(nks, nqs, dest, 64, True)
            self.res.syncs["undefined destination"] += 1

    @staticmethod
    def _undefined_dest(insn, nqs):
        """bsf/bsr with a zero source (ZF=1) leave the destination undefined
        (SDM Vol. 2A, BSF/BSR)."""
        if insn and insn.map == 1 and insn.op in (0xBC, 0xBD) and insn.rep != 0xF3 \
                and nqs.eflags & undefined_flags.ZF:
            return x86.GPR[insn.reg]
        return None

    def _platform(self, nks, nqs, insn, step, reason):
        res = self.res
        res.verdict = "platform"
        res.prefix = step if res.prefix is None else res.prefix
        res.ended = "platform: " + reason
        res.report += ["at step %d: %s" % (step, reason), "the last instructions, both traces:"]
        res.report += self._trace_lines(nks, nqs)
        raise Divergence()

    # ------------------------------------------------------------ explaining a difference
    def _explain(self, insn, ks, qs, nks, nqs, code, diffs, step, umask):
        """Differences with a known cause: resynchronise and go on, or end
        the run as a platform difference.  Returns what is left to report."""
        k, q = self.k, self.q
        names = {d[0] for d in diffs}
        mask = 0xFFFFFFFFFFFFFFFF if ks.long64() else 0xFFFFFFFF
        fall = (ks.ip + insn.length) & mask if insn else None
        # The interrupt shadow of mov ss / pop ss: with the trap flag, the
        # CPU's single step runs the next instruction too (SHADOW_CITE);
        # QEMU's gdbstub stops inside the shadow.  kvmstub may do either.
        if insn and insn.kind in ("mov_ss", "pop_ss") and (nqs.ip & mask) == fall and \
                (nks.ip & mask) != fall:
            qcode = q.read_mem(nqs.pc, 15) or b""
            try:
                nxt = x86.decode(qcode, nqs.bits())
            except x86.DecodeError:
                nxt = None
            q.conn.send("s")
            qr = self._stop_reply(q)
            if qr[0] == "stop":
                nqs2 = q.state_from_g(q.conn.cmd("g"), nqs)
                self._fetch_segs_q(nqs2)
                if nxt and nxt.input:
                    self._sync_input(nxt, nqs, nks, nqs2, step, (nqs.ip + nxt.length))
                umask2 = undefined_flags.undefined(nxt, nqs.regs)[0] if nxt else 0
                d2 = compare.diff(nks, nqs2, umask | umask2, self.ignored)
                if not d2:
                    self.res.syncs["mov ss shadow (QEMU stepped once more)"] += 1
                    self.log.info("step %d: %s at %#x: kvmstub's step also ran the next instruction, "
                                  "as the CPU does (%s); QEMU stepped once more to match" % (
                                      step, insn.kind, ks.pc, SHADOW_CITE))
                    return nks, nqs2, code, []
                diffs = d2
                nqs = nqs2
        # A read of the firmware region that QEMU's chipset made RAM and a
        # write went to earlier (one the decoder did not see): copy the
        # memory and the result.
        if insn and not names & {"ip", "pc", "cs"}:
            ranges = self._rom_ranges(self._read(insn, ks), ks)
            if ranges and self._copy_rom(ranges, step, insn, ks, "read"):
                for name, kv, qv in diffs:
                    if name in stubs.GPRS:
                        self._copy_reg(nks, nqs, name, 64, True)
                    elif name == "eflags":
                        self._copy_flags(nks, nqs, undefined_flags.ARITH)
                d2 = compare.diff(nks, nqs, umask, self.ignored)
                if not d2:
                    return nks, nqs, code, []
                diffs = d2
        # A read of device memory: kvmstub has nothing there (or something
        # else), QEMU has a device.  Copy the result.
        if insn and insn.mem is not None and not names & {"ip", "pc", "cs"}:
            lin = insn.mem.linear(ks.regs, lambda s: self._seg_base(ks, s, ks.long64()),
                                  ks.ip + insn.length, ks.bits())
            phys = self._phys(lin, ks)
            if phys is not None and self.k.region(phys) is None:
                changed = []
                for name, kv, qv in diffs:
                    if name in stubs.GPRS:
                        changed.append(self._copy_reg(nks, nqs, name, 64, True))
                    elif name == "eflags":
                        changed.append(self._copy_flags(nks, nqs, undefined_flags.ARITH))
                d2 = compare.diff(nks, nqs, umask, self.ignored)
                if not d2:
                    self.res.syncs["device memory read"] += 1
                    self.res.sync_pcs.add(ks.pc)
                    self.log.info("step %d: read of device memory at %#x (physical %#x, no RAM or ROM "
                                  "in kvmstub) by the instruction at %#x: copied from QEMU: %s" % (
                                      step, lin, phys, ks.pc, ", ".join(c for c in changed if c)))
                    return nks, nqs, code, []
        return nks, nqs, code, diffs

    def _fetch_segs_q(self, qs):
        self.q.sregs_request()
        self.q.sregs_reply(qs)

    def _phys(self, lin, ks):
        """The guest-physical address of a linear one (kvmstub's monitor
        xlate when paging is on, cached per page and CR3), or None."""
        if not ks.cr[0] & 0x80000000:
            return lin
        key = (ks.cr[3], ks.cr[4], lin >> 12)
        page = self._xlate.get(key)
        if page is None:
            r, text = self.k.conn.monitor("xlate %#x" % (lin & ~0xFFF))
            m = re.search(r"^physical\s+0x([0-9a-f]+)", text, re.M)
            if not m:
                return None
            page = int(m.group(1), 16) >> 12
            if len(self._xlate) > 4096:
                self._xlate.clear()
            self._xlate[key] = page
        return page << 12 | (lin & 0xFFF)

    # ------------------------------------------------------------ watch candidates
    def _note_access(self, insn, ks, step):
        """Remember memory the image writes (by kind) and reads, for the
        watchpoint comparison, and the addresses of special instructions
        for the breakpoint comparison."""
        res = self.res
        long64 = ks.long64()
        base = lambda s: self._seg_base(ks, s, long64)
        asz = (1 << insn.asize) - 1
        kind = insn.kind
        ssz = 8 if long64 else (2 if insn.osize == 16 else 4)
        if kind == "stos" and insn.rep and ks.regs["rcx"] & asz:
            w = ("rep stos", base("es") + (ks.regs["rdi"] & asz), insn.elem)
        elif kind == "push":
            sp = ks.regs["rsp"] & (0xFFFFFFFFFFFFFFFF if long64 else
                                   0xFFFF if not (ks.segs and ks.segs["ss"].attr & 0x4000) else 0xFFFFFFFF)
            size = 8 if long64 and insn.osize != 16 else (2 if insn.osize == 16 else 4)
            w = ("push", base("ss") + ((sp - size) & (0xFFFFFFFFFFFFFFFF if long64 else 0xFFFFFFFF)), size)
        elif kind == "call" and insn.map == 0 and insn.op == 0xE8:
            sp = ks.regs["rsp"]
            w = ("call", base("ss") + ((sp - ssz) & (0xFFFFFFFFFFFFFFFF if long64 else 0xFFFF if ssz == 2
                                                       and not (ks.segs and ks.segs["ss"].attr & 0x4000)
                                                       else 0xFFFFFFFF)), ssz)
        elif insn.mem is not None and insn.map == 0 and insn.op in (0x88, 0x89, 0xC6, 0xC7):
            size = 1 if insn.op in (0x88, 0xC6) else insn.osize // 8
            w = ("mov", insn.mem.linear(ks.regs, base, ks.ip + insn.length, ks.bits()), size)
        else:
            w = None
        # Watchpoints take addresses that are the same linear and physical
        # (kvmstub translates them when they are inserted, at reset).
        if w and w[0] not in res.writes and self._identity(w[1], ks):
            res.writes[w[0]] = (w[1], w[2], step)
        if insn.mem is not None and insn.map == 0 and insn.op in (0x8A, 0x8B) and len(res.reads) < 64:
            size = 1 if insn.op == 0x8A else insn.osize // 8
            lin = insn.mem.linear(ks.regs, base, ks.ip + insn.length, ks.bits())
            if self.k.region(lin) == "ram" and self._identity(lin, ks):
                res.reads.append((lin, size, step))
        # Breakpoint places the issue asks for.
        prev = self.ktrace[-2] if len(self.ktrace) > 1 else None
        if prev is not None and getattr(self, "_prev_kind", None):
            pk = self._prev_kind
            if pk in ("in", "out", "ins", "outs") and "after I/O" not in res.special:
                res.special["after I/O"] = ks.pc
            if pk in ("mov_ss", "pop_ss") and "after mov ss" not in res.special:
                res.special["after mov ss"] = ks.pc
        if kind == "movs" and insn.rep and (ks.regs["rcx"] & asz) > 1 and "rep movs" not in res.special:
            res.special["rep movs"] = ks.pc
        self._prev_kind = kind

    def _identity(self, lin, ks):
        return not ks.cr[0] & 0x80000000 or self._phys(lin, ks) == lin

    # ------------------------------------------------------------ reporting
    def _trace_lines(self, nks=None, nqs=None):
        out = ["  kvmstub:"]
        out += ["    " + e.line() for e in self.ktrace]
        if nks is not None:
            out.append("    " + self._now_entry(self.k, nks).line())
        out.append("  qemu:")
        for e in self.qtrace:
            out.append("    " + e.line())
        if nqs is not None:
            out.append("    " + self._now_entry(self.q, nqs).line())
        return out

    def _now_entry(self, stub, s):
        code = stub.read_mem(s.pc, 15) or b""
        try:
            code = code[:x86.decode(code, s.bits()).length]
        except x86.DecodeError:
            pass
        return Entry(None, s.pc, s.sel["cs"], s.ip, s.bits(), code)

    def _diverged(self, nks, nqs, insn, diffs, what, step=0, pre=None):
        res = self.res
        last = self.ktrace[-1] if self.ktrace else None
        key = (insn.describe() if insn else "?", tuple(sorted(d[0] for d in diffs)))
        first = key not in self.classes
        if first:
            self.classes[key] = 0
        self.classes[key] += 1
        if res.prefix is None:
            res.prefix = step
        lines = []
        if last and insn:
            last.line()
            after = "after step #%d, %s at %04x:%x (linear %#x)" % (step, last.text, last.cs, last.ip, last.pc)
        else:
            after = "at reset"
        head = "DIVERGED %s%s" % (after, " (" + what + ")" if what else "")
        if first or not self.cfg.keep_going:
            lines.append(head)
            lines.append("  registers that differ:   kvmstub              qemu")
            for name, kv, qv in diffs:
                kt, qt = compare.fmt(kv), compare.fmt(qv)
                if len(kt) > 20 or len(qt) > 20:
                    lines.append("    %-20s kvmstub %s" % (name, kt))
                    lines.append("    %-20s qemu    %s" % ("", qt))
                else:
                    lines.append("    %-20s %-20s %s" % (name, kt, qt))
            lines.append("  the last instructions, both traces (then where each stands now):")
            lines += self._trace_lines(nks, nqs)
            res.report += lines
        if not self.cfg.keep_going:
            res.verdict = "fail"
            names = ", ".join(d[0] for d in diffs[:6]) + (", ..." if len(diffs) > 6 else "")
            res.ended = "DIVERGED at step #%d (%s at %#x): %s differ" % (
                step, last.text if last else "reset", last.pc if last else 0, names)
            raise Divergence()
        # Keep going (a diagnostic mode): record the class, then bring
        # kvmstub to QEMU's state, or QEMU forward to kvmstub's.
        res.verdict = "fail"
        res.classes.append((step, last.pc if last else 0, key, diffs))
        self._resync(nks, nqs, diffs, insn, pre)

    def _resync(self, nks, nqs, diffs, insn=None, pre=None):
        names = {d[0] for d in diffs}
        mask = 0xFFFFFFFFFFFFFFFF if nks.long64() else 0xFFFFFFFF
        if "ip" in names or "pc" in names:
            # kvmstub ran further than one instruction: step QEMU until it
            # is at the same place (a skipped instruction, a whole rep),
            # then give kvmstub QEMU's registers (what kvmstub ran on its
            # own may have read its own devices).
            def there(g):
                return (g.ip & mask) == (nks.ip & mask) and g.sel["cs"] == nks.sel["cs"] and \
                    (g.regs["rsp"] & mask) == (nks.regs["rsp"] & mask)
            g = None
            for n in range(64):
                self.q.conn.send("s")
                r = self._stop_reply(self.q)
                if r[0] != "stop":
                    raise stubs.StubError("keep-going: QEMU ended while catching up with kvmstub")
                g = self.q.state_from_g(self.q.conn.cmd("g"), nqs)
                if there(g):
                    break
            else:
                # Far behind (a long rep): run QEMU to kvmstub's pc.
                self.q.insert(0, nks.pc)
                self.q.conn.send("c")
                self.q.conn.settimeout(10)
                try:
                    r = self._stop_reply(self.q)
                except wire.WireError:
                    self.q.conn.send_raw(b"\x03")
                    self.q.conn.settimeout(self.cfg.timeout)
                    self._stop_reply(self.q)
                self.q.conn.settimeout(self.cfg.timeout)
                self.q.remove(0, nks.pc)
                g = self.q.state_from_g(self.q.conn.cmd("g"), nqs)
                if not there(g):
                    raise stubs.StubError("keep-going: QEMU never reached kvmstub's pc %#x" % nks.pc)
            for r in stubs.GPRS[:16 if nks.long64() else 8]:
                if (g.regs[r] ^ nks.regs[r]) & mask:
                    self.k.write_reg(r, g.regs[r])
            if (g.eflags ^ nks.eflags) & ~(RF | self.eflags_ignore):
                self.k.write_reg("eflags", g.eflags)
            if insn is not None and pre is not None and insn.kind in ("ins", "movs", "stos") \
                    and insn.rep:
                # What a whole rep wrote on kvmstub's side (from its own
                # devices, for ins): QEMU's bytes instead.
                asz = (1 << insn.asize) - 1
                a, b = pre.regs["rdi"] & asz, g.regs["rdi"] & asz
                lo, n = min(a, b), abs(a - b)
                base = self._seg_base(pre, "es", pre.long64())
                for off in range(0, min(n, 0x10000), 0x800):
                    data = self.q.read_mem(base + lo + off, min(0x800, n - off))
                    if data:
                        self.k.write_mem(base + lo + off, data)
            self.res.syncs["keep-going: QEMU caught up"] += 1
            return
        for name, kv, qv in diffs:
            if name.startswith("frame at "):
                # The pushed frame: QEMU's, so that the handler returns as
                # QEMU's does.
                sp = int(name.split()[-1], 16)
                data = self.q.read_mem(sp, 48 if nks.long64() else 24)
                if data:
                    self.k.write_mem(sp, data)
                continue
            if name in stubs.GPRS:
                self.k.write_reg(name, nqs.regs[name])
            elif name == "eflags":
                # A flag kvmstub shows wrongly (TF, say) may not be writable
                # either: not compared from here on.
                self.eflags_ignore |= (nks.eflags ^ nqs.eflags) & compare.EFLAGS_BITS
                self.k.write_reg("eflags", nqs.eflags)
            else:
                self.ignored.add(name)
