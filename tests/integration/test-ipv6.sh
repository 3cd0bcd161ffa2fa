#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Several functions below only run through lab_wait_for:
# shellcheck disable=SC2317
#
# nm-metric-fix with IPv6 on both uplinks, against the real NetworkManager
# (namespace lab, tests/lab/lab.sh, lab_topology_ipv6): router advertisements
# from dnsmasq give eth0 fd00:122::/64 and eth1 2001:db8:66::/64.  Without the
# product the IPv6 default route follows NetworkManager's activation order
# (up nat, up lan: eth0); with the dispatcher hook, the same activation gives
# eth1's IPv6 default route the lower
# metric, the profiles carry ipv6.route-metric lan < nat, --status shows both
# families, and --revert gives IPv6 back its original metrics.  TAP output.
#
# usage: test-ipv6.sh BUILD_DIR
#
# Needs root; prints "1..0 # SKIP ..." without root or network namespaces.
# LAB_KEEP=1 keeps the lab directory (logs) for inspection.

set -u

HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lab/lab.sh
. "$HERE/../lab/lab.sh"
# shellcheck source-path=SCRIPTDIR source=../lab/lab-tap.sh
. "$HERE/../lab/lab-tap.sh"

NTESTS=7
RA_S=20          # deadline for router advertisements (dnsmasq answers in 0.1-5 s)
SETTLE_S=20      # deadline for the dispatcher + helper
HOLD_S=10        # how long the ranked (and the reverted) routes must then stay

tap_setup "${1:-}" gdbus
if [ ! -e /proc/sys/net/ipv6 ]; then
    echo "1..0 # SKIP the kernel has no IPv6"
    exit 0
fi

# ---------------------------------------------------------------------------
# Helpers on top of the lab

# defaults -4|-6: "DEV METRIC ..." of the default routes, best first.
defaults() {
    lab_default_routes "$1" | paste -sd' '
}

# kernel_dev -4|-6: the link the kernel sends off-link traffic by (the main
# table's answer for a documentation address).
kernel_dev() {
    local dst=198.51.100.1
    [ "$1" = -6 ] && dst=2001:db8::1
    lab_ns guest ip "$1" route get "$dst" 2>/dev/null | sed -nE 's/.* dev ([^ ]+).*/\1/p' | head -n 1
}

# in_kernel FIRST SECOND: the kernel sends both families by FIRST, FIRST alone
# holds each family's lowest default metric (no multipath, no second link at
# that metric), and the default routes FIRST 100 and SECOND 101 are there in
# both families.  From NetworkManager 1.42 a route NetworkManager re-added at
# its old metric may stand above them until the link's next lease (README
# "NetworkManager releases"); before 1.42 they must be alone.
in_kernel() {
    local f want="$1 100 $2 101"
    if ! lab_nm_at_least 1.42; then
        defaults_are "$want" "$want"
        return
    fi
    [ "$(kernel_dev -4)" = "$1" ] && [ "$(kernel_dev -6)" = "$1" ] || return 1
    for f in -4 -6; do
        [ "$(lab_lowest_links "$f")" = "$1" ] || return 1
        [[ " $(defaults "$f") " == *" $1 100 "* ]] && [[ " $(defaults "$f") " == *" $2 101 "* ]] || return 1
    done
}
in_kernel_why() { # FIRST SECOND
    echo "default routes IPv4 '$(defaults -4)', IPv6 '$(defaults -6)' (links at the lowest metric: IPv4 '$(lab_lowest_links -4)', IPv6 '$(lab_lowest_links -6)'), the kernel sends by '$(kernel_dev -4)'/'$(kernel_dev -6)'; expected $1 100 $2 101 for both, $1 alone at the lowest, the kernel by $1"
}

