#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Lint the man pages and check they keep up with the program.  TAP output.
#
# usage: test-man.sh SOURCE_DIR NM_METRIC_FIX_BINARY
#
#  - mandoc -Tlint -Wwarning and groff -ww -z -man report nothing on either page;
#  - every long option in `nm-metric-fix --help` is documented in nm-metric-fix.8;
#  - every exit status listed by --help has an entry under EXIT STATUS;
#  - every key nm-metric-fix.conf.5 documents appears in nm-metric-fix.conf.example.

set -u
# shellcheck source=../tap.sh
. "$(dirname "$0")/../tap.sh"
# shellcheck source=help-options.sh
. "$(dirname "$0")/help-options.sh"

SRC=${1:-}
BIN=${2:-}
[ -d "$SRC/data" ] && [ -x "$BIN" ] || tap_bail "usage: test-man.sh SOURCE_DIR BINARY"

PAGES="$SRC/data/nm-metric-fix.8 $SRC/data/nm-metric-fix.conf.5"
PAGE8=$SRC/data/nm-metric-fix.8
PAGE5=$SRC/data/nm-metric-fix.conf.5
EXAMPLE=$SRC/data/nm-metric-fix.conf.example

# Run a linter; pass only when it exits 0 and prints nothing at all.
silent() {
    local out
    out=$("$@" 2>&1)
    local rc=$?
    [ -n "$out" ] && printf '%s\n' "$out" | tap_diag
    [ $rc -eq 0 ] && [ -z "$out" ]
}

for page in $PAGES; do
    name=$(basename "$page")
    if command -v mandoc >/dev/null; then
        tap_check "mandoc -Tlint -Wwarning $name is clean" silent mandoc -Tlint -Wwarning "$page"
    else
        tap_skip "mandoc -Tlint -Wwarning $name is clean" "mandoc not installed"
    fi
    if command -v groff >/dev/null; then
        tap_check "groff -ww -z -man $name is clean" silent groff -ww -z -man "$page"
    else
        tap_skip "groff -ww -z -man $name is clean" "groff not installed"
    fi
done

# The roff source with hyphen escapes and font changes removed, so that
# "\-\-dry\-run" and "\fB\-\-fix\fR" read as "--dry-run" and "--fix".
plain() {
    sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\f(..//g' -e 's/\\&//g' "$1"
}

options=$(nmf_help_options "$BIN")
[ -n "$options" ] || tap_bail "no long options found in '$BIN --help'"
plain8=$(plain "$PAGE8")
for opt in $options; do
    # The option must be followed by something that cannot continue its name.
    if printf '%s\n' "$plain8" | grep -Eq -- "${opt}([^a-z0-9-]|$)"; then
        tap_ok "nm-metric-fix.8 documents $opt"
    else
        tap_fail "nm-metric-fix.8 documents $opt (it is in --help but not in the man page)"
    fi
done

# Exit statuses: lines "  N  text" in the --help description.
statuses=$(LC_ALL=C LANGUAGE='' "$BIN" --help | sed -n 's/^  \([0-9]\{1,3\}\)  .*/\1/p')
[ -n "$statuses" ] || tap_bail "no exit statuses found in '$BIN --help'"
exit_section=$(printf '%s\n' "$plain8" | sed -n '/^\.SH EXIT STATUS/,/^\.SH /p')
for st in $statuses; do
    if printf '%s\n' "$exit_section" | grep -Eq "^\.B $st\$"; then
        tap_ok "nm-metric-fix.8 EXIT STATUS has an entry for $st"
    else
        tap_fail "nm-metric-fix.8 EXIT STATUS has an entry for $st (listed by --help)"
    fi
done

# Keys: ".BI key= ARG" or ".BR key= {...}" paragraph tags in nm-metric-fix.conf.5.
keys=$(plain "$PAGE5" | sed -n 's/^\.B[IR] \([a-z][a-z-]*\)=.*/\1/p' | sort -u)
[ -n "$keys" ] || tap_bail "no keys found in $PAGE5"
for key in $keys; do
    if grep -Eq "^#?${key}=" "$EXAMPLE"; then
        tap_ok "nm-metric-fix.conf.example shows $key"
    else
        tap_fail "nm-metric-fix.conf.example shows $key (documented in nm-metric-fix.conf.5)"
    fi
done

tap_finish
