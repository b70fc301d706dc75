#!/usr/bin/env python3
"""lockstep.py - check kvmstub's stepping, breakpoints and watchpoints against
a reference CPU (QEMU's software CPU, qemu-system-x86_64 -accel tcg).

    tests/lockstep/lockstep.py [OPTIONS] [IMAGE...]

For each image (default: the built-in list, see images.py) it starts
kvmstub and QEMU on it, both stopped at the reset vector, single-steps
them side by side and compares the architectural state after every step
(engine.py, compare.py); then runs both again with breakpoints and with
watchpoints and compares the sequence of stops (stops.py).  It prints one
line per image and phase, and exits 0 when every image passed (a
platform-explained ending passes), 1 when one diverged, 77 when QEMU is
missing, 2 for bad usage.  A divergence report and the synchronisation log
of every image go to --log-dir.
"""
import argparse
import multiprocessing
import os
import shutil
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True      # no __pycache__ in the source tree

import engine  # noqa: E402
import images  # noqa: E402
import stops  # noqa: E402


class Log:
    def __init__(self, path, verbose):
        self.f = open(path, "w", buffering=1) if path else None
        self.verbose = verbose
        self.lines = 0

    def _w(self, level, text):
        self.lines += 1
        if self.f:
            self.f.write(text + "\n")
        if self.verbose >= level:
            sys.stderr.write(text + "\n")

    def info(self, text):
        self._w(1, text)

    def debug(self, text):
        self._w(2, text)

    def close(self):
        if self.f:
            self.f.close()


def parse_args(argv):
    p = argparse.ArgumentParser(prog="lockstep.py", description=__doc__.split("\n\n")[0])
    p.add_argument("images", nargs="*", metavar="IMAGE",
                   help="raw images to check (default: the built-in list; a name such as "
                        "'serial' or 'seabios' picks from it)")
    p.add_argument("--steps", type=int, default=20000, help="steps per image (default 20000)")
    p.add_argument("--kvmstub", default=os.path.join(HERE, "..", "..", "kvmstub"))
    p.add_argument("--qemu", default="qemu-system-x86_64")
    p.add_argument("--memory", default=None, help="guest RAM for both (default: 16M)")
    p.add_argument("--cpu", default=None, help="QEMU -cpu model (default: QEMU's default)")
    p.add_argument("--jobs", "-j", type=int, default=2, help="images checked at once (default 2)")
    p.add_argument("--log-dir", default=None, help="where each image's log goes "
                   "(default: build/lockstep)")
    p.add_argument("--phases", default="step,break,watch",
                   help="comma-separated: step (lockstep), break, watch (default: all)")
    p.add_argument("--continues", type=int, default=200, help="continues per stop comparison")
    p.add_argument("--every", type=int, default=97, help="breakpoint on every Nth trace address")
    p.add_argument("--keep-going", action="store_true",
                   help="diagnosis: after a divergence, resynchronise and go on, listing every "
                        "class of divergence (the run still fails)")
    p.add_argument("--seg-every", type=int, default=64,
                   help="read the descriptor caches at least every N steps (default 64; 1: always)")
    p.add_argument("--timeout", type=float, default=20.0, help="seconds to wait for a stub's reply")
    p.add_argument("--run-timeout", type=float, default=3.0,
                   help="seconds a continue may run before both are interrupted (default 3)")
    p.add_argument("--rates", type=int, metavar="N", default=0,
                   help="measure instead of checking: N steps of kvmstub alone, of QEMU alone "
                        "(each step: s, g, and kvmstub's m at the pc), and of both in lockstep, on "
                        "the first image; prints steps per second")
    p.add_argument("--verbose", "-v", action="count", default=0)
    a = p.parse_args(argv)
    a.kvmstub_args = []
    a.phases = set(a.phases.split(","))
    if a.steps < 1 or a.jobs < 1 or a.every < 1 or a.seg_every < 1:
        p.error("--steps, --jobs, --every and --seg-every take positive numbers")
    if not a.phases <= {"step", "break", "watch"}:
        p.error("--phases: step, break, watch")
    return a


