#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tools/count-tap.py, which prints the closing line of tests/run-all.sh.  TAP output.
#
# usage: test-count-tap.sh SOURCE_DIR
#
#  1  subtests are counted across files; the last line is 'N passed, N failed, N skipped'
#  2  a failing subtest is repeated on stderr with the diagnostics after it, not others'
#  3  a test that failed without a 'not ok' line, and a missing log, count as failures

set -u
# shellcheck source=../tap.sh
. "$(dirname "$0")/../tap.sh"

SRC=${1:-}
COUNT=$SRC/tools/count-tap.py
[ -f "$COUNT" ] || tap_bail "usage: test-count-tap.sh SOURCE_DIR (no $COUNT)"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
tap_plan 3

cat >"$TMP/a.json" <<'JSON'
{"name": "test-a", "result": "FAIL", "stdout": "1..3\nok 1 - first\n# fine here\nnot ok 2 - second broke\n# why: the route stayed on eth0\n# exit 3\nok 3 - third # SKIP no libvirt\n"}
{"name": "test-b", "result": "OK", "stdout": "1..1\nok 1 - only\n"}
JSON
cat >"$TMP/b.json" <<'JSON'
{"name": "test-c", "result": "TIMEOUT", "stdout": "1..2\nok 1 - one\n"}
JSON

python3 "$COUNT" a="$TMP/a.json" >"$TMP/out" 2>"$TMP/err"
rc=$?
result "counts subtests; the last line says 2 passed, 1 failed, 1 skipped (exit 1)" \
    "$([ "$rc" = 1 ] && [ "$(tail -n 1 "$TMP/out")" = "2 passed, 1 failed, 1 skipped" ] ||
        printf 'exit %s, stdout:\n%s' "$rc" "$(cat "$TMP/out")")"

why=
grep -qx 'count-tap: test-a: not ok 2 - second broke' "$TMP/err" || why="no line for the failing subtest"
grep -qx 'count-tap:   # why: the route stayed on eth0' "$TMP/err" || why="$why; its first diagnostic is missing"
grep -qx 'count-tap:   # exit 3' "$TMP/err" || why="$why; its second diagnostic is missing"
grep -q 'fine here' "$TMP/err" && why="$why; a passing subtest's diagnostic is repeated"
result "a failing subtest is repeated on stderr with its diagnostics" \
    "${why:+$why
$(cat "$TMP/err")}"

python3 "$COUNT" a="$TMP/a.json" c="$TMP/b.json" gone="$TMP/missing.json" >"$TMP/out" 2>"$TMP/err"
rc=$?
result "a test ended without 'not ok' and a missing log count as failures (1 + 1 + 1 failed)" \
    "$([ "$rc" = 1 ] && [ "$(tail -n 1 "$TMP/out")" = "3 passed, 3 failed, 1 skipped" ] ||
        printf 'exit %s, stdout:\n%s\nstderr:\n%s' "$rc" "$(cat "$TMP/out")" "$(cat "$TMP/err")")"

tap_finish
