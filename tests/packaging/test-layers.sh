#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The tree under src/ is the architecture: a folder per layer, includes only
# downward, no include circle, main.c short.  TAP output.
#
# usage: test-layers.sh SOURCE_DIR
#
#  1  check-layers.py finds nothing to report in src/
#  2  it reports an include planted from a lower layer into a higher one
#  3  it reports an include between the two programs' folders (same layer)
#  4  it reports a circle planted between two modules of one folder
#  5  it reports a GLib include planted in hook/ (C library only)
#  6  it reports a source file outside the layer folders
#  7  it reports the snapshot including a command (inside commands/)
#  8  it reports one command including another
#  9  commands/main.c is at most 250 lines

set -u
# shellcheck source=../tap.sh
. "$(dirname "$0")/../tap.sh"

SRC=${1:-}
[ -d "$SRC/src/commands" ] || tap_bail "usage: test-layers.sh SOURCE_DIR (no $SRC/src/commands)"
CHECK=$(dirname "$0")/check-layers.py
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
tap_plan 9

out=$(python3 "$CHECK" "$SRC/src" 2>&1)
rc=$?
result "src/ follows the layers: no upward include, no circle" \
    "$([ "$rc" = 0 ] || printf 'exit %s:\n%s' "$rc" "$out")"

# planted FILE LINE PATTERN DESC: copies src/, appends LINE to FILE (relative to
# src/), and expects a report matching PATTERN.
planted() {
    local file=$1 line=$2 pattern=$3 desc=$4 out rc
    rm -rf "$TMP/src"
    cp -a "$SRC/src" "$TMP/src"
    printf '%s\n' "$line" >>"$TMP/src/$file"
    out=$(python3 "$CHECK" "$TMP/src" 2>&1)
    rc=$?
    if [ "$rc" = 1 ] && grep -Eq -- "$pattern" <<<"$out"; then
        tap_ok "$desc"
        diag "$out"
    else
        tap_fail "$desc"
        diag "exit $rc, no line matching '$pattern':
$out"
    fi
}

planted model/nmf-route.c '#include "commands/nmf-fix.h"' \
    '^model/nmf-route\.c:[0-9]+: includes "commands/nmf-fix\.h" from a layer above model/' \
    "an upward include (model/ -> commands/) is reported with file and line"
planted trace/trace-main.c '#include "commands/nmf-fix.h"' \
    '^trace/trace-main\.c:[0-9]+: includes "commands/nmf-fix\.h" from commands/, a sibling of trace/' \
    "an include between the programs' folders (trace/ -> commands/) is reported"
planted decide/nmf-classify.c '#include "decide/nmf-rank.h"' \
    '^include circle among decide/nmf-classify, decide/nmf-rank$' \
    "a circle (rank -> classify -> rank) is reported with its modules"
planted hook/nmf-statedir.c '#include <glib.h>' \
    '^hook/nmf-statedir\.c:[0-9]+: hook/ is C library only, but includes <glib\.h>' \
    "GLib in hook/ is reported"
rm -rf "$TMP/src"
cp -a "$SRC/src" "$TMP/src"
printf '/* stray */\n' >"$TMP/src/nmf-stray.c"
out=$(python3 "$CHECK" "$TMP/src" 2>&1)
rc=$?
result "a source file outside the layer folders is reported" \
    "$([ "$rc" = 1 ] && grep -q '^nmf-stray\.c: not in a layer folder' <<<"$out" || printf 'exit %s:\n%s' "$rc" "$out")"

planted commands/nmf-snapshot.c '#include "commands/nmf-fix.h"' \
    '^commands/nmf-snapshot\.c:[0-9]+: includes "commands/nmf-fix\.h" from a level above commands/nmf-snapshot within commands/' \
    "inside commands/, the snapshot including a command is reported"
planted commands/nmf-fix.c '#include "commands/nmf-revert.h"' \
    '^commands/nmf-fix\.c:[0-9]+: includes "commands/nmf-revert\.h": one command includes another' \
    "inside commands/, one command including another (fix -> revert) is reported"
lines=$(wc -l <"$SRC/src/commands/main.c")
result "commands/main.c is at most 250 lines ($lines)" \
    "$([ "$lines" -le 250 ] || echo "$lines lines")"

tap_finish
