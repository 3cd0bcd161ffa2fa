#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Several functions below only run through lab_wait_for:
# shellcheck disable=SC2317
#
# The fix is live and harmless: while `nm-metric-fix --fix` puts the ranked
# metrics in place, the guest keeps every address and a default route on
# each link (watched with `ip monitor`), and its DHCP client keeps renewing
# afterwards (DHCPREQUESTs counted in the DHCP servers' logs, with T1 cut to
# a few seconds); the fix still holds after those renewals (from
# NetworkManager 1.36 it moves NetworkManager's routes instead of a Reapply,
# and NetworkManager must not bring its old metrics back); and --revert is as
# live and harmless.  TAP output; run against any NetworkManager the lab can
# start (LAB_NM_PREFIX).
#
# usage: test-live.sh BUILD_DIR

set -u

HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lab/lab.sh
. "$HERE/../lab/lab.sh"
# shellcheck source-path=SCRIPTDIR source=../lab/lab-tap.sh
. "$HERE/../lab/lab-tap.sh"

NTESTS=9
T1=${LIVE_T1:-6}                 # renewal time the DHCP servers hand out (s)
T2=${LIVE_T2:-10}                # rebinding time (s)
SWITCH_S=3           # the fix must move the route within this, well before the next renewal
MARK_ROUTE=198.51.100.77 # a route in a private table: proves ip monitor listens

tap_setup "${1:-}"
echo "1..$NTESTS"

export LAB_DHCP_OPTS="--dhcp-option=option:T1,$T1 --dhcp-option=option:T2,$T2"
lab_init live || bail "lab_init failed"
stage_product
lab_topology || bail "lab_topology failed"
lab_start_nm "$STAGE" || bail "lab_start_nm failed"
diag "NetworkManager $LAB_NM_VERSION, profiles in $LAB_NM_STORE"
# Only the explicit --fix below may act: no hook runs on NM's events.
lab_hooks_disable || bail "disabling the hook failed"
lab_add_profiles || bail "lab_add_profiles failed"
lab_up nat || bail "nat did not come up"
lab_up lan || bail "lan did not come up"
lab_wait_for 10 lab_default_dev_is eth0 || bail "eth0 did not get the default route first: $(lab_default_routes | paste -sd,)"

# requests ROLE MAC [FROM_LINE]: DHCPREQUESTs from MAC in that server's log
# after line FROM_LINE.
requests() {
    tail -n +"$((${3:-0} + 1))" "$LAB_DIR/dnsmasq-$1.log" 2>/dev/null | grep -c "DHCPREQUEST([a-z0-9]*) [0-9.]* $2 *\$"
}
discovers() {
    tail -n +"$((${3:-0} + 1))" "$LAB_DIR/dnsmasq-$1.log" 2>/dev/null | grep -c "DHCPDISCOVER([a-z0-9]*) $2 *\$"
}
log_lines() { wc -l <"$LAB_DIR/dnsmasq-$1.log"; }
# request_offsets ROLE MAC FROM_LINE T0_S: seconds from T0_S (epoch) to each
# DHCPREQUEST from MAC after line FROM_LINE (dnsmasq logs whole seconds).
request_offsets() {
    local t
    tail -n +"$(($3 + 1))" "$LAB_DIR/dnsmasq-$1.log" | grep "DHCPREQUEST([a-z0-9]*) [0-9.]* $2 *\$" |
        awk '{ print $3 }' | while read -r t; do
        printf '+%s ' $(($(date -d "$t" +%s) - $4))
    done
}
at_least() { [ "$(requests "$1" "$2" "$3")" -ge "$4" ]; }

# 1: the servers' short T1 works before the fix (else 5/6 prove nothing).
WHY=
base_host=$(log_lines host) base_lan=$(log_lines lan)
lab_wait_for $((2 * T1 + 3)) at_least host "$LAB_GUEST_ETH0_MAC" "$base_host" 2 ||
    add_why "eth0 sent $(requests host "$LAB_GUEST_ETH0_MAC" "$base_host") DHCPREQUEST(s) in $((2 * T1 + 3)) s"
lab_wait_for $((2 * T1 + 3)) at_least lan "$LAB_GUEST_ETH1_MAC" "$base_lan" 2 ||
    add_why "eth1 sent $(requests lan "$LAB_GUEST_ETH1_MAC" "$base_lan") DHCPREQUEST(s) in $((2 * T1 + 3)) s"
result "before the fix both links renew every ${T1} s (T1 from the DHCP servers)" "$WHY"

