# SPDX-License-Identifier: GPL-2.0-or-later
#
# lab.sh - run the real NetworkManager inside network namespaces.
#
# A bash library: `source` it, then call lab_init, lab_topology, lab_start_nm, ...
# See tests/lab/README.md for the topology and the project notes
# (shared/notes/netns-lab.md) for the pitfalls this code works around.
#
# Everything the lab starts runs inside namespaces it created (network
# namespaces for all roles, plus a private mount+UTS namespace for the guest);
# nothing touches the machine's own interfaces or its /etc, /run, /var/lib.
# Processes are stopped by recorded PID only.
#
# Tunables (environment):
#   LAB_KEEP=1            keep LAB_DIR (logs, leases, configs) after cleanup
#   LAB_NM_LOG_LEVEL=X    NetworkManager log level (default INFO; TRACE/DEBUG/...)
#   LAB_DUMP_LINES=N      lines per log shown by lab_dump (default 40)
#   LAB_QUIET=1           no progress lines from lab_log
#   LAB_NM_PREFIX=DIR     run the NetworkManager built into DIR by
#                         tools/build-nm.sh instead of the system's: in the
#                         guest's mount namespace its NetworkManager, nmcli,
#                         nm-dispatcher and libnm.so.0 are bind-mounted over
#                         the system's files, so every program there (nmcli,
#                         the product, the dispatcher hook) uses that release,
#                         as on a host that ships it
#   LAB_DHCP_LEASE=T      lease time of both DHCP servers (default 1h)
#   LAB_NAT_DHCP_LEASE=T  the NAT side's lease time only (default LAB_DHCP_LEASE)
#   LAB_NAT_DHCP_OPTS, LAB_LAN_DHCP_OPTS: more dnsmasq arguments for one server
#   LAB_DHCP_OPTS="..."   more dnsmasq arguments for both DHCP servers (split
#                         on blanks), e.g. "--dhcp-option=option:T1,6
#                         --dhcp-option=option:T2,10" for quick renewals
#   LAB_NM_PLUGINS=LIST   main.plugins (default: ifcfg-rh when the
#                         NetworkManager has that plugin, as RHEL 8 does,
#                         else keyfile); with ifcfg-rh the guest gets a
#                         private /etc/sysconfig/network-scripts
#
# The LAB_* globals are part of the interface (read by the scripts that
# source this file):
# shellcheck shell=bash disable=SC2034

# ---------------------------------------------------------------------------
# State (global, reset by lab_cleanup)

LAB_SEQ=${LAB_SEQ:-0}
LAB_ACTIVE=
LAB_PREFIX=
LAB_DIR=
LAB_GUEST_PID=            # holder of the guest's private mount+UTS namespace
LAB_DBUS_PID=             # the guest's private dbus-daemon
LAB_NM_PID=               # NetworkManager in the guest
LAB_STAGE=                # product staged by lab_stage
LAB_PROCS=()              # "pid:starttime:label", in start order
LAB_NETNS=()              # namespaces created, in creation order
LAB_NS_HOST=
LAB_NS_LAN=
LAB_NS_REMOTE=
LAB_NS_GUEST=

# Fixed facts of the topology (read-only contract for callers).
LAB_GUEST_ETH0_MAC=52:54:00:00:00:10
LAB_GUEST_ETH1_MAC=52:54:00:00:00:11
# Addresses and link-layer addresses may be set by a test before lab_topology
# (variants: a home LAN on 192.168.178.0/24, a NAT network on another subnet,
# QEMU user networking).  The gateways carry the MACs a guest sees in the
# field: libvirt's bridges QEMU's 52:54:00 prefix, slirp 52:55:<IPv4>, a real
# router its vendor's OUI.
LAB_NAT_GW=${LAB_NAT_GW:-192.168.122.1}
LAB_NAT_BRIDGE_MAC=${LAB_NAT_BRIDGE_MAC:-52:54:00:6b:3c:01}
LAB_NAT_DHCP_RANGE=${LAB_NAT_DHCP_RANGE:-}    # default: .100-.200 of LAB_NAT_GW's /24
LAB_LAN_GW=${LAB_LAN_GW:-10.66.61.254}
LAB_LAN_PREFIXLEN=${LAB_LAN_PREFIXLEN:-23}
LAB_LAN_ROUTER_MAC=${LAB_LAN_ROUTER_MAC:-00:1e:49:a1:b2:c3}
LAB_LAN_DHCP_RANGE=${LAB_LAN_DHCP_RANGE:-10.66.60.100,10.66.60.200,255.255.254.0}
LAB_GUEST_LAN_ADDR=${LAB_GUEST_LAN_ADDR:-10.66.60.236}
LAB_GUEST_ETH1=${LAB_GUEST_ETH1:-eth1}         # the guest's LAN interface name
LAB_REMOTE_ADDR=10.72.112.29
LAB_REMOTE_GW=10.72.112.254
LAB_NM_DISPATCHER=/usr/lib/NetworkManager/nm-dispatcher
LAB_NM_PREFIX=${LAB_NM_PREFIX:-}
LAB_NM_VERSION=           # X.Y.Z of the NetworkManager the lab runs (lab_init)
LAB_NM_STORE=             # keyfile | ifcfg-rh: where new profiles are written
# Inside the guest's private /run: the default system-bus address, so that
# programs spawned by nm-dispatcher (whose environment NM builds from scratch)
# also find the lab's bus.
LAB_BUS_SOCKET=/run/dbus/system_bus_socket
LAB_GUEST_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# ---------------------------------------------------------------------------
# Messages

lab_log() {
    [ "${LAB_QUIET:-}" = 1 ] && return 0
    printf '# lab: %s\n' "$*" >&2
}

lab_warn() {
    printf '# lab: WARNING: %s\n' "$*" >&2
}

# lab_fail MSG...: report an error, show the logs, return 1.
lab_fail() {
    printf '# lab: ERROR: %s\n' "$*" >&2
    lab_dump
    return 1
}

# lab_dump: show the tail of every lab log on stderr (prefixed '# ' so that a
# TAP consumer treats it as a diagnostic).
lab_dump() {
    local f n=${LAB_DUMP_LINES:-40}
    [ -n "$LAB_DIR" ] && [ -d "$LAB_DIR" ] || return 0
    for f in nm.log dispatcher.log dbus.log dnsmasq-host.log dnsmasq-lan.log \
        dnsmasq-host6.log dnsmasq-lan6.log; do
        [ -s "$LAB_DIR/$f" ] || continue
        printf '# ---- last %s lines of %s ----\n' "$n" "$LAB_DIR/$f" >&2
        tail -n "$n" "$LAB_DIR/$f" | sed 's/^/#   /' >&2
    done
    return 0
}

# ---------------------------------------------------------------------------
# Time and polling (no fixed sleeps: everything polls against a deadline)

# lab__now_us: microseconds since the epoch.
lab__now_us() {
    local t=$EPOCHREALTIME
    t=${t/./}
    printf '%s\n' "$((10#$t))"
}

# lab__secs_to_us SECS: "20" or "0.5" -> microseconds.
lab__secs_to_us() {
    local s=$1 int frac
    case "$s" in
        *.*) int=${s%%.*} frac=${s#*.} ;;
        *) int=$s frac= ;;
    esac
    frac=${frac}000000
    frac=${frac:0:6}
    printf '%s\n' "$((10#${int:-0} * 1000000 + 10#$frac))"
}

# lab_elapsed_ms START_US: milliseconds since START_US (from lab__now_us).
lab_elapsed_ms() {
    local now
    now=$(lab__now_us)
    printf '%s\n' "$(((now - $1) / 1000))"
}

# lab_wait_for TIMEOUT_S CMD...: run CMD every 50 ms until it succeeds (0) or
# TIMEOUT_S seconds have passed (1).  CMD always runs at least once.
lab_wait_for() {
    local timeout=$1 deadline
    shift
    deadline=$(($(lab__now_us) + $(lab__secs_to_us "$timeout")))
    while :; do
        "$@" && return 0
        [ "$(lab__now_us)" -ge "$deadline" ] && return 1
        sleep 0.05
    done
}

# ---------------------------------------------------------------------------
# Processes

# lab__starttime PID: the kernel start time of PID (field 22 of stat), used to
# make sure a recorded PID still names the process we started.
lab__starttime() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    # shellcheck disable=SC2086
    set -- $stat
    printf '%s\n' "${20}"
}

lab__record() { # PID LABEL
    local st
    st=$(lab__starttime "$1") || st=0
    LAB_PROCS+=("$1:$st:$2")
}

# lab__alive PID: true while PID exists and is not a zombie.
lab__alive() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [ "${stat%% *}" != Z ]
}

lab__dead() { ! lab__alive "$1"; }

# lab__stop PID LABEL [STARTTIME]: SIGTERM, wait up to 5 s, then SIGKILL.
lab__stop() {
    local pid=$1 label=$2 st=${3:-} now
    lab__alive "$pid" || { wait "$pid" 2>/dev/null; return 0; }
    if [ -n "$st" ] && [ "$st" != 0 ]; then
        now=$(lab__starttime "$pid") || return 0
        if [ "$now" != "$st" ]; then
            lab_warn "PID $pid ($label) was reused by another process; not touching it"
            return 0
        fi
    fi
    kill -TERM "$pid" 2>/dev/null
    if ! lab_wait_for 5 lab__dead "$pid"; then
        lab_warn "$label (PID $pid) ignored SIGTERM for 5 s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null
        lab_wait_for 5 lab__dead "$pid" || lab_warn "$label (PID $pid) survived SIGKILL"
    fi
    wait "$pid" 2>/dev/null
    return 0
}

# ---------------------------------------------------------------------------
# Setup

