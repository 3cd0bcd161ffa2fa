# SPDX-License-Identifier: GPL-2.0-or-later
#
# lab-scale.sh - extra lab functions on top of lab.sh: topologies with N
# uplinks, NetworkManager restarts, the dispatcher hook switched off and on,
# kernel route timelines, and the bookkeeping the fault tests and the
# benchmark need.  Source lab.sh first, then this file.
#
# Same rules as lab.sh: everything runs inside the lab's namespaces, every
# process is recorded (lab__record) and stopped by PID, nothing polls with a
# fixed sleep.  Functions return non-zero with a '# lab:' message on error.
#
# | function                       | does |
# | ------------------------------ | ---- |
# | labx_hook_path                 | host path of the hook installed in the guest |
# | labx_hook_off / labx_hook_on   | chmod -x / +x the installed hook (NM's dispatcher skips it while off) |
# | labx_dispatcher_idle           | every request nm-dispatcher logged as new has completed |
# | labx_helper_pids               | PIDs of nm-metric-fix processes (helper or hook) in the guest |
# | labx_helper_idle               | none of those runs |
# | labx_quiet                     | dispatcher idle and no helper: for lab_wait_for |
# | labx_nm_stop                   | stop NetworkManager (recorded PID, SIGTERM) |
# | labx_nm_start                  | start NetworkManager again in the same guest (after labx_nm_stop) |
# | labx_nm_running                | NetworkManager answers on the lab bus |
# | labx_recreate_eth0             | re-create the guest's eth0 (after `ip link del eth0`) |
# | labx_device_managed DEV        | NM manages DEV (state not unmanaged/unavailable) |
# | labx_reapply_count DEV [FROM]  | successful Reapply calls on DEV in nm.log (audit lines), from byte FROM |
# | labx_applied_version DEV       | version id of DEV's applied connection (GetAppliedConnection) |
# | labx_route_monitor_start FILE  | `ip -4 -ts monitor route` in the guest into FILE, ready when it returns |
# | labx_route_monitor_stop        | stop it |
# | labx_route_timeline FILE DEV T0_US | analyse FILE: times (ms after T0_US) DEV first owned the default route, ... |
# | labx_scale_uplinks N           | add eth2..eth(N-1) (static, mostly NAT-like) and profiles up2..up(N-1) |
# | labx_scale_activate_bug_order N| activate NAT-like first, LAN-like last (NM's activation-order metrics) |
#
# shellcheck shell=bash disable=SC2034,SC2015

LABX_MON_PID=
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
    printf '\n==== lab-scale: NetworkManager start #%s ====\n' "$LABX_NM_STARTS" >>"$LAB_DIR/nm.log"
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

# ---------------------------------------------------------------------------
# Kernel route timeline

LABX_MARK_SEQ=0

labx__mon_has() { grep -q -- "$2" "$1" 2>/dev/null; }

# labx_route_monitor_start FILE: record IPv4 route events of the guest (with
# timestamps) into FILE.  Returns once the monitor is known to listen: a
# marker route in an unused table has shown up in FILE.
labx_route_monitor_start() {
    local file=$1 mark deadline
    [ -z "$LABX_MON_PID" ] || labx_route_monitor_stop
    : >"$file"
    lab__run_bg route-monitor "$file" ip netns exec "$LAB_NS_GUEST" ip -4 -ts monitor route
    LABX_MON_PID=$LAB__LAST_PID
    # A marker added before the monitor has subscribed is never reported:
    # add a fresh one until one shows up.
    deadline=$(($(lab__now_us) + 10000000))
    while :; do
        LABX_MARK_SEQ=$((LABX_MARK_SEQ + 1))
        mark="198.51.100.$((LABX_MARK_SEQ % 250 + 1))"
        ip -n "$LAB_NS_GUEST" route replace "$mark/32" dev lo table 4242 ||
            { lab_fail "marker route failed"; return 1; }
        if lab_wait_for 0.2 labx__mon_has "$file" "$mark dev lo table 4242"; then
            ip -n "$LAB_NS_GUEST" route del "$mark/32" dev lo table 4242
            return 0
        fi
        ip -n "$LAB_NS_GUEST" route del "$mark/32" dev lo table 4242
        if [ "$(lab__now_us)" -ge "$deadline" ]; then
            lab_fail "ip monitor reported no marker route within 10 s"
            return 1
        fi
    done
}

labx_route_monitor_stop() {
    [ -n "$LABX_MON_PID" ] || return 0
    lab__stop "$LABX_MON_PID" route-monitor "$(labx__recorded_starttime "$LABX_MON_PID")"
    LABX_MON_PID=
}

