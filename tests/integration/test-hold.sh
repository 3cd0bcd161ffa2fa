#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Several functions below only run through lab_wait_for:
# shellcheck disable=SC2317
#
# The fix holds: after the dispatcher hook fixed the reporter's guest (up nat,
# up lan), the kernel is sampled every 0.25 s for 40 s while the DHCP servers
# hand out T1 6 s.  Every route lookup toward the remote host (IPv4, and IPv6
# where the LAN has it) must leave by the LAN link, the lowest default metric
# of each family must belong to one link only in every sample (two links there
# and the kernel's choice wavers), both leases must keep renewing (3 times at
# least) and no IPv4 address may be deleted.  NetworkManager may take back what
# the fix changed at any commit of a link (1.42 and later put the lease's old
# metric back; a router advertisement commits): this is the test of the live
# method per release (src/decide/nmf-plan.h).  Then --status in the state the
# NetworkManager of RHEL 9.5+ left behind an older fix (four IPv4 default
# routes, two links at metric 100) exits 3 on every call and lists all four.
#
# usage: test-hold.sh BUILD_DIR SETUP
#   SETUP dual      router advertisements on both links (RHEL's ipv6.method auto,
#                   libvirt networks and QEMU's NAT with IPv6)
#         lan-ra    router advertisements on the LAN only (profiles ipv6 auto)
#         ipv4      no IPv6 (profiles ipv6.method ignore)
#
# Needs root; LAB_NM_PREFIX picks the NetworkManager (tools/build-nm.sh).
# TAP output; LAB_KEEP=1 keeps the lab directory.

set -u

HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lab/lab.sh
. "$HERE/../lab/lab.sh"
# shellcheck source-path=SCRIPTDIR source=../lab/lab-tap.sh
. "$HERE/../lab/lab-tap.sh"

NTESTS=4
T1=6                 # renewal time the LAN's DHCP server hands out (s)
T2=10                # its rebinding time (s)
# The NAT side renews less often, as libvirt's 1-hour lease does (T1 30 min): a route
# NetworkManager puts back stays until the link's next lease, so the watch must end
# before that one; it comes a little later, to show that the client still renews.
NAT_LEASE=2m NAT_T1=50 NAT_T2=90
WATCH_S=${HOLD_WATCH_S:-40}
STEP_MS=250
SETTLE_S=30          # deadline for the hook's work after 'up lan' (RAs take up to 5 s)
MIN_RENEWALS=3

SETUP=${2:-}
case "$SETUP" in
    dual | lan-ra | ipv4) ;;
    *)
        echo "Bail out! usage: $(basename "$0") BUILD_DIR dual|lan-ra|ipv4 (got '$SETUP')"
        exit 1
        ;;
esac
tap_setup "${1:-}"
if [ "$SETUP" != ipv4 ] && [ ! -e /proc/sys/net/ipv6 ]; then
    echo "1..0 # SKIP the kernel has no IPv6"
    exit 0
fi
echo "1..$NTESTS"

export LAB_LAN_DHCP_OPTS="--dhcp-option=option:T1,$T1 --dhcp-option=option:T2,$T2"
export LAB_NAT_DHCP_OPTS="--dhcp-option=option:T1,$NAT_T1 --dhcp-option=option:T2,$NAT_T2"
export LAB_NAT_DHCP_LEASE=$NAT_LEASE
lab_init "hold-$SETUP" || bail "lab_init failed"
stage_product
lab_topology || bail "lab_topology failed"
case "$SETUP" in
    dual) lab_topology_ipv6 || bail "lab_topology_ipv6 failed" ;;
    lan-ra) lab_topology_ipv6 --lan-only || bail "lab_topology_ipv6 --lan-only failed" ;;
esac
lab_start_nm "$STAGE" || bail "lab_start_nm failed"
diag "NetworkManager $LAB_NM_VERSION, setup $SETUP"
profile_args=()
[ "$SETUP" = ipv4 ] || profile_args=(--ipv6)
lab_add_profiles "${profile_args[@]}" || bail "lab_add_profiles failed"