LAB__REQUIRED_TOOLS="ip nsenter unshare mount NetworkManager nmcli dnsmasq dbus-daemon ping mktemp"

# lab_check_requirements: non-zero (with a message) unless root with all tools.
lab_check_requirements() {
    local t missing=
    if [ "$(id -u)" != 0 ]; then
        printf '# lab: ERROR: must run as root (network namespaces, mounts)\n' >&2
        return 1
    fi
    for t in $LAB__REQUIRED_TOOLS; do
        command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
    done
    if [ -n "$LAB_NM_PREFIX" ]; then
        LAB_NM_DISPATCHER=$LAB_NM_PREFIX/libexec/nm-dispatcher
        for t in sbin/NetworkManager bin/nmcli lib/libnm.so.0; do
            [ -e "$LAB_NM_PREFIX/$t" ] || missing="$missing $LAB_NM_PREFIX/$t"
        done
    fi
    [ -x "$LAB_NM_DISPATCHER" ] || missing="$missing $LAB_NM_DISPATCHER"
    if [ -n "$missing" ]; then
        printf '# lab: ERROR: required tool(s) missing:%s (packages: network-manager dnsmasq-base dbus iproute2 iputils-ping util-linux)\n' "$missing" >&2
        return 1
    fi
    return 0
}

# lab_init TAG: pick namespace names, create LAB_DIR, install the EXIT trap.
lab_init() {
    local tag=${1:-lab}
    if [ -n "$LAB_ACTIVE" ]; then
        printf '# lab: ERROR: lab_init: lab %s still active; call lab_cleanup first\n' "$LAB_PREFIX" >&2
        return 1
    fi
    lab_check_requirements || return 1
    lab__nm_identify || return 1
    LAB_SEQ=$((LAB_SEQ + 1))
    LAB_PREFIX="${tag}-$$-${LAB_SEQ}"
    LAB_DIR=$(mktemp -d "${TMPDIR:-/tmp}/${LAB_PREFIX}.XXXXXX") || {
        printf '# lab: ERROR: mktemp -d failed\n' >&2
        return 1
    }
    chmod 0755 "$LAB_DIR"
    LAB_ACTIVE=1
    LAB_NS_HOST="$LAB_PREFIX-host"
    LAB_NS_LAN="$LAB_PREFIX-lan"
    LAB_NS_REMOTE="$LAB_PREFIX-remote"
    LAB_NS_GUEST="$LAB_PREFIX-guest"
    LAB_PROCS=()
    LAB_NETNS=()
    LAB_GUEST_PID=
    trap 'lab__on_exit' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    lab_log "lab $LAB_PREFIX in $LAB_DIR"
}

# lab__nm_identify: LAB_NM_VERSION and LAB_NM_STORE of the NetworkManager the
# lab runs (LAB_NM_PREFIX or the system's).
lab__nm_identify() {
    local nm=NetworkManager plugin_dir v
    [ -z "$LAB_NM_PREFIX" ] || nm=$LAB_NM_PREFIX/sbin/NetworkManager
    v=$("$nm" --version 2>/dev/null) || v=
    # Debian appends "-1+deb12u1"-like suffixes, tools/build-nm.sh "-nmf-lab".
    LAB_NM_VERSION=$(printf '%s\n' "$v" | grep -oE '^[0-9]+\.[0-9]+\.[0-9]+' | head -n 1)
    if [ -z "$LAB_NM_VERSION" ]; then
        printf '# lab: ERROR: cannot tell the version of %s (--version said "%s")\n' "$nm" "$v" >&2
        return 1
    fi
    if [ -n "${LAB_NM_PLUGINS:-}" ]; then
        LAB_NM_STORE=keyfile
        case ",$LAB_NM_PLUGINS," in *,ifcfg-rh,*) LAB_NM_STORE=ifcfg-rh ;; esac
    elif [ -n "$LAB_NM_PREFIX" ] &&
        plugin_dir=$(find "$LAB_NM_PREFIX/lib/NetworkManager" -name 'libnm-settings-plugin-ifcfg-rh.so' 2>/dev/null | head -n 1) &&
        [ -n "$plugin_dir" ]; then
        LAB_NM_STORE=ifcfg-rh
    else
        LAB_NM_STORE=keyfile
    fi
}

# lab_nm_at_least X.Y[.Z]: the lab's NetworkManager is that release or newer.
lab_nm_at_least() {
    local IFS=. a b i
    read -r -a a <<<"$LAB_NM_VERSION"
    read -r -a b <<<"$1"
    for i in 0 1 2; do
        [ "${a[$i]:-0}" -gt "${b[$i]:-0}" ] && return 0
        [ "${a[$i]:-0}" -lt "${b[$i]:-0}" ] && return 1
    done
    return 0
}

# lab_moves_routes: true when the product, in mode=metric, changes a link whose
# applied connection leaves the metric to NetworkManager by moving its default
# routes in the kernel instead of a Reapply (NetworkManager >= 1.36; README
# "NetworkManager releases").
lab_moves_routes() { lab_nm_at_least 1.36; }

# lab_change_line [IFACE]: the start of the product's log line for changing a
# link live ("reapply IFACE " or "move the default routes of IFACE ").
lab_change_line() {
    if lab_moves_routes; then
        printf 'move the default routes of %s' "${1:+$1 }"
    else
        printf 'reapply %s' "${1:+$1 }"
    fi
}

lab__on_exit() {
    local rc=$?
    lab_cleanup
    exit "$rc"
}

lab__netns_add() { # NAME
    ip netns add "$1" || { lab_fail "ip netns add $1 failed"; return 1; }
    LAB_NETNS+=("$1")
    ip -n "$1" link set lo up
}

# lab__run_bg LABEL LOG CMD...: start CMD in the background with output to LOG
# (it must exec, not fork), record its PID.
lab__run_bg() {
    local label=$1 log=$2
    shift 2
    "$@" </dev/null >>"$log" 2>&1 &
    LAB__LAST_PID=$!
    lab__record "$LAB__LAST_PID" "$label"
}

lab__dnsmasq() { # ROLE NS IFACE DHCP-ARGS...
    local role=$1 ns=$2 ifc=$3 pidf
    shift 3
    pidf="$LAB_DIR/dnsmasq-$role.pid"
    lab__run_bg "dnsmasq-$role" "$LAB_DIR/dnsmasq-$role.out" \
        ip netns exec "$ns" dnsmasq --keep-in-foreground --conf-file=/dev/null \
        --port=0 --bind-interfaces --interface="$ifc" --no-ping --no-resolv --no-hosts \
        --user=root --group=root --dhcp-authoritative --log-dhcp \
        --pid-file="$pidf" --dhcp-leasefile="$LAB_DIR/dnsmasq-$role.leases" \
        --log-facility="$LAB_DIR/dnsmasq-$role.log" "$@"
    local pid=$LAB__LAST_PID
    if ! lab_wait_for 5 test -s "$pidf"; then
        lab_fail "dnsmasq ($role) did not start; see $LAB_DIR/dnsmasq-$role.out"
        return 1
    fi
    lab__alive "$pid" || { lab_fail "dnsmasq ($role) exited at start"; return 1; }
}

# lab_topology: namespaces host, lan, remote, guest and the links between them.
lab_topology() {
    local h l r g t0
    [ -n "$LAB_ACTIVE" ] || { printf '# lab: ERROR: lab_topology before lab_init\n' >&2; return 1; }
    h=$LAB_NS_HOST l=$LAB_NS_LAN r=$LAB_NS_REMOTE g=$LAB_NS_GUEST
    t0=$(lab__now_us)
    lab__netns_add "$h" && lab__netns_add "$l" && lab__netns_add "$r" && lab__netns_add "$g" || return 1

    # host: libvirt-like NAT bridge 192.168.122.1/24 (no route to 10.72.112.0/24,
    # ip_forward stays 0: a reply sent that way is lost, as in the report).
    # guest eth0 <-> host vnet0 (bridge port).
    if ! {
        ip -n "$g" link add eth0 address "$LAB_GUEST_ETH0_MAC" type veth peer name vnet0 netns "$h" &&
            ip -n "$h" link add br0 address "$LAB_NAT_BRIDGE_MAC" type bridge forward_delay 0 stp_state 0 &&
            ip -n "$h" addr add "$LAB_NAT_GW/24" dev br0 &&
            ip -n "$h" link set br0 up &&
            ip -n "$h" link set vnet0 master br0 up
    }; then
        lab_fail "building the host (NAT) side failed"
        return 1
    fi

    # lan router: 10.66.61.254/23 towards the guest's eth1, 10.72.112.254/24
    # towards the remote host, forwarding on.
    if ! {
        ip -n "$g" link add "$LAB_GUEST_ETH1" address "$LAB_GUEST_ETH1_MAC" type veth peer name lan0 netns "$l" &&
            ip -n "$l" link set lan0 address "$LAB_LAN_ROUTER_MAC" &&
            ip -n "$l" addr add "$LAB_LAN_GW/$LAB_LAN_PREFIXLEN" dev lan0 &&
            ip -n "$l" link set lan0 up &&
            ip -n "$l" link add wan0 type veth peer name eth0 netns "$r" &&
            ip -n "$l" addr add "$LAB_REMOTE_GW/24" dev wan0 &&
            ip -n "$l" link set wan0 up &&
            ip netns exec "$l" sysctl -qw net.ipv4.ip_forward=1
    }; then
        lab_fail "building the lan router failed"
        return 1
    fi

    # remote host behind the lan router.
    if ! {
        ip -n "$r" addr add "$LAB_REMOTE_ADDR/24" dev eth0 &&
            ip -n "$r" link set eth0 up &&
            ip -n "$r" route add default via "$LAB_REMOTE_GW"
    }; then
        lab_fail "building the remote host failed"
        return 1
    fi

    # guest: eth0/eth1 stay DOWN and unconfigured; NetworkManager manages them.

    local extra=() nat_extra=() lan_extra=()
    read -r -a extra <<<"${LAB_DHCP_OPTS:-}"
    read -r -a nat_extra <<<"${LAB_NAT_DHCP_OPTS:-}"
    read -r -a lan_extra <<<"${LAB_LAN_DHCP_OPTS:-}"
    lab__dnsmasq host "$h" br0 \
        --dhcp-range="${LAB_NAT_DHCP_RANGE:-${LAB_NAT_GW%.*}.100,${LAB_NAT_GW%.*}.200,255.255.255.0},${LAB_NAT_DHCP_LEASE:-${LAB_DHCP_LEASE:-1h}}" \
        "${extra[@]}" "${nat_extra[@]}" || return 1
    lab__dnsmasq lan "$l" lan0 \
        --dhcp-range="$LAB_LAN_DHCP_RANGE,${LAB_DHCP_LEASE:-1h}" \
        --dhcp-host="$LAB_GUEST_ETH1_MAC,$LAB_GUEST_LAN_ADDR" "${extra[@]}" "${lan_extra[@]}" || return 1
    lab_log "topology up in $(lab_elapsed_ms "$t0") ms (netns $h $l $r $g)"
}

