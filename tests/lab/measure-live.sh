#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# measure-live.sh - what each way of putting new route metrics in place live
# does to the guest's addresses, default routes and DHCP client, on the
# NetworkManager the lab runs (LAB_NM_PREFIX for a tools/build-nm.sh prefix).
# A measurement for the README's version table, not a test: it prints one
# line per method.  As root, from the top of the repository:
#
#   tests/lab/measure-live.sh BUILD_DIR [--ipv6] [METHOD...]
#
# Methods (default: all), each on a fresh lab where `up nat`, `up lan` left
# eth0 ahead (metrics 100/101), ranked to eth1 100, eth0 101:
#   product   nm-metric-fix --fix (Reapply of the applied connection with the
#             new metric, then the profile update)
#   profile   nmcli connection modify (both profiles), then nmcli device
#             reapply (Reapply from the profile: NetworkManager's own diff)
#   defaults  the metrics as connection defaults in
#             /run/NetworkManager/conf.d (match-device=interface-name:IFACE),
#             Reload(CONF) over D-Bus, then nmcli device reapply with the
#             profiles unchanged (Reapply without any setting diff)
#
# The DHCP servers hand out T1 4 s; the change is made right after eth1
# renewed, and "eth1 ahead after N ms" says how long the route took to move
# (a change that waits for the next DHCP event shows up as 3000-4000 ms or
# more).  The watch lasts 13 s after the change.
# shellcheck disable=SC2317 # functions called through lab_wait_for

set -u
HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lab.sh
. "$HERE/lab.sh"

