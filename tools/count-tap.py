#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Count TAP subtests across one or more meson testlog.json files and print
'N passed, N failed, N skipped' as the last line.

    count-tap.py [--label NAME=PATH | PATH]...

A test that failed without any 'not ok' line (a crash, a timeout, a setup
error) counts as one failure, and so does a log file that is missing or
unreadable (its build or test run never happened), so nothing can fail
silently. With several files a per-file line goes to stderr first. Every
failing subtest is repeated on stderr with the diagnostics that follow it
(at most MAX_DIAG lines), so a CI log that keeps only this output still says
why.
Exit status 1 when anything failed."""
import json
import re
import sys

OK = re.compile(r"^ok\b")
NOT_OK = re.compile(r"^not ok\b")
SKIP = re.compile(r"#\s*skip", re.IGNORECASE)
TODO = re.compile(r"#\s*todo", re.IGNORECASE)
PLAN_SKIP = re.compile(r"^1\.\.0\b.*#\s*skip", re.IGNORECASE)
GOOD_RESULTS = ("OK", "SKIP", "EXPECTEDFAIL")
MAX_DIAG = 40


def failure_report(name, lines):
    """The failing subtests of one test's TAP output with their '#' lines."""
    report, diag, in_failure = [], 0, False
    for tap in lines:
        stripped = tap.strip()
        if NOT_OK.match(stripped) and not TODO.search(stripped):
            report.append(f"count-tap: {name}: {stripped}")
            in_failure, diag = True, 0
        elif OK.match(stripped) or NOT_OK.match(stripped):
            in_failure = False
        elif in_failure and stripped.startswith("#"):
            diag += 1
            if diag <= MAX_DIAG:
                report.append(f"count-tap:   {stripped}")
            elif diag == MAX_DIAG + 1:
                report.append("count-tap:   # ... (more in the test log)")
    return report


def count_test(test):
    """(passed, failed, skipped) of one testlog.json record."""
    out = test.get("stdout") or ""
    t_pass = t_fail = t_skip = 0
    for tap in out.splitlines():
        tap = tap.strip()
        if NOT_OK.match(tap):
            if TODO.search(tap):
                continue
            t_fail += 1
        elif OK.match(tap):
            if SKIP.search(tap):
                t_skip += 1
            else:
                t_pass += 1
        elif PLAN_SKIP.match(tap):
            t_skip += 1
    for line in failure_report(test.get("name"), out.splitlines()):
        print(line, file=sys.stderr)
    result = test.get("result", "")
    if result not in GOOD_RESULTS and t_fail == 0:
        t_fail = 1
        print(f"count-tap: {test.get('name')} ended {result} without a failing TAP line",
              file=sys.stderr)
    return t_pass, t_fail, t_skip


def count_file(label, path):
    passed = failed = skipped = 0
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                p, fl, s = count_test(json.loads(line))
                passed += p
                failed += fl
                skipped += s
    except (OSError, ValueError) as e:
        print(f"count-tap: {label}: cannot read {path}: {e}; counted as one failure",
              file=sys.stderr)
        return 0, 1, 0
    return passed, failed, skipped


def main(args):
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    files = []
    for a in args:
        if a.startswith("--label="):
            a = a[len("--label="):]
        if "=" in a and not a.startswith("/") and not a.startswith("."):
            label, path = a.split("=", 1)
        else:
            label, path = a, a
        files.append((label, path))
    total = [0, 0, 0]
    for label, path in files:
        counts = count_file(label, path)
        if len(files) > 1:
            print(f"count-tap: {label}: {counts[0]} passed, {counts[1]} failed, "
                  f"{counts[2]} skipped", file=sys.stderr)
        total = [t + c for t, c in zip(total, counts)]
    sys.stderr.flush()
    print(f"{total[0]} passed, {total[1]} failed, {total[2]} skipped")
    return 1 if total[1] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
