# bench.py - the measurements that make bench takes inside gdb.
#
# Loaded with `gdb -batch -x tests/bench/bench.py`, connected to a gdbstub
# (kvmstub or QEMU); the driver (bench.sh) then calls one function per run,
# e.g. -ex 'python bench_stepi(2000)'.  Each prints one line
#     BENCH <name> <value>
# that bench.sh collects, or BENCH-ERROR <why>.  Time is taken around the
# gdb command itself (time.perf_counter), so gdb's own start-up and the
# connection are not in the rates; they are in the attach figure instead.
import os
import signal
import threading
import time

import gdb


def _run(cmd):
    gdb.execute(cmd, to_string=True)


def _timed(cmd):
    t0 = time.perf_counter()
    gdb.execute(cmd, to_string=True)
    return time.perf_counter() - t0


def _pc():
    return int(gdb.parse_and_eval("$pc")) & 0xFFFFFFFF


def _reg(name):
    return int(gdb.parse_and_eval("$" + name)) & 0xFFFFFFFF


def _out(name, value):
    print("BENCH %s %.6g" % (name, value))


def _err(why):
    print("BENCH-ERROR %s" % why)


def bench_break_cmd():
    """break or hbreak: QEMU's software breakpoints need int3 interception."""
    return os.environ.get("BENCH_BREAK", "break")


def bench_goto(addr):
    """Run to addr (not timed) and delete the breakpoint again."""
    _run("%s *%s" % (bench_break_cmd(), addr))
    _run("continue")
    _run("delete")
    if _pc() != int(addr, 0):
        _err("did not stop at %s (pc 0x%x)" % (addr, _pc()))
        return False
    return True


def bench_stepi(n, name, start=None):
    """stepi n: instructions per second."""
    if start and not bench_goto(start):
        return
    dt = _timed("stepi %d" % n)
    _out(name, n / dt)


def bench_dump(size, name):
    """dump binary memory of size bytes from 0: MiB/s."""
    path = os.environ.get("BENCH_DUMP", "/tmp/kvmstub-bench.dump")
    dt = _timed("dump binary memory %s 0 %d" % (path, size))
    got = os.path.getsize(path)
    os.unlink(path)
    if got != size:
        _err("dump wrote %d bytes, not %d" % (got, size))
        return
    _out(name, size / (1 << 20) / dt)


def bench_bp(addr, n, name):
    """A breakpoint in a loop, continue n times, each a real stop at addr."""
    _run("%s *%s" % (bench_break_cmd(), addr))
    _run("continue")		# the first hit: not timed
    want = int(addr, 0)
    t0 = time.perf_counter()
    for i in range(n):
        _run("continue")
        if _pc() != want:
            _err("continue %d stopped at 0x%x, not at %s" % (i, _pc(), addr))
            return
    dt = time.perf_counter() - t0
    _out(name, n / dt)


def bench_cond(addr, n, name):
    """break *addr if $eax == n: hits evaluated per second until the stop."""
    _run("%s *%s if $eax == %d" % (bench_break_cmd(), addr, n))
    dt = _timed("continue")
    if _pc() != int(addr, 0) or _reg("eax") != n:
        _err("conditional breakpoint: stopped at 0x%x with eax %d" % (_pc(), _reg("eax")))
        return
    # The loop's first instruction increments eax from 0: hit k has eax k.
    _out(name, (n + 1) / dt)


def bench_interrupt(name, delay=0.3):
    """Ctrl-C (SIGINT to gdb) to a running guest: ms until gdb has the stop."""
    stopped = []
    sent = []

    def on_stop(ev):
        stopped.append(time.perf_counter())

    def kick():
        sent.append(time.perf_counter())
        os.kill(os.getpid(), signal.SIGINT)

    gdb.events.stop.connect(on_stop)
    timer = threading.Timer(delay, kick)
    timer.start()
    try:
        _run("continue")
    except gdb.error as e:
        _err("continue: %s" % e)
    timer.join()
    gdb.events.stop.disconnect(on_stop)
    if not sent or not stopped:
        _err("no SIGINT stop")
        return
    _out(name, (stopped[-1] - sent[0]) * 1000.0)


def bench_next(line, name, range_stepping=True):
    """next over a source line (a loop): ms, with or without range stepping."""
    _run("set range-stepping %s" % ("on" if range_stepping else "off"))
    _run("%s %s" % (bench_break_cmd(), line))
    _run("continue")
    _run("delete")
    before = gdb.find_pc_line(gdb.selected_frame().pc()).line
    dt = _timed("next")
    after = gdb.find_pc_line(gdb.selected_frame().pc()).line
    if after == before:
        _err("next did not leave line %d" % before)
        return
    _out(name, dt * 1000.0)


def _cpu_seconds(pid):
    """utime + stime of a process, from /proc (clock ticks)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench_loop(addr, name):
    """continue to addr (a breakpoint where the loop ends): wall seconds,
    and the server's CPU seconds meanwhile (steady under a loaded host)."""
    pid = int(os.environ.get("BENCH_SERVER_PID", "0"))
    _run("%s *%s" % (bench_break_cmd(), addr))
    cpu0 = _cpu_seconds(pid) if pid else 0
    dt = _timed("continue")
    cpu = _cpu_seconds(pid) - cpu0 if pid else 0
    if _pc() != int(addr, 0):
        _err("did not stop at %s (pc 0x%x)" % (addr, _pc()))
        return
    _out(name, dt)
    if pid:
        _out(name.replace("_s", "_cpu"), cpu)