# ---------------------------------------------------------------------------
# Guest: private mount namespace, private D-Bus, NetworkManager

# lab_guest CMD...: run CMD in the guest's net+mount+UTS namespaces, with the
# lab's system bus.  The working directory is / of the guest.
lab_guest() {
    [ -n "$LAB_GUEST_PID" ] || { printf '# lab: ERROR: lab_guest: guest namespace not started (lab_start_nm)\n' >&2; return 1; }
    nsenter -t "$LAB_GUEST_PID" -n -m -u -- \
        env DBUS_SYSTEM_BUS_ADDRESS="unix:path=$LAB_BUS_SOCKET" LC_ALL=C "$@"
}

# lab_ns ROLE CMD...: run CMD in the network namespace of host|lan|remote
# (guest: network namespace only; use lab_guest for NM tools).
lab_ns() {
    local role=$1 ns
    shift
    case "$role" in
        host) ns=$LAB_NS_HOST ;;
        lan) ns=$LAB_NS_LAN ;;
        remote) ns=$LAB_NS_REMOTE ;;
        guest) ns=$LAB_NS_GUEST ;;
        *) printf '# lab: ERROR: lab_ns: unknown role %s\n' "$role" >&2; return 2 ;;
    esac
    [ -n "$ns" ] || { printf '# lab: ERROR: lab_ns: no lab\n' >&2; return 1; }
    ip netns exec "$ns" env LC_ALL=C "$@"
}

lab__write_guest_files() {
    local d=$LAB_DIR/guest sub plugins=keyfile auth_polkit=root-only
    [ "$LAB_NM_STORE" != ifcfg-rh ] || plugins=ifcfg-rh
    plugins=${LAB_NM_PLUGINS:-$plugins}
    # root-only exists from 1.36 (older releases read only true/false); the
    # prefix builds have no polkit at all.
    lab_nm_at_least 1.36 || auth_polkit=false
    mkdir -p "$d/sysconfig/network-scripts" || return 1
    mkdir -p "$d/var-lib-nm" "$d/lib-confd" "$d/lib-syscon" "$d/dbus/services" "$d/bin" \
        "$d/etc-nm/conf.d" "$d/etc-nm/system-connections" || return 1
    for sub in "" /no-wait.d /pre-up.d /pre-down.d; do
        mkdir -p "$d/etc-nm/dispatcher.d$sub" "$d/lib-dispatcher$sub" || return 1
    done
    chmod -R go-w "$d"
    printf 'nameserver 127.0.0.1\n' >"$d/resolv.conf"
    printf '%s\n' lab-guest >"$d/hostname"

    cat >"$d/etc-nm/NetworkManager.conf" <<EOF
# NetworkManager.conf of the lab guest (private mount namespace)
[main]
plugins=$plugins
dhcp=internal
dns=none
rc-manager=unmanaged
hostname-mode=none
auth-polkit=$auth_polkit
no-auto-default=*

[connectivity]
enabled=false

[logging]
level=${LAB_NM_LOG_LEVEL:-INFO}
domains=ALL
EOF

    # Private system bus: no <user>, <fork> or <servicehelper>, so activated
    # services (nm-dispatcher) are started by dbus-daemon itself, inside the
    # guest namespaces and with its environment.
    cat >"$d/dbus/system.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$LAB_BUS_SOCKET</listen>
  <auth>EXTERNAL</auth>
  <servicedir>$d/dbus/services</servicedir>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
  </policy>
  <policy user="root">
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Monitoring"/>
  </policy>
  <includedir>/usr/share/dbus-1/system.d</includedir>
$([ -z "$LAB_NM_PREFIX" ] || echo "  <includedir>$LAB_NM_PREFIX/share/dbus-1/system.d</includedir>")
</busconfig>
EOF

    # nm-dispatcher, D-Bus activated; its output (and that of the scripts it
    # runs, which inherit its stdout/stderr) goes to dispatcher.log.
    cat >"$d/bin/nm-dispatcher" <<EOF
#!/bin/sh
exec $LAB_NM_DISPATCHER --debug >>$LAB_DIR/dispatcher.log 2>&1
EOF
    chmod 0755 "$d/bin/nm-dispatcher"
    cat >"$d/dbus/services/org.freedesktop.nm_dispatcher.service" <<EOF
[D-BUS Service]
Name=org.freedesktop.nm_dispatcher
Exec=$d/bin/nm-dispatcher
EOF
    : >"$LAB_DIR/dispatcher.log"
}

