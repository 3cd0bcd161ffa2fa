#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The Prometheus documents of test-status-export (--emit-prometheus) through the real
`promtool check metrics`, which lints what the exposition format allows but the
conventions do not (no HELP, _total on a gauge, non-base units, ...).  TAP; skips
without promtool (Debian: apt-get install prometheus).

usage: promtool-check.py TEST-STATUS-EXPORT"""
import shutil
import subprocess
import sys

exporter = sys.argv[1]
promtool = shutil.which("promtool")
if not promtool:
    print("1..0 # SKIP promtool not installed (Debian: prometheus)")
    sys.exit(0)
out = subprocess.run([exporter, "--emit-prometheus"], check=True, capture_output=True).stdout
docs = out.decode().split("\x1e")[1:]
names = ["wrong owner", "fixed (dual stack)", "left alone", "two warnings"]
print("1..%d" % len(docs))
failed = 0
for i, doc in enumerate(docs):
    r = subprocess.run([promtool, "check", "metrics"], input=doc.encode(), capture_output=True)
    ok = r.returncode == 0 and not r.stdout.strip() and not r.stderr.strip()
    print("%s %d - promtool check metrics accepts the %s document" %
          ("ok" if ok else "not ok", i + 1, names[i] if i < len(names) else str(i)))
    if not ok:
        failed += 1
        for line in (r.stdout + r.stderr).decode().splitlines():
            print("# " + line)
sys.exit(1 if failed else 0)