# Watch addresses and routes from before the fix to the end of the renewal
# window.
# start_monitor LOG: `ip monitor` of the guest's addresses and routes into LOG
# (its PID in mon_pid), once a marker route shows it listens.
start_monitor() {
    local log=$1
    : >"$log"
    lab__run_bg ip-monitor "$log" ip netns exec "$LAB_NS_GUEST" ip -ts -o monitor address route
    mon_pid=$LAB__LAST_PID
    mark_and_wait() {
        lab_ns guest ip route replace unreachable "$MARK_ROUTE/32" table 1999 >/dev/null 2>&1
        grep -q "$MARK_ROUTE" "$log"
    }
    lab_wait_for 5 mark_and_wait || bail "ip monitor did not report a route change within 5 s"
    lab_ns guest ip route del unreachable "$MARK_ROUTE/32" table 1999 || bail "removing the marker route failed"
}
routes_before=$(lab_default_routes)
start_monitor "$LAB_DIR/monitor.log"

# 2: the fix itself, right after eth1 renewed: a change that only took effect
# at the next DHCP event would not show within SWITCH_S (< T1).
WHY=
renew_mark=$(log_lines lan)
lab_wait_for $((T1 + 3)) at_least lan "$LAB_GUEST_ETH1_MAC" "$renew_mark" 1 || bail "eth1 did not renew within $((T1 + 3)) s"
fix_host=$(log_lines host) fix_lan=$(log_lines lan)
t_fix=$(lab__now_us)
t_fix_s=$(date +%s)
nmf --fix
[ "$NMF_RC" = 0 ] || add_why "--fix exited $NMF_RC"
lab_wait_for "$SWITCH_S" lab_default_dev_is eth1 ||
    add_why "default route still on $(lab_default_dev) $SWITCH_S s after the fix started: $(lab_default_routes | paste -sd,)"
diag "default routes before: $(paste -sd, <<<"$routes_before"); after: $(lab_default_routes | paste -sd,) ($(lab_elapsed_ms "$t_fix") ms)"
result "--fix puts eth1's default route first at once (within $SWITCH_S s, before the next renewal)" "$WHY"

# Renewals after the fix (the monitor keeps watching meanwhile): a Reapply
# may start one new exchange right away, so what counts is a DHCPREQUEST
# more than 2*T1 after the fix, when at least one regular renewal is due.
late_mark() { [ "$(lab_elapsed_ms "$t_fix")" -ge $((2 * T1 * 1000 + 500)) ]; }
lab_wait_for $((2 * T1 + 5)) late_mark
late_host=$(log_lines host) late_lan=$(log_lines lan)
lab_wait_for $((T1 + 3)) at_least host "$LAB_GUEST_ETH0_MAC" "$late_host" 1
lab_wait_for $((T1 + 3)) at_least lan "$LAB_GUEST_ETH1_MAC" "$late_lan" 1
late0=$(requests host "$LAB_GUEST_ETH0_MAC" "$late_host") late1=$(requests lan "$LAB_GUEST_ETH1_MAC" "$late_lan")
req0=$(requests host "$LAB_GUEST_ETH0_MAC" "$fix_host") req1=$(requests lan "$LAB_GUEST_ETH1_MAC" "$fix_lan")
disc0=$(discovers host "$LAB_GUEST_ETH0_MAC" "$fix_host") disc1=$(discovers lan "$LAB_GUEST_ETH1_MAC" "$fix_lan")
window_ms=$(lab_elapsed_ms "$t_fix")
lab__stop "$mon_pid" ip-monitor
diag "after the fix ($window_ms ms): eth0 $req0 DHCPREQUEST, $disc0 DHCPDISCOVER; eth1 $req1 DHCPREQUEST, $disc1 DHCPDISCOVER"
diag "DHCPREQUESTs (s after the fix): eth0 $(request_offsets host "$LAB_GUEST_ETH0_MAC" "$fix_host" "$t_fix_s"); eth1 $(request_offsets lan "$LAB_GUEST_ETH1_MAC" "$fix_lan" "$t_fix_s")"

# 3: no IPv4 address of the uplinks was deleted (the leases).  IPv6
# addresses are reported: the lab's profiles leave IPv6 alone
# (ipv6.method ignore), and some releases drop the kernel's link-local
# address on every Reapply anyway.
deleted=$(grep -E ' Deleted [0-9]+: eth[01] +inet ' "$LAB_DIR/monitor.log")
deleted6=$(grep -E ' Deleted [0-9]+: eth[01] +inet6 ' "$LAB_DIR/monitor.log" | awk '{ print $4, $6 }' | paste -sd' ')
ll_after=$(lab_ns guest ip -6 -o addr show scope link | awk '{ print $2 }' | paste -sd,)
diag "IPv6 addresses deleted: ${deleted6:-none}; link-local addresses now on: ${ll_after:-none}"
result "no IPv4 address of eth0/eth1 deleted during the fix and the $(((window_ms + 500) / 1000)) s after it" \
    "${deleted:+$(sed 's/^/deleted: /' <<<"$deleted")}"

