#!/usr/bin/env python3
"""Layer check (issue 15): every `#include "..."` must name a header of the
including target itself or of a project target it links (directly or
transitively), and the project's link graph must have no cycle.

Input: the target graph CMake wrote at configure time (cmake/layers.cmake,
<build>/segstream_targets.tsv: one line per target, source and link) and
the source tree. Run by ctest as `layers` (label `lint`); by hand:

    python3 cmake/check_layers.py --root . --graph build/segstream_targets.tsv
    python3 cmake/check_layers.py --root . --graph build/segstream_targets.tsv --print-layers

Which target owns a header: a target that lists it in its sources; else the
one target in the header's folder with a source of the same stem (foo.h ->
foo.cc); else the only library in that folder; else the only target there.
A header no target owns ("unowned") may only be included by targets whose
folder holds it, directly or in a subfolder (test helpers such as
tests/engine/pipeline/test_support.h, connectors/decode/fuzz/*.h);
elsewhere it is an error, because no link can make the include legal.

Exit status: 0 clean, 1 violations (listed on stderr), 2 bad input.
"""
import argparse
import collections
import os
import re
import sys

INCLUDE_RE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
HEADER_EXT = (".h", ".hpp", ".inc")


class Graph:
    def __init__(self):
        self.type = {}                               # target -> TYPE
        self.dir = {}                                # target -> folder, relative to root
        self.sources = collections.defaultdict(list)  # target -> files, relative to root
        self.links = collections.defaultdict(set)    # target -> project targets it links


def read_graph(path):
    g = Graph()
    with open(path, encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    for row in rows:
        if row[0] == "target" and len(row) == 4:
            g.type[row[1]] = row[2]
            g.dir[row[1]] = os.path.normpath(row[3])
    for row in rows:
        if row[0] == "source" and len(row) == 3:
            g.sources[row[1]].append(os.path.normpath(row[2]))
        elif row[0] == "link" and len(row) == 3 and row[2] in g.type:
            g.links[row[1]].add(row[2])
        elif row[0] != "target":
            raise ValueError("bad line in %s: %r" % (path, "\t".join(row)))
    return g


def find_cycles(g):
    """Returns each cycle of the link graph once, as a list of targets."""
    cycles, state, stack = [], {}, []

    def visit(t):
        state[t] = "open"
        stack.append(t)
        for d in sorted(g.links[t]):
            if state.get(d) == "open":
                cycles.append(stack[stack.index(d):] + [d])
            elif d not in state:
                visit(d)
        stack.pop()
        state[t] = "done"

    for t in sorted(g.type):
        if t not in state:
            visit(t)
    return cycles


def closure(g, t):
    seen, todo = set(), list(g.links[t])
    while todo:
        d = todo.pop()
        if d not in seen:
            seen.add(d)
            todo.extend(g.links[d])
    return seen


def owners(g):
    """header path -> owning target, for every header in a target folder."""
    by_dir = collections.defaultdict(list)
    for t, d in g.dir.items():
        by_dir[d].append(t)
    listed = {}
    for t, files in g.sources.items():
        for f in files:
            if f.endswith(HEADER_EXT):
                listed[f] = t

    def owner(header):
        if header in listed:
            return listed[header]
        d = os.path.dirname(header)
        here = sorted(by_dir.get(d, []))
        stem = os.path.splitext(header)[0]
        by_stem = [t for t in here if any(os.path.splitext(s)[0] == stem for s in g.sources[t])]
        if len(by_stem) == 1:
            return by_stem[0]
        libs = [t for t in here if g.type[t].endswith("_LIBRARY")]
        if len(libs) == 1:
            return libs[0]
        if len(here) == 1:
            return here[0]
        return None

    return owner


def includes(root, rel):
    """(line number, included path relative to root) for each project include."""
    out = []
    try:
        with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
            for n, line in enumerate(f, 1):
                m = INCLUDE_RE.match(line)
                if not m:
                    continue
                name = m.group(1)
                for cand in (name, os.path.join(os.path.dirname(rel), name)):
                    cand = os.path.normpath(cand)
                    if os.path.isfile(os.path.join(root, cand)):
                        out.append((n, cand))
                        break
    except FileNotFoundError:
        pass
    return out


def check(root, g):
    errors = []
    for c in find_cycles(g):
        errors.append("link cycle: " + " -> ".join(c))
    owner = owners(g)

    # Every header that some target owns is checked once, as part of its owner.
    owned = collections.defaultdict(set)
    for dirpath, dirs, files in os.walk(root):
        reldir = os.path.relpath(dirpath, root)
        # Hidden folders anywhere, build trees at the top.
        dirs[:] = [d for d in dirs if not d.startswith(".") and not (reldir == "." and d.startswith("build"))]
        for name in files:
            if name.endswith(HEADER_EXT):
                rel = os.path.normpath(os.path.join(reldir, name))
                t = owner(rel)
                if t is not None:
                    owned[t].add(rel)

    reported = set()
    for t in sorted(g.type):
        allowed = closure(g, t) | {t}
        todo = [s for s in g.sources[t]] + sorted(owned[t])
        seen = set(todo)
        while todo:
            f = todo.pop()
            for line, inc in includes(root, f):
                o = owner(inc)
                if o is None:
                    tdir = g.dir[t]
                    idir = os.path.dirname(inc)
                    if idir != tdir and not idir.startswith(tdir + os.sep):
                        msg = "%s:%d: %s includes %s, which no target owns" % (f, line, t, inc)
                        if msg not in reported:
                            reported.add(msg)
                            errors.append(msg)
                        continue
                elif o not in allowed:
                    msg = "%s:%d: %s includes %s of %s, which %s does not link" % (f, line, t, inc, o, t)
                    if msg not in reported:
                        reported.add(msg)
                        errors.append(msg)
                    continue
                elif o != t:
                    continue  # checked as part of its owner
                if inc not in seen:
                    seen.add(inc)
                    todo.append(inc)
    return errors


def layers(g):
    """Library targets by level: level 0 links no project library, level n
    links only levels below n. Assumes no cycle."""
    level = {}

    def lv(t):
        if t not in level:
            level[t] = 1 + max((lv(d) for d in g.links[t]), default=-1)
        return level[t]

    by_level = collections.defaultdict(list)
    for t in g.type:
        if g.type[t].endswith("_LIBRARY"):
            by_level[lv(t)].append(t)
    return [sorted(by_level[n]) for n in sorted(by_level)]


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", required=True, help="source tree")
    ap.add_argument("--graph", required=True, help="segstream_targets.tsv written by cmake/layers.cmake")
    ap.add_argument("--print-layers", action="store_true", help="print the library layers, lowest first")
    args = ap.parse_args(argv)
    try:
        g = read_graph(args.graph)
    except (OSError, ValueError) as e:
        print("check_layers: %s" % e, file=sys.stderr)
        return 2
    if not g.type:
        print("check_layers: no targets in %s" % args.graph, file=sys.stderr)
        return 2
    errors = check(args.root, g)
    for e in errors:
        print(e, file=sys.stderr)
    if errors:
        print("check_layers: %d violation(s); see docs/layers.md" % len(errors), file=sys.stderr)
        return 1
    if args.print_layers:
        for n, ts in enumerate(layers(g)):
            print("%d: %s" % (n, " ".join(ts)))
    else:
        print("check_layers: %d targets, no cycle, every include linked" % len(g.type))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