# KERNEL_STATE (bash, run inside the guest's network namespace with the remote
# host's IPv4 and IPv6 addresses as $1 $2): state prints one line "V4DEV V6DEV
# LOWEST4 LOWEST6": the link of each family's route lookup toward the remote
# host ("-": no answer, or no IPv6 address given) and the links at that
# family's lowest default metric in the main table (comma-separated; "-" when
# there is no default route).  With $3 = SECONDS and $4 = STEP it samples for
# that long every STEP seconds, each line prefixed with the milliseconds since
# the start: one process for the whole watch, so the steps stay short.
KERNEL_STATE='
# One ip process per family and sample: the lookup, a marker line (the lookup of
# a loopback address) and the default routes; "@@" between the families.
ask() { # FAMILY DST LOOPBACK
    if [ -n "$2" ]; then printf "route get %s\n" "$2"; fi
    printf "route get %s\nroute show table main default\n" "$3"
}
state() {
    { ask 4 "$1" 127.0.0.2 | ip -o -4 -batch - 2>/dev/null
      echo @@
      ask 6 "$2" ::1 | ip -o -6 -batch - 2>/dev/null; } | awk "
        BEGIN { part = 0 }
        /^local (127\.0\.0\.2|::1) / || /^@@/ { part++; next }
        { dev = \"\"; m = (part == 3 ? 1024 : 0); n = 0
          for (i = 1; i < NF; i++) {
              if (\$i == \"dev\") { dev = \$(i + 1); d[++n] = dev }
              if (\$i == \"metric\") m = \$(i + 1) + 0
          }
          if (part == 0 || part == 2) { f = part / 2; if (dev != \"\" && look[f] == \"\") look[f] = dev; next }
          f = (part - 1) / 2
          if (best[f] == \"\" || m < best[f]) { best[f] = m; low[f] = \"\"; split(\"\", seen) }
          if (m == best[f]) for (j = 1; j <= n; j++) if (!seen[f, d[j]]++)
              low[f] = low[f] (low[f] == \"\" ? \"\" : \",\") d[j] }
        END { for (k = 0; k < 2; k++) printf \"%s \", (look[k] == \"\" ? \"-\" : look[k])
              printf \"%s %s\n\", (low[0] == \"\" ? \"-\" : low[0]), (low[1] == \"\" ? \"-\" : low[1]) }"
}
if [ -z "${3:-}" ]; then state "$1" "$2"; exit 0; fi
# Samples $4 ms apart (the next one is due at a multiple of it, however long one took).
t0=${EPOCHREALTIME/./}
k=0
while :; do
    ms=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
    [ "$ms" -lt $(( $3 * 1000 )) ] || break
    echo "$ms $(state "$1" "$2")"
    k=$((k + 1))
    wait_ms=$(( k * $4 - (${EPOCHREALTIME/./} - t0) / 1000 ))
    if [ "$wait_ms" -gt 0 ]; then sleep "$((wait_ms / 1000)).$(printf %03d $((wait_ms % 1000)))"; fi
done
'
remote6() { [ "$SETUP" = ipv4 ] || echo "$LAB_REMOTE_ADDR6"; }
kernel_state() {
    lab_ns guest bash -c "$KERNEL_STATE" sh "$LAB_REMOTE_ADDR" "$(remote6)"
}

# fixed: the LAN link answers both families and alone holds their lowest metric.
fixed() {
    local s
    s=$(kernel_state)
    case "$SETUP" in
        ipv4) [[ $s == "eth1 - eth1 "* ]] ;;
        *) [ "$s" = "eth1 eth1 eth1 eth1" ] ;;
    esac
}

requests() { # ROLE MAC FROM_LINE: DHCPREQUESTs from MAC in that server's log after FROM_LINE
    tail -n +"$(($3 + 1))" "$LAB_DIR/dnsmasq-$1.log" 2>/dev/null | grep -c "DHCPREQUEST([a-z0-9]*) [0-9.]* $2 *\$"
}
log_lines() { wc -l <"$LAB_DIR/dnsmasq-$1.log"; }
# late_requests ROLE MAC FROM_LINE EPOCH_S: those DHCPREQUESTs logged at EPOCH_S or later.
late_requests() {
    local t n=0
    while read -r t; do
        [ "$(date -d "$t" +%s)" -ge "$4" ] && n=$((n + 1))
    done < <(tail -n +"$(($3 + 1))" "$LAB_DIR/dnsmasq-$1.log" 2>/dev/null |
        grep "DHCPREQUEST([a-z0-9]*) [0-9.]* $2 *\$" | awk '{ print $3 }')
    echo "$n"
}

# ---------------------------------------------------------------------------
# 1: the hook fixes the bug order.

WHY=
lab_up nat || add_why "nmcli connection up nat failed"
# The NAT link has been up for a while when the LAN comes, as on a guest that boots
# with it: with RAs there, its first one is in (a link whose first RA comes after the
# fix is reapplied only at the next run; README "NetworkManager releases").
nat_has_ra_route() { lab_ns guest ip -6 route show default dev eth0 | grep -q 'proto ra'; }
if [ "$SETUP" = dual ]; then
    lab_wait_for "$SETTLE_S" nat_has_ra_route || add_why "no RA default route on eth0 ${SETTLE_S} s after 'up nat'"
fi
t0=$(lab__now_us)
lab_up lan || add_why "nmcli connection up lan failed"
lab_wait_for "$SETTLE_S" fixed && t_fixed_s=$(date +%s) || add_why "not fixed ${SETTLE_S} s after 'up lan': $(kernel_state) ($(lab_default_routes -4 | paste -sd,); $(lab_default_routes -6 | paste -sd,))"
diag "fixed $(lab_elapsed_ms "$t0") ms after 'up lan': IPv4 $(lab_default_routes -4 | paste -sd,), IPv6 $(lab_default_routes -6 | paste -sd,)"
diag "helper log: $(grep -a 'nm-metric-fix\[' "$LAB_DIR/dispatcher.log" | grep -aE 'move|reapply|done:' | sed 's/.*nm-metric-fix\[[0-9]*\]: //' | paste -sd'|')"
lab_wait_for 5 lab_remote_ping "$LAB_GUEST_LAN_ADDR" || add_why "remote ping to $LAB_GUEST_LAN_ADDR fails after the fix"
result "the hook gives eth1 the default route(s) after 'up nat', 'up lan' ($SETUP)" "$WHY"

# ---------------------------------------------------------------------------
t_fixed_s=${t_fixed_s:-$(date +%s)}

# 2-3: it holds for WATCH_S, sampled every STEP_MS, while the leases renew.

mark_host=$(log_lines host) mark_lan=$(log_lines lan)
: >"$LAB_DIR/addr-monitor.log"
lab__run_bg addr-monitor "$LAB_DIR/addr-monitor.log" ip netns exec "$LAB_NS_GUEST" ip -o monitor address
mon_pid=$LAB__LAST_PID
lab_ns guest bash -c "$KERNEL_STATE" sh "$LAB_REMOTE_ADDR" "$(remote6)" "$WATCH_S" "$STEP_MS" \
    >"$LAB_DIR/samples.log" 2>&1
samples=0 wrong_lookup=0 shared=0 first_bad=
while read -r ms v4 v6 low4 low6; do
    samples=$((samples + 1))
    bad=
    if [ "$v4" != eth1 ] || { [ "$SETUP" != ipv4 ] && [ "$v6" != eth1 ]; }; then
        wrong_lookup=$((wrong_lookup + 1)) bad=1
    fi
    if [[ $low4 == *,* ]] || [[ $low6 == *,* ]]; then
        shared=$((shared + 1)) bad=1
    fi
    if [ -n "$bad" ] && [ -z "$first_bad" ]; then
        first_bad="at +$ms ms: $v4 $v6 $low4 $low6"
    fi
done <"$LAB_DIR/samples.log"
renew_lan=$(requests lan "$LAB_GUEST_ETH1_MAC" "$mark_lan")
diag "$samples samples in ${WATCH_S} s: $wrong_lookup with a lookup not by eth1, $shared with a shared lowest metric${first_bad:+; first: $first_bad}"
[ -z "$first_bad" ] || diag "default routes now: IPv4 $(lab_default_routes -4 | paste -sd,), IPv6 $(lab_default_routes -6 | paste -sd,)"

WHY=
# Due every STEP_MS; a loaded machine stretches some, but fewer than two a second
# would leave gaps a route re-added and removed again could hide in.
[ "$samples" -ge $((WATCH_S * 2)) ] || add_why "only $samples samples in ${WATCH_S} s"
[ "$wrong_lookup" = 0 ] || add_why "$wrong_lookup of $samples lookups toward the remote host did not leave by eth1 ($first_bad)"
[ "$shared" = 0 ] || add_why "$shared of $samples samples had two links at a family's lowest default metric ($first_bad)"
result "for ${WATCH_S} s every lookup leaves by eth1 and one link alone holds each family's lowest metric" "$WHY"

# The NAT lease: a renewal at its T1, 10 s or more after the fix (a Reapply's own
# exchange comes at once and does not count).
WHY=
nat_renewed() { [ "$(late_requests host "$LAB_GUEST_ETH0_MAC" "$mark_host" $((t_fixed_s + 10)))" -ge 1 ]; }
lab_wait_for $((NAT_T1 + 10)) nat_renewed || add_why "eth0 did not renew within $((NAT_T1 + 10)) s of the watch's end (T1 ${NAT_T1} s)"
diag "DHCPREQUESTs since the fix: eth0 $(requests host "$LAB_GUEST_ETH0_MAC" "$mark_host") ($(late_requests host "$LAB_GUEST_ETH0_MAC" "$mark_host" $((t_fixed_s + 10))) 10 s or more after it), eth1 $renew_lan (in the ${WATCH_S} s watch)"
[ "$renew_lan" -ge "$MIN_RENEWALS" ] || add_why "eth1 renewed $renew_lan time(s) in ${WATCH_S} s (T1 ${T1} s)"
lab__stop "$mon_pid" addr-monitor
deleted=$(grep -E '^Deleted .* inet ' "$LAB_DIR/addr-monitor.log")
[ -z "$deleted" ] || add_why "IPv4 addresses deleted: $(paste -sd'|' <<<"$deleted")"
result "both leases keep renewing (eth1 at least $MIN_RENEWALS times in the watch, eth0 at its T1), no IPv4 address deleted" "$WHY"

# ---------------------------------------------------------------------------
# 4: --status in the state an older fix left on NetworkManager 1.48 and later:
# NetworkManager's old routes back beside the moved ones, two links at metric
# 100.  Made by hand (route append), as NetworkManager's re-add would.

WHY=
gw0=$(lab_ns guest ip -4 route show default dev eth0 | awk '{ print $3; exit }')
gw1=$(lab_ns guest ip -4 route show default dev eth1 | awk '{ print $3; exit }')
m0=$(lab_default_metric -4 eth0) m1=$(lab_default_metric -4 eth1)
if [ -z "$gw0" ] || [ -z "$gw1" ] || [ -z "$m0" ] || [ -z "$m1" ]; then
    bail "no IPv4 default routes to copy: $(lab_default_routes -4 | paste -sd,)"
fi
lab_hooks_disable || bail "lab_hooks_disable failed"
lab_ns guest ip -4 route append default via "$gw0" dev eth0 metric "$m1" proto dhcp ||
    bail "adding eth0's route at $m1 failed"
lab_ns guest ip -4 route append default via "$gw1" dev eth1 metric "$m0" proto dhcp ||
    bail "adding eth1's route at $m0 failed"
calls=5 failures=0
for i in $(seq "$calls"); do
    nmf --status
    [ "$NMF_RC" = 3 ] && failures=$((failures + 1))
    [ "$i" = 1 ] || continue
    for dm in "eth0 $m1" "eth1 $m1" "eth0 $m0" "eth1 $m0"; do
        printf '%s\n' "$NMF_OUT" | grep -Eq "^ +ipv4 default via [0-9.]+ dev ${dm% *} metric ${dm#* } " ||
            add_why "--status does not list the route of ${dm% *} at metric ${dm#* }"
    done
    [[ $(last_line "$NMF_OUT") == *"alternates between eth0 and eth1"* ]] ||
        add_why "the verdict line does not say the kernel alternates between eth0 and eth1: '$(last_line "$NMF_OUT")'"
done
[ "$failures" = "$calls" ] || add_why "--status exited 3 in $failures of $calls calls"
nmf --status --json
printf '%s\n' "$NMF_OUT" | grep -q '"verdict" *: *"alternating"' || add_why "--status --json has no verdict 'alternating'"
lab_ns guest ip -4 route del default via "$gw0" dev eth0 metric "$m1" proto dhcp 2>/dev/null
lab_ns guest ip -4 route del default via "$gw1" dev eth1 metric "$m0" proto dhcp 2>/dev/null
result "--status with two links at the lowest metric exits 3 on each of $calls calls and lists all four routes" "$WHY"

tap_finish "$NTESTS"
