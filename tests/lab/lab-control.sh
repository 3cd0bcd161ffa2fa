# SPDX-License-Identifier: GPL-2.0-or-later
#
# lab-control.sh - control and watch the guest's NetworkManager on top of
# lab.sh: the dispatcher hook switched off and on, quiescence (dispatcher and
# helper idle), NetworkManager stop/start, device state, Reapply counting and
# applied-connection versions.  Source lab.sh first, then this file.
#
# Same rules as lab.sh: everything runs inside the lab's namespaces, every
# process is recorded (lab__record) and stopped by PID, nothing polls with a
# fixed sleep.  Functions return non-zero with a '# lab:' message on error.
#
# | function                       | does |
# | ------------------------------ | ---- |
# | labx_hook_path                 | host path of the hook installed in the guest |
# | labx_hook_off / labx_hook_on   | chmod -x / +x the installed hook (NM's dispatcher skips it while off) |
# | labx_slow_event_on / _off       | an admin's dispatcher script ahead of the hook, slow for one event |
# | labx_dispatcher_idle           | every request nm-dispatcher logged as new has completed |
# | labx_helper_pids               | PIDs of nm-metric-fix processes (helper or hook) in the guest |
# | labx_helper_idle               | none of those runs |
# | labx_quiet                     | dispatcher idle and no helper: for lab_wait_for |
# | labx_settle TIMEOUT_S [MS]     | quiet, no pending mark, for MS (1000) in a row, within TIMEOUT_S |
# | labx_nm_stop                   | stop NetworkManager (recorded PID, SIGTERM) |
# | labx_nm_start                  | start NetworkManager again in the same guest (after labx_nm_stop) |
# | labx_nm_running                | NetworkManager answers on the lab bus |
# | labx_recreate_eth0             | re-create the guest's eth0 (after `ip link del eth0`) |
# | labx_device_managed DEV        | NM manages DEV (state not unmanaged/unavailable) |
# | labx_reapply_count DEV [FROM]  | successful Reapply calls on DEV in nm.log (audit lines), from byte FROM |
# | labx_applied_version DEV       | version id of DEV's applied connection (GetAppliedConnection) |
#
# shellcheck shell=bash disable=SC2034,SC2015

LABX_NM_STARTS=1

# ---------------------------------------------------------------------------
# The hook in the guest

labx_hook_path() {
    printf '%s\n' "$LAB_DIR/guest/etc-nm/dispatcher.d/90-nm-metric-fix"
}

# NetworkManager's dispatcher refuses scripts that are not executable by the
# owner ("not executable by owner", logged), so chmod is the admin's own
# on/off switch (README: "chmod -x the hook").
labx_hook_off() {
    chmod 0644 "$(labx_hook_path)" || { lab_fail "cannot chmod the guest's hook"; return 1; }
}

labx_hook_on() {
    chmod 0755 "$(labx_hook_path)" || { lab_fail "cannot chmod the guest's hook"; return 1; }
}

# labx_slow_event_on IFACE ACTION SECONDS: an admin's dispatcher script that runs
# before the hook (10-...) and takes SECONDS for the event IFACE:ACTION, so that
# the hook sees that event late (e.g. after a full run an earlier event started
# has ended, although IFACE came up during it).  labx_slow_event_off removes it.
labx_slow_event_on() {
    local script
    script=$(dirname "$(labx_hook_path)")/10-slow-event
    # shellcheck disable=SC2016 # $1 and $2 are the script's own
    printf '#!/bin/sh\n[ "$1" = %s ] && [ "$2" = %s ] && sleep %s\nexit 0\n' "$1" "$2" "$3" \
        >"$script" && chmod 0755 "$script" ||
        { lab_fail "cannot write $script"; return 1; }
}

labx_slow_event_off() {
    rm -f "$(dirname "$(labx_hook_path)")/10-slow-event"
}

# ---------------------------------------------------------------------------
# Quiescence

# labx_dispatcher_idle: every "req:N ...: new request" in dispatcher.log has
# its "req:N ...: completed".
labx_dispatcher_idle() {
    awk '
        /req:[0-9]+ .*: new request/ { match($0, /req:[0-9]+/); open[substr($0, RSTART, RLENGTH)] = 1 }
        /req:[0-9]+ .*: completed/ { match($0, /req:[0-9]+/); delete open[substr($0, RSTART, RLENGTH)] }
        END { for (r in open) exit 1; exit 0 }' "$LAB_DIR/dispatcher.log"
}

# labx_helper_pids: nm-metric-fix processes (the helper, the hook, a
# sanitizer/valgrind/strace wrapper of them) in the guest network namespace.
labx_helper_pids() {
    local pid cmd
    for pid in $(lab_guest_pids); do
        cmd=$(tr "\\0" " " 2>/dev/null <"/proc/$pid/cmdline") || continue
        case "$cmd" in
            *nm-metric-fix*) printf '%s\n' "$pid" ;;
        esac
    done
}

labx_helper_idle() {
    [ -z "$(labx_helper_pids)" ]
}

labx_quiet() {
    labx_dispatcher_idle && labx_helper_idle
}

