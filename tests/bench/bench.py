# bench.py - the measurements that make bench takes inside gdb.
#
# Loaded with `gdb -batch -x tests/bench/bench.py`, connected to a gdbstub
# (kvmstub or QEMU); the driver (bench.sh) then calls one function per run,
# e.g. -ex 'python bench_stepi(2000)'.  Each prints one line
#     BENCH <name> <value>
# that bench.sh collects, or BENCH-ERROR <why>.  Time is taken around the
# gdb command itself (time.perf_counter), so gdb's own start-up and the
# connection are not in the rates.  bench_attach starts the server itself,
# from a gdb that is already up, to time the server's start and gdb's
# connection to it.
import os
import shlex
import signal
import socket
import struct
import subprocess
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


def _listening(port):
    """Whether a TCP socket listens on port, asked of the kernel through
    sock_diag netlink (NETLINK_SOCK_DIAG, SOCK_DIAG_BY_FAMILY, listening
    sockets only): about 0.06 ms here, where reading /proc/net/tcp takes
    2 ms, and it neither binds nor connects to the port."""
    nl = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 4)
    try:
        for family in (socket.AF_INET, socket.AF_INET6):
            # struct inet_diag_req_v2: family, protocol, ext, pad, states
            # (1 << TCP_LISTEN), then a zeroed struct inet_diag_sockid.
            req = struct.pack("=BBBBI", family, socket.IPPROTO_TCP, 0, 0, 1 << 10) + bytes(48)
            # struct nlmsghdr: NLM_F_REQUEST | NLM_F_DUMP
            nl.send(struct.pack("=IHHII", 16 + len(req), 20, 0x301, 1, 0) + req)
            done = False
            while not done:
                data = nl.recv(65536)
                off = 0
                while off + 16 <= len(data):
                    length, kind = struct.unpack_from("=IH", data, off)
                    if kind in (2, 3) or length < 16:	# NLMSG_ERROR, NLMSG_DONE
                        done = True
                        break
                    # struct inet_diag_msg: 4 bytes, then the source port (big-endian)
                    if struct.unpack_from("!H", data, off + 20)[0] == port:
                        return True
                    off += (length + 3) & ~3
                if not data:
                    break
    finally:
        nl.close()
    return False


def bench_attach(name, start_name):
    """From starting the server (BENCH_SERVER_CMD, listening on BENCH_PORT)
    to gdb having read the registers after target remote: ms.  gdb itself
    is up and waiting when the clock starts, so its own start-up (the same
    for every server) is not in the figure.  start_name: to listening."""
    port = int(os.environ["BENCH_PORT"])
    out = open(os.environ.get("BENCH_SERVER_LOG", os.devnull), "w")
    t0 = time.perf_counter()
    srv = subprocess.Popen(shlex.split(os.environ["BENCH_SERVER_CMD"]),
                           stdin=subprocess.DEVNULL, stdout=out, stderr=out)
    try:
        while not _listening(port):
            if srv.poll() is not None:
                _err("the server exited with status %d before listening" % srv.returncode)
                return
            if time.perf_counter() - t0 > 10:
                _err("the server is not listening on port %d after 10 s" % port)
                return
            time.sleep(0.0001)
        t_listen = time.perf_counter()
        _run("target remote 127.0.0.1:%d" % port)
        _pc()
        t1 = time.perf_counter()
        _run("disconnect")
    finally:
        srv.kill()
        srv.wait()
        out.close()
    _out(name, (t1 - t0) * 1000)
    _out(start_name, (t_listen - t0) * 1000)


def bench_stepi(n, name, start=None):
    """stepi n: instructions per second."""
    if start and not bench_goto(start):
        return
    dt = _timed("stepi %d" % n)
    _out(name, n / dt)


def bench_regs(n, name, reg="eax"):
    """maint flush register-cache, then p $reg, n times: register reads a
    second (a 'g' packet for eax, a 'p' packet for st0)."""
    t0 = time.perf_counter()
    for _ in range(n):
        _run("maintenance flush register-cache")
        _run("p $%s" % reg)
    _out(name, n / (time.perf_counter() - t0))


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