# holds FIRST SECOND SECONDS: in_kernel for SECONDS, sampled every 0.5 s (a
# route NetworkManager re-adds comes back within seconds, at its next commit).
holds() {
    local end=$((SECONDS + $3))
    while [ "$SECONDS" -lt "$end" ]; do
        in_kernel "$1" "$2" || return 1
        sleep 0.5
    done
}

# defaults_are "V4" "V6": both families' default routes as expected.
defaults_are() {
    [ "$(defaults -4)" = "$1" ] && [ "$(defaults -6)" = "$2" ]
}

profile_metric() { # ID FAMILY
    lab_guest nmcli -g "$2.route-metric" connection show "$1" 2>/dev/null
}

# helper_idle: no dispatcher hook or helper process in the guest.
helper_idle() {
    ! lab_guest_proc_running nm-metric-fix
}

lan_router_ping6() {
    lab_ns lan ping -6 -n -q -c 1 -W 1 "$LAB_GUEST_LAN_ADDR6" >/dev/null 2>&1
}

remote_ping6_lan() {
    lab_remote_ping6 "$LAB_GUEST_LAN_ADDR6"
}

routes_diag() {
    diag "guest default routes:
$(lab_ns guest ip -4 route show default)
$(lab_ns guest ip -6 route show default)"
}

echo "1..$NTESTS"

lab_init nmf6 || bail "lab_init failed"
lab_stage "$BUILD_DIR" || bail "staging the product failed"
lab_topology || bail "lab_topology failed"
lab_topology_ipv6 || bail "lab_topology_ipv6 failed"
lab_start_nm "$LAB_STAGE" || bail "lab_start_nm (with the product) failed"
# The hook stays out until the bug state has been observed.
lab_hooks_disable || bail "lab_hooks_disable failed"
lab_add_profiles --ipv6 || bail "lab_add_profiles --ipv6 failed"
T0=$(lab__now_us)

# ---------------------------------------------------------------------------
# 1-2: NetworkManager alone: activation order decides, for IPv6 too.

WHY=
lab_up nat || add_why "nmcli connection up nat failed"
lab_up lan || add_why "nmcli connection up lan failed"
t0=$(lab__now_us)
if lab_wait_for "$RA_S" defaults_are "eth0 100 eth1 101" "eth0 100 eth1 101"; then
    diag "both IPv6 default routes (from RAs) $(lab_elapsed_ms "$t0") ms after the activation"
else
    add_why "default routes IPv4 '$(defaults -4)', IPv6 '$(defaults -6)'; expected eth0 100 eth1 101 for both"
fi
routes_diag
for id in nat lan; do
    m=$(profile_metric "$id" ipv6)
    [ "$m" = -1 ] || add_why "$id's ipv6.route-metric is $m, expected -1 before the fix"
done
# Control: the LAN path works over IPv6 (router -> guest), so a failing remote
# ping is the asymmetric routing, not a broken lab.
lab_wait_for 5 lan_router_ping6 || add_why "control: the lan router cannot ping6 $LAB_GUEST_LAN_ADDR6"
remote_ping6_lan && add_why "remote ping6 to $LAB_GUEST_LAN_ADDR6 works without the fix"
result "without the hook: eth0 owns the IPv4 and IPv6 default routes, remote ping6 to eth1 fails" "$WHY"

WHY=
nmf --status
[ "$NMF_RC" = 3 ] || add_why "--status exit $NMF_RC, expected 3"
printf '%s\n' "$NMF_OUT" | grep -Eq '^ +ipv6 default via fe80:[0-9a-f:]+ dev eth0 metric 100 ' ||
    add_why "no 'ipv6 default via ... dev eth0 metric 100' line"
printf '%s\n' "$NMF_OUT" | grep -Eq '^ +ipv6 default via fe80:[0-9a-f:]+ dev eth1 metric 101 ' ||
    add_why "no 'ipv6 default via ... dev eth1 metric 101' line"
