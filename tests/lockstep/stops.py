"""stops.py - breakpoints and watchpoints, compared against the same reference.

After an image's lockstep run (engine.py) has recorded its trace, each image
runs again on a fresh pair of stubs:

  break   a breakpoint (Z0, on both stubs) on every Nth (97th) instruction
          address of the trace, plus the places the issue names: the
          instruction right after an I/O instruction, the one after a mov ss
          (or pop ss), and a rep movs (at the rep instruction, hit again
          between its iterations); then `continue` up to 200 times.
  watch   write watchpoints (Z2) on memory a `rep stos`, a `push` and a
          `call` of the trace wrote (any other write when the trace has
          none of them), and a read watchpoint (Z3) on memory the trace
          read, all in one run of 200 continues.

The sequence of stops (reason, linear pc, watch address) must be the same.

The tool speaks RSP as gdb does: breakpoints are Z0 on both stubs, on ROM
too (kvmstub serves Z0 with debug registers or by stepping where int3 is not
intercepted, and never writes the image; QEMU's TCG breakpoints write no
memory either); watchpoints are Z2/Z3; before each continue from a
breakpoint's address it removes that breakpoint, steps once, and puts it
back, as gdb does.  The platform inputs the lockstep run found (in, cpuid,
rdtsc, device memory ...) get a breakpoint of the tool's own, not reported:
at each, both step once and kvmstub gets QEMU's result, as in the lockstep
run, so that both machines keep taking the same path.
"""
import time

import engine
import stubs
import wire
import x86

SHOWN = 10


class StopsResult:
    def __init__(self, name, what):
        self.name, self.what = name, what
        self.compared = 0
        self.identical = None
        self.ended = ""
        self.verdict = "pass"
        self.report = []

    def line(self):
        ident = self.identical if self.identical is not None else self.compared
        return "%-22s %-7s stops %4d  identical %4d  %s" % (
            self.name, self.what, self.compared, ident, self.ended)


class Stop:
    __slots__ = ("reason", "pc", "addr", "state", "note")

    def __init__(self, reason, pc, addr, state, note=""):
        self.reason, self.pc, self.addr, self.state = reason, pc, addr, state
        self.note = note

    def key(self):
        return (self.reason, self.pc, self.addr)

    def text(self):
        if self.pc is None:
            t = self.reason
        elif self.addr is not None:
            t = "%s %#x at pc %#x" % (self.reason, self.addr, self.pc)
        else:
            t = "%s at pc %#x" % (self.reason, self.pc)
        return t + (" (%s)" % self.note if self.note else "")


def _within(res, cfg):
    """The trace up to the first divergence (stops are compared only where
    stepping agreed; with --keep-going, the whole trace)."""
    n = res.prefix if res.prefix is not None and not cfg.keep_going else len(res.trace)
    return res.trace[:n], n


def compare_stops(spec, res, cfg, log, phase):
    trace, n = _within(res, cfg)
    if not trace:
        return []
    if phase == "break":
        bps = {trace[i] for i in range(0, len(trace), cfg.every)} | {trace[-1]}
        extra = {k: v for k, v in res.special.items() if v in set(trace)}
        bps |= set(extra.values())
        what = "break"
        log.info("break: %d breakpoints (every %dth trace address, the last%s)" % (
            len(bps), cfg.every, "; " + ", ".join("%s %#x" % kv for kv in sorted(extra.items()))
            if extra else ""))
        return [StopRun(spec, res, cfg, log, what, sorted(bps), []).run()]
    # A read watchpoint needs memory on a page no code runs from (kvmstub
    # takes such a page out of the guest's memory) and, since kvmstub
    # translates a watchpoint's address when it is inserted (at reset,
    # paging off), an address that is the same linear and physical (the
    # engine records only such accesses).
    reads = [r for r in res.reads if r[2] < n and (r[0] >> 12) not in res.code_pages]
    kinds = [k for k in ("rep stos", "push", "call") if k in res.writes and res.writes[k][2] < n]
    if not kinds and "mov" in res.writes and res.writes["mov"][2] < n:
        kinds = ["mov"]
    watches = []
    for kind in kinds:
        addr, size, _ = res.writes[kind]
        if all(not (a <= addr < a + sz or addr <= a < addr + size) for _, a, sz, _ in watches):
            watches.append((2, addr, size, kind))
    if reads:
        watches.append((3, reads[0][0], reads[0][1], "read"))
    if not watches:
        return []
    log.info("watch: %s" % ", ".join("Z%d %#x,%d (%s)" % w for w in watches))
    return [StopRun(spec, res, cfg, log, "watch", [], watches).run()]