BUILD=${1:?usage: measure-live.sh BUILD_DIR [--ipv6] [METHOD...]}
shift
V6=
if [ "${1:-}" = --ipv6 ]; then V6=1; shift; fi
methods=("$@")
[ ${#methods[@]} -gt 0 ] || methods=(product profile defaults)
WATCH_S=13
export LAB_DHCP_OPTS="--dhcp-option=option:T1,4 --dhcp-option=option:T2,7"
export LAB_QUIET=1

die() { echo "measure-live: $*" >&2; exit 1; }

offsets() { # ROLE MAC FROM_LINE T0_S
    local t
    tail -n +"$(($3 + 1))" "$LAB_DIR/dnsmasq-$1.log" | grep "DHCPREQUEST([a-z0-9]*) [0-9.]* $2 *\$" |
        awk '{ print $3 }' | while read -r t; do printf '+%s' $(($(date -d "$t" +%s) - $4)); done
}

# gaps FAMILY-REGEX: per device, how long (ms) an address matching it was
# missing between its "Deleted" and its return, from the monitor log.
gaps() {
    awk -v re="$1" '
        function ms(ts) { split(substr(ts, 13, 15), p, ":"); return (p[1] * 3600 + p[2] * 60 + p[3]) * 1000 }
        $0 ~ re {
            dev = ($2 == "Deleted") ? $4 : $3
            if ($2 == "Deleted") { gone[dev] = ms($1); n[dev]++ }
            else if (dev in gone) { g = ms($1) - gone[dev]; if (g > max[dev]) max[dev] = g; delete gone[dev] }
        }
        END {
            for (d in n) printf "%s %dx %s; ", d, n[d], (d in gone) ? "not back" : sprintf("back in %d ms", max[d])
        }' "$LAB_DIR/mon.log"
}

run_method() {
    local m=$1 host0 lan0 t0_s v conf
    lab_init measure >/dev/null || die "lab_init failed"
    lab_topology || die "lab_topology failed"
    [ -z "$V6" ] || lab_topology_ipv6 || die "lab_topology_ipv6 failed"
    lab_stage "$BUILD" || die "staging $BUILD failed"
    lab_start_nm "$LAB_STAGE" || die "NetworkManager did not start"
    lab_hooks_disable || die "disabling the hook failed"
    # shellcheck disable=SC2046 # no or one option
    lab_add_profiles $([ -z "$V6" ] || echo --ipv6) || die "adding profiles failed"
    lab_up nat && lab_up lan || die "activation failed"
    lab_wait_for 10 lab_default_dev_is eth0 || die "eth0 not ahead: $(lab_default_routes | paste -sd,)"
    [ -z "$V6" ] || lab_wait_for 20 lab_default_dev6_is eth0 || true
    lab__run_bg ip-monitor "$LAB_DIR/mon.log" ip netns exec "$LAB_NS_GUEST" ip -ts -o monitor address route
    mark() { lab_ns guest ip route replace unreachable 198.51.100.78/32 table 1999 2>/dev/null; grep -q 198.51.100.78 "$LAB_DIR/mon.log"; }
    lab_wait_for 5 mark || die "ip monitor silent"
    lan0=$(wc -l <"$LAB_DIR/dnsmasq-lan.log")
    renewed() { tail -n +"$((lan0 + 1))" "$LAB_DIR/dnsmasq-lan.log" | grep -q DHCPREQUEST; }
    lab_wait_for 8 renewed || die "eth1 did not renew"
    host0=$(wc -l <"$LAB_DIR/dnsmasq-host.log") lan0=$(wc -l <"$LAB_DIR/dnsmasq-lan.log")
    t0_s=$(date +%s) t0_us=$(lab__now_us)
    case $m in
        product)
            lab_guest /usr/local/bin/nm-metric-fix --fix >/dev/null 2>&1 || echo "# --fix failed" >&2
            ;;
        profile)
            lab_guest nmcli connection modify lan ipv4.route-metric 100 ${V6:+ipv6.route-metric 100} &&
                lab_guest nmcli connection modify nat ipv4.route-metric 101 ${V6:+ipv6.route-metric 101} &&
                lab_guest nmcli device reapply eth1 >/dev/null && lab_guest nmcli device reapply eth0 >/dev/null ||
                echo "# profile method failed" >&2
            ;;
        defaults)
            conf=$(for v in eth1:100 eth0:101; do
                printf '[connection-nm-metric-fix-%s]\nmatch-device=interface-name:%s\nipv4.route-metric=%s\n' \
                    "${v%:*}" "${v%:*}" "${v#*:}"
                [ -z "$V6" ] || printf 'ipv6.route-metric=%s\n' "${v#*:}"
            done)
            printf '%s\n' "$conf" | lab_guest_write /run/NetworkManager/conf.d/90-nm-metric-fix.conf &&
                lab_guest gdbus call --system --dest org.freedesktop.NetworkManager \
                    --object-path /org/freedesktop/NetworkManager \
                    --method org.freedesktop.NetworkManager.Reload 1 >/dev/null &&
                lab_guest nmcli device reapply eth1 >/dev/null && lab_guest nmcli device reapply eth0 >/dev/null ||
                echo "# defaults method failed" >&2
            ;;
        *) die "unknown method $m" ;;
    esac
    ranked=no
    lab_wait_for 10 lab_default_dev_is eth1 && ranked="after $(lab_elapsed_ms "$t0_us") ms"
    watch_done() { [ $(($(date +%s) - t0_s)) -ge "$WATCH_S" ]; }
    lab_wait_for $((WATCH_S + 2)) watch_done
    printf 'NM %s, %s, method %s: eth1 ahead: %s (%s); IPv4 addresses deleted: %s; IPv4 default routes deleted: %s; IPv6 addresses deleted: %s; DHCPREQUESTs (s after the change): eth0 %s, eth1 %s; DHCPDISCOVERs: %s\n' \
        "$LAB_NM_VERSION" "$([ -n "$V6" ] && echo 'IPv4+IPv6 (auto)' || echo 'IPv4 (ipv6 ignore)')" "$m" "$ranked" \
        "$(lab_default_routes | paste -sd,)" "$(gaps ' inet ')" \
        "$(grep -c 'Deleted default via [0-9.]* ' "$LAB_DIR/mon.log") (gap: $(awk '
            { dev = ""; for (i = 2; i < NF; i++) if ($i == "dev") dev = $(i + 1) }
            / default via [0-9.]+ / { if ($2 == "Deleted") { if (--n[dev] < 0) g[dev] = 1 } else n[dev]++ }
            END { s = ""; for (d in g) s = s d " "; print (s == "" ? "none" : s) }' "$LAB_DIR/mon.log"))" \
        "$(gaps ' inet6 ')" \
        "$(offsets host "$LAB_GUEST_ETH0_MAC" "$host0" "$t0_s")" "$(offsets lan "$LAB_GUEST_ETH1_MAC" "$lan0" "$t0_s")" \
        "$(tail -n +"$((lan0 + 1))" "$LAB_DIR/dnsmasq-lan.log" | grep -c DHCPDISCOVER)+$(tail -n +"$((host0 + 1))" "$LAB_DIR/dnsmasq-host.log" | grep -c DHCPDISCOVER)"
    lab_cleanup
}

for m in "${methods[@]}"; do
    run_method "$m"
done
