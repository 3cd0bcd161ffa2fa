#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Several functions below only run through lab_wait_for:
# shellcheck disable=SC2317
#
# End-to-end test of nm-metric-fix against the real NetworkManager, run in
# network namespaces built by tests/lab/lab.sh.  TAP output.
#
# usage: test-e2e.sh BUILD_DIR
#
# The product is staged with `meson install --destdir` and installed into the
# guest's private mount namespace only; nothing is installed on the machine.
# Needs root; prints "1..0 # SKIP ..." without root or network namespaces.
# LAB_KEEP=1 keeps the lab directories (logs) for inspection.

set -u

HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lab/lab.sh
. "$HERE/../lab/lab.sh"
# shellcheck source-path=SCRIPTDIR source=../lab/lab-tap.sh
. "$HERE/../lab/lab-tap.sh"

NTESTS=7
SETTLE_S=20          # deadline for the dispatcher + helper to finish
OBSERVE_S=5          # observation window for the "no Reapply loop" check

tap_setup "${1:-}" gdbus
# ---------------------------------------------------------------------------
# TAP helpers

# ---------------------------------------------------------------------------
# Helpers on top of the lab

# new_lab TAG [STAGE_INTO_GUEST]: fresh lab with NM and the two profiles.
new_lab() {
    lab_init "$1" || bail "lab_init failed"
    stage_product
    lab_topology || bail "lab_topology failed"
    if [ -n "${2:-}" ]; then
        lab_start_nm "$STAGE" || bail "lab_start_nm (with the product) failed"
    else
        lab_start_nm || bail "lab_start_nm failed"
    fi
    lab_add_profiles || bail "lab_add_profiles failed"
}

# up ID: nmcli connection up ID (in the guest), timed.
up() {
    local t0 out
    t0=$(lab__now_us)
    if ! out=$(lab_guest nmcli connection up "$1" 2>&1); then
        diag "nmcli connection up $1 failed: $out"
        return 1
    fi
    diag "nmcli connection up $1: $(lab_elapsed_ms "$t0") ms"
}

log_size() {
    stat -c %s "$LAB_DIR/dispatcher.log"
}

# dispatcher_log_since OFFSET: dispatcher.log from byte OFFSET on.
dispatcher_log_since() {
    tail -c "+$(($1 + 1))" "$LAB_DIR/dispatcher.log"
}