# labx_settle TIMEOUT_S [MS]: labx_quiet and no pending mark of the hook, for MS
# milliseconds in a row (default 1000: a request NetworkManager is about to hand
# its dispatcher shows up within that), within TIMEOUT_S; 1 on timeout.
LABX__QUIET_SINCE=
labx__quiet_for() { # MS
    if ! labx_quiet || lab_guest test -e /run/nm-metric-fix/pending; then
        LABX__QUIET_SINCE=
        return 1
    fi
    [ -n "$LABX__QUIET_SINCE" ] || LABX__QUIET_SINCE=$(lab__now_us)
    [ "$(lab_elapsed_ms "$LABX__QUIET_SINCE")" -ge "$1" ]
}

labx_settle() { # TIMEOUT_S [MS]
    LABX__QUIET_SINCE=
    lab_wait_for "$1" labx__quiet_for "${2:-1000}"
}

# ---------------------------------------------------------------------------
# NetworkManager stop / start

labx__recorded_starttime() { # PID
    local entry
    for entry in "${LAB_PROCS[@]}"; do
        case "$entry" in
            "$1":*) entry=${entry#*:}; printf '%s\n' "${entry%%:*}"; return 0 ;;
        esac
    done
    printf '0\n'
}

labx_nm_running() {
    [ "$(lab_guest nmcli -t -f RUNNING general 2>/dev/null)" = running ]
}

# labx_nm_stop: SIGTERM the lab's NetworkManager (NM leaves the links
# configured when it quits, as on a real `systemctl restart`).
labx_nm_stop() {
    [ -n "$LAB_NM_PID" ] || { lab_fail "labx_nm_stop: no NetworkManager recorded"; return 1; }
    lab__stop "$LAB_NM_PID" NetworkManager "$(labx__recorded_starttime "$LAB_NM_PID")"
    lab__dead "$LAB_NM_PID" || { lab_fail "NetworkManager (PID $LAB_NM_PID) did not stop"; return 1; }
}

# labx_nm_start: a new NetworkManager in the guest (same environment and
# command as lab_start_nm), appending to nm.log; waits until it answers.
labx_nm_start() {
    local t0
    t0=$(lab__now_us)
    LABX_NM_STARTS=$((LABX_NM_STARTS + 1))
    printf '\n==== lab-control: NetworkManager start #%s ====\n' "$LABX_NM_STARTS" >>"$LAB_DIR/nm.log"
    lab__run_bg NetworkManager "$LAB_DIR/nm.log" \
        nsenter -t "$LAB_GUEST_PID" -n -m -u -- env -i "PATH=$LAB_GUEST_PATH" LC_ALL=C \
        "DBUS_SYSTEM_BUS_ADDRESS=unix:path=$LAB_BUS_SOCKET" NetworkManager --debug
    LAB_NM_PID=$LAB__LAST_PID
    if ! lab_wait_for 20 labx_nm_running; then
        lab_fail "NetworkManager (restart) does not answer within 20 s"
        return 1
    fi
    lab_log "NetworkManager restarted in $(lab_elapsed_ms "$t0") ms (PID $LAB_NM_PID)"
}

# ---------------------------------------------------------------------------
# Devices

labx_device_managed() { # DEV
    local st
    st=$(lab_guest nmcli -g GENERAL.STATE device show "$1" 2>/dev/null) || return 1
    case "$st" in
        "" | *unmanaged* | *unavailable* | *unknown*) return 1 ;;
    esac
    return 0
}

# labx_recreate_eth0: eth0 <-> vnet0 into the NAT bridge again, as lab_topology
# built it.
labx_recreate_eth0() {
    ip -n "$LAB_NS_HOST" link del vnet0 2>/dev/null
    if ! {
        ip -n "$LAB_NS_GUEST" link add eth0 address "$LAB_GUEST_ETH0_MAC" type veth peer name vnet0 netns "$LAB_NS_HOST" &&
            ip -n "$LAB_NS_HOST" link set vnet0 master br0 up
    }; then
        lab_fail "re-creating eth0 failed"
        return 1
    fi
    lab_wait_for 10 labx_device_managed eth0 || { lab_fail "NM does not manage the new eth0 within 10 s"; return 1; }
}

# labx_reapply_count DEV [FROM_BYTE]: successful Reapply calls NM logged for
# DEV (its audit line op="device-reapply" ... result="success").
labx_reapply_count() {
    local n
    n=$(tail -c "+$((${2:-0} + 1))" "$LAB_DIR/nm.log" |
        grep -c "op=\"device-reapply\" interface=\"$1\" .*result=\"success\"")
    printf '%s\n' "${n:-0}"
}

# labx_applied_version DEV: version id of DEV's applied connection.
labx_applied_version() {
    local path out
    path=$(lab_device_path "$1") || return 1
    out=$(lab_guest gdbus call --system --dest org.freedesktop.NetworkManager \
        --object-path "$path" \
        --method org.freedesktop.NetworkManager.Device.GetAppliedConnection 0 2>/dev/null) || return 1
    out=${out##*uint64 }
    out=${out%)}
    [[ $out =~ ^[0-9]+$ ]] || return 1
    printf '%s\n' "$out"
}
