#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Check that the includes under SRC follow the layers of the folders.

usage: check-layers.py SRC_DIR

A folder may include headers from its own folder and from folders of a lower
layer, never from a higher one nor from a sibling of the same layer (the
programs: commands/ and trace/). Inside commands/ the snapshot sits below what the
commands share, that below the commands, which never include one another, and
those below main.c. hook/ is the C library only. No two modules
(a .c file, its .h and its -private.h) may include each other, directly or
around a circle. Prints one line per violation and exits 1, else exits 0.
"""
import os
import re
import sys

# The layers from the bottom (README.md, "Source layout").
LAYERS = {
    "hook": 0,      # libc only: the dispatcher fast path and what it links
    "model": 1,     # plain structs: uplinks, routes, options, errors
    "decide": 2,    # pure steps: no I/O
    "adapters": 3,  # one file per outside library or kernel interface
    "commands": 4,  # the snapshot, one file per command, main.c
    "trace": 4,     # nm-metric-fix-trace, the host-side program
}
# Inside commands/: the snapshot, under what several commands share, under the
# commands (which never include one another), under main.c. Any other module there
# is a command.
WITHIN = {
    "commands": ({"nmf-snapshot": 0, "nmf-verified": 1, "nmf-exec": 1, "main": 3}, 2),
}
LIBC_ONLY = {"hook"}
NOT_LIBC = re.compile(r"^(glib|gio/|NetworkManager|nm-|netlink/|pcap|libvirt|json-glib)")
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^">]+)[">]', re.M)


def module_of(rel):
    base = os.path.splitext(rel)[0]
    return base[: -len("-private")] if base.endswith("-private") else base


def check(src):
    problems = []
    files = []
    for root, _dirs, names in os.walk(src):
        for name in names:
            if name.endswith((".c", ".h")):
                files.append(os.path.relpath(os.path.join(root, name), src))
    edges = {}
    for rel in sorted(files):
        parts = rel.split(os.sep)
        if len(parts) != 2 or parts[0] not in LAYERS:
            problems.append("%s: not in a layer folder (%s)" % (rel, ", ".join(LAYERS)))
            continue
        folder = parts[0]
        with open(os.path.join(src, rel), encoding="utf-8") as f:
            text = f.read()
        for m in INCLUDE.finditer(text):
            kind, name = m.group(1), m.group(2)
            line = text.count("\n", 0, m.start()) + 1
            where = "%s:%d" % (rel, line)
            if kind == "<":
                if folder in LIBC_ONLY and NOT_LIBC.match(name):
                    problems.append("%s: %s/ is C library only, but includes <%s>" % (where, folder, name))
                continue
            if name == "config.h":
                continue
            target = name.split("/")
            if len(target) != 2 or target[0] not in LAYERS:
                problems.append('%s: "%s" names no layer folder' % (where, name))
                continue
            if not os.path.isfile(os.path.join(src, name)):
                problems.append('%s: "%s" does not exist' % (where, name))
                continue
            to = target[0]
            if LAYERS[to] > LAYERS[folder]:
                problems.append('%s: includes "%s" from a layer above %s/' % (where, name, folder))
            elif LAYERS[to] == LAYERS[folder] and to != folder:
                problems.append('%s: includes "%s" from %s/, a sibling of %s/' % (where, name, to, folder))
            elif to == folder and folder in WITHIN:
                problems += within(folder, rel, name, where)
            a, b = module_of(rel), module_of(name)
            if a != b:
                edges.setdefault(a, set()).add(b)
    problems += ["include circle among " + ", ".join(c) for c in circles(edges)]
    return problems


def within(folder, rel, name, where):
    levels, other = WITHIN[folder]
    a, b = module_of(rel), module_of(name)
    la = levels.get(a.split("/")[1], other)
    lb = levels.get(b.split("/")[1], other)
    if lb > la:
        return ['%s: includes "%s" from a level above %s within %s/' % (where, name, a, folder)]
    if lb == la and a != b and la == other:
        return ['%s: includes "%s": one command includes another' % (where, name)]
    return []


def circles(edges):
    """The strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
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
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def main():
    if len(sys.argv) != 2 or not os.path.isdir(sys.argv[1]):
        sys.exit("usage: check-layers.py SRC_DIR")
    problems = check(sys.argv[1])
    for p in problems:
        print(p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
