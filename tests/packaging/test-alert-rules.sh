#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# contrib/prometheus/nm-metric-fix-alerts.yml, the example alert rules README shows:
# README has them verbatim, `promtool check rules` accepts them and `promtool test
# rules` (alert-rules-test.yml) fires each alert for the guest it is about, with
# its description naming the owner and the intended owner of the default route,
# and for no other.  TAP; skips without promtool (Debian: prometheus).
#
# usage: test-alert-rules.sh SOURCE_DIR
set -u
. "$(dirname "$0")/../tap.sh"

SRC=${1:-}
RULES=$SRC/contrib/prometheus/nm-metric-fix-alerts.yml
[ -f "$RULES" ] || tap_bail "usage: test-alert-rules.sh SOURCE_DIR"
HERE=$(cd "$(dirname "$0")" && pwd)

tap_plan 3
# README indents the file by four spaces (a code block).
tap_check "README shows contrib/prometheus/nm-metric-fix-alerts.yml verbatim" \
    python3 -c 'import sys
rules = "".join("    " + l if l.strip() else l for l in open(sys.argv[1]))
sys.exit(rules not in open(sys.argv[2]).read())' "$RULES" "$SRC/README.md"
command -v promtool >/dev/null || { tap_skip "promtool check rules" "promtool not installed"; tap_skip "promtool test rules" "promtool not installed"; tap_finish; }
out=$(promtool check rules "$RULES" 2>&1)
rc=$?
tap_diag <<<"$out"
tap_check "promtool check rules accepts them (exit $rc)" [ "$rc" = 0 ]
out=$(cd "$HERE" && promtool test rules alert-rules-test.yml 2>&1)
rc=$?
tap_diag <<<"$out"
tap_check "promtool test rules: each alert fires for its guest only, naming owner and intended owner (exit $rc)" [ "$rc" = 0 ]
tap_finish
