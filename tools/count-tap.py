#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Count TAP subtests across a meson testlog.json and print 'N passed, N failed'.

A test that failed without any TAP line (a crash, a setup error) counts as one
failure, so nothing can fail silently. Exit status 1 when anything failed."""
import json
import re
import sys

OK = re.compile(r"^ok\b")
NOT_OK = re.compile(r"^not ok\b")
SKIP = re.compile(r"#\s*skip", re.IGNORECASE)
PLAN_SKIP = re.compile(r"^1\.\.0\b.*#\s*skip", re.IGNORECASE)


def main(path):
    passed = failed = skipped = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            test = json.loads(line)
            out = test.get("stdout") or ""
            t_pass = t_fail = t_skip = 0
            for tap in out.splitlines():
                tap = tap.strip()
                if NOT_OK.match(tap):
                    if re.search(r"#\s*todo", tap, re.IGNORECASE):
                        continue
                    t_fail += 1
                elif OK.match(tap):
                    if SKIP.search(tap):
                        t_skip += 1
                    else:
                        t_pass += 1
                elif PLAN_SKIP.match(tap):
                    t_skip += 1
            result = test.get("result", "")
            if result not in ("OK", "SKIP", "EXPECTEDFAIL") and t_fail == 0:
                t_fail = 1
                print(f"count-tap: {test.get('name')} ended {result} without a failing TAP line",
                      file=sys.stderr)
            passed += t_pass
            failed += t_fail
            skipped += t_skip
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