printf '%s\n' "$NMF_OUT" | grep -q '^IPv6 default route: eth0' || add_why "no 'IPv6 default route: eth0 ...' verdict"
[[ $(last_line "$NMF_OUT") == *eth0* ]] || add_why "the IPv4 verdict (last line) does not name eth0"
result "--status before the fix exits 3 and shows both families with eth0 ahead" "$WHY"

# ---------------------------------------------------------------------------
# 3-5: with the hook.

# The same activation as above, now with the hook: fresh profiles, up nat, up lan.
WHY=
if ! lab_delete_profiles || ! lab_add_profiles --ipv6; then
    bail "re-creating the profiles failed"
fi
lab_hooks_enable || bail "lab_hooks_enable failed"
off=$(stat -c %s "$LAB_DIR/dispatcher.log")
lab_up nat || add_why "nmcli connection up nat failed"
# eth0's first RA is in before the LAN comes (a link whose first RA comes after the fix
# is reapplied only at the next run: README "NetworkManager releases").
nat_has_ra_route() { lab_ns guest ip -6 route show default dev eth0 | grep -q 'proto ra'; }
lab_wait_for "$RA_S" nat_has_ra_route || add_why "no RA default route on eth0 ${RA_S} s after 'up nat'"
t0=$(lab__now_us)
lab_up lan || add_why "nmcli connection up lan failed"
if lab_wait_for "$SETTLE_S" in_kernel eth1 eth0; then
    diag "IPv4 and IPv6 default routes ranked $(lab_elapsed_ms "$t0") ms after 'up lan': IPv4 '$(defaults -4)', IPv6 '$(defaults -6)'"
    holds eth1 eth0 "$HOLD_S" || add_why "did not hold for $HOLD_S s: $(in_kernel_why eth1 eth0)"
else
    add_why "$(in_kernel_why eth1 eth0)"
fi
lab_wait_for "$SETTLE_S" helper_idle || add_why "the hook/helper still runs after ${SETTLE_S} s"
routes_diag
diag "helper log since the profiles came back:
$(tail -c "+$((off + 1))" "$LAB_DIR/dispatcher.log" | grep -a 'nm-metric-fix\[' | cat -v)"
tail -c "+$((off + 1))" "$LAB_DIR/dispatcher.log" | grep -aq 'ipv6.route-metric too' ||
    add_why "the helper's log does not mention ipv6.route-metric"
lab_wait_for 5 remote_ping6_lan || add_why "remote ping6 to $LAB_GUEST_LAN_ADDR6 still fails"
lab_wait_for 5 lab_remote_ping "$LAB_GUEST_LAN_ADDR" || add_why "remote ping to $LAB_GUEST_LAN_ADDR fails"
result "after the hook ran: eth1 alone holds the lowest metric of both families for ${HOLD_S} s, remote ping6 works" "$WHY"

WHY=
for f in ipv4 ipv6; do
    m_lan=$(profile_metric lan "$f") m_nat=$(profile_metric nat "$f")
    diag "profile $f.route-metric: lan=$m_lan nat=$m_nat"
    if [[ $m_lan =~ ^[0-9]+$ ]] && [[ $m_nat =~ ^[0-9]+$ ]]; then
        [ "$m_lan" -lt "$m_nat" ] || add_why "$f: lan ($m_lan) is not below nat ($m_nat)"
    else
        add_why "$f metrics not set (lan='$m_lan', nat='$m_nat')"
    fi
done
result "profiles carry ipv4.route-metric and ipv6.route-metric lan < nat" "$WHY"

WHY=
nmf --status
[ "$NMF_RC" = 0 ] || add_why "--status exit $NMF_RC, expected 0"
printf '%s\n' "$NMF_OUT" | grep -Eq '^ +ipv4 default via [0-9.]+ dev eth1 metric 100 ' ||
    add_why "no 'ipv4 default via ... dev eth1 metric 100' line"
