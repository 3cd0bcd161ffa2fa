#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Functions below run through lab_wait_for:
# shellcheck disable=SC2317
#
# Event stress: the dispatcher hook installed, the guest goes through the events
# an admin and NetworkManager give it, over and over, and every run must end
# where a manual --fix would.  TAP output, one subtest per run.
#
# usage: stress-events.sh BUILD_DIR [RUNS]
#
# RUNS (default 7, or STRESS_RUNS) cycles through the scenarios (STRESS_SCENARIOS
# picks some), each from fresh
# profiles (no metric of ours, no connection defaults, no stored digest):
#
#   nat-first    up nat, then up lan (NetworkManager puts eth0 ahead)
#   lan-first    up lan, then up nat (already right; issue 19's race)
#   autoconnect  both profiles set to autoconnect at once
#   three        nat, lan and a third uplink 'extra' on eth2 (static, LAN class)
#   link-flap    both up and settled, then eth0's link down and up (host side)
#   reactivate   both up and settled, then 'nmcli connection up nat' again
#   reapply      both up and settled, then an admin's 'nmcli device reapply eth0'
#
# An admin's dispatcher script ahead of the hook (labx_slow_event_on) takes 1.5 s
# for eth0's 'up' event: the hook sees that event only after a full run the
# previous event started has ended, even when eth0 came up during that run
# (issue 19's race: that run must not store a digest that already has eth0).
#
# From the second pass through the list on, every other pass runs under CPU
# load: two busy loops at nice 10, started here and stopped by their PIDs.
# After each run settles (dispatcher and helper idle for a second):
# `nm-metric-fix --fix --dry-run` must say "no changes needed" and the uplink it
# ranks first (eth1, the LAN, with two uplinks) must own the kernel's IPv4
# default route.  A run that does not is "off-plan"; the closing line gives the
# counts: "stress: runs R, ok K, off-plan M".
#
# Needs root; prints "1..0 # SKIP" without root.  LAB_KEEP=1 keeps the lab;
# LAB_NM_PREFIX selects another NetworkManager release (tests/lab/lab.sh).

set -u

HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lab/lab.sh
. "$HERE/../lab/lab.sh"
# shellcheck source-path=SCRIPTDIR source=../lab/lab-tap.sh
. "$HERE/../lab/lab-tap.sh"
# shellcheck source-path=SCRIPTDIR source=../lab/lab-control.sh
. "$HERE/../lab/lab-control.sh"

RUNS=${2:-${STRESS_RUNS:-7}}
SCENARIOS=(nat-first lan-first autoconnect three link-flap reactivate reapply)
# STRESS_SCENARIOS="lan-first ..." runs only those (e.g. the LAN-first order 20 times).
if [ -n "${STRESS_SCENARIOS:-}" ]; then
    read -r -a SCENARIOS <<<"$STRESS_SCENARIOS"
fi
SETTLE_S=40   # deadline for the events of one run to settle
QUIET_MS=1000 # how long the hook and helper must stay idle to count as settled
ROUTE_S=20    # deadline for a default route after an activation
RUNDIR=/run/nm-metric-fix

tap_setup "${1:-}" gdbus
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || bail "RUNS must be a positive number (got '$RUNS')"

why=
fail() { why="$why${why:+; }$*"; }

# ---------------------------------------------------------------------------
# CPU load: PIDs recorded here, stopped by PID.

LOAD_PIDS=()
load_start() {
    local i
    for i in 1 2; do
        nice -n 10 bash -c 'while :; do :; done' &
        LOAD_PIDS+=("$!")
    done
}
load_stop() {
    local pid
    for pid in "${LOAD_PIDS[@]}"; do
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    LOAD_PIDS=()
}
tap_on_failure load_stop
trap 'load_stop' EXIT

# ---------------------------------------------------------------------------
# Settling

settle() {
    labx_settle "$SETTLE_S" "$QUIET_MS" || fail "hook/helper not idle after ${SETTLE_S} s"
}
has_default() { [ -n "$(lab_default_dev)" ]; }
activated() { # DEV
    [ "$(lab_guest nmcli -g GENERAL.STATE device show "$1" 2>/dev/null)" = "100 (connected)" ]
}

# ---------------------------------------------------------------------------
# The guest between runs

EXTRA=(ipv4.method manual ipv4.addresses 192.168.124.5/24 ipv4.gateway 192.168.124.1
    ipv6.method ignore connection.autoconnect no)

# fresh: hook off, profiles nat and lan as lab_add_profiles makes them (and
# 'extra' for eth2 with THREE=1), no connection defaults, no digest; hook on.
fresh() {
    labx_hook_off
    lab_wait_for "$SETTLE_S" labx_quiet || fail "not quiet before the reset"
    lab_delete_profiles nat lan extra || bail "deleting the profiles failed"
    lab_add_profiles || bail "adding the profiles failed"
    lab_guest env LC_ALL=C.UTF-8 nmcli connection add type ethernet con-name extra ifname eth2 \
        "${EXTRA[@]}" >/dev/null || bail "adding profile 'extra' failed"
    lab_guest rm -f "$RUNDIR/verified" "$RUNDIR/pending"
    labx_hook_on
}

