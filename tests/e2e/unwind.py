# unwind.py - gdb commands (Python) for tests/e2e/unwind.sh: check gdb's
# call frames against what the CPU then does.
#
#   unwind-check [STEPS] [REG...]   at a routine's (or handler's) first
#       instruction: note what gdb says the caller's registers are (frame
#       1: pc, sp and the REGs named), then stepi until the CPU is back in
#       the caller (the same pc and sp).  At every instruction on the way,
#       the frame at the caller's depth must show the same values, and the
#       backtrace must end in an outermost frame, not in an error.  After
#       the return, the CPU's registers must be those values.  Prints one
#       line: "UNWIND name: N steps, returned, M mismatches" (and the first
#       mismatches).
#   frame-regs N REG...   prints "FRAME N name REG=0x... ..." (gdb's view of
#       frame N), or "FRAME N none".

import gdb


def frames():
    out, f = [], gdb.newest_frame()
    while f is not None:
        out.append(f)
        f = f.older()
    return out


def reg(frame, name):
    v = frame.read_register(name)
    return int(v) & ((1 << (8 * v.type.sizeof)) - 1)


def bottom_reason(fl):
    return fl[-1].unwind_stop_reason()


class UnwindCheck(gdb.Command):
    def __init__(self):
        super().__init__("unwind-check", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        args = arg.split()
        steps = int(args[0]) if args else 2000
        regs = ["pc", "sp"] + args[1:]
        fl = frames()
        name = fl[0].name() or hex(fl[0].pc())
        if len(fl) < 2:
            print("UNWIND %s: no caller frame (bt shows one frame)" % name)
            return
        depth = len(fl) - 2        # the caller's distance from the oldest
        want = {r: reg(fl[1], r) for r in regs}
        problems = []
        if bottom_reason(fl) != gdb.FRAME_UNWIND_OUTERMOST:
            problems.append("at entry: backtrace ends with %s"
                            % gdb.frame_stop_reason_string(bottom_reason(fl)))
        for n in range(1, steps + 1):
            gdb.execute("stepi", to_string=True)
            fl = frames()
            top = fl[0]
            if reg(top, "pc") == want["pc"] and reg(top, "sp") == want["sp"]:
                bad = ["%s=%#x (frame 1 said %#x)" % (r, reg(top, r), want[r])
                       for r in regs if reg(top, r) != want[r]]
                problems += ["after the return: " + b for b in bad]
                print("UNWIND %s: %d steps, returned, %d mismatches"
                      % (name, n, len(problems)))
                for p in problems[:5]:
                    print("UNWIND-MISMATCH %s" % p)
                return
            where = "at %#x" % top.pc()
            if bottom_reason(fl) != gdb.FRAME_UNWIND_OUTERMOST:
                problems.append("%s: backtrace ends with %s" % (
                    where, gdb.frame_stop_reason_string(bottom_reason(fl))))
            if len(fl) < depth + 2:
                problems.append("%s: only %d frames" % (where, len(fl)))
                continue
            caller = fl[len(fl) - 1 - depth]
            for r in regs:
                if reg(caller, r) != want[r]:
                    problems.append("%s: caller's %s=%#x, want %#x"
                                    % (where, r, reg(caller, r), want[r]))
        print("UNWIND %s: %d steps, not returned, %d mismatches"
              % (name, steps, len(problems)))
        for p in problems[:5]:
            print("UNWIND-MISMATCH %s" % p)


class FrameRegs(gdb.Command):
    def __init__(self):
        super().__init__("frame-regs", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        args = arg.split()
        n, regs = int(args[0]), args[1:]
        fl = frames()
        if n >= len(fl):
            print("FRAME %d none" % n)
            return
        f = fl[n]
        print("FRAME %d %s %s" % (n, f.name() or "??",
                                  " ".join("%s=%#x" % (r, reg(f, r)) for r in regs)))


UnwindCheck()
FrameRegs()