printf '%s\n' "$NMF_OUT" | grep -Eq '^ +ipv6 default via fe80:[0-9a-f:]+ dev eth1 metric 100 ' ||
    add_why "no 'ipv6 default via ... dev eth1 metric 100' line"
printf '%s\n' "$NMF_OUT" | grep -Eq '^ +ipv6 default via fe80:[0-9a-f:]+ dev eth0 metric 101 ' ||
    add_why "no 'ipv6 default via ... dev eth0 metric 101' line"
# The table: eth1's KERNEL6 column (the last one) shows the IPv6 metric.
printf '%s\n' "$NMF_OUT" | awk '$1 == "eth1" && $NF == 100 { f = 1 } END { exit !f }' ||
    add_why "eth1's row does not end in its IPv6 kernel metric 100"
printf '%s\n' "$NMF_OUT" | grep -q '^IPv6 default route: eth1' || add_why "no 'IPv6 default route: eth1' verdict"
[[ $(last_line "$NMF_OUT") == *eth1* ]] || add_why "the IPv4 verdict (last line) does not name eth1"
result "--status after the fix exits 0 and shows eth1 ahead in both families" "$WHY"

# ---------------------------------------------------------------------------
# 6: --revert gives IPv6 its original metrics back.

WHY=
lab_hooks_disable || bail "lab_hooks_disable failed"
nmf --revert
[ "$NMF_RC" = 0 ] || add_why "--revert exit $NMF_RC"
# 1.36-1.41 add no route of theirs meanwhile: an IPv6 default route with two next hops
# right after --revert is ours (links that swap metrics moved one at a time meet at one
# metric, and the kernel joins them).
if lab_nm_at_least 1.36 && ! lab_nm_at_least 1.42 && lab_ns guest ip -6 route show default | grep -q nexthop; then
    add_why "right after --revert an IPv6 default route has two next hops: $(lab_ns guest ip -6 route show default | tr '\n' ' ')"
fi
for id in nat lan; do
    for f in ipv4 ipv6; do
        m=$(profile_metric "$id" "$f")
        [ "$m" = -1 ] || add_why "$id's $f.route-metric is $m after --revert, expected -1"
    done
    lab_profile_user_data "$id" | grep -q '^nm-metric-fix\.' && add_why "$id still carries nm-metric-fix.* user data"
done
# Before 1.36 a Reapply restarts IPv6 autoconfiguration: the route comes back
# with the next RA; from 1.36 the routes move back at once.
if lab_wait_for "$RA_S" in_kernel eth0 eth1; then
    holds eth0 eth1 "$HOLD_S" || add_why "did not hold for $HOLD_S s after --revert: $(in_kernel_why eth0 eth1)"
else
    add_why "$(in_kernel_why eth0 eth1) (as before the fix)"
fi
routes_diag
result "--revert restores ipv4/ipv6.route-metric -1 and the activation-order metrics of both families" "$WHY"

# ---------------------------------------------------------------------------
# 7: mode=policy keeps IPv6 in step: per-uplink tables and source rules.

# route_dev6 FROM: the interface the kernel picks for the remote host from FROM.
route_dev6() {
    lab_ns guest ip -6 route get "$LAB_REMOTE_ADDR6" from "$1" 2>/dev/null |
        sed -nE 's/.* dev ([^ ]+).*/\1/p' | head -n 1
}
v6_policy_in_place() {
    lab_ns guest ip -6 rule | grep -q "from $LAB_GUEST_LAN_ADDR6 lookup 30501" &&
        lab_ns guest ip -6 rule | grep -q "from $LAB_GUEST_NAT_ADDR6 lookup 30502" &&
        lab_ns guest ip -6 route show table 30502 | grep -Eq '^default via fe80:[0-9a-f:]+ dev eth0'
}
v6_policy_gone() {
    ! lab_ns guest ip -6 rule | grep -q 'lookup 305[0-9][0-9]' &&
        [ -z "$(lab_ns guest ip -6 route show table 30501 2>/dev/null)" ] &&
        [ -z "$(lab_ns guest ip -6 route show table 30502 2>/dev/null)" ]
}