# 4: each link kept a default route at every moment: replay the route events
# on the default routes present before.
gap=$(
    {
        sed 's/^/have /' <<<"$routes_before"
        grep -E '\] (Deleted )?default via ' "$LAB_DIR/monitor.log"
    } | awk '
    $1 == "have" { n[$2]++; next }
    {
        dev = ""
        for (i = 3; i < NF; i++) if ($i == "dev") dev = $(i + 1)
        if (dev !~ /^eth[01]$/) next
        del = ($2 == "Deleted")
        if (del) { n[dev]--; if (n[dev] <= 0) print "no default route on " dev " after: " $0 }
        else n[dev]++
    }'
)
result "eth0 and eth1 keep a default route throughout (a new metric is added before the old goes)" "$gap"

# 5, 6: renewals go on.
result "eth0 keeps renewing after the fix ($req0 DHCPREQUEST in $window_ms ms, $late0 of them after 2*T1, T1 ${T1} s)" \
    "$([ "$late0" -ge 1 ] || echo "no DHCPREQUEST from eth0 between $((2 * T1)) s and $((window_ms / 1000)) s after the fix; renewals stopped")"
result "eth1 keeps renewing after the fix ($req1 DHCPREQUEST in $window_ms ms, $late1 of them after 2*T1, T1 ${T1} s)" \
    "$([ "$late1" -ge 1 ] || echo "no DHCPREQUEST from eth1 between $((2 * T1)) s and $((window_ms / 1000)) s after the fix; renewals stopped")"

# 7: what the product wrote stays in the profile store this NetworkManager
# uses (ifcfg-rh on the RHEL 8 releases): the profile file exists there and
# NM re-reads the product's records from it.
WHY=
file=$(lab_profile_file lan) || add_why "no file for profile lan"
case "$LAB_NM_STORE:$file" in
    ifcfg-rh:/etc/sysconfig/network-scripts/ifcfg-* | keyfile:/etc/NetworkManager/system-connections/*) ;;
    *) add_why "profile lan is stored in '$file', not in the $LAB_NM_STORE store" ;;
esac
case "$LAB_NM_STORE" in
    ifcfg-rh) grep_file='^NM_USER_NM_055METRIC_055FIX__' ;;
    *) grep_file='^\[user\]' ;;
esac
[ -z "$file" ] || lab_guest grep -q "$grep_file" "$file" || add_why "$file has no line matching $grep_file"
ud_before=$(lab_profile_user_data lan | grep '^nm-metric-fix\.' | paste -sd,)
[ -n "$ud_before" ] || add_why "profile lan has no nm-metric-fix user data after the fix"
lab_guest nmcli connection reload >/dev/null || add_why "nmcli connection reload failed"
ud_after=$(lab_profile_user_data lan | grep '^nm-metric-fix\.' | paste -sd,)
[ "$ud_after" = "$ud_before" ] || add_why "user data after re-reading $file: '$ud_after', before: '$ud_before'"
diag "profile lan in $file: user data $ud_after"
result "the product's records survive in the $LAB_NM_STORE profile store" "$WHY"

# 8: the fix still holds after the renewals: each link has one default route,
# eth1's first.  Where --fix moved NetworkManager's routes in the kernel
# (1.36-1.41, no Reapply), this shows NetworkManager did not bring its old
# metrics back at a renewal.
WHY=
routes_now=$(lab_default_routes | paste -sd,)
[ "$routes_now" = "eth1 100,eth0 101" ] ||
    add_why "default routes after $(((window_ms + 500) / 1000)) s of renewals: '$routes_now', expected 'eth1 100,eth0 101'"
result "after the renewals the fix holds: default routes $routes_now" "$WHY"

# 9: --revert is live and harmless too: NetworkManager's activation-order
# metrics come back at once and no IPv4 address goes.
WHY=
start_monitor "$LAB_DIR/monitor-revert.log"
t_revert=$(lab__now_us)
nmf --revert
[ "$NMF_RC" = 0 ] || add_why "--revert exited $NMF_RC"
activation_order() { [ "$(lab_default_routes | paste -sd,)" = "eth0 100,eth1 101" ]; }
lab_wait_for "$SWITCH_S" activation_order ||
    add_why "default routes $SWITCH_S s after --revert: '$(lab_default_routes | paste -sd,)', expected 'eth0 100,eth1 101'"
revert_ms=$(lab_elapsed_ms "$t_revert")
# Catch a late deletion too: watch one more second.
lab_wait_for 1 false
lab__stop "$mon_pid" ip-monitor
deleted=$(grep -E ' Deleted [0-9]+: eth[01] +inet ' "$LAB_DIR/monitor-revert.log")
[ -z "$deleted" ] || add_why "$(sed 's/^/deleted: /' <<<"$deleted")"
diag "--revert: default routes $(lab_default_routes | paste -sd,) after $revert_ms ms"
result "--revert brings back the activation-order metrics at once, no IPv4 address deleted" "$WHY"

tap_finish "$NTESTS"
