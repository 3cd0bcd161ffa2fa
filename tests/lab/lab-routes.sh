# SPDX-License-Identifier: GPL-2.0-or-later
#
# lab-routes.sh - the guest's kernel routes over time, on top of lab.sh: a
# timestamped route monitor, the timeline of who owned the default route, and
# the current default routes.  Source lab.sh and lab-control.sh first.
#
# Same rules as lab.sh: everything runs inside the lab's namespaces, every
# process is recorded (lab__record) and stopped by PID, nothing polls with a
# fixed sleep.  Functions return non-zero with a '# lab:' message on error.
#
# | function                       | does |
# | ------------------------------ | ---- |
# | labx_route_monitor_start FILE  | `ip -4 -ts monitor route` in the guest into FILE, ready when it returns |
# | labx_route_monitor_stop        | stop it |
# | labx_route_timeline FILE DEV T0_US | analyse FILE: times (ms after T0_US) DEV first owned the default route, ... |
# | labx_default_routes            | "dev metric" pairs of the main-table IPv4 default routes |
#
# shellcheck shell=bash disable=SC2034,SC2015

LABX_MON_PID=

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
