#!/usr/bin/env python3
"""kvm_layers.py - the structure of kvm/: which file uses which, by layer.

A tie A -> B is A including the header B, or the source A calling a
function that the source B alone defines (kvmstub's names are
subsystem__verb, so a call is found by name).  The layers, bottom up, are
the folders of kvm/ (see kvm/README.md); a tie that runs to a higher layer
is "upward".

    tests/tools/kvm_layers.py [--graph]      exit 1 on a circle or an upward tie

Prints the number of files, ties, upward ties and circles, and with
--graph every tie.  make test runs it (tests/e2e/kvm_layers.sh).
"""
import os
import re
import sys

LAYERS = ["host", "mem", "cpu", "dev", "boot", "debug", "snap", "record", "exec", "."]
ROOT = "kvm"


def layer(path):
    d = os.path.dirname(os.path.relpath(path, ROOT))
    return LAYERS.index(d if d else ".")


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    return re.sub(r'"(\\.|[^"\\])*"', '""', text)


def main():
    files = []
    for d, _, names in os.walk(ROOT):
        files += [os.path.join(d, n) for n in names if n.endswith((".c", ".h"))]
    files.sort()
    text = {f: open(f).read() for f in files}
    # Who defines which subsystem__verb (at the start of a line: a definition).
    defined = {}
    for f in files:
        if not f.endswith(".c"):
            continue
        for m in re.finditer(r"^[a-z][\w \*]*?\b(\w+__\w+)\s*\([^;]*?\)\s*\{",
                             strip_comments(text[f]), re.M):
            defined.setdefault(m.group(1), set()).add(f)
    ties = set()
    for f in files:
        src = f
        for inc in re.findall(r'#include "([^"]+)"', text[f]):
            p = os.path.normpath(os.path.join(os.path.dirname(f), inc))
            if p.startswith(ROOT + "/") and p in text:
                ties.add((src, p, "includes"))
        if not f.endswith(".c"):
            continue
        for name in set(re.findall(r"\b(\w+__\w+)\s*\(", strip_comments(text[f]))):
            owners = defined.get(name, set())
            if len(owners) == 1:
                dst = next(iter(owners))
                if dst != src:
                    ties.add((src, dst, "calls " + name))
    edges = {}
    for a, b, why in ties:
        edges.setdefault(a, {}).setdefault(b, []).append(why)
    # Circles: strongly connected components of more than one file.
    index, low, stack, on, sccs, n = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                sccs.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in files:
        if v not in index:
            visit(v)
    pairs = {(a, b) for a, b, _ in ties}
    upward = sorted((a, b) for a, b in pairs if layer(b) > layer(a))
    if "--graph" in sys.argv:
        for a in sorted(edges):
            for b in sorted(edges[a]):
                print("%s -> %s: %s" % (a, b, ", ".join(sorted(edges[a][b]))))
    print("kvm/: %d files, %d ties between them, %d upward, %d circles"
          % (len(files), len(pairs), len(upward), len(sccs)))
    for a, b in upward:
        print("  upward: %s -> %s: %s" % (a, b, ", ".join(sorted(edges[a][b]))))
    for c in sccs:
        print("  circle: " + ", ".join(c))
    return 1 if upward or sccs else 0


if __name__ == "__main__":
    sys.exit(main())
