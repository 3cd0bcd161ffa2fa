# SPDX-License-Identifier: GPL-2.0-or-later
#
# lab-uplinks.sh - guests with N uplinks, on top of lab.sh: extra links and
# static profiles, activated in the order that makes NetworkManager's metrics
# wrong.  Source lab.sh and lab-control.sh first.
#
# Same rules as lab.sh: everything runs inside the lab's namespaces, every
# process is recorded (lab__record) and stopped by PID, nothing polls with a
# fixed sleep.  Functions return non-zero with a '# lab:' message on error.
#
# | function                       | does |
# | ------------------------------ | ---- |
# | labx_scale_uplinks N           | add eth2..eth(N-1) (static, mostly NAT-like) and profiles up2..up(N-1) |
# | labx_scale_activate_bug_order N| activate NAT-like first, LAN-like last (NM's activation-order metrics) |
#
# shellcheck shell=bash disable=SC2034,SC2015

# ---------------------------------------------------------------------------
# N uplinks

# Uplink k (2 <= k < N) is guest ethK <-> host-netns upK, carrier up, no
# DHCP: profile upK is static.  Every 8th uplink (k % 8 == 0) is LAN-like
# (10.100.K.2/24 via .254), the others NAT-like, each in its own libvirt
# alternate network 192.168.(122+K).0/24 via .1 (K <= 132).  Together with
# eth0 (nat, DHCP) and eth1 (lan, DHCP) that makes N uplinks.  Each gateway
# answers ARP from the host end upK, as in the field: a libvirt bridge MAC
# (52:54:00:7a:..) for the NAT-like ones, a router vendor's (00:1e:49:64:..)
# for the LAN-like ones.
labx_scale_kind() { # K -> lan|nat
    if [ $(($1 % 8)) -eq 0 ]; then echo lan; else echo nat; fi
}

labx_scale_uplinks() {
    local n=$1 k addr gw gwmac t0
    [ "$n" -ge 2 ] && [ "$n" -le 130 ] || { lab_fail "labx_scale_uplinks: N must be 2..130"; return 1; }
    t0=$(lab__now_us)
    for ((k = 2; k < n; k++)) {
        # The gateway answers ARP from the host end, with a MAC of its kind.
        if [ "$(labx_scale_kind "$k")" = lan ]; then
            gwmac=$(printf '00:1e:49:64:%02x:%02x' $((k / 256)) $((k % 256))) gw="10.100.$k.254/24"
        else
            gwmac=$(printf '52:54:00:7a:%02x:%02x' $((k / 256)) $((k % 256))) gw="192.168.$((122 + k)).1/24"
        fi
        ip -n "$LAB_NS_GUEST" link add "eth$k" address "$(printf '52:54:00:00:%02x:%02x' $((k / 256)) $((k % 256)))" \
            type veth peer name "up$k" netns "$LAB_NS_HOST" &&
            ip -n "$LAB_NS_HOST" link set "up$k" address "$gwmac" &&
            ip -n "$LAB_NS_HOST" address add "$gw" dev "up$k" &&
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
