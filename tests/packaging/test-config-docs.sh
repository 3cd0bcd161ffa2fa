#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The configuration examples we ship are accepted by the real parser, and the
# pitfall the documentation warns about is really rejected.  TAP output.
#
# usage: test-config-docs.sh SOURCE_DIR CONFIG_CHECK_BINARY
#
#  - data/nm-metric-fix.conf.example as shipped (all commented) parses;
#  - the same file with every "#key=" and "#[group]" line uncommented parses,
#    so every key it shows is spelled and formatted correctly;
#  - every example in nm-metric-fix.conf(5) and every configuration example in
#    nm-metric-fix(8) (.EX blocks that start with a [group]) parses;
#  - a comment after a value is rejected, as both documents say.

set -u
# shellcheck source=../tap.sh
. "$(dirname "$0")/../tap.sh"

SRC=${1:-}
CHECK=${2:-}
EXAMPLE=$SRC/data/nm-metric-fix.conf.example
[ -f "$EXAMPLE" ] && [ -x "$CHECK" ] || tap_bail "usage: test-config-docs.sh SOURCE_DIR CONFIG_CHECK"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

parses() {
    local out
    out=$("$CHECK" "$1" 2>&1)
    local rc=$?
    printf '%s\n' "$out" | tap_diag
    return $rc
}

tap_check "the example configuration parses as shipped" parses "$EXAMPLE"

sed -E 's/^#(\[|[a-z][a-z-]*=)/\1/' "$EXAMPLE" >"$TMP/example-uncommented.conf"
tap_check "the example configuration parses with every key uncommented" \
    parses "$TMP/example-uncommented.conf"

# .EX ... .EE blocks whose first line is a [group], with roff escapes undone.
n=0
for page in nm-metric-fix.conf.5 nm-metric-fix.8; do
    awk -v dir="$TMP" -v page="$page" '
        /^\.EX/ { inblock = 1; lines = ""; next }
        /^\.EE/ {
            if (inblock && lines ~ /^\[/) {
                n++
                file = dir "/" page "-example-" n ".conf"
                printf "%s", lines > file
                close(file)
            }
            inblock = 0
            next
        }
        inblock { gsub(/\\-/, "-"); gsub(/\\&/, ""); gsub(/\\e/, "\\"); lines = lines $0 "\n" }
    ' "$SRC/data/$page"
done
for f in "$TMP"/*-example-*.conf; do
    [ -e "$f" ] || continue
    n=$((n + 1))
    tap_check "example $(basename "$f" .conf) parses" parses "$f"
done
[ $n -gt 0 ] || tap_fail "the man pages contain configuration examples"

printf '[main]\nmetric-base=100 # default\n' >"$TMP/inline-comment.conf"
if "$CHECK" "$TMP/inline-comment.conf" >"$TMP/out" 2>&1; then
    tap_fail "a comment after a value is rejected (the docs say so)"
else
    tap_diag <"$TMP/out"
    tap_check "a comment after a value is rejected, naming FILE:LINE" \
        grep -q 'inline-comment.conf:2:' "$TMP/out"
fi

tap_finish
