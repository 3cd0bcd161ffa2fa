#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# One lab with N uplinks for bench/run-bench.sh, so that two labs (2 and 64
# uplinks) exist at the same time and are measured in interleaved rounds.
#
# usage: lab-worker.sh N BUILD_DIR SUBREAP
#
# Builds the lab (hook off for NetworkManager's own events, first fix done),
# prints "ready ..." and then answers one line per command read on stdin:
#   hook-noop    the installed hook for `eth1 dhcp4-change`, with everything it
#                spawns (SUBREAP): "MS RSS_KIB EXIT PROCESSES CPU_MS"; after an
#                unmeasured run when the stored digest is stale
#   helper-noop  nm-metric-fix --fix with nothing to do: same fields
#   status       nm-metric-fix --status: same fields
#   first-fix    --revert (NetworkManager's activation-order metrics again),
#                then the timed --fix that reapplies every uplink: same fields,
#                plus the default route's owner afterwards and the CPU time
#                NetworkManager spent meanwhile (ms)
#   quit         clean up and exit
# Progress and errors go to stderr.

set -u

HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
SRCDIR=$(cd "$HERE/.." && pwd)
# shellcheck source-path=SCRIPTDIR/.. source=tests/lab/lab.sh
. "$SRCDIR/tests/lab/lab.sh"
# shellcheck source-path=SCRIPTDIR/.. source=tests/lab/lab-control.sh
. "$SRCDIR/tests/lab/lab-control.sh"
# shellcheck source-path=SCRIPTDIR/.. source=tests/lab/lab-uplinks.sh
. "$SRCDIR/tests/lab/lab-uplinks.sh"

N=$1
BUILD_DIR=$2
SUBREAP=$3
HELPER=/usr/local/bin/nm-metric-fix
HOOK=/etc/NetworkManager/dispatcher.d/90-nm-metric-fix
export LAB_QUIET=1

exec 3>&1 1>&2
die() { printf 'lab-worker %s: %s\n' "$N" "$*" >&2; echo "error $*" >&3; lab_cleanup; exit 1; }

lab_init "nmfW$N" || die "lab_init failed"
STAGE=$LAB_DIR/stage
meson install -C "$BUILD_DIR" --destdir "$STAGE" --no-rebuild >"$LAB_DIR/meson-install.log" 2>&1 ||
    die "meson install failed"
lab_topology || die "lab_topology failed"
lab_start_nm "$STAGE" || die "lab_start_nm failed"
lab_add_profiles || die "lab_add_profiles failed"
labx_hook_off
labx_scale_uplinks "$N" || die "building $N uplinks failed"
labx_scale_activate_bug_order "$N" || die "activating $N uplinks failed"
lab_wait_for 30 labx_quiet || die "not quiet"
lab_guest "$HELPER" --fix >"$LAB_DIR/first.log" 2>&1 || die "first --fix failed"
state=$(lab_guest /usr/local/libexec/nm-metric-fix-hook --print-state | tail -n 1)
echo "ready $N uplinks, $(grep -c 'reapply ' "$LAB_DIR/first.log") reapplied; $state" >&3

timed() { lab_guest "$SUBREAP" "$@"; }
# NetworkManager's user and system CPU time so far, in ms (clock ticks in /proc).
TICK_MS=$((1000 / $(getconf CLK_TCK)))
[ "$(cat "/proc/$LAB_NM_PID/comm" 2>/dev/null)" = NetworkManager ] || die "PID $LAB_NM_PID is not NetworkManager"
nm_cpu_ms() { awk -v t="$TICK_MS" '{ print ($14 + $15) * t }' "/proc/$LAB_NM_PID/stat"; }
REFRESHED=0

while read -r cmd; do
    case "$cmd" in
        hook-noop)
            # A --fix stores the digest of the state it verified; a neighbour entry
            # resolved or a device state file NetworkManager rewrites a moment
            # later makes the next event a full run. That run is not a no-op:
            # let it happen unmeasured first.
            if ! lab_guest /usr/local/libexec/nm-metric-fix-hook --print-state | tail -n 1 | grep -q '(equal)$'; then
                timed /bin/sh "$HOOK" eth1 dhcp4-change >/dev/null
                REFRESHED=$((REFRESHED + 1))
            fi
            timed /bin/sh "$HOOK" eth1 dhcp4-change >&3
            ;;
        helper-noop) timed "$HELPER" --fix >&3 ;;
        status) timed "$HELPER" --status >&3 ;;
        first-fix)
            lab_guest "$HELPER" --revert >/dev/null 2>&1 || die "--revert failed"
            lab_guest rm -f /run/nm-metric-fix/paused
            nm0=$(nm_cpu_ms)
            fix=$(timed "$HELPER" --fix)
            echo "$fix $(lab_default_dev) $(($(nm_cpu_ms) - nm0))" >&3
            ;;
        quit) break ;;
        *) echo "error unknown command $cmd" >&3 ;;
    esac
done
echo "lab-worker $N: $REFRESHED hook no-op rounds needed an unmeasured full run first" >&2
lab_cleanup