both_up_settled() {
    lab_up lan || fail "up lan failed"
    lab_up nat || fail "up nat failed"
    lab_wait_for "$ROUTE_S" lab_default_dev_is eth1 || fail "before the event: default route on '$(lab_default_dev)'"
    settle
}

up_all() { # ID...: activated in this order
    local id
    for id in "$@"; do
        lab_up "$id" || fail "up $id failed"
    done
}

# admin_reapply DEV: `nmcli device reapply DEV`.  NetworkManager 1.14 (seen
# here; not 1.42) refuses it once the profile's user data changed since the
# activation ("Can't reapply any changes to 'user' setting"): --fix records its
# metrics there.  That refusal is NetworkManager's and is only noted; the run is judged
# by its end state all the same.
admin_reapply() {
    local out
    out=$(lab_guest nmcli device reapply "$1" 2>&1) && return 0
    case "$out" in
        *"Can't reapply any changes to 'user' setting"*)
            diag "NetworkManager $LAB_NM_VERSION refuses the admin's reapply: $out" ;;
        *) fail "nmcli device reapply $1 failed: $out" ;;
    esac
}

scenario() { # NAME
    case "$1" in
        nat-first) up_all nat lan ;;
        lan-first) up_all lan nat ;;
        autoconnect)
            local p1 p2
            lab_guest nmcli connection modify nat connection.autoconnect yes &
            p1=$!
            lab_guest nmcli connection modify lan connection.autoconnect yes &
            p2=$!
            wait "$p1" || fail "setting autoconnect on nat failed"
            wait "$p2" || fail "setting autoconnect on lan failed"
            lab_wait_for "$ROUTE_S" activated eth0 || fail "eth0 not autoconnected"
            lab_wait_for "$ROUTE_S" activated eth1 || fail "eth1 not autoconnected"
            ;;
        three) up_all nat extra lan ;;
        link-flap)
            both_up_settled
            ip -n "$LAB_NS_HOST" link set vnet0 down || fail "vnet0 down failed"
            ip -n "$LAB_NS_HOST" link set vnet0 up || fail "vnet0 up failed"
            ;;
        reactivate)
            both_up_settled
            lab_up nat || fail "re-activating nat failed"
            ;;
        reapply)
            both_up_settled
            admin_reapply eth0
            ;;
    esac
}

# judge: after the run settled, a --fix would change nothing and its first
# ranked uplink owns the default route.
judge() {
    local first owner
    lab_wait_for "$ROUTE_S" has_default || fail "no IPv4 default route"
    settle
    nmf --fix --dry-run
    [ "$NMF_RC" = 0 ] || fail "--fix --dry-run exit $NMF_RC"
    [[ "$(last_line "$NMF_ERR")" == *"no changes needed"* ]] ||
        fail "--fix --dry-run would change something: $(last_line "$NMF_ERR")"
    first=$(printf '%s\n' "$NMF_ERR" | sed -n 's/.*ranking: 1\. \([^ ]*\) (.*/\1/p' | tail -n 1)
    owner=$(lab_default_dev)
    case "$first" in
        "") [ "$owner" = eth1 ] || fail "nothing ranked and the default route is on '$owner', not eth1" ;;
        eth0) fail "the NAT link eth0 is ranked first" ;;
        *) [ "$owner" = "$first" ] || fail "the default route is on '$owner', the ranking puts $first first" ;;
    esac
}

# ---------------------------------------------------------------------------

echo "1..$RUNS"
lab_init stress || bail "lab_init failed"
stage_product
lab_topology || bail "lab_topology failed"
lab_start_nm "$STAGE" || bail "lab_start_nm failed"
lab_guest ip link add eth2 type veth peer name eth2peer || bail "creating eth2 failed"
lab_guest ip link set eth2peer up || bail "eth2peer up failed"
lab_wait_for 20 labx_device_managed eth2 || bail "NetworkManager does not manage eth2"
labx_slow_event_on eth0 up 1.5 || bail "installing the slow dispatcher script failed"

OK=0
OFF=0
for ((run = 1; run <= RUNS; run++)); do
    why=
    name=${SCENARIOS[(run - 1) % ${#SCENARIOS[@]}]}
    pass=$(((run - 1) / ${#SCENARIOS[@]}))
    label=$name
    fresh
    if [ $((pass % 2)) = 1 ]; then
        load_start
        label="$name, CPU load"
    fi
    t0=$(lab__now_us)
    scenario "$name"
    judge
    load_stop
    if [ -z "$why" ]; then
        OK=$((OK + 1))
    else
        OFF=$((OFF + 1))
        diag "run $run ($label): default routes: $(lab_default_routes -4 | paste -sd ' ')"
    fi
    result "run $run: $label ($(lab_elapsed_ms "$t0") ms)" "$why"
done
diag "stress: runs $RUNS, ok $OK, off-plan $OFF (NetworkManager $LAB_NM_VERSION)"

lab_cleanup
tap_finish "$RUNS"
