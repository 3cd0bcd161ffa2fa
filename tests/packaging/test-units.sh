#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The status timer's units as built: `systemd-analyze verify` accepts them with no
# complaint (a directive it does not know or a value it cannot parse is only a
# warning there, so any output fails), the service is hardened (`systemd-analyze
# security --offline`), and the service, its environment file and the script agree
# on the directory.  The ExecStart= path is pointed at the build's script and
# Documentation= at the source's man pages, since nothing is installed.  TAP;
# skips without systemd-analyze.
#
# usage: test-units.sh SOURCE_DIR BUILD_DIR
set -u
. "$(dirname "$0")/../tap.sh"

SRC=${1:-}
BUILD=${2:-}
[ -f "$SRC/data/nm-metric-fix-status.timer" ] && [ -f "$BUILD/data/nm-metric-fix-status.service" ] ||
    tap_bail "usage: test-units.sh SOURCE_DIR BUILD_DIR"
BUILD=$(cd "$BUILD" && pwd)
command -v systemd-analyze >/dev/null || tap_skip_all "systemd-analyze not installed (Debian: systemd)"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
SERVICE=$TMP/nm-metric-fix-status.service
TIMER=$TMP/nm-metric-fix-status.timer
# The build's copy is not executable until installed.
SCRIPT=$TMP/nm-metric-fix-textfile
install -m 0755 "$BUILD/data/nm-metric-fix-textfile" "$SCRIPT"
installed=$(sed -n 's/^ExecStart=//p' "$BUILD/data/nm-metric-fix-status.service")
sed "s|^ExecStart=.*|ExecStart=$SCRIPT|" "$BUILD/data/nm-metric-fix-status.service" >"$SERVICE"
cp "$SRC/data/nm-metric-fix-status.timer" "$TIMER"
mkdir -p "$TMP/man/man8"
cp "$SRC/data/nm-metric-fix.8" "$TMP/man/man8/"

tap_plan 7

out=$(cd "$TMP" && MANPATH=$TMP/man systemd-analyze verify "$SERVICE" "$TIMER" 2>&1)
rc=$?
[ -z "$out" ] || tap_diag <<<"$out"
tap_check "systemd-analyze verify accepts both units without a warning (exit $rc)" \
    eval '[ "$rc" = 0 ] && [ -z "$out" ]'

out=$(cd "$TMP" && systemd-analyze security --offline=yes --threshold=30 "$SERVICE" 2>&1)
rc=$?
exposure=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' <<<"$out")
tap_check "systemd-analyze security rates the service's exposure 3.0 or lower (got ${exposure:-nothing})" \
    awk -v e="${exposure:-99}" 'BEGIN { exit !(e <= 3.0) }'

settings=$(grep -E '^(ProtectSystem|NoNewPrivileges|PrivateTmp|CapabilityBoundingSet|ReadWritePaths|Type|SyslogIdentifier)=' "$SERVICE" | sort | paste -sd ' ')
tap_check "the service is a oneshot, hardened, logging as nm-metric-fix ($settings)" \
    [ "$settings" = "CapabilityBoundingSet= NoNewPrivileges=yes PrivateTmp=yes ProtectSystem=strict ReadWritePaths=-/var/lib/node_exporter/textfile_collector SyslogIdentifier=nm-metric-fix Type=oneshot" ]

dirs=$(
    sed -n 's/^Environment=NMF_TEXTFILE_DIR=//p' "$SERVICE"
    sed -n 's/^ReadWritePaths=-//p' "$SERVICE"
    sed -n 's/^NMF_TEXTFILE_DIR=//p' "$SRC/data/nm-metric-fix.sysconfig"
    sed -n 's/^dir=.*NMF_TEXTFILE_DIR:-\([^}]*\)}}$/\1/p' "$SCRIPT"
)
tap_check "service, environment file and script name one directory ($(sort -u <<<"$dirs" | paste -sd ' '))" \
    eval '[ "$(wc -l <<<"$dirs")" = 4 ] && [ "$(sort -u <<<"$dirs")" = /var/lib/node_exporter/textfile_collector ]'

sysconfdir=$(sed -n 's/^EnvironmentFile=-//p' "$SERVICE")
tap_check "the service reads its environment file ${sysconfdir:-(none)} and runs the installed script ($installed)" \
    eval '[[ $sysconfdir == */sysconfig/nm-metric-fix ]] && [[ $installed == */nm-metric-fix-textfile ]]'

timer=$(grep -E '^(OnCalendar|RandomizedDelaySec|WantedBy)=' "$TIMER" | paste -sd ' ')
tap_check "the timer runs every minute with a randomized delay, wanted by timers.target ($timer)" \
    [ "$timer" = "OnCalendar=minutely RandomizedDelaySec=30s WantedBy=timers.target" ]
next=$(systemd-analyze calendar --iterations=2 minutely 2>/dev/null | sed -n 's/.*Next elapse: \(.*\)/\1/p; s/.*Iter. #2: \(.*\)/\1/p' | head -2 | paste -sd '|')
tap_check "systemd-analyze calendar: minutely elapses once a minute ($next)" \
    eval '[ "$(( $(date -d "${next#*|}" +%s) - $(date -d "${next%|*}" +%s) ))" = 60 ]'

tap_finish