class StopRun:
    def __init__(self, spec, res, cfg, log, what, bps, watches):
        self.spec, self.lres, self.cfg, self.log = spec, res, cfg, log
        self.what = what
        self.bps = set(bps)
        self.watches = watches
        self.sync = set(res.sync_pcs)
        # The end of the compared trace: past it, platform inputs the
        # lockstep run never met would not be synchronised, so the run stops
        # there (the fence is the tool's own breakpoint at the trace's last
        # address; it ends the run at its last occurrence in the trace).
        trace, n = _within(res, cfg)
        self.fence = trace[-1] if trace and res.ended_by in ("steps", "diverged") else None
        self.fence_left = trace.count(self.fence) if self.fence is not None else 0
        self.r = StopsResult(spec.name, what)
        self.ls = engine.Lockstep(spec.path, spec.name, cfg, log, spec.pokes)
        self.kstops = []
        self.qstops = []
        self.history = []           # every stop, the tool's own sync stops too
        self.syncs = 0

    def run(self):
        r = self.r
        t0 = time.time()
        try:
            self.ls.start()
            self._run()
        except engine.Divergence:
            r.verdict = "fail" if self.ls.res.verdict == "fail" else self.ls.res.verdict
            r.ended = "while stepping over a breakpoint or a platform input: " + self.ls.res.ended
            r.report += self.ls.res.report
        except (wire.WireError, stubs.StubError, OSError) as e:
            r.verdict = "fail"
            r.ended = "ERROR after %d stops: %s" % (r.compared, e)
            r.report.append(r.ended)
        finally:
            self.ls.stop()
            self.log.info("%s: %.1f s, %d stops of the tool's own (platform inputs)" % (
                self.what, time.time() - t0, self.syncs))
        if self.ls.res.classes:
            # --keep-going: a step over a breakpoint diverged and was
            # resynchronised; it still fails the run.
            r.verdict = "fail"
            r.ended += "; %d steps over a breakpoint diverged (the first at stop %d)" % (
                len(self.ls.res.classes), self.ls.res.classes[0][0])
            r.report += self.ls.res.report
        return r

    def _both(self, payload):
        k, q = self.ls.k, self.ls.q
        k.conn.send(payload)
        q.conn.send(payload)
        return k.conn.reply(), q.conn.reply()

    def _run(self):
        ls, r, cfg = self.ls, self.r, self.cfg
        ks, qs, _ = ls.read_states(None, None, True)
        ls._sync_reset(ks, qs)
        if self.fence is not None and ks.pc == self.fence:
            self.fence_left -= 1
        for addr in sorted(self.bps | self.sync | ({self.fence} if self.fence is not None else set())):
            kr, qr = self._both("Z0,%x,1" % addr)
            if kr != "OK" or qr != "OK":
                raise stubs.StubError("Z0 at %#x: kvmstub replied %r, qemu %r" % (addr, kr, qr))
        for kind, addr, size, why in self.watches:
            kr, qr = self._both("Z%d,%x,%x" % (kind, addr, size))
            if kr != "OK" or qr != "OK":
                raise stubs.StubError("Z%d at %#x,%d (%s): kvmstub replied %r, qemu %r" % (
                    kind, addr, size, why, kr, qr))
        self._snap_written()
        while r.compared < cfg.continues:
            stop_k, stop_q, ks, qs = self._resume(ks, qs)
            if stop_k is None:
                return
            r.compared += 1
            self.kstops.append(stop_k)
            self.qstops.append(stop_q)
            self.history.append((stop_k, stop_q))
            if stop_k.key() != stop_q.key():
                stop_q = self._qemu_reports_late(stop_k, stop_q)
                stop_q = self._qemu_false_write(stop_k, stop_q)
                qs = stop_q.state or qs
                self.qstops[-1] = stop_q
                self.history[-1] = (stop_k, stop_q)
            if stop_k.key() != stop_q.key():
                if self._explained(stop_k, stop_q):
                    return
                self._diverged()
                return
            if stop_k.reason.startswith(("exited", "shut down", "reached hlt")):
                r.ended = "ended: both %s, after %d stops" % (stop_k.reason, r.compared)
                return
            if stop_k.reason == "end of trace":
                r.compared -= 1
                r.ended = "reached the end of the lockstep trace, after %d stops" % r.compared
                return
            if stop_k.reason == "running":
                r.compared -= 1
                r.ended = "ended: both ran %g s without another stop, after %d stops" % (
                    self.cfg.run_timeout, r.compared)
                return
            self._snap_written()
            self.ls.q_after_watch = stop_q.reason in ("watch", "rwatch", "awatch")
        r.ended = "%d continues" % r.compared

    def _resume(self, ks, qs):
        """Continue both (stepping over a breakpoint at the pc first) until a
        stop the user would see; the tool's own sync stops are handled here.
        Returns (kvmstub stop, qemu stop, states) or (None, ...) when the
        run ended."""
        ls = self.ls
        while True:
            if self.fence is not None and self.fence_left <= 0:
                end = Stop("end of trace", ks.pc, None, ks)
                return end, Stop("end of trace", qs.pc, None, qs), ks, qs
            if ks.pc in self.bps or ks.pc in self.sync or ks.pc == self.fence:
                stop, ks, qs = self._step_over(ks, qs)
                if stop is not None:
                    return stop
                if ks.pc == self.fence:
                    self.fence_left -= 1
                    if self.fence_left <= 0:
                        continue
                if ks.pc in self.bps:
                    # The step ended on another breakpoint: that is a stop.
                    return (Stop("breakpoint", ks.pc, None, ks), Stop("breakpoint", qs.pc, None, qs),
                            ks, qs)
                if ks.pc in self.sync:
                    continue
            kr, qr = self._continue(qs)
            if kr[0] != "stop" or qr[0] != "stop":
                # An ending (or a stub that never stopped): no state to read
                # from a stub that has gone.
                sk, sq = self._stop(kr, None, True), self._stop(qr, None)
                if kr[0] == "stop":
                    ks = ls.k.state_from_g(ls.k.conn.cmd("g"))
                    sk = self._stop(kr, ks, True)
                if qr[0] in ("stop", "timeout"):
                    qs = ls.q.state_from_g(ls.q.conn.cmd("g"), qs)
                    ls._fetch_segs_q(qs)
                    sq = self._stop(qr, qs)
                if kr[0] == "stop" and qr[0] == "timeout" and qs.extra.get("halted") and \
                        ks.pc == qs.pc and "hlt" in self.k_console:
                    # kvmstub reports a hlt with interrupts off as a stop;
                    # QEMU's CPU just waits there: the same place, halted.
                    return (Stop("reached hlt", ks.pc, None, ks), Stop("reached hlt", qs.pc, None, qs),
                            ks, qs)
                return sk, sq, ks, qs
            ks, qs, _ = ls.read_states(ks, qs, False)
            ls._fetch_segs(ks, qs)
            sk, sq = self._stop(kr, ks, True), self._stop(qr, qs)
            if sk.pc == self.fence and sq.pc == self.fence and sk.reason in ("sync", "fence", "breakpoint"):
                self.fence_left -= 1
            if sk.reason in ("sync", "fence") and sq.reason in ("sync", "fence") and sk.pc == sq.pc:
                self.history.append((sk, sq))
                self.syncs += 1
                continue
            return sk, sq, ks, qs

    def _continue(self, qs):
        k, q = self.ls.k, self.ls.q
        self.ls.q_after_watch = False
        k.conn.console = ""
        k.conn.send("c")
        q.conn.send("c")
        kr = self._reply(k, "kvmstub")
        self.k_console = k.conn.console
        qr = self._reply(q, "qemu")
        if not self._bare_trap(kr):
            qr = self._past_bare_traps(qr, qs)
        return kr, qr

    def _past_bare_traps(self, qr, qs):
        """QEMU 7.2 sometimes answers a continue from a watchpoint stop with
        a trap that has no reason, at the pc it started from, without
        running an instruction.  Nothing happened: continue it again."""
        q = self.ls.q
        for _ in range(3):
            if not self._bare_trap(qr):
                break
            pc = q.state_from_g(q.conn.cmd("g"), qs).pc
            if pc != qs.pc:
                break
            self.log.info("QEMU stopped with a bare trap where it was continued, at %#x: "
                          "continued it again" % pc)
            q.conn.send("c")
            qr = self._reply(q, "qemu")
        return qr

    @staticmethod
    def _bare_trap(rep):
        return rep[0] == "stop" and rep[1] == 5 and not any(
            w in rep[2] for w in ("watch", "rwatch", "awatch", "swbreak", "hwbreak"))

    k_console = ""

    def _reply(self, s, who):
        s.conn.settimeout(self.cfg.run_timeout)
        try:
            return stubs.parse_stop(s.conn.reply())
        except wire.WireError:
            st = s.exited()
            if st is not None:
                return ("closed", st)
            # Running and not stopping: interrupt it, and say so.
            s.conn.send_raw(b"\x03")
            s.conn.settimeout(self.cfg.timeout)
            stubs.parse_stop(s.conn.reply())
            return ("timeout",)
        finally:
            s.conn.settimeout(self.cfg.timeout)

    def _step_over(self, ks, qs):
        """One step from a breakpoint's (or sync point's) address, with the
        breakpoint out of the way, and the platform input synchronised as in
        the lockstep run.  Returns a stop when the step itself stopped for a
        watchpoint or ended the guest, else None."""
        ls = self.ls
        pc = ks.pc
        code = ls.k.read_mem(pc, 15) or b""
        try:
            insn = x86.decode(code, ks.bits())
        except x86.DecodeError:
            insn = None
        removed = pc in self.bps or pc in self.sync or pc == self.fence
        ls.ktrace.append(engine.Entry(None, pc, ks.sel["cs"], ks.ip, ks.bits(), code[:insn.length] if insn else code))
        ls.qtrace.append(engine.Entry(None, qs.pc, qs.sel["cs"], qs.ip, qs.bits(), ls.ktrace[-1].code))
        if removed:
            self._both("z0,%x,1" % pc)
        if insn and insn.kind == "hlt":
            return self._end_stop("hlt", ks, qs), ks, qs
        nks, nqs, _, end = ls._step(ks, qs, insn, len(self.kstops))
        if end is not None:
            return self._end_stop(end, ks, qs), ks, qs
        if removed:
            self._both("Z0,%x,1" % pc)
        if nks.segs is None:
            ls._fetch_segs(nks, nqs)
        last_k, last_q = ls.last_stops
        sk, sq = self._stop(last_k, nks, True), self._stop(last_q, nqs)
        if sk.reason.startswith(("watch", "rwatch", "awatch")) or \
                sq.reason.startswith(("watch", "rwatch", "awatch")):
            return (sk, sq, nks, nqs), nks, nqs
        return None, nks, nqs

    def _end_stop(self, end, ks, qs):
        reason = {"exit": "exited", "shutdown": "shut down", "hlt": "reached hlt"}.get(end, end)
        sk = Stop(reason, ks.pc, None, ks)
        return sk, Stop(reason, qs.pc, None, qs), ks, qs

    def _stop(self, reply, s, kvmstub=False):
        """A stop as compared: reason, linear pc, watch address.  `s` is the
        stub's state at the stop (None when it has ended)."""
        kind = reply[0]
        pc = s.pc if s is not None else None
        if kind == "exit":
            return Stop("exited (status %d)" % reply[1], None, None, s)
        if kind == "closed":
            if reply[1] & 1:
                return Stop("exited (status %d)" % (reply[1] >> 1), None, None, s)
            return Stop("shut down", None, None, s)
        if kind == "timeout":
            return Stop("running", None, None, s)
        if kind != "stop":
            return Stop("replied %r" % (reply,), pc, None, s)
        info = reply[2]
        for w in ("watch", "rwatch", "awatch"):
            if w in info:
                return Stop(w, pc, int(info[w], 16), s)
        if reply[1] == 5 and pc in self.bps:
            return Stop("breakpoint", pc, None, s)
        if reply[1] == 5 and pc in self.sync:
            return Stop("sync", pc, None, s)
        if reply[1] == 5 and pc == self.fence:
            return Stop("fence", pc, None, s)
        note = ""
        if reply[1] != 5 and kvmstub:
            # kvmstub says why it stopped on its console: the first line.
            text = self.k_console.strip()
            self.log.info("kvmstub's message at the stop:\n" + text)
            note = text.splitlines()[0][:160] if text else ""
            if "triple fault" in text:
                return Stop("shut down", None, None, s, note)
        return Stop("signal %d" % reply[1], pc, None, s, note)

    def _qemu_reports_late(self, sk, sq):
        """QEMU 7.2's software CPU sometimes reports a watchpoint with the
        pc still on the instruction that made the access (seen with a
        call's push in Bochs' BIOS, where the same call elsewhere is
        reported after it, as x86 data breakpoints are: SDM Vol. 3B 17.3.1.2,
        a data breakpoint is a trap).  When the same watchpoint is reported
        for the same address, step QEMU once: it then stands where
        kvmstub does, or the stops really differ."""
        if sk.reason not in ("watch", "rwatch", "awatch") or sq.reason != sk.reason or \
                sq.addr != sk.addr or sq.pc is None or sk.pc == sq.pc:
            return sq
        q = self.ls.q
        q.conn.send("s")
        q.conn.reply()
        qs = q.state_from_g(q.conn.cmd("g"), sq.state)
        if qs.pc != sk.pc:
            return sq
        self.log.info("stop %d: QEMU reported %s %#x with its pc still on the accessing "
                      "instruction %#x; stepped it once, to %#x, where kvmstub reports it" % (
                          self.r.compared, sq.reason, sq.addr, sq.pc, qs.pc))
        return Stop(sq.reason, qs.pc, sq.addr, qs)

    def _snap_written(self):
        """QEMU's copy of every write-watched range, to tell a write it
        reports from one that happened (_qemu_false_write)."""
        self.q_written = {(addr, size): self.ls.q.read_mem(addr, size)
                          for kind, addr, size, why in self.watches if kind == 2}
        self.watch_size = {addr: size for kind, addr, size, why in self.watches if kind == 2}

    def _qemu_false_write(self, sk, sq):
        """QEMU 7.2's software CPU reports stores above a write watchpoint, in
        its page, as hits (seen in SeaBIOS: mov %eax,0x1b(%esp) writing
        0x6fef..0x6ff2 and movb $0,0x27(%esp) writing 0x6ffb reported as
        writes to a watchpoint at 0x6fd8; tried by hand with gdb, one at
        0x6f00 is reported too, one at 0x6ff4 is not).  When
        QEMU reports a write kvmstub does not, and the watched bytes in
        QEMU's memory are what they were at the last stop, continue QEMU
        (a few times: such stores come in rows): its next real stop must be
        kvmstub's, or the stops really differ."""
        q, first, false = self.ls.q, sq, []
        while len(false) < 8 and sq.reason == "watch" and sq.key() != sk.key() and \
                sq.state is not None:
            before = self.q_written.get((sq.addr, self.watch_size.get(sq.addr)))
            if before is None or q.read_mem(sq.addr, len(before)) != before:
                break
            false.append(sq.pc)
            q.conn.send("c")
            qr = self._past_bare_traps(self._reply(q, "qemu"), sq.state)
            if qr[0] != "stop":
                return first
            qs = q.state_from_g(q.conn.cmd("g"), sq.state)
            self.ls._fetch_segs_q(qs)
            sq = self._stop(qr, qs)
        if not false or sq.key() != sk.key():
            return first
        self.log.info("stop %d: QEMU reported writes to %#x at pc %s that left it unchanged "
                      "(QEMU 7.2 reports stores above a write watchpoint in its page as hits); "
                      "continued it to kvmstub's stop, %s" % (
                          self.r.compared, first.addr, ", ".join("%#x" % p for p in false),
                          sq.text()))
        return sq

    def _explained(self, sk, sq):
        """A difference QEMU makes, not kvmstub: the run ends there without
        failing, with the reason."""
        r = self.r
        if sq.reason == "shut down" and sk.reason in ("watch", "awatch"):
            # Seen with protected.bin's ud2 and the lockstep guest's #DE:
            # without the watchpoint both deliver the exception alike (the
            # lockstep run compared it); with the frame's location watched,
            # QEMU 7.2's gdbstub watchpoint interrupts the delivery and the
            # machine shuts down.  kvmstub reports the frame's write.
            r.verdict = "platform"
            r.identical = r.compared - 1
            r.ended = ("explained at stop %d: QEMU shut down when an exception's delivery "
                       "wrote the watched %#x; kvmstub reports the write at %#x (QEMU's "
                       "watchpoint interrupts the delivery)" % (r.compared, sk.addr, sk.pc))
            return True
        if sk.reason == "shut down" and "32-bit paging" in (self.lres.ended or ""):
            r.verdict = "platform"
            r.identical = r.compared - 1
            r.ended = "platform at stop %d: %s" % (r.compared, self.lres.ended)
            return True
        return False

    def _diverged(self):
        r = self.r
        r.verdict = "fail"
        r.identical = r.compared - 1
        k, q = self.kstops[-1], self.qstops[-1]
        r.ended = "DIVERGED at stop %d: kvmstub %s, qemu %s" % (r.compared, k.text(), q.text())
        r.report.append(r.ended)
        r.report.append("  the last stops (sync: the tool's own, at a platform input):")
        r.report.append("    %-44s %s" % ("kvmstub", "qemu"))
        for a, b in self.history[-SHOWN:]:
            r.report.append("    %-44s %s" % (a.text(), b.text()))
