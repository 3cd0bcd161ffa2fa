#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The peer for bench/run-bench.sh: the dispatcher script an admin would write
# to do what nm-metric-fix does, with nmcli, ip and awk.  It is written to be
# reasonable, not slow: one `nmcli device show` for every device, one
# `nmcli connection show` per active uplink, and changes only when a metric is
# wrong.  Same classes and order as nm-metric-fix's defaults: LAN links
# first, libvirt/QEMU/vagrant NAT links last, ties by interface name (version
# sort); metrics 100, 101, ...; nothing is done unless a NAT link competes
# with another uplink.
#
# Install as /etc/NetworkManager/dispatcher.d/90-peer-metrics (root, 0755), or
# run it by hand: peer-nmcli-dispatcher.sh IFACE ACTION.

case "$2" in
up | down | dhcp4-change | dhcp6-change) ;;
*) exit 0 ;;
esac

base=100

# "rank class iface connection" for every activated device with an IPv4
# gateway, best first.
ranked=$(nmcli -t -f GENERAL.DEVICE,GENERAL.STATE,GENERAL.CONNECTION,IP4.ADDRESS,IP4.GATEWAY device show 2>/dev/null |
    awk -F: '
    function ip2n(s,   a) { split(s, a, "."); return ((a[1] * 256 + a[2]) * 256 + a[3]) * 256 + a[4] }
    function in_net(ip, net, bits) { return int(ip2n(ip) / 2 ^ (32 - bits)) == int(ip2n(net) / 2 ^ (32 - bits)) }
    function natlike(addr, gw,   o) {
        if (addr == "" || gw == "") return 0
        if (in_net(addr, "10.0.2.0", 24) && in_net(gw, "10.0.2.0", 24)) return 1
        if (in_net(addr, "192.168.121.0", 24) && in_net(gw, "192.168.121.0", 24)) return 1
        split(gw, o, ".")
        if (o[1] == 192 && o[2] == 168 && (o[3] == 122 || (o[3] >= 124 && o[3] <= 254)) && o[4] == 1 &&
            in_net(addr, gw, 24)) return 1
        return 0
    }
    function flush() {
        if (dev != "" && dev != "lo" && state ~ /^100 / && con != "" && gw != "")
            print (natlike(addr, gw) ? "2 nat" : "1 lan"), dev, con
        dev = state = con = addr = gw = ""
    }
    /^GENERAL\.DEVICE:/ { flush(); dev = substr($0, 16) }
    /^GENERAL\.STATE:/ { state = substr($0, 15) }
    /^GENERAL\.CONNECTION:/ { con = substr($0, 20) }
    /^IP4\.ADDRESS\[1\]:/ { addr = substr($0, 16); sub(/\/.*/, "", addr) }
    /^IP4\.GATEWAY:/ { gw = substr($0, 13) }
    END { flush() }' | sort -k1,1n -k3,3V)

# Only when a NAT link competes with another uplink.
n_nat=$(printf '%s\n' "$ranked" | grep -c ' nat ')
n_all=$(printf '%s\n' "$ranked" | grep -c .)
[ "$n_nat" -ge 1 ] && [ "$n_all" -ge 2 ] || exit 0

metric=$base
printf '%s\n' "$ranked" | while read -r _rank _class dev con; do
    cur=$(nmcli -g ipv4.route-metric connection show id "$con" 2>/dev/null)
    if [ "$cur" != "$metric" ]; then
        # stderr: nm-dispatcher passes it on to the journal.
        echo "peer-metrics: $dev ($con): ipv4.route-metric $cur -> $metric" >&2
        nmcli connection modify id "$con" ipv4.route-metric "$metric" &&
            nmcli device reapply "$dev" >/dev/null
    fi
    metric=$((metric + 1))
done
exit 0
