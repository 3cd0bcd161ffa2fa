#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tcpdump_ready only runs through lab_wait_for:
# shellcheck disable=SC2317
#
# Demo for humans (run as root): the asymmetric-routing problem with the real
# NetworkManager in network namespaces, then the same guest with nm-metric-fix.
#
# usage: demo.sh [BUILD_DIR]
#   Without BUILD_DIR only the problem is shown.  With it, the product is
#   staged (meson install --destdir, prefix /usr/local) and installed into the
#   guest's private mount namespace only.
# LAB_KEEP=1 keeps the lab directories (logs) for inspection.

set -u

HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lab.sh
. "$HERE/lab.sh"

BUILD_DIR=${1:-}
if [ -n "$BUILD_DIR" ]; then
    [ -d "$BUILD_DIR" ] || { echo "demo: build dir '$BUILD_DIR' not found" >&2; exit 2; }
    BUILD_DIR=$(readlink -f "$BUILD_DIR")
fi
lab_check_requirements || exit 1

SURPRISES=0

say() {
    printf '\n==> %s\n' "$*"
}

indent() {
    sed 's/^/    /'
}

expect() { # STATUS TEXT: report a check; non-zero STATUS counts as a surprise
    if [ "$1" = 0 ]; then
        printf '    [as expected] %s\n' "$2"
    else
        printf '    [UNEXPECTED] %s\n' "$2"
        SURPRISES=$((SURPRISES + 1))
    fi
}

tcpdump_ready() {
    grep -q 'listening on' "$1"
}

# ping_with_capture: one ping from the remote host while tcpdump watches the
# guest's interfaces (bounded: 2 packets or 5 s).  Returns ping's status.
ping_with_capture() {
    local cap=$LAB_DIR/capture.txt err=$LAB_DIR/capture.err pid rc
    if ! command -v tcpdump >/dev/null 2>&1; then
        lab_ns remote ping -n -c 1 -W 1 "$LAB_GUEST_LAN_ADDR" 2>&1 | indent
        return "${PIPESTATUS[0]}"
    fi
    ip netns exec "$LAB_NS_GUEST" timeout 5 tcpdump -l -n -i any -c 2 icmp >"$cap" 2>"$err" &
    pid=$!
    lab_wait_for 5 tcpdump_ready "$err" || echo "    (tcpdump did not start; see $err)"
    lab_ns remote ping -n -c 1 -W 1 "$LAB_GUEST_LAN_ADDR" 2>&1 | indent
    rc=${PIPESTATUS[0]}
    lab_wait_for 6 lab__dead "$pid"
    wait "$pid" 2>/dev/null
    echo "    tcpdump -i any icmp inside the guest:"
    indent <"$cap" | sed 's/^/  /'
    return "$rc"
}

bring_up() {
    local id
    for id in nat lan; do
        echo "    \$ nmcli connection up $id"
        lab_guest nmcli connection up "$id" 2>&1 | indent
    done
}

# ---------------------------------------------------------------------------
say "Part 1: guest with eth0 (libvirt NAT) and eth1 (LAN), NetworkManager WITHOUT nm-metric-fix"
lab_init demo || exit 1
lab_topology || exit 1
lab_start_nm || exit 1
lab_add_profiles || exit 1
echo "    host:   bridge 192.168.122.1/24 + DHCP (no route back to 10.72.112.0/24)"
echo "    lan:    router 10.66.61.254/23 + DHCP (eth1 -> $LAB_GUEST_LAN_ADDR), forwards to 10.72.112.0/24"
echo "    remote: $LAB_REMOTE_ADDR/24, default via $LAB_REMOTE_GW"
lab_guest nmcli device 2>&1 | indent

say "Activating 'nat' (eth0) first, then 'lan' (eth1), as when eth0 wins the race at boot"
bring_up

say "Guest IPv4 routes: NetworkManager gave metric 100/101 in activation order"
lab_guest ip -4 route | indent
dev=$(lab_default_dev)
[ "$dev" = eth0 ]
expect $? "default route owned by '$dev'"

say "Remote host $LAB_REMOTE_ADDR pings the guest's LAN address $LAB_GUEST_LAN_ADDR"
ping_with_capture
rc=$?
[ "$rc" != 0 ]
expect $? "ping fails: the request arrives on eth1, the reply leaves via eth0 and is lost"
lab_cleanup

if [ -z "$BUILD_DIR" ]; then
    say "No build dir given: skipping part 2 (usage: $0 BUILD_DIR)"
    exit $((SURPRISES != 0))
fi

# ---------------------------------------------------------------------------
say "Part 2: the same guest WITH nm-metric-fix installed (from $BUILD_DIR)"
lab_init demo || exit 1
echo "    \$ meson install -C $BUILD_DIR --destdir $LAB_DIR/stage --no-rebuild"
if ! meson install -C "$BUILD_DIR" --destdir "$LAB_DIR/stage" --no-rebuild >"$LAB_DIR/meson-install.log" 2>&1; then
    tail -n 20 "$LAB_DIR/meson-install.log" | indent
    echo "demo: meson install failed" >&2
    exit 1
fi
lab_topology || exit 1
lab_start_nm "$LAB_DIR/stage" || exit 1
lab_add_profiles || exit 1
echo "    dispatcher scripts in the guest:"
lab_guest ls -l /etc/NetworkManager/dispatcher.d 2>&1 | indent

say "Activating 'nat' (eth0) first, then 'lan' (eth1) again; no manual step afterwards"
t0=$(lab__now_us)
bring_up
if lab_wait_for 20 lab_default_dev_is eth1; then
    echo "    eth1 owns the default route $(lab_elapsed_ms "$t0") ms after the first 'nmcli connection up'"
    expect 0 "dispatcher hook + helper moved the default route to eth1"
else
    expect 1 "default route still on '$(lab_default_dev)' after 20 s"
fi

say "Guest IPv4 routes now"
lab_guest ip -4 route | indent

say "What the helper logged (from the dispatcher log)"
grep 'nm-metric-fix\[' "$LAB_DIR/dispatcher.log" | tail -n 15 | indent

say "nm-metric-fix --status"
lab_guest /usr/local/bin/nm-metric-fix --status 2>&1 | indent
rc=${PIPESTATUS[0]}
[ "$rc" = 0 ]
expect $? "--status exit $rc"

say "Remote host pings $LAB_GUEST_LAN_ADDR again"
ping_with_capture
expect $? "ping succeeds: request and reply both use eth1"

say "Profiles now carry explicit metrics"
for id in lan nat; do
    echo "    $id: ipv4.route-metric $(lab_guest nmcli -g ipv4.route-metric connection show "$id")"
done

say "Done ($SURPRISES unexpected result(s))"
exit $((SURPRISES != 0))