WHY=
if ! lab_nm_at_least 1.18; then
    # No routing rules before NetworkManager 1.18: refused, nothing changed.
    printf '[main]\nmode=policy\n' | lab_guest_write /usr/local/etc/nm-metric-fix.conf ||
        bail "writing the configuration failed"
    lab_state_snapshot >"$LAB_DIR/before.state" || bail "lab_state_snapshot failed"
    nmf --fix
    [ "$NMF_RC" = 2 ] || add_why "--fix (mode=policy) exit $NMF_RC, expected 2"
    lab_state_snapshot >"$LAB_DIR/after.state" || bail "lab_state_snapshot failed"
    cmp -s "$LAB_DIR/before.state" "$LAB_DIR/after.state" ||
        add_why "state changed: $(diff "$LAB_DIR/before.state" "$LAB_DIR/after.state" | head -n 20)"
    lab_guest rm -f /usr/local/etc/nm-metric-fix.conf
    result "NetworkManager $LAB_NM_VERSION: mode=policy refused (exit 2), IPv6 profiles, routes and rules unchanged" "$WHY"
    diag "test body took $(lab_elapsed_ms "$T0") ms"
    tap_finish "$NTESTS"
fi
printf '[main]\nmode=policy\n' | lab_guest_write /usr/local/etc/nm-metric-fix.conf ||
    bail "writing the configuration failed"
nmf --fix
[ "$NMF_RC" = 0 ] || add_why "--fix (mode=policy) exit $NMF_RC"
# NetworkManager adds a route via a link-local router only once the link's IPv6
# is back after the Reapply, and retries a route the kernel refused at its next
# commit (a router advertisement): on a loaded machine that took more than one
# RA interval once.
lab_wait_for $((2 * RA_S)) v6_policy_in_place ||
    add_why "no IPv6 rules/tables of ours: rules '$(lab_ns guest ip -6 rule | paste -sd '|')', table 30502 '$(lab_ns guest ip -6 route show table 30502 | paste -sd '|')'"
# The NAT link does not own the IPv6 default route, yet replies from its address
# leave by it: that is what the source rule and table 30502 are for.
dev=$(route_dev6 "$LAB_GUEST_NAT_ADDR6")
[ "$dev" = eth0 ] || add_why "the kernel sends replies from $LAB_GUEST_NAT_ADDR6 by '$dev', expected eth0"
dev=$(route_dev6 "$LAB_GUEST_LAN_ADDR6")
[ "$dev" = eth1 ] || add_why "the kernel sends replies from $LAB_GUEST_LAN_ADDR6 by '$dev', expected eth1"
lab_guest rm -f /usr/local/etc/nm-metric-fix.conf
nmf --fix
[ "$NMF_RC" = 0 ] || add_why "--fix back in mode=metric exit $NMF_RC"
lab_wait_for 5 v6_policy_gone ||
    add_why "back in mode=metric our IPv6 rules/tables stay: '$(lab_ns guest ip -6 rule | grep 305 | paste -sd '|')'"
# The Reapply restarts IPv6 autoconfiguration: the default route returns with the next RA.
nat_replies_by_eth1() { [ "$(route_dev6 "$LAB_GUEST_NAT_ADDR6")" = eth1 ]; }
lab_wait_for "$RA_S" nat_replies_by_eth1 ||
    add_why "in mode=metric replies from $LAB_GUEST_NAT_ADDR6 leave by '$(route_dev6 "$LAB_GUEST_NAT_ADDR6")', expected eth1 (the main table)"
result "mode=policy: IPv6 source rules and tables send each address's replies by its own link; mode=metric removes them" "$WHY"

diag "test body took $(lab_elapsed_ms "$T0") ms"
tap_finish "$NTESTS"