# labx_route_timeline FILE DEV T0_US [T_END_US]: replay the main-table IPv4
# default routes of FILE (initial table: whatever `ip route` showed in the
# lines of FILE before the first event, i.e. start the monitor before the
# change).  INITIAL lists the default routes present before the monitor
# started ("dev metric" pairs, space separated, may be empty).  Prints:
#   first_any=MS     first event adding a default route via DEV (-1: none)
#   first_owner=MS   first time DEV alone held the lowest metric (-1: never)
#   wrong_ms=MS      total time another device held a lowest metric (alone
#                    or tied with DEV) between T0 and T_END (or last event)
#   events=N
# Times in ms after T0_US (event timestamps are wall-clock, local time).
labx_route_timeline() {
    local file=$1 dev=$2 t0=$3 tend=${4:-0} initial=${LABX_INITIAL_ROUTES:-}
    awk -v dev="$dev" -v t0="$t0" -v tend="$tend" -v initial="$initial" '
        function ts_us(s,   d, t, us) {
            # [2026-11-22T00:10:41.874410]
            gsub(/[][]/, "", s)
            split(s, d, /[-T:.]/)
            us = d[7]; while (length(us) < 6) us = us "0"
            return (mktime(d[1] " " d[2] " " d[3] " " d[4] " " d[5] " " d[6]) * 1000000) + us
        }
        function owner(   k, best, who, n) {
            best = -1; who = ""; n = 0
            for (k in routes) {
                split(k, p, SUBSEP)
                if (best < 0 || p[2] + 0 < best) { best = p[2] + 0; who = p[1]; n = 1 }
                else if (p[2] + 0 == best && p[1] != who) { n++; who = who "," p[1] }
            }
            return who
        }
        function account(now,   o) {
            o = owner()
            if (last_t > 0 && now > last_t && o != "" && o != dev) wrong += now - last_t
            last_t = now
        }
        BEGIN {
            n = split(initial, a, " ")
            for (i = 1; i + 1 <= n; i += 2) routes[a[i], a[i + 1]] = 1
            first_any = -1; first_owner = -1; wrong = 0; last_t = t0; events = 0
            if (owner() == dev) first_owner = 0
        }
        /^\[/ {
            line = $0
            t = ts_us($1)
            sub(/^\[[^]]*\] /, "", line)
            del = 0
            if (line ~ /^Deleted /) { del = 1; sub(/^Deleted /, "", line) }
            if (line !~ /^default /) next
            if (line ~ / table / && line !~ / table main/) next
            nf = split(line, f, " ")
            d = ""; m = 0
            for (i = 1; i < nf; i++) {
                if (f[i] == "dev") d = f[i + 1]
                if (f[i] == "metric") m = f[i + 1] + 0
            }
            if (d == "") next
            if (t < t0) t = t0
            account(t)
            events++
            if (del) delete routes[d, m]
            else {
                routes[d, m] = 1
                if (d == dev && first_any < 0) first_any = (t - t0) / 1000
            }
            if (first_owner < 0 && owner() == dev) first_owner = (t - t0) / 1000
        }
        END {
            if (tend > 0) account(tend)
            printf "first_any=%.1f\nfirst_owner=%.1f\nwrong_ms=%.1f\nevents=%d\n", first_any, first_owner, wrong / 1000, events
        }' "$file"
}

# labx_default_routes: "dev metric" pairs of the guest's main-table IPv4
# default routes (input for LABX_INITIAL_ROUTES).
labx_default_routes() {
    lab_guest ip -4 route show table main default 2>/dev/null | awk '
        { d = ""; m = 0
          for (i = 1; i < NF; i++) { if ($i == "dev") d = $(i + 1); if ($i == "metric") m = $(i + 1) + 0 }
          if (d != "") printf "%s %s ", d, m }'
}

# ---------------------------------------------------------------------------
# N uplinks

# Uplink k (2 <= k < N) is guest ethK <-> host-netns upK, carrier up, no
# DHCP: profile upK is static.  Every 8th uplink (k % 8 == 0) is LAN-like
# (10.100.K.2/24 via .254), the others NAT-like, each in its own libvirt
# alternate network 192.168.(122+K).0/24 via .1 (K <= 132).  Together with
# eth0 (nat, DHCP) and eth1 (lan, DHCP) that makes N uplinks.
labx_scale_kind() { # K -> lan|nat
    if [ $(($1 % 8)) -eq 0 ]; then echo lan; else echo nat; fi
}

labx_scale_uplinks() {
    local n=$1 k addr gw t0
    [ "$n" -ge 2 ] && [ "$n" -le 130 ] || { lab_fail "labx_scale_uplinks: N must be 2..130"; return 1; }
    t0=$(lab__now_us)
    for ((k = 2; k < n; k++)) {
        ip -n "$LAB_NS_GUEST" link add "eth$k" address "$(printf '52:54:00:00:%02x:%02x' $((k / 256)) $((k % 256)))" \
            type veth peer name "up$k" netns "$LAB_NS_HOST" &&
            ip -n "$LAB_NS_HOST" link set "up$k" up ||
            { lab_fail "creating eth$k failed"; return 1; }
    }
    for ((k = 2; k < n; k++)) {
        lab_wait_for 10 labx_device_managed "eth$k" || { lab_fail "NM does not manage eth$k"; return 1; }
        if [ "$(labx_scale_kind "$k")" = lan ]; then
            addr="10.100.$k.2/24" gw="10.100.$k.254"
        else
            addr="192.168.$((122 + k)).2/24" gw="192.168.$((122 + k)).1"
        fi
        lab_guest nmcli connection add type ethernet con-name "up$k" ifname "eth$k" \
            connection.autoconnect no ipv4.method manual ipv4.addresses "$addr" \
            ipv4.gateway "$gw" ipv6.method ignore ipv4.route-metric -1 >/dev/null ||
            { lab_fail "nmcli connection add up$k failed"; return 1; }
    }
    lab_log "$((n - 2)) extra uplinks in $(lab_elapsed_ms "$t0") ms"
}

# labx_scale_activate_bug_order N: NAT-like profiles first (they get NM's
# lowest activation-order metrics), then the LAN-like ones.
labx_scale_activate_bug_order() {
    local n=$1 k id
    local -a order=(nat)
    for ((k = 2; k < n; k++)) {
        [ "$(labx_scale_kind "$k")" = nat ] && order+=("up$k")
    }
    for ((k = 2; k < n; k++)) {
        [ "$(labx_scale_kind "$k")" = lan ] && order+=("up$k")
    }
    order+=(lan)
    for id in "${order[@]}"; do
        lab_guest nmcli connection up "$id" >/dev/null 2>&1 ||
            { lab_fail "nmcli connection up $id failed"; return 1; }
    done
}