# product_results_since OFFSET: the product's "reapply ..." / "no changes"
# lines (not nm-dispatcher's own log lines, which name actions like 'reapply').
product_results_since() {
    dispatcher_log_since "$1" | awk '
        /^\(?nm-dispatcher/ { next }
        /nm-metric-fix/ && (/reapply / || /no changes/) { print }'
}

# helper_busy: a dispatcher hook instance or the helper runs in the guest.
helper_busy() {
    local pid cmd
    for pid in $(lab_guest_pids); do
        cmd=$( { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null) || continue
        case "$cmd" in
            *nm-metric-fix*) return 0 ;;
        esac
    done
    return 1
}

# settled OFFSET ACTION IFACE: since OFFSET the dispatcher has completed the
# request ACTION on IFACE, the product has run, no hook/helper runs any more and
# no event waits for one (the hook's pending mark is gone). Whether the last
# run changed something depends on how NetworkManager's events fell: a run
# that starts after the last event does all the work in one go.
settled() {
    local since
    since=$(dispatcher_log_since "$1")
    [[ $since == *"'$2' [$3]: completed"* ]] || return 1
    helper_busy && return 1
    lab_guest test -e /run/nm-metric-fix/pending && return 1
    [ -n "$(product_results_since "$1")" ]
}

reapply_seen_since() {
    local n
    n=$(product_results_since "$1" | grep -c 'reapply ')
    [ "$n" -gt 0 ]
}

# applied_version IFACE: version id of the device's applied connection.
applied_version() {
    local path out
    path=$(lab_device_path "$1") || return 1
    out=$(lab_guest gdbus call --system --dest org.freedesktop.NetworkManager \
        --object-path "$path" \
        --method org.freedesktop.NetworkManager.Device.GetAppliedConnection 0 2>&1) || {
        diag "GetAppliedConnection on $1 failed: $out"
        return 1
    }
    out=${out##*uint64 }
    out=${out%)}
    [[ $out =~ ^[0-9]+$ ]] || return 1
    printf '%s\n' "$out"
}

# run_status PREFIX_BIN: runs nm-metric-fix --status; sets STATUS_RC,
# STATUS_OUT (stdout+stderr) and STATUS_LAST (last non-empty stdout line).
run_status() {
    local out err
    err=$LAB_DIR/status.err
    out=$(lab_guest "$1" --status 2>"$err")
    STATUS_RC=$?
    STATUS_LAST=$(printf '%s\n' "$out" | awk 'NF { l = $0 } END { print l }')
    STATUS_OUT="$out
$(cat "$err")"
}

ping_lan_from_remote() {
    lab_remote_ping "$LAB_GUEST_LAN_ADDR"
}

echo "1..$NTESTS"

# ---------------------------------------------------------------------------
# Lab A: NetworkManager without nm-metric-fix reproduces the problem.

new_lab nmfA
why=
up nat || why="nmcli connection up nat failed"
up lan || why="$why${why:+; }nmcli connection up lan failed"
diag "guest routes (no fix):
$(lab_guest ip -4 route)"
dev=$(lab_default_dev)
[ "$dev" = eth0 ] || why="$why${why:+; }default route owned by '$dev', expected eth0"
# Control: the LAN path itself works (the router reaches the guest), so a
# failing remote ping is the asymmetric routing, not a broken lab.
lab_ns lan ping -n -q -c 1 -W 1 "$LAB_GUEST_LAN_ADDR" >/dev/null 2>&1 ||
    why="$why${why:+; }control ping from the lan router to $LAB_GUEST_LAN_ADDR failed"
if lab_remote_ping "$LAB_GUEST_LAN_ADDR"; then
    why="$why${why:+; }remote ping to $LAB_GUEST_LAN_ADDR succeeded without the fix"
fi
result "without nm-metric-fix: eth0 owns the default route and the remote ping fails" "$why"

why=
run_status "$STAGE/usr/local/bin/nm-metric-fix"
diag "nm-metric-fix --status (no fix) exit $STATUS_RC:
$STATUS_OUT"
[ "$STATUS_RC" = 3 ] || why="exit status $STATUS_RC, expected 3"
[[ $STATUS_LAST == *eth0* ]] || why="$why${why:+; }verdict line '$STATUS_LAST' does not name eth0"
result "nm-metric-fix --status before the fix exits 3 and names eth0" "$why"

lab_cleanup

# ---------------------------------------------------------------------------
# Lab B: the product installed in the guest fixes it via the dispatcher.

new_lab nmfB with-product
why=
up nat || why="nmcli connection up nat failed"
t0=$(lab__now_us)
up lan || why="$why${why:+; }nmcli connection up lan failed"
if lab_wait_for 20 lab_default_dev_is eth1; then
    diag "eth1 owns the default route $(lab_elapsed_ms "$t0") ms after 'up lan' started"
else
    why="$why${why:+; }default route still on '$(lab_default_dev)' after 20 s"
fi
if lab_wait_for 10 ping_lan_from_remote; then
    diag "remote ping OK $(lab_elapsed_ms "$t0") ms after 'up lan' started"
else
    why="$why${why:+; }remote ping to $LAB_GUEST_LAN_ADDR still fails"
fi
if lab_wait_for "$SETTLE_S" settled 0 up eth1; then
    diag "dispatcher + helper settled $(lab_elapsed_ms "$t0") ms after 'up lan' started"
else
    why="$why${why:+; }dispatcher/helper not settled within ${SETTLE_S} s"
fi
diag "product log lines so far ($(product_results_since 0 | wc -l), last 12):
$(product_results_since 0 | tail -n 12)"
diag "guest routes (with fix):
$(lab_guest ip -4 route)"
run_status /usr/local/bin/nm-metric-fix
diag "nm-metric-fix --status exit $STATUS_RC:
$STATUS_OUT"
[ "$STATUS_RC" = 0 ] || why="$why${why:+; }--status exit $STATUS_RC, expected 0"
[[ $STATUS_LAST == *eth1* ]] || why="$why${why:+; }verdict line '$STATUS_LAST' does not name eth1"
result "with nm-metric-fix: after up nat, up lan, eth1 owns the default route and the remote ping works" "$why"

# Test 7 observes right after the fix has settled; its line is printed last.
why7=
off=$(log_size)
t0=$(lab__now_us)
if lab_wait_for "$OBSERVE_S" reapply_seen_since "$off"; then
    why7="a Reapply happened $(lab_elapsed_ms "$t0") ms into the observation window:
$(product_results_since "$off" | head -n 5)"
fi

why=
v0_before=$(applied_version eth0) || why="cannot read eth0's applied-connection version"
v1_before=$(applied_version eth1) || why="$why${why:+; }cannot read eth1's applied-connection version"
fix_out=$(lab_guest /usr/local/bin/nm-metric-fix --fix 2>&1)
fix_rc=$?
diag "nm-metric-fix --fix (second run) exit $fix_rc:
$fix_out"
[ "$fix_rc" = 0 ] || why="$why${why:+; }--fix exit $fix_rc, expected 0"
[[ $fix_out == *"no changes"* ]] || why="$why${why:+; }output lacks 'no changes'"
v0_after=$(applied_version eth0) || v0_after='?'
v1_after=$(applied_version eth1) || v1_after='?'
diag "applied-connection version ids: eth0 ${v0_before:-?} -> $v0_after, eth1 ${v1_before:-?} -> $v1_after"
[ "${v0_before:-x}" = "$v0_after" ] || why="$why${why:+; }eth0's applied connection changed"
[ "${v1_before:-x}" = "$v1_after" ] || why="$why${why:+; }eth1's applied connection changed"
result "re-running nm-metric-fix --fix changes nothing" "$why"

why=
off=$(log_size)
t0=$(lab__now_us)
up nat || why="nmcli connection up nat failed"
if lab_wait_for "$SETTLE_S" settled "$off" up eth0; then
    diag "settled $(lab_elapsed_ms "$t0") ms after the second 'up nat' started"
else
    why="$why${why:+; }dispatcher/helper not settled within ${SETTLE_S} s"
fi
dev=$(lab_default_dev)
[ "$dev" = eth1 ] || why="$why${why:+; }default route now owned by '$dev'"
lab_wait_for 3 ping_lan_from_remote || why="$why${why:+; }remote ping fails"
diag "guest routes after the second 'up nat':
$(lab_guest ip -4 route)"
result "after 'nmcli connection up nat' again, eth1 still owns the default route" "$why"

why=
m_lan=$(lab_guest nmcli -g ipv4.route-metric connection show lan 2>&1)
m_nat=$(lab_guest nmcli -g ipv4.route-metric connection show nat 2>&1)
diag "profile ipv4.route-metric: lan=$m_lan nat=$m_nat"
if [[ $m_lan =~ ^[0-9]+$ ]] && [[ $m_nat =~ ^[0-9]+$ ]]; then
    [ "$m_lan" -lt "$m_nat" ] || why="lan ($m_lan) is not below nat ($m_nat)"
else
    why="metrics not set explicitly (lan='$m_lan', nat='$m_nat')"
fi
result "profiles carry distinct ipv4.route-metric values, lan < nat" "$why"

result "no Reapply loop: no further reapply within ${OBSERVE_S} s after the fix" "$why7"

tap_finish "$NTESTS"