# lab__install_stage STAGE_DIR: dispatcher scripts into the guest's private
# dispatcher dirs (root-owned, 0755: NM refuses group/other-writable scripts).
lab__install_stage() {
    local stage=$1 d=$LAB_DIR/guest n=0 src dst other
    [ -d "$stage/usr/local" ] || { lab_fail "stage $stage has no usr/local (meson install --destdir with prefix /usr/local?)"; return 1; }
    for src in etc/NetworkManager/dispatcher.d usr/lib/NetworkManager/dispatcher.d; do
        [ -d "$stage/$src" ] || continue
        case "$src" in
            etc/*) dst=$d/etc-nm/dispatcher.d ;;
            *) dst=$d/lib-dispatcher ;;
        esac
        cp -a "$stage/$src/." "$dst/" || { lab_fail "copying $stage/$src failed"; return 1; }
        n=$((n + $(find "$stage/$src" \( -type f -o -type l \) | wc -l)))
    done
    chown -R -h root:root "$d/etc-nm/dispatcher.d" "$d/lib-dispatcher"
    find "$d/etc-nm/dispatcher.d" "$d/lib-dispatcher" -type f -exec chmod 0755 {} + &&
        find "$d/etc-nm/dispatcher.d" "$d/lib-dispatcher" -type d -exec chmod 0755 {} + || return 1
    # Anything else in the stage would not reach the guest: say so.
    other=$(cd "$stage" && find . -mindepth 1 \( -type f -o -type l \) \
        ! -path './usr/local/*' ! -path './etc/NetworkManager/dispatcher.d/*' \
        ! -path './usr/lib/NetworkManager/dispatcher.d/*' | sed 's|^\./|/|' | paste -sd ' ')
    [ -z "$other" ] || lab_warn "stage files NOT installed in the guest: $other"
    if [ "$n" = 0 ]; then
        lab_warn "stage $stage installs no dispatcher script (etc/NetworkManager/dispatcher.d)"
    else
        lab_log "installed $n dispatcher file(s) from $stage"
    fi
}

# lab__guest_is_holder: the holder has finished unshare and exec'd sleep.
lab__guest_is_holder() {
    local comm
    comm=$(cat "/proc/$LAB_GUEST_PID/comm" 2>/dev/null) || return 1
    [ "$comm" = sleep ]
}

# lab__guest_setup [STAGE_DIR]: mounts inside the guest mount namespace.
lab__guest_setup() {
    local stage=${1:-} d=$LAB_DIR/guest
    nsenter -t "$LAB_GUEST_PID" -n -m -u -- /bin/sh -eu -s "$d" "$stage" "$LAB_NM_PREFIX" \
        "$LAB_NM_STORE" "$LAB_NM_DISPATCHER" <<'EOF'
d=$1 stage=$2 prefix=$3 store=$4 dispatcher=$5
bind() { # SRC DST
    [ -e "$2" ] || { echo "lab guest: $2 does not exist" >&2; exit 1; }
    mount --bind "$1" "$2"
}
# Fresh, empty /run (no leftover /run/NetworkManager/devices/N).
mount -t tmpfs -o mode=0755,nosuid,nodev lab-run /run
mkdir -p /run/dbus /run/lock /run/NetworkManager
# /etc/resolv.conf or /etc/hostname may be symlinks into the (now empty) /run.
for f in /etc/resolv.conf /etc/hostname; do
    if [ -L "$f" ]; then
        t=$(readlink -f "$f")
        mkdir -p "$(dirname "$t")"
        : >"$t"
    fi
done
bind "$d/etc-nm" /etc/NetworkManager
bind "$d/lib-dispatcher" /usr/lib/NetworkManager/dispatcher.d
bind "$d/lib-confd" /usr/lib/NetworkManager/conf.d
[ -d /usr/lib/NetworkManager/system-connections ] && bind "$d/lib-syscon" /usr/lib/NetworkManager/system-connections
mkdir -p /var/lib/NetworkManager 2>/dev/null || true
bind "$d/var-lib-nm" /var/lib/NetworkManager
bind "$d/resolv.conf" /etc/resolv.conf
bind "$d/hostname" /etc/hostname
hostname lab-guest
# Without udev NM would leave the links unmanaged while /sys is writable.
mount -o remount,bind,ro /sys
if [ -n "$prefix" ]; then
    # The release under test replaces the system's NetworkManager, nmcli,
    # nm-dispatcher and libnm for every program of the guest.
    bind "$prefix/sbin/NetworkManager" "$(command -v NetworkManager)"
    bind "$prefix/bin/nmcli" "$(command -v nmcli)"
    bind "$dispatcher" /usr/lib/NetworkManager/nm-dispatcher
    sys_libnm=$(ldd "$(command -v nmcli)" | awk '$1 == "libnm.so.0" { print $3 }')
    [ -n "$sys_libnm" ] || { echo "lab guest: nmcli links no libnm.so.0" >&2; exit 1; }
    bind "$(readlink -f "$prefix/lib/libnm.so.0")" "$(readlink -f "$sys_libnm")"
    # Its own lib dir is where it looks for dispatcher scripts and conf.d too.
    for sub in dispatcher.d conf.d system-connections; do
        mkdir -p "$prefix/lib/NetworkManager/$sub"
    done
    bind "$d/lib-dispatcher" "$prefix/lib/NetworkManager/dispatcher.d"
    bind "$d/lib-confd" "$prefix/lib/NetworkManager/conf.d"
    bind "$d/lib-syscon" "$prefix/lib/NetworkManager/system-connections"
fi
if [ "$store" = ifcfg-rh ]; then
    # /etc/sysconfig/network-scripts, private: /etc becomes an overlay whose
    # writes land in a tmpfs of this namespace (the machine's /etc is not
    # touched), then the lab's directories are bound over it as before.
    mkdir -p "$d/etc-ovl"
    mount -t tmpfs -o mode=0755 lab-etc-ovl "$d/etc-ovl"
    mkdir -p "$d/etc-ovl/upper" "$d/etc-ovl/work"
    mount -t overlay lab-etc -o "lowerdir=/etc,upperdir=$d/etc-ovl/upper,workdir=$d/etc-ovl/work" /etc
    mkdir -p /etc/sysconfig/network-scripts
    bind "$d/sysconfig/network-scripts" /etc/sysconfig/network-scripts
    bind "$d/etc-nm" /etc/NetworkManager
    bind "$d/resolv.conf" /etc/resolv.conf
    bind "$d/hostname" /etc/hostname
fi
if [ -n "$stage" ]; then
    mount -t tmpfs -o mode=0755 lab-usr-local /usr/local
    cp -a "$stage/usr/local/." /usr/local/
    chown -R -h root:root /usr/local
fi
EOF
}

# lab_nm_ready: NM answers and both guest links are managed and disconnected
# or better (i.e. not unmanaged/unavailable/unknown).
lab_nm_ready() {
    local out line ok=0
    lab_guest nmcli -t general >/dev/null 2>&1 || return 1
    # C.UTF-8: in the C locale nmcli prints a name's non-ASCII bytes as '?'.
    out=$(lab_guest env LC_ALL=C.UTF-8 nmcli -t -f DEVICE,STATE device 2>/dev/null) || return 1
    while IFS= read -r line; do
        case "${line%%:*}" in
            eth0 | "$LAB_GUEST_ETH1") ;;
            *) continue ;;
        esac
        case "${line#*:}" in
            unmanaged | unavailable | unknown) ;;
            *) ok=$((ok + 1)) ;;
        esac
    done <<<"$out"
    [ "$ok" = 2 ]
}

# lab_start_nm [STAGE_DIR]: guest mount namespace, private bus, NetworkManager.
lab_start_nm() {
    local stage=${1:-} t0 penv
    if [ -z "$LAB_ACTIVE" ] || [ ${#LAB_NETNS[@]} -ne 4 ]; then
        printf '# lab: ERROR: lab_start_nm needs lab_init and lab_topology first\n' >&2
        return 1
    fi
    [ -z "$LAB_GUEST_PID" ] || { printf '# lab: ERROR: NetworkManager already started in this lab\n' >&2; return 1; }
    if [ -n "$stage" ]; then
        stage=$(readlink -f "$stage")
        if [ ! -d "$stage" ]; then
            lab_fail "stage dir ${1} not found"
            return 1
        fi
    fi
    t0=$(lab__now_us)
    lab__write_guest_files || { lab_fail "writing guest config into $LAB_DIR/guest failed"; return 1; }
    if [ -n "$stage" ]; then
        lab__install_stage "$stage" || return 1
    fi

    # Long-lived holder of the guest's private mount+UTS namespace; everything
    # else enters it with nsenter.  `ip netns exec` and `unshare` both exec, so
    # $! ends up being the `sleep`.
    (cd / && exec ip netns exec "$LAB_NS_GUEST" unshare --mount --uts --propagation private -- sleep infinity) \
        </dev/null >>"$LAB_DIR/holder.log" 2>&1 &
    LAB_GUEST_PID=$!
    if ! lab_wait_for 5 lab__guest_is_holder; then
        lab_fail "guest namespace holder (PID $LAB_GUEST_PID) did not come up; see $LAB_DIR/holder.log"
        return 1
    fi
    lab__record "$LAB_GUEST_PID" guest-holder

    lab__guest_setup "$stage" 2>>"$LAB_DIR/holder.log" ||
        { lab_fail "mount setup in the guest namespace failed; see $LAB_DIR/holder.log"; return 1; }

    penv=(env -i "PATH=$LAB_GUEST_PATH" LC_ALL=C "DBUS_SYSTEM_BUS_ADDRESS=unix:path=$LAB_BUS_SOCKET")
    lab__run_bg dbus-daemon "$LAB_DIR/dbus.log" \
        nsenter -t "$LAB_GUEST_PID" -n -m -u -- "${penv[@]}" \
        dbus-daemon --config-file="$LAB_DIR/guest/dbus/system.conf" --nofork --nopidfile --nosyslog
    LAB_DBUS_PID=$LAB__LAST_PID
    if ! lab_wait_for 5 lab_guest test -S "$LAB_BUS_SOCKET"; then
        lab_fail "private dbus-daemon did not create $LAB_BUS_SOCKET"
        return 1
    fi

    lab__run_bg NetworkManager "$LAB_DIR/nm.log" \
        nsenter -t "$LAB_GUEST_PID" -n -m -u -- "${penv[@]}" \
        NetworkManager --debug
    LAB_NM_PID=$LAB__LAST_PID
    if ! lab_wait_for 20 lab_nm_ready; then
        lab__alive "$LAB_NM_PID" || lab_warn "NetworkManager (PID $LAB_NM_PID) exited"
        lab_guest nmcli device >&2 2>&1 || true
        lab_fail "NetworkManager not ready with eth0/eth1 managed within 20 s"
        return 1
    fi
    lab_log "NetworkManager $(lab_guest nmcli -g VERSION general 2>/dev/null) ready in $(lab_elapsed_ms "$t0") ms (PID $LAB_NM_PID${stage:+, product from $stage})"
}

# lab_add_profiles [--ipv6]: keyfile profiles `nat` (eth0) and `lan` (eth1),
# DHCP, route metric left at -1, no autoconnect.  Without options IPv6 is off
# (ipv6.method ignore); with --ipv6 the profiles take router advertisements
# (ipv6.method auto, EUI-64 addresses, no privacy addresses, ipv6.route-metric
# -1): see lab_topology_ipv6.
# shellcheck disable=SC2120 # the options are optional
# With --lan-ipv6-only both take router advertisements and the lan profile
# has IPv4 off (ipv4.method disabled): an IPv6-only LAN beside a dual-stack NAT.
lab_add_profiles() {
    local id ifc v4 v6=(ipv6.method ignore) lan_v4=(ipv4.method auto ipv4.route-metric -1)
    local auto6=(ipv6.method auto ipv6.addr-gen-mode eui64 ipv6.ip6-privacy 0 ipv6.route-metric -1)
    while [ $# -gt 0 ]; do
        case "$1" in
            --ipv6) v6=("${auto6[@]}") ;;
            --lan-ipv6-only) v6=("${auto6[@]}") lan_v4=(ipv4.method disabled) ;;
            *) printf '# lab: ERROR: lab_add_profiles: unknown option %s\n' "$1" >&2; return 2 ;;
        esac
        shift
    done
    for id in nat:eth0 "lan:$LAB_GUEST_ETH1"; do
        ifc=${id#*:} id=${id%%:*}
        v4=(ipv4.method auto ipv4.route-metric -1)
        [ "$id" = lan ] && v4=("${lan_v4[@]}")
        lab_guest env LC_ALL=C.UTF-8 nmcli connection add type ethernet con-name "$id" ifname "$ifc" \
            connection.autoconnect no "${v4[@]}" "${v6[@]}" >/dev/null ||
            { lab_fail "nmcli connection add $id failed"; return 1; }
    done
}

# lab_default_dev: device of the guest's lowest-metric IPv4 default route in
# the main table (empty if none).
lab_default_dev() {
    lab_guest ip -4 route show table main default 2>/dev/null | awk '
        { dev = ""; metric = 0
          for (i = 1; i < NF; i++) {
              if ($i == "dev") dev = $(i + 1)
              if ($i == "metric") metric = $(i + 1) + 0
          }
          if (dev != "" && (best == "" || metric < bestm)) { best = dev; bestm = metric } }
        END { if (best != "") print best }'
}

# lab_default_dev_is DEV: for lab_wait_for.
lab_default_dev_is() {
    [ "$(lab_default_dev)" = "$1" ]
}

# lab_remote_ping ADDR: one ping from the remote host, 1 s timeout.
lab_remote_ping() {
    ip netns exec "$LAB_NS_REMOTE" ping -n -q -c 1 -W 1 "$1" >/dev/null 2>&1
}

# lab_guest_pids: PIDs of all processes in the guest network namespace.
lab_guest_pids() {
    [ -n "$LAB_NS_GUEST" ] || return 0
    ip netns pids "$LAB_NS_GUEST" 2>/dev/null
}

# ---------------------------------------------------------------------------
# Topology extensions (optional; call after lab_topology)

# IPv6 of the IPv6 extension (lab_topology_ipv6).  The guest's addresses are
# EUI-64 (lab_add_profiles --ipv6), written the way `ip` prints them.
LAB_NAT_PREFIX6=fd00:122::/64
LAB_LAN_PREFIX6=2001:db8:66::/64
LAB_NAT_GW6=fd00:122::1
LAB_LAN_GW6=2001:db8:66::1
LAB_REMOTE_GW6=2001:db8:72::1
LAB_REMOTE_ADDR6=2001:db8:72::29
LAB_GUEST_NAT_ADDR6=fd00:122::5054:ff:fe00:10
LAB_GUEST_LAN_ADDR6=2001:db8:66:0:5054:ff:fe00:11
# The host <-> lan router link of the return-path extension
# (lab_topology_return_path).
LAB_XLINK_HOST_ADDR=10.255.0.1
LAB_XLINK_LAN_ADDR=10.255.0.2

lab__need_topology() { # FUNCTION
    if [ -z "$LAB_ACTIVE" ] || [ ${#LAB_NETNS[@]} -lt 4 ]; then
        printf '# lab: ERROR: %s needs lab_init and lab_topology first\n' "$1" >&2
        return 1
    fi
}

# lab_topology_ipv6: IPv6 on both sides, by router advertisement only (no
# DHCPv6): the host bridge advertises fd00:122::/64 (router fd00:122::1), the
# lan router 2001:db8:66::/64 (router 2001:db8:66::1) and routes to the remote
# host's 2001:db8:72::29/64.  As with IPv4, the host has no route back to the
# remote network.  Two more dnsmasq instances (host6, lan6) send the RAs.
# Guest profiles need ipv6.method auto: lab_add_profiles --ipv6.
# With --lan-only the host bridge keeps its address but sends no RAs (a libvirt
# network without IPv6): the guest's NAT link gets no IPv6 default route.
lab_topology_ipv6() {
    local h=$LAB_NS_HOST l=$LAB_NS_LAN r=$LAB_NS_REMOTE g=$LAB_NS_GUEST ns nat_ra=1
    [ "${1:-}" = --lan-only ] && nat_ra=
    lab__need_topology lab_topology_ipv6 || return 1
    # New namespaces normally start with IPv6 on; make sure of it, here only.
    for ns in "$h" "$l" "$r" "$g"; do
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 \
            net.ipv6.conf.default.disable_ipv6=0 || {
            lab_fail "enabling IPv6 in $ns failed"
            return 1
        }
    done
    if ! {
        ip netns exec "$g" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=0 "net.ipv6.conf.$LAB_GUEST_ETH1.disable_ipv6=0" &&
            ip -n "$h" addr add "$LAB_NAT_GW6/64" dev br0 nodad &&
            ip -n "$l" addr add "$LAB_LAN_GW6/64" dev lan0 nodad &&
            ip -n "$l" addr add "$LAB_REMOTE_GW6/64" dev wan0 nodad &&
            ip netns exec "$l" sysctl -qw net.ipv6.conf.all.forwarding=1 &&
            ip -n "$r" addr add "$LAB_REMOTE_ADDR6/64" dev eth0 nodad &&
            ip -n "$r" -6 route add default via "$LAB_REMOTE_GW6"
    }; then
        lab_fail "adding IPv6 to the topology failed"
        return 1
    fi
    if [ -n "$nat_ra" ]; then
        lab__dnsmasq host6 "$h" br0 --enable-ra --dhcp-range=::,constructor:br0,ra-only,64,1h || return 1
    fi
    lab__dnsmasq lan6 "$l" lan0 --enable-ra --dhcp-range=::,constructor:lan0,ra-only,64,1h || return 1
    lab_log "IPv6: RA ${nat_ra:+$LAB_NAT_PREFIX6 on the host bridge, }$LAB_LAN_PREFIX6 on the lan router"
}

# lab_topology_return_path: give the NAT side a way to the remote network, as
# on a libvirt host that routes: a link host xlan0 (10.255.0.1/30) <-> lan
# router xhost0 (10.255.0.2/30), forwarding on in the host, host route to
# 10.72.112.0/24 via the lan router, lan router route to 192.168.122.0/24 via
# the host.  The lan router filters strictly on its guest-facing link
# (rp_filter=1 on lan0, anti-spoofing): a reply sourced from 192.168.122.x
# that leaves the guest by eth1 is dropped there, so the guest's NAT address
# is reachable from the remote host only if its replies leave by eth0.
lab_topology_return_path() {
    local h=$LAB_NS_HOST l=$LAB_NS_LAN
    lab__need_topology lab_topology_return_path || return 1
    if ! {
        ip -n "$h" link add xlan0 type veth peer name xhost0 netns "$l" &&
            ip -n "$h" addr add "$LAB_XLINK_HOST_ADDR/30" dev xlan0 &&
            ip -n "$h" link set xlan0 up &&
            ip -n "$l" addr add "$LAB_XLINK_LAN_ADDR/30" dev xhost0 &&
            ip -n "$l" link set xhost0 up &&
            ip netns exec "$h" sysctl -qw net.ipv4.ip_forward=1 &&
            ip -n "$h" route add "${LAB_REMOTE_ADDR%.*}.0/24" via "$LAB_XLINK_LAN_ADDR" &&
            ip -n "$l" route add "${LAB_NAT_GW%.*}.0/24" via "$LAB_XLINK_HOST_ADDR" &&
            ip netns exec "$l" sysctl -qw net.ipv4.conf.lan0.rp_filter=1
    }; then
        lab_fail "adding the return path (host <-> lan router) failed"
        return 1
    fi
    lab_log "return path: host xlan0 $LAB_XLINK_HOST_ADDR <-> lan xhost0 $LAB_XLINK_LAN_ADDR, strict rp_filter on lan0"
}

# ---------------------------------------------------------------------------
# KVM-host topology (instead of lab_topology): what nm-metric-fix-trace sees

# The host of lab_topology_kvm: its own address on the LAN, the devices that
# stand for libvirt's, and the libvirt test-driver description of them.
LAB_HOST_LAN_ADDR=10.66.61.1
LAB_KVM_UPLINK=uplink0     # the host's NIC toward the LAN router
LAB_KVM_NAT_TAP=nattap0    # backend tap of the guest's eth0 on br0
LAB_KVM_MACVTAP=lanvtap0   # "macvtap" of the guest's eth1 on uplink0
LAB_KVM_PIPE=lanpipe0      # host end of the veth to the guest's eth1
LAB_KVM_DOMAIN=lab-guest
LAB_VIRT_URI=              # test:///LAB_DIR/libvirt-node.xml after lab_topology_kvm
LAB_KVM_FIREWALL_PRIO=100  # the host's policy rules of lab_kvm_host_drop firewall (and +1)

# lab_topology_kvm [firewall|no-forward|rp-filter]: the four namespaces of lab_topology,
# but the guest's LAN link passes through the host the way a macvtap does:
#
#   remote eth0 -- wan0 lan router lan0 -- uplink0 host (10.66.61.1/23, default via .254)
#                                            |  lanvtap0: macvlan on uplink0 (bridge mode,
#                                            |  MAC of guest eth1), tc mirred <-> lanpipe0
#                                            |  (veth) <-> guest eth1
#   host br0 192.168.122.1/24 (dnsmasq) -- nattap0 (veth) <-> guest eth0
#
# A real macvtap hands its frames to QEMU through a character device; here tc
# redirects them between the macvlan and a veth into the guest, so the host's
# uplink0 and lanvtap0 see exactly what they would see with a VM.  The host
# routes (ip_forward=1) and has a route toward the remote network, as a libvirt
# host does.  What kills a reply the guest sends by its NAT link: see
# lab_kvm_host_drop (default firewall, as libvirt does).  Writes a libvirt
# test-driver file describing domain lab-guest (interface type network on
# network "default" = br0, target nattap0; type direct on uplink0, target
# lanvtap0) and sets LAB_VIRT_URI.  The test driver renames <target dev>
# names that start with vnet or macvtap, hence these names.
lab_topology_kvm() {
    local h l r g t0 mode=${1:-firewall}
    [ -n "$LAB_ACTIVE" ] || { printf '# lab: ERROR: lab_topology_kvm before lab_init\n' >&2; return 1; }
    case "$mode" in
        firewall | no-forward | rp-filter) ;;
        *) printf '# lab: ERROR: lab_topology_kvm: unknown mode %s\n' "$mode" >&2; return 2 ;;
    esac
    h=$LAB_NS_HOST l=$LAB_NS_LAN r=$LAB_NS_REMOTE g=$LAB_NS_GUEST
    t0=$(lab__now_us)
    lab__netns_add "$h" && lab__netns_add "$l" && lab__netns_add "$r" && lab__netns_add "$g" || return 1

    # NAT side: br0 with the backend tap of the guest's eth0.
    if ! {
        ip -n "$g" link add eth0 address "$LAB_GUEST_ETH0_MAC" type veth peer name "$LAB_KVM_NAT_TAP" netns "$h" &&
            ip -n "$h" link add br0 address "$LAB_NAT_BRIDGE_MAC" type bridge forward_delay 0 stp_state 0 &&
            ip -n "$h" addr add "$LAB_NAT_GW/24" dev br0 &&
            ip -n "$h" link set br0 up &&
            ip -n "$h" link set "$LAB_KVM_NAT_TAP" master br0 up
    }; then
        lab_fail "building the host's NAT side failed"
        return 1
    fi

    # The host's uplink to the lan router, its address and routes.
    if ! {
        ip -n "$h" link add "$LAB_KVM_UPLINK" type veth peer name lan0 netns "$l" &&
            ip -n "$l" link set lan0 address "$LAB_LAN_ROUTER_MAC" &&
            ip -n "$h" addr add "$LAB_HOST_LAN_ADDR/23" dev "$LAB_KVM_UPLINK" &&
            ip -n "$h" link set "$LAB_KVM_UPLINK" up &&
            ip -n "$h" route add default via "$LAB_LAN_GW" dev "$LAB_KVM_UPLINK" &&
            ip -n "$l" addr add "$LAB_LAN_GW/23" dev lan0 &&
            ip -n "$l" link set lan0 up &&
            ip -n "$l" link add wan0 type veth peer name eth0 netns "$r" &&
            ip -n "$l" addr add "$LAB_REMOTE_GW/24" dev wan0 &&
            ip -n "$l" link set wan0 up &&
            ip netns exec "$l" sysctl -qw net.ipv4.ip_forward=1 &&
            ip -n "$r" addr add "$LAB_REMOTE_ADDR/24" dev eth0 &&
            ip -n "$r" link set eth0 up &&
            ip -n "$r" route add default via "$LAB_REMOTE_GW"
    }; then
        lab_fail "building the host uplink, lan router or remote host failed"
        return 1
    fi

    # The guest's LAN link: macvlan on uplink0 with the guest's MAC, patched by
    # tc to a veth whose other end is the guest's eth1.  Neither host end has
    # an address or IPv6, so the host's own stack never answers for the guest.
    if ! {
        ip -n "$g" link add "$LAB_GUEST_ETH1" address "$LAB_GUEST_ETH1_MAC" type veth peer name "$LAB_KVM_PIPE" netns "$h" &&
            ip -n "$h" link add link "$LAB_KVM_UPLINK" name "$LAB_KVM_MACVTAP" address "$LAB_GUEST_ETH1_MAC" \
                type macvlan mode bridge &&
            ip netns exec "$h" sysctl -qw "net.ipv6.conf.$LAB_KVM_MACVTAP.disable_ipv6=1" \
                "net.ipv6.conf.$LAB_KVM_PIPE.disable_ipv6=1" &&
            ip -n "$h" link set "$LAB_KVM_MACVTAP" up &&
            ip -n "$h" link set "$LAB_KVM_PIPE" up &&
            ip netns exec "$h" tc qdisc add dev "$LAB_KVM_MACVTAP" ingress &&
            ip netns exec "$h" tc filter add dev "$LAB_KVM_MACVTAP" parent ffff: protocol all \
                u32 match u32 0 0 action mirred egress redirect dev "$LAB_KVM_PIPE" &&
            ip netns exec "$h" tc qdisc add dev "$LAB_KVM_PIPE" ingress &&
            ip netns exec "$h" tc filter add dev "$LAB_KVM_PIPE" parent ffff: protocol all \
                u32 match u32 0 0 action mirred egress redirect dev "$LAB_KVM_MACVTAP"
    }; then
        lab_fail "building the guest's macvtap-like LAN link failed (macvlan, tc u32/mirred)"
        return 1
    fi

    lab_kvm_host_drop "$mode" || return 1

    lab__virt_node_xml >"$LAB_DIR/libvirt-node.xml" || { lab_fail "writing libvirt-node.xml failed"; return 1; }
    LAB_VIRT_URI="test://$LAB_DIR/libvirt-node.xml"

    lab__dnsmasq host "$h" br0 \
        --dhcp-range=192.168.122.100,192.168.122.200,255.255.255.0,1h || return 1
    lab__dnsmasq lan "$l" lan0 \
        --dhcp-range=10.66.60.100,10.66.60.200,255.255.254.0,1h \
        --dhcp-host="$LAB_GUEST_ETH1_MAC,$LAB_GUEST_LAN_ADDR" || return 1
    lab_log "KVM-host topology ($mode) up in $(lab_elapsed_ms "$t0") ms (netns $h $l $r $g)"
}

# lab_kvm_host_drop firewall|no-forward|rp-filter: how the host of
# lab_topology_kvm loses what the guest sends by its NAT link toward the LAN
# (source 10.66.60.236 arriving on br0, to be forwarded to the remote host):
#   firewall    libvirt's way: forwarding on, but what br0 receives from outside
#               192.168.122.0/24 is not forwarded.  libvirt's FORWARD rule
#               rejects it; the lab has no iptables/nft, so policy rules (after
#               the local table: iif br0 from 192.168.122.0/24 lookup main, then
#               iif br0 prohibit) reject it with an ICMP error; no counter rises
#   no-forward  ip_forward=0: Ip InAddrErrors counts the drops
#   rp-filter   forwarding on, strict rp_filter on br0: TcpExtIPReversePathFilter
#               counts them.  The host then also ignores the guest's ARP requests
#               sent from 10.66.60.236, so the guest gets a permanent neighbour
#               entry for its NAT gateway.
lab_kvm_host_drop() {
    local net=${LAB_NAT_GW%.*}.0/24 fwd=1 rp=0 mac
    case "$1" in
        firewall) ;;
        no-forward) fwd=0 ;;
        rp-filter) rp=1 ;;
        *) printf '# lab: ERROR: lab_kvm_host_drop: unknown mode %s\n' "$1" >&2; return 2 ;;
    esac
    lab_ns host ip rule del priority "$LAB_KVM_FIREWALL_PRIO" 2>/dev/null
    lab_ns host ip rule del priority $((LAB_KVM_FIREWALL_PRIO + 1)) 2>/dev/null
    if ! lab_ns host sysctl -qw net.ipv4.ip_forward=$fwd net.ipv4.conf.all.rp_filter=0 \
        net.ipv4.conf.br0.rp_filter=$rp; then
        lab_fail "setting the host's forwarding sysctls ($1) failed"
        return 1
    fi
    # After the local table (priority 0): the host itself still answers on br0.
    # (`not` would invert the whole selector, iif included: two rules.)
    if [ "$1" = firewall ] && ! {
        lab_ns host ip rule add priority "$LAB_KVM_FIREWALL_PRIO" iif br0 from "$net" lookup main &&
            lab_ns host ip rule add priority $((LAB_KVM_FIREWALL_PRIO + 1)) iif br0 prohibit
    }; then
        lab_fail "adding the host's rule against forwarding from br0 (firewall) failed"
        return 1
    fi
    if [ "$1" = rp-filter ]; then
        if ! mac=$(lab_ns host cat /sys/class/net/br0/address) ||
            ! lab_ns guest ip neigh replace "$LAB_NAT_GW" lladdr "$mac" dev eth0 nud permanent; then
            lab_fail "adding the guest's neighbour entry for $LAB_NAT_GW failed"
            return 1
        fi
    fi
}

# lab__virt_node_xml: libvirt test-driver file for the devices of lab_topology_kvm.
lab__virt_node_xml() {
    cat <<EOF
<node>
  <domain type='test'>
    <name>$LAB_KVM_DOMAIN</name>
    <memory>65536</memory>
    <os><type>hvm</type></os>
    <devices>
      <interface type='network'>
        <mac address='$LAB_GUEST_ETH0_MAC'/>
        <source network='default'/>
        <target dev='$LAB_KVM_NAT_TAP'/>
      </interface>
      <interface type='direct'>
        <mac address='$LAB_GUEST_ETH1_MAC'/>
        <source dev='$LAB_KVM_UPLINK' mode='bridge'/>
        <target dev='$LAB_KVM_MACVTAP'/>
      </interface>
    </devices>
  </domain>
  <network>
    <name>default</name>
    <forward mode='nat'/>
    <bridge name='br0'/>
    <ip address='$LAB_NAT_GW' netmask='255.255.255.0'/>
  </network>
</node>
EOF
}

# ---------------------------------------------------------------------------
# Product and guest helpers

# lab_stage BUILD_DIR: `meson install --destdir` BUILD_DIR into
# $LAB_DIR/stage and set LAB_STAGE (for lab_start_nm "$LAB_STAGE").  The build
# must use prefix /usr/local.
lab_stage() {
    local build=$1
    [ -n "$LAB_ACTIVE" ] || { printf '# lab: ERROR: lab_stage before lab_init\n' >&2; return 1; }
    LAB_STAGE=$LAB_DIR/stage
    if ! meson install -C "$build" --destdir "$LAB_STAGE" --no-rebuild >"$LAB_DIR/meson-install.log" 2>&1; then
        tail -n 20 "$LAB_DIR/meson-install.log" | sed 's/^/# /' >&2
        lab_fail "meson install -C $build --destdir $LAB_STAGE --no-rebuild failed"
        return 1
    fi
    if [ ! -x "$LAB_STAGE/usr/local/bin/nm-metric-fix" ]; then
        lab_fail "$LAB_STAGE has no usr/local/bin/nm-metric-fix (is $build configured with prefix /usr/local?)"
        return 1
    fi
}

# lab_hooks_disable / lab_hooks_enable: take the dispatcher scripts installed
# from the stage out of the guest's dispatcher directories (to
# $LAB_DIR/guest/hooks-off) and put them back.  nm-dispatcher lists the
# directories at every event, so this takes effect with the next event.
lab_hooks_disable() {
    lab__hooks_move "$LAB_DIR/guest/etc-nm/dispatcher.d" "$LAB_DIR/guest/hooks-off/etc" &&
        lab__hooks_move "$LAB_DIR/guest/lib-dispatcher" "$LAB_DIR/guest/hooks-off/lib"
}

lab_hooks_enable() {
    lab__hooks_move "$LAB_DIR/guest/hooks-off/etc" "$LAB_DIR/guest/etc-nm/dispatcher.d" &&
        lab__hooks_move "$LAB_DIR/guest/hooks-off/lib" "$LAB_DIR/guest/lib-dispatcher"
}

lab__hooks_move() { # FROM TO: move the files, keep the directories
    local from=$1 to=$2 f rel
    [ -n "$LAB_DIR" ] || { printf '# lab: ERROR: no lab\n' >&2; return 1; }
    [ -d "$from" ] || return 0
    while IFS= read -r -d '' f; do
        rel=${f#"$from"/}
        if ! mkdir -p "$to/$(dirname "$rel")" || ! mv -f "$f" "$to/$rel"; then
            lab_fail "moving dispatcher script $f failed"
            return 1
        fi
    done < <(find "$from" \( -type f -o -type l \) -print0)
}

# lab_guest_write PATH: write stdin to PATH in the guest's mount namespace
# (e.g. /usr/local/etc/nm-metric-fix.conf on the guest's private /usr/local).
lab_guest_write() {
    # shellcheck disable=SC2016 # expanded by the guest's sh
    lab_guest sh -c 'mkdir -p "$(dirname "$1")" && cat >"$1"' sh "$1"
}

# lab_up ID / lab_down ID: nmcli connection up/down in the guest; the nmcli
# output is shown only on failure.
lab_up() {
    local out
    out=$(lab_guest nmcli connection up "$1" 2>&1) && return 0
    printf '# lab: nmcli connection up %s failed: %s\n' "$1" "$out" >&2
    return 1
}

lab_down() {
    local out
    out=$(lab_guest nmcli connection down "$1" 2>&1) && return 0
    printf '# lab: nmcli connection down %s failed: %s\n' "$1" "$out" >&2
    return 1
}

# lab_delete_profiles [ID...]: delete the profiles (default: nat lan) that
# exist; active ones go down first.
# shellcheck disable=SC2120 # the arguments are optional
lab_delete_profiles() {
    local id ids=("$@")
    [ ${#ids[@]} -gt 0 ] || ids=(nat lan)
    for id in "${ids[@]}"; do
        lab_guest nmcli -g NAME connection show 2>/dev/null | grep -qxF -- "$id" || continue
        lab_guest nmcli connection delete "$id" >/dev/null ||
            { lab_fail "nmcli connection delete $id failed"; return 1; }
    done
    lab_forget_runtime_defaults
}

# lab_forget_runtime_defaults: remove the connection defaults --fix leaves in
# NetworkManager's run-time configuration (NetworkManager >= 1.36) and have it
# reload, as on a freshly booted guest: profiles activated next get
# NetworkManager's activation-order metrics again.
LAB_RUNTIME_DEFAULTS=/run/NetworkManager/conf.d/95-nm-metric-fix.conf
lab_forget_runtime_defaults() {
    lab_guest test -e "$LAB_RUNTIME_DEFAULTS" || return 0
    lab_guest rm -f "$LAB_RUNTIME_DEFAULTS" &&
        lab_guest gdbus call --system --dest org.freedesktop.NetworkManager \
            --object-path /org/freedesktop/NetworkManager \
            --method org.freedesktop.NetworkManager.Reload 1 >/dev/null ||
        { lab_fail "removing $LAB_RUNTIME_DEFAULTS failed"; return 1; }
}

# lab_profile_path ID: the profile's D-Bus object path.
lab_profile_path() {
    lab_guest nmcli -t -f NAME,DBUS-PATH connection show 2>/dev/null |
        awk -F: -v id="$1" '$1 == id { print $2; exit }' | grep .
}

# lab_profile_file ID: the profile's keyfile as the guest sees it.
lab_profile_file() {
    lab_guest nmcli -t -f NAME,FILENAME connection show 2>/dev/null |
        awk -v id="$1" 'index($0, id ":") == 1 { print substr($0, length(id) + 2); exit }' | grep .
}

# lab_profile_settings ID: the profile as NetworkManager holds it (D-Bus
# GetSettings, without the activation timestamp).  Needs gdbus.
lab_profile_settings() {
    local path
    path=$(lab_profile_path "$1") || { printf '# lab: ERROR: no profile %s\n' "$1" >&2; return 1; }
    lab_guest gdbus call --system --dest org.freedesktop.NetworkManager --object-path "$path" \
        --method org.freedesktop.NetworkManager.Settings.Connection.GetSettings |
        sed -E "s/'timestamp': <uint64 [0-9]+>, //; s/, 'timestamp': <uint64 [0-9]+>//"
}

# lab_profile_user_data ID: the profile's user data as NetworkManager holds
# it, one KEY=VALUE per line, sorted (nothing when there is none).
lab_profile_user_data() {
    local s
    s=$(lab_profile_settings "$1") || return 1
    case "$s" in
        *"'user': {'data': <{"*) ;;
        *) return 0 ;;
    esac
    s=${s#*"'user': {'data': <{"}
    s=${s%%"}>"*}
    printf '%s\n' "$s" | sed -E "s/', '/'\n'/g" | sed -nE "s/^'([^']*)': '(.*)'\$/\1=\2/p" | sort
}

# lab_profile_set_user_data ID KEY [VALUE]: set (or without VALUE remove) one
# user-data key the way an administrator can with nmcli 1.42, which has no
# property for it: edit the keyfile, then `nmcli connection load` it.  Only
# the profile changes, not the active connection.
lab_profile_set_user_data() {
    local id=$1 key=$2 file
    file=$(lab_profile_file "$id") || { lab_fail "no keyfile for profile $id"; return 1; }
    case "$file" in
        /etc/sysconfig/network-scripts/*)
            lab__ifcfg_set_user_data "$file" "$key" "${3-}" "${3+1}"
            return
            ;;
    esac
    # shellcheck disable=SC2016 # awk program
    lab_guest awk -v key="$key" -v val="${3-}" -v set="${3+1}" '
        function out_new() { if (set && !done) print key "=" val; done = 1 }
        /^\[/ { if (sect == "user") out_new(); sect = substr($0, 2, length($0) - 2) }
        sect == "user" && index($0, key "=") == 1 { next }
        { print }
        END {
            if (sect == "user") out_new()
            else if (set && !done) { print ""; print "[user]"; print key "=" val }
        }' "$file" >"$LAB_DIR/keyfile.new" || { lab_fail "editing $file failed"; return 1; }
    if ! lab_guest_write "$file" <"$LAB_DIR/keyfile.new" || ! lab_guest chmod 0600 "$file" ||
        ! lab_guest nmcli connection load "$file" >/dev/null; then
        lab_fail "writing $file or nmcli connection load failed"
        return 1
    fi
}

# lab__ifcfg_user_key KEY: the ifcfg-rh variable name of a user-data key
# (NM_USER_ + lower case as upper, upper case as _X, '.' as __, digits as they
# are, anything else as _ and three octal digits).
lab__ifcfg_user_key() {
    local key=$1 out=NM_USER_ ch i
    for ((i = 0; i < ${#key}; i++)); do
        ch=${key:i:1}
        case "$ch" in
            [0-9]) out+=$ch ;;
            [a-z]) out+=${ch^^} ;;
            .) out+=__ ;;
            [A-Z]) out+=_$ch ;;
            *) out+=$(printf '_%03o' "'$ch") ;;
        esac
    done
    printf '%s\n' "$out"
}

# lab__ifcfg_set_user_data FILE KEY VALUE SET: the ifcfg-rh form of
# lab_profile_set_user_data (SET empty: remove the key).
lab__ifcfg_set_user_data() {
    local file=$1 var val=$3 set=$4
    var=$(lab__ifcfg_user_key "$2")
    {
        lab_guest grep -v "^$var=" "$file"
        # shellcheck disable=SC2016 # sed program
        [ -z "$set" ] || printf "%s='%s'\n" "$var" "$(printf '%s' "$val" | sed "s/'/'\\\\''/g")"
    } >"$LAB_DIR/ifcfg.new"
    if ! lab_guest_write "$file" <"$LAB_DIR/ifcfg.new" || ! lab_guest chmod 0644 "$file" ||
        ! lab_guest nmcli connection load "$file" >/dev/null; then
        lab_fail "writing $file or nmcli connection load failed"
        return 1
    fi
}

# lab_device_path DEV: the device's D-Bus object path (nmcli 1.14 has no
# GENERAL.DBUS-PATH in `device show`; the device list has it everywhere).
lab_device_path() {
    lab_guest nmcli -t -f DEVICE,DBUS-PATH device 2>/dev/null |
        awk -F: -v d="$1" '$1 == d { print $2; exit }' | grep .
}

# lab_applied ID: the applied connection of the device ID is active on
# (D-Bus GetAppliedConnection; ends with its version id).  Needs gdbus.
lab_applied() {
    local dev path
    dev=$(lab_guest nmcli -g GENERAL.DEVICES connection show "$1" 2>/dev/null) || dev=
    if [ -z "$dev" ]; then
        printf '# lab: ERROR: profile %s is not active\n' "$1" >&2
        return 1
    fi
    path=$(lab_device_path "$dev") || return 1
    lab_guest gdbus call --system --dest org.freedesktop.NetworkManager --object-path "$path" \
        --method org.freedesktop.NetworkManager.Device.GetAppliedConnection 0
}

# lab_kernel_state: the guest's routes (all tables but local) and rules, both
# families; RA lifetimes ("expires NNNsec") left out so that two calls can be
# compared.  The local table is the kernel's own (a route per local address,
# which it removes and adds back with the address, e.g. an IPv6 link-local one
# around a Reapply): nothing the product could change.
lab_kernel_state() {
    local f
    for f in -4 -6; do
        printf '== ip %s route show table all\n' "$f"
        lab_ns guest ip "$f" route show table all | grep -v ' table local\( \|$\)' |
            sed -E 's/ expires [0-9]+sec//'
        printf '== ip %s rule\n' "$f"
        lab_ns guest ip "$f" rule
    done
}

# lab_state_snapshot [ID...]: what a run of the product could change, for a
# byte-for-byte comparison before/after: each profile (default: all) as
# NetworkManager holds it and its keyfile, the applied connection of the
# active ones (with its version id, which every Reapply bumps), and
# lab_kernel_state.  Needs gdbus.
# shellcheck disable=SC2120 # the arguments are optional
lab_state_snapshot() {
    local profiles devices line name path file dev state devpath want=" $* "
    local nm=org.freedesktop.NetworkManager
    profiles=$(lab_guest nmcli -t -f NAME,DBUS-PATH,FILENAME,DEVICE,STATE connection show | sort) ||
        { printf '# lab: ERROR: nmcli connection show failed\n' >&2; return 1; }
    devices=$(lab_guest nmcli -t -f DEVICE,DBUS-PATH device) || return 1
    while IFS=: read -r name path file dev state; do
        [ $# -eq 0 ] || [[ $want == *" $name "* ]] || continue
        printf '== profile %s\n' "$name"
        lab_guest gdbus call --system --dest $nm --object-path "$path" \
            --method $nm.Settings.Connection.GetSettings |
            sed -E "s/'timestamp': <uint64 [0-9]+>, //; s/, 'timestamp': <uint64 [0-9]+>//"
        case "$file" in
            /etc/*)
                printf '== keyfile %s\n' "$file"
                lab_guest cat "$file"
                ;;
        esac
        [ "$state" = activated ] || continue
        devpath=$(awk -F: -v d="$dev" '$1 == d { print $2; exit }' <<<"$devices")
        printf '== applied %s on %s\n' "$name" "$dev"
        lab_guest gdbus call --system --dest $nm --object-path "$devpath" \
            --method $nm.Device.GetAppliedConnection 0
    done <<<"$profiles"
    lab_kernel_state
}

# lab_state_settled [ID...]: lab_state_snapshot once two readings in a row agree
# (NetworkManager and the kernel done with what the last change set off), within
# 10 s; else the last reading and status 1.
LAB__STATE_LAST=
lab__state_repeats() {
    local now
    now=$(lab_state_snapshot "$@") || return 1
    [ "$now" = "$LAB__STATE_LAST" ] && return 0
    LAB__STATE_LAST=$now
    return 1
}
# shellcheck disable=SC2120 # the arguments are optional
lab_state_settled() {
    local rc=0
    LAB__STATE_LAST=
    lab_wait_for 10 lab__state_repeats "$@" || rc=1
    printf '%s\n' "$LAB__STATE_LAST"
    return $rc
}

# lab_default_routes [-4|-6]: the guest's default routes in the main table,
# "DEV METRIC" per line, lowest metric first.
lab_default_routes() {
    lab_ns guest ip "${1:--4}" route show table main default 2>/dev/null | awk '
        { dev = ""; metric = 0
          for (i = 1; i < NF; i++) {
              if ($i == "dev") dev = $(i + 1)
              if ($i == "metric") metric = $(i + 1) + 0
          }
          if (dev != "") print dev, metric }' | sort -k2,2n -k1,1
}

# lab_lowest_links -4|-6: the links that hold the lowest default metric of the
# family in the guest's main table, comma-separated (one per next hop of a
# multipath route; empty when there is no default route).  Two links there and
# the kernel's choice between them is not stable.
lab_lowest_links() {
    local dflt=0
    [ "$1" = -6 ] && dflt=1024
    lab_ns guest ip -o "$1" route show table main default 2>/dev/null | awk -v dflt="$dflt" '
        { m = dflt; n = 0
          for (i = 1; i < NF; i++) {
              if ($i == "metric") m = $(i + 1) + 0
              if ($i == "dev") d[NR, ++n] = $(i + 1)
          }
          cnt[NR] = n; met[NR] = m
          if (best == "" || m < best) best = m }
        END { out = ""
          for (r = 1; r <= NR; r++) if (met[r] == best) for (j = 1; j <= cnt[r]; j++)
              if (!seen[d[r, j]]++) out = out (out == "" ? "" : ",") d[r, j]
          print out }'
}

# lab_default_metric -4|-6 DEV: metric of DEV's default route (main table);
# empty (and 1) if it has none.
lab_default_metric() {
    lab_default_routes "$1" | awk -v dev="$2" '$1 == dev { print $2; found = 1; exit } END { exit !found }'
}

# lab_nm_auto_metric DEV: the default-route metric NetworkManager reserved for
# DEV (route-metric-default-effective in /run/NetworkManager/devices/IFINDEX):
# what DEV gets while its profile's route metric is -1.  It is chosen at
# activation (100 for the first Ethernet device, then the next free one) and
# kept until the device deactivates.
lab_nm_auto_metric() {
    local idx
    idx=$(lab_ns guest ip -o link show dev "$1" 2>/dev/null | cut -d: -f1) && [ -n "$idx" ] || return 1
    lab_guest sed -n 's/^route-metric-default-effective=//p' "/run/NetworkManager/devices/$idx" | grep .
}

# lab_default_dev6: device of the guest's lowest-metric IPv6 default route.
lab_default_dev6() {
    lab_default_routes -6 | awk 'NR == 1 { print $1 }'
}

lab_default_dev6_is() {
    [ "$(lab_default_dev6)" = "$1" ]
}

# lab_remote_ping6 ADDR: one ping from remote over IPv6, 1 s timeout.
lab_remote_ping6() {
    ip netns exec "$LAB_NS_REMOTE" ping -6 -n -q -c 1 -W 1 "$1" >/dev/null 2>&1
}

# lab_ipv6_settled: no IPv6 address in the guest is still tentative (duplicate
# address detection over), so the kernel adds no more local routes for them
# on its own; for lab_wait_for before a lab_state_snapshot.
lab_ipv6_settled() {
    [ -z "$(lab_ns guest ip -6 addr show tentative 2>/dev/null)" ]
}

# lab_guest_proc_running PATTERN: a process in the guest netns has a command
# line matching the shell glob *PATTERN* (e.g. nm-metric-fix: the dispatcher
# hook or the helper is still at work).
lab_guest_proc_running() {
    local pid cmd
    for pid in $(lab_guest_pids); do
        cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || continue
        case "$cmd" in
            *$1*) return 0 ;;
        esac
    done
    return 1
}

# ---------------------------------------------------------------------------
# Teardown

# lab__sweep_netns: stop the processes in the lab's namespaces that were not
# started (and recorded) by lab.sh itself.
lab__sweep_netns() {
    local ns pid entry recorded
    recorded=" "
    for entry in "${LAB_PROCS[@]}"; do
        recorded="$recorded${entry%%:*} "
    done
    for ns in "${LAB_NETNS[@]}"; do
        # Youngest first, so that parents (dbus-daemon's babysitter for
        # nm-dispatcher) are still there to reap their children.
        for pid in $(ip netns pids "$ns" 2>/dev/null | sort -rn); do
            case "$recorded" in
                *" $pid "*) continue ;;
            esac
            lab__stop "$pid" "$(cat "/proc/$pid/comm" 2>/dev/null) in $ns"
        done
    done
}

# lab_cleanup: stop everything started (by recorded PID, reverse order),
# delete the namespaces, remove LAB_DIR unless LAB_KEEP=1.  Idempotent.
lab_cleanup() {
    local i entry pid st label ns
    [ -n "$LAB_ACTIVE" ] || return 0
    # What our daemons started inside our namespaces (nm-dispatcher, dispatcher
    # scripts and what they spawned) goes first, while its parents still reap.
    lab__sweep_netns
    for ((i = ${#LAB_PROCS[@]} - 1; i >= 0; i--)); do
        entry=${LAB_PROCS[$i]}
        pid=${entry%%:*} entry=${entry#*:}
        st=${entry%%:*} label=${entry#*:}
        lab__stop "$pid" "$label" "$st"
    done
    LAB_PROCS=()
    lab__sweep_netns
    for ((i = ${#LAB_NETNS[@]} - 1; i >= 0; i--)); do
        ns=${LAB_NETNS[$i]}
        ip netns del "$ns" 2>/dev/null || lab_warn "ip netns del $ns failed"
    done
    LAB_NETNS=()
    if [ -n "$LAB_DIR" ] && [ -d "$LAB_DIR" ]; then
        if [ "${LAB_KEEP:-}" = 1 ]; then
            printf '# lab: kept %s\n' "$LAB_DIR" >&2
        else
            case "$LAB_DIR" in
                */"$LAB_PREFIX".*) rm -rf -- "$LAB_DIR" ;;
                *) lab_warn "not removing unexpected LAB_DIR '$LAB_DIR'" ;;
            esac
        fi
    fi
    LAB_ACTIVE='' LAB_GUEST_PID='' LAB_DIR='' LAB_PREFIX=''
    LAB_DBUS_PID='' LAB_NM_PID='' LAB_STAGE=''
    LAB_NS_HOST='' LAB_NS_LAN='' LAB_NS_REMOTE='' LAB_NS_GUEST='' LAB_VIRT_URI=''
    trap - EXIT INT TERM
    return 0
}
