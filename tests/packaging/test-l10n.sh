#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The installed zh_CN catalogue is used at run time.  TAP output.
#
# usage: test-l10n.sh BUILD_DIR NM_METRIC_FIX_BINARY
#
# Stages `meson install --destdir` in a temporary root and runs
# `nm-metric-fix --help` with LANGUAGE=zh_CN and NMF_LOCALEDIR pointing into
# the staged tree.
#
# glibc ignores LANGUAGE when LC_MESSAGES resolves to the plain "C" locale, so
# the run uses LC_ALL=C.UTF-8 (built into glibc >= 2.35); no language locale
# has to be generated.  Should C.UTF-8 be missing, the test skips.

set -u
# shellcheck source=../tap.sh
. "$(dirname "$0")/../tap.sh"

BUILD=${1:-}
BIN=${2:-}
[ -f "$BUILD/meson-info/intro-buildoptions.json" ] && [ -x "$BIN" ] ||
    tap_bail "usage: test-l10n.sh BUILD_DIR BINARY"

if ! locale -a 2>/dev/null | grep -qix 'C\.utf-\{0,1\}8'; then
    tap_skip_all "the C.UTF-8 locale is not available"
fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

meson install -C "$BUILD" --no-rebuild --destdir "$TMP/root" >"$TMP/install.log" 2>&1 ||
    { tap_diag <"$TMP/install.log"; tap_bail "meson install --destdir failed"; }

# prefix/localedir as configured (localedir may be relative to prefix).
LOCALEDIR=$(python3 - "$BUILD" <<'PY'
import json, os, sys
opts = {o["name"]: o["value"] for o in
        json.load(open(os.path.join(sys.argv[1], "meson-info", "intro-buildoptions.json")))}
print(os.path.join(opts["prefix"], opts["localedir"]))
PY
)
STAGED=$TMP/root$LOCALEDIR

tap_check "the zh_CN catalogue is installed under $LOCALEDIR" \
    test -s "$STAGED/zh_CN/LC_MESSAGES/nm-metric-fix.mo"

help_in() {
    env -u LC_MESSAGES -u LANG LC_ALL=C.UTF-8 LANGUAGE=zh_CN NMF_LOCALEDIR="$1" "$BIN" --help
}

help_in "$STAGED" >"$TMP/zh.txt" 2>&1
tap_diag <"$TMP/zh.txt"

# Strings of our own catalogue (GLib's catalogue translates "Help Options:",
# so CJK text alone would prove nothing).
tap_check "the summary is in Chinese" grep -q '上行链路' "$TMP/zh.txt"
tap_check "an option description is in Chinese" grep -Eq -- '--status +显示' "$TMP/zh.txt"
tap_check "option names stay untranslated" grep -Eq -- '^ +-s, --status ' "$TMP/zh.txt"

# Control: the same run without our catalogue stays English, so the checks
# above really read the staged .mo.
help_in "$TMP/nonexistent" >"$TMP/en.txt" 2>&1
tap_check "control: without the catalogue the summary is English" \
    grep -q 'Give the LAN uplink' "$TMP/en.txt"

tap_finish