def check_one(job):
    """Every phase on one image (in a worker process)."""
    spec, cfg = job
    log = Log(os.path.join(cfg.log_dir, spec.name + ".log"), cfg.verbose)
    out = []
    if spec.skip:
        return [("%-22s SKIP: %s" % (spec.name, spec.skip), "skip", [])]
    if not os.path.exists(spec.path):
        return [("%-22s FAIL: %s does not exist (make test installs it)" % (spec.name, spec.path),
                 "fail", [])]
    run = engine.Lockstep(spec.path, spec.name, cfg, log, spec.pokes, max(cfg.steps, spec.min_steps))
    res = run.run()
    log.info("lockstep: " + res.line())
    for line in res.report:
        log.info(line)
    rate = ""
    if res.steps and res.seconds:
        rate = " (%.0f steps/s; waiting for kvmstub %.0f us/step, qemu %.0f us/step)" % (
            res.steps / res.seconds, 1e6 * res.k_wait / res.steps, 1e6 * res.q_wait / res.steps)
    log.info("lockstep: %.1f s%s; synchronised: %s" % (
        res.seconds, rate, ", ".join("%s %d" % kv for kv in sorted(res.syncs.items())) or "nothing"))
    out.append((res.line(), res.verdict, res.report))
    if res.trace and ("break" in cfg.phases or "watch" in cfg.phases) and "step" in cfg.phases:
        for phase in ("break", "watch"):
            if phase not in cfg.phases:
                continue
            sres = stops.compare_stops(spec, res, cfg, log, phase)
            for r in sres:
                log.info("%s: %s" % (phase, r.line()))
                for line in r.report:
                    log.info(line)
                out.append((r.line(), r.verdict, r.report))
    log.close()
    return out


def host_runs_paging32(kvmstub):
    """What `kvmstub --probe` says of 32-bit paging on this host (True when
    it cannot tell)."""
    import subprocess
    try:
        out = subprocess.run([kvmstub, "--probe"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return True
    return "32-bit paging runs: no" not in out


def measure_rates(spec, cfg):
    """Steps per second through the tool: each stub alone, then the pair."""
    import stubs
    out = []
    for who in ("kvmstub", "qemu"):
        s = stubs.Kvmstub(cfg.kvmstub, spec.path, cfg.memory) if who == "kvmstub" else \
            stubs.Qemu(cfg.qemu, spec.path, cfg.memory or "16M", cfg.cpu)
        try:
            t0 = time.time()
            for _ in range(cfg.rates):
                s.conn.cmd("s")
                st = s.state_from_g(s.conn.cmd("g"))
                if who == "kvmstub":
                    s.conn.cmd("m%x,f" % st.pc)
            out.append("%s alone: %.0f steps/s" % (who, cfg.rates / (time.time() - t0)))
        finally:
            s.stop()
    cfg.steps = cfg.rates
    run = engine.Lockstep(spec.path, spec.name, cfg, Log(None, 0), spec.pokes)
    res = run.run()
    out.append("both in lockstep: %.0f steps/s over %d steps (%s)" % (
        res.steps / res.seconds if res.seconds else 0, res.steps, res.ended))
    return out


def _terminate(signum, frame):
    raise SystemExit(128 + signum)


def main(argv):
    signal.signal(signal.SIGTERM, _terminate)
    cfg = parse_args(argv)
    if not shutil.which(cfg.qemu):
        print("SKIP: %s is not installed (Debian package qemu-system-x86; make test installs it): "
              "no reference CPU to compare kvmstub with" % cfg.qemu)
        return 77
    if not os.access(cfg.kvmstub, os.X_OK):
        print("lockstep: %s is not built (make)" % cfg.kvmstub)
        return 1
    cfg.kvmstub = os.path.abspath(cfg.kvmstub)
    cfg.host_paging32 = host_runs_paging32(cfg.kvmstub)
    if cfg.log_dir is None:
        cfg.log_dir = os.path.join(HERE, "..", "..", "build", "lockstep")
    os.makedirs(cfg.log_dir, exist_ok=True)
    try:
        specs = images.select(cfg.images)
    except images.UnknownImage as e:
        print("lockstep: %s" % e)
        return 2
    if cfg.rates:
        for line in measure_rates(specs[0], cfg):
            print("%s: %s" % (specs[0].name, line))
        return 0
    t0 = time.time()
    jobs = [(s, cfg) for s in specs]
    failed = 0
    skipped = 0
    if cfg.jobs > 1 and len(jobs) > 1:
        pool = multiprocessing.Pool(min(cfg.jobs, len(jobs)))
        results = pool.imap(check_one, jobs)
    else:
        pool = None
        results = map(check_one, jobs)
    try:
        for lines in results:
            for line, verdict, report in lines:
                print(line)
                if verdict == "fail":
                    failed += 1
                    for r in report:
                        print("    | " + r)
                elif verdict == "skip":
                    skipped += 1
            sys.stdout.flush()
    except BaseException:
        if pool:
            pool.terminate()    # the workers' SIGTERM stops their stubs
        raise
    finally:
        if pool:
            pool.close()
            pool.join()
    print("lockstep: %d images, %d checks failed, %d skipped, %.0f s (logs in %s)" % (
        len(specs), failed, skipped, time.time() - t0, os.path.relpath(cfg.log_dir)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