def _interrupt_once(delay):
    """One Ctrl-C (SIGINT to gdb) to the running guest, delay s after
    continue: ms until gdb has the stop, or None."""
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
        return None
    return (stopped[-1] - sent[0]) * 1000.0


def bench_interrupt(name, count=9, delay=0.1):
    """Ctrl-C to a running guest, count times: the median ms until gdb
    has the stop (one interrupt alone varies 3x here)."""
    times = []
    for _ in range(count):
        t = _interrupt_once(delay)
        if t is None:
            _err("no SIGINT stop")
            return
        times.append(t)
    times.sort()
    _out(name, times[len(times) // 2])


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


def _kvmstub_exits():
    """kvmstub's count of KVM_RUN calls that returned (monitor info)."""
    for line in gdb.execute("monitor info", to_string=True).splitlines():
        if line.startswith("exits to kvmstub so far: "):
            return int(line.split(": ", 1)[1].split()[0])
    return None


def bench_loop(addr, name):
    """continue to addr (a breakpoint where the loop ends): wall seconds,
    the server's CPU seconds meanwhile, and (kvmstub) how many times the
    vCPU came out of KVM_RUN to the daemon on the way."""
    pid = int(os.environ.get("BENCH_SERVER_PID", "0"))
    _run("%s *%s" % (bench_break_cmd(), addr))
    exits0 = _kvmstub_exits()
    cpu0 = _cpu_seconds(pid) if pid else 0
    dt = _timed("continue")
    cpu = _cpu_seconds(pid) - cpu0 if pid else 0
    exits1 = _kvmstub_exits()
    if _pc() != int(addr, 0):
        _err("did not stop at %s (pc 0x%x)" % (addr, _pc()))
        return
    _out(name, dt)
    if pid:
        _out(name.replace("_s", "_cpu"), cpu)
    if exits0 is not None and exits1 is not None:
        _out(name.replace("_s", "_exits"), exits1 - exits0)

def _record_status():
    """monitor record status: (instructions in the log, bytes an instruction)."""
    n = per = None
    for line in gdb.execute("monitor record status", to_string=True).splitlines():
        if line.startswith("log: "):
            n = int(line.split()[1].rstrip(","))
            per = float(line.split("(")[1].split()[0])
    return n, per


def bench_record(loop, start, n_turns, name):
    """kvmstub --record, the counter guest: continue through n_turns turns
    of its loop recording (instructions a second), then reverse-stepi
    (ms each, the median of 200), then reverse-continue across the whole
    log to a breakpoint at its start (s), and the bytes a recorded
    instruction costs."""
    _run("break *%s if $eax == 10" % loop)
    _run("continue")
    _run("delete")
    n0, _ = _record_status()
    _run("tbreak *%s if $eax == %d" % (loop, 10 + n_turns))
    dt = _timed("continue")
    n1, per = _record_status()
    if _reg("eax") != 10 + n_turns or n1 is None:
        _err("record: stopped with eax %d" % _reg("eax"))
        return
    _out(name + "_speed", (n1 - n0) / dt)
    _out(name + "_insns", n1)
    _out(name + "_bytes", per)
    times = []
    for _ in range(200):
        times.append(_timed("reverse-stepi"))
    times.sort()
    _out("rstepi", times[len(times) // 2] * 1000.0)
    _run("break *%s" % start)
    dt = _timed("reverse-continue")
    if _pc() != int(start, 0):
        _err("reverse-continue stopped at 0x%x, not %s" % (_pc(), start))
        return
    _out("rcont", dt)


def bench_record_bytes(name, until=None, steps=0):
    """Bytes a recorded instruction costs: to the breakpoint until, or
    steps stepi."""
    if until:
        _run("break *%s" % until)
        _run("continue")
    if steps:
        _run("stepi %d" % steps)
    n, per = _record_status()
    if not n:
        _err("%s: nothing recorded" % name)
        return
    _out(name, per)
