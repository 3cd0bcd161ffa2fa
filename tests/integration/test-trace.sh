#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Functions below run through lab_wait_for; A && B || bail is meant:
# shellcheck disable=SC2317,SC2015
#
# nm-metric-fix-trace on the lab's KVM host (tests/lab/lab.sh lab_topology_kvm):
# the guest's LAN link is a macvtap-like device on the host's uplink0, its NAT
# link a tap on br0; libvirt's test driver describes them (no daemon).  The
# real NetworkManager runs in the guest.  With the seed's bug (eth0 owns the
# default route) the trace, run in the host namespace during a remote ping,
# must see the requests pass uplink0 and the macvtap, the replies reach
# nattap0 and br0 and die there, and exit 5; after `nm-metric-fix --fix` in
# the guest it must see both directions on uplink0 and exit 0.  Also: the
# reason counters (rp_filter, forwarding off), --json against
# data/trace-schema.json, the exit statuses 2 and 4, and --observe through
# per-interface captures (the path for libpcap < 1.10).  TAP output.
#
# usage: test-trace.sh BUILD_DIR (configured with libvirt; skips without)
# LAB_KEEP=1 keeps the lab directory (logs) for inspection.

set -u

HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lab/lab.sh
. "$HERE/../lab/lab.sh"
# shellcheck source-path=SCRIPTDIR source=../lab/lab-tap.sh
. "$HERE/../lab/lab-tap.sh"

NTESTS=11
TRACE_S=3             # capture window of each trace
PING_INTERVAL=0.2     # remote ping while tracing: bounded, outlasts the window
PING_COUNT=$(((TRACE_S + 3) * 5))
PING_PID=
DATA=$HERE/../../data

tap_setup "${1:-}" setpriv tc
if [ ! -x "$BUILD_DIR/src/nm-metric-fix-trace" ]; then
    echo "1..0 # SKIP $BUILD_DIR has no nm-metric-fix-trace (built without libvirt)"
    exit 0
fi

# start_remote_ping / stop_remote_ping: the remote host pings the guest's LAN
# address in the background, a bounded number of times.
start_remote_ping() {
    ip netns exec "$LAB_NS_REMOTE" ping -n -q -i "$PING_INTERVAL" -c "$PING_COUNT" -W 1 \
        "$LAB_GUEST_LAN_ADDR" >"$LAB_DIR/remote-ping.log" 2>&1 &
    PING_PID=$!
}

stop_remote_ping() {
    [ -n "$PING_PID" ] || return 0
    kill -TERM "$PING_PID" 2>/dev/null
    wait "$PING_PID" 2>/dev/null
    PING_PID=
}

# trace ARGS...: the staged trace in the host namespace; sets RC and OUT (stdout),
# ERR (stderr).
trace() {
    lab_ns host "$TRACE" "$@" >"$LAB_DIR/trace.out" 2>"$LAB_DIR/trace.err"
    RC=$?
    OUT=$(cat "$LAB_DIR/trace.out")
    ERR=$(cat "$LAB_DIR/trace.err")
    diag "\$ nm-metric-fix-trace $* -> exit $RC"
    [ -z "$OUT" ] || diag "$(sed 's/^/  /' "$LAB_DIR/trace.out")"
    [ -z "$ERR" ] || diag "$(sed 's/^/  /' "$LAB_DIR/trace.err")"
}

# trace_during_ping ARGS...: trace while the remote host pings the guest.
trace_during_ping() {
    start_remote_ping
    trace --connect "$LAB_VIRT_URI" --seconds "$TRACE_S" "$@" "$LAB_KVM_DOMAIN" "$LAB_REMOTE_ADDR"
    stop_remote_ping
}

expect_rc() {
    local -n why_ref=$1
    [ "$RC" = "$2" ] || why_ref="$why_ref${why_ref:+; }exit status $RC, expected $2"
}

# expect_out WHY_VAR PATTERN: some line of OUT matches the glob PATTERN.
expect_out() {
    local -n why_ref=$1
    local line
    while IFS= read -r line; do
        # shellcheck disable=SC2053
        [[ $line == $2 ]] && return 0
    done <<<"$OUT"
    why_ref="$why_ref${why_ref:+; }no line matches '$2'"
}

# hop_counts DEVICE: "FROM TO" of DEVICE's row in the text table.
hop_counts() {
    printf '%s\n' "$OUT" | awk -v d="$1" '$1 == d { print $(NF - 1), $NF; exit }'
}

# check_json SCHEMA PYTHON-ASSERTIONS: OUT validates against data/SCHEMA, then the
# assertions run with the document in `doc`.
check_json() {
    printf '%s\n' "$OUT" >"$LAB_DIR/doc.json"
    lab_json_check "$DATA/$1" "$LAB_DIR/doc.json" "$2"
}

guest_has_addr() {
    lab_ns guest ip -4 -o addr show | grep -q " $1/"
}

tap_plan "$NTESTS"
tap_on_failure stop_remote_ping

# ---------------------------------------------------------------------------
# The lab: the seed's bug, eth0 (NAT) owns the guest's default route.

lab_init nmfT || bail "lab_init failed"
stage_product
TRACE=$STAGE/usr/local/bin/nm-metric-fix-trace
[ -x "$TRACE" ] || bail "stage has no usr/local/bin/nm-metric-fix-trace"
lab_topology_kvm firewall || bail "lab_topology_kvm failed"
lab_start_nm || bail "lab_start_nm failed"
lab_add_profiles || bail "lab_add_profiles failed"
lab_up nat || bail "nmcli connection up nat failed"
lab_up lan || bail "nmcli connection up lan failed"
lab_wait_for 15 guest_has_addr "$LAB_GUEST_LAN_ADDR" || bail "eth1 did not get $LAB_GUEST_LAN_ADDR"
lab_wait_for 10 lab_default_dev_is eth0 || bail "default route on '$(lab_default_dev)', expected eth0"
lab_ns lan ping -n -q -c 1 -W 1 "$LAB_GUEST_LAN_ADDR" >/dev/null 2>&1 ||
    bail "control ping from the lan router to $LAB_GUEST_LAN_ADDR (through the host's macvtap) failed"
! lab_remote_ping "$LAB_GUEST_LAN_ADDR" || bail "the remote host reaches the guest before the fix: no bug to trace"
diag "guest routes (no fix):
$(lab_guest ip -4 route)"

# 1: where the replies die.
why=
trace_during_ping
expect_rc why 5
expect_out why "From $LAB_REMOTE_ADDR: passes every hop (by macvtap on $LAB_KVM_UPLINK*"
expect_out why "To $LAB_REMOTE_ADDR: LOST after br0 (by network default (nat)*"
read -r up_from up_to <<<"$(hop_counts "$LAB_KVM_UPLINK")"
read -r _ br_to <<<"$(hop_counts br0)"
read -r tap_from tap_to <<<"$(hop_counts "$LAB_KVM_NAT_TAP")"
read -r vtap_from vtap_to <<<"$(hop_counts "$LAB_KVM_MACVTAP")"
[ "${up_from:-0}" -gt 0 ] && [ "${up_to:-1}" = 0 ] ||
    add_why "uplink0 should see requests and no replies (saw ${up_from:-?} / ${up_to:-?})"
[ "${vtap_from:-0}" -gt 0 ] && [ "${vtap_to:-1}" = 0 ] ||
    add_why "lanvtap0 should see requests and no replies (saw ${vtap_from:-?} / ${vtap_to:-?})"
[ "${tap_from:-1}" = 0 ] && [ "${tap_to:-0}" -gt 0 ] ||
    add_why "nattap0 should see replies only (saw ${tap_from:-?} / ${tap_to:-?})"
[ "${br_to:-0}" -gt 0 ] || add_why "br0 should see the replies (saw ${br_to:-?})"
why="$why${WHY:+${why:+; }$WHY}" WHY=
result "before the fix: requests pass uplink0 and the macvtap, replies reach nattap0 and br0 and die there (exit 5)" "$why"

# 2: the cause: the guest's choice, and on the host no counter (a firewall).
why=
expect_out why "Likely cause: the domain answers by another link: packets from $LAB_REMOTE_ADDR reach it by macvtap on $LAB_KVM_UPLINK*, its replies leave by network default (nat)*"
expect_out why "Also: no drop counter of the host rose: a firewall rule * after br0*"
result "it names the causes: replies by the NAT link, then a firewall after br0" "$why"

# 3: --json, valid against the schema.
why=
trace_during_ping --json
expect_rc why 5
err=$(check_json trace-schema.json '
assert doc["domain"] == "lab-guest", doc["domain"]
assert doc["peer"] == "10.72.112.29", doc["peer"]
assert doc["verdict"] == "lost", doc["verdict"]
assert doc["uplink"] == "uplink0", doc["uplink"]
assert doc["lost_after"] == {"from_peer": None, "to_peer": "br0"}, doc["lost_after"]
assert hops["uplink0"]["role"] == "uplink" and "lower" in hops["uplink0"]["roles"], hops["uplink0"]
assert hops["uplink0"]["from_peer"] > 0 and hops["uplink0"]["to_peer"] == 0, hops["uplink0"]
assert hops["br0"]["to_peer"] > 0 and hops["nattap0"]["to_peer"] > 0, (hops["br0"], hops["nattap0"])
assert hops["lanvtap0"]["role"] == "macvtap" and hops["lanvtap0"]["present"], hops["lanvtap0"]
assert len(doc["causes"]) == 2, doc["causes"]
') || add_why "$err"
[ -z "$err" ] || diag "$err"
why="$why${WHY:+${why:+; }$WHY}" WHY=
result "--json validates against trace-schema.json: lost_after {from_peer: null, to_peer: br0}" "$why"

# 4: the same loss with forwarding off, then strict rp_filter on br0: the
# host's counters name them.
why=
lab_kvm_host_drop no-forward || bail "switching the host to no-forward failed"
trace_during_ping
expect_rc why 5
expect_out why "To $LAB_REMOTE_ADDR: LOST after br0*"
expect_out why "Also: the host does not forward (net.ipv4.ip_forward=0): * packets for other hosts were dropped*"
expect_out why "Host counters over the window:*Ip.InAddrErrors +*"
lab_kvm_host_drop rp-filter || bail "switching the host to rp-filter failed"
trace_during_ping
expect_rc why 5
expect_out why "To $LAB_REMOTE_ADDR: LOST after br0*"
expect_out why "Also: the host's reverse-path filter dropped * packets (rp_filter=1 on br0)*"
expect_out why "Host counters over the window:*TcpExt.IPReversePathFilter +*"
lab_kvm_host_drop firewall || bail "switching the host back to firewall failed"
result "with ip_forward=0, then strict rp_filter on the host, the replies die at br0 and the counters name why" "$why"

# 5: usage and permission.
why=
trace --connect "$LAB_VIRT_URI" "$LAB_KVM_DOMAIN" not-an-address
expect_rc why 2
trace --connect "$LAB_VIRT_URI" "$LAB_KVM_DOMAIN"
expect_rc why 2
trace --connect "$LAB_VIRT_URI" --seconds 0 "$LAB_KVM_DOMAIN" "$LAB_REMOTE_ADDR"
expect_rc why 2
trace --connect "$LAB_VIRT_URI" no-such-domain "$LAB_REMOTE_ADDR"
expect_rc why 2
[[ $ERR == *"no domain 'no-such-domain'"* ]] || add_why "no message naming the missing domain"
OUT=$(lab_ns host setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all \
    --bounding-set=-all -- "$TRACE" --connect "$LAB_VIRT_URI" --seconds 1 \
    "$LAB_KVM_DOMAIN" "$LAB_REMOTE_ADDR" 2>&1)
RC=$?
diag "as nobody: exit $RC: $OUT"
expect_rc why 4
why="$why${WHY:+${why:+; }$WHY}" WHY=
result "exit 2 for a bad address, missing PEER, --seconds 0 or an unknown domain; 4 without privileges" "$why"

# 6: --observe in the guest through per-interface captures (libpcap < 1.10's path).
why=
start_remote_ping
OUT=$(lab_guest env NMF_CAPTURE_PER_INTERFACE=1 "$STAGE/usr/local/bin/nm-metric-fix" \
    --observe "$LAB_REMOTE_ADDR" --seconds "$TRACE_S" 2>&1)
RC=$?
stop_remote_ping
diag "nm-metric-fix --observe with per-interface captures: exit $RC:
$OUT"
expect_rc why 5
expect_out why "*icmp $LAB_REMOTE_ADDR -> $LAB_GUEST_LAN_ADDR: requests in eth1, replies out eth0  ASYMMETRIC*"
expect_out why "*capture(s)*"
[[ $OUT != *unknown* ]] || add_why "an interface is unknown"
why="$why${WHY:+${why:+; }$WHY}" WHY=
result "--observe with one capture per interface names eth1 and eth0" "$why"

# 7: in the guest, --check --json names the owner of the default route and why.
why=
OUT=$(lab_guest "$STAGE/usr/local/bin/nm-metric-fix" --check "$LAB_REMOTE_ADDR" --json 2>"$LAB_DIR/check.err")
RC=$?
diag "nm-metric-fix --check --json: exit $RC
$OUT"
expect_rc why 5
err=$(check_json check-schema.json '
rows = {r["address"]: r for r in doc["addresses"]}
lan = rows["10.66.60.236"]
assert doc["verdict"] == "asymmetric", doc["verdict"]
assert lan["request_interface"] == "eth1" and lan["reply_interface"] == "eth0", lan
assert lan["verdict"] == "asymmetric" and lan["counted"], lan
dr = doc["default_route"]
assert dr["interface"] == "eth0" and dr["metric"] == 100, dr
assert dr["metric_source"] == "activation-order" and dr["connection"] == "nat", dr
assert {"interface": "eth1", "from": 101, "to": 100} in dr["fix_changes"], dr["fix_changes"]
') || add_why "$err"
why="$why${WHY:+${why:+; }$WHY}" WHY=
result "--check --json validates against check-schema.json: eth0 owns the default route by activation order, --fix would give eth1 100" "$why"

# 8: --observe --json during the ping.
why=
start_remote_ping
OUT=$(lab_guest "$STAGE/usr/local/bin/nm-metric-fix" --observe "$LAB_REMOTE_ADDR" --seconds "$TRACE_S" \
    --json 2>"$LAB_DIR/observe.err")
RC=$?
stop_remote_ping
diag "nm-metric-fix --observe --json: exit $RC
$OUT"
expect_rc why 5
err=$(check_json observe-schema.json '
assert doc["verdict"] == "asymmetric", doc["verdict"]
f = doc["flows"][0]
assert f["protocol"] == "icmp" and f["peer_initiated"], f
assert f["in_interfaces"] == ["eth1"] and f["out_interfaces"] == ["eth0"], f
assert f["requests"] > 0 and f["replies"] > 0, f
') || add_why "$err"
why="$why${WHY:+${why:+; }$WHY}" WHY=
result "--observe --json validates against observe-schema.json: requests in eth1, replies out eth0" "$why"

# ---------------------------------------------------------------------------
# After nm-metric-fix --fix in the guest.

lab_guest "$STAGE/usr/local/bin/nm-metric-fix" --fix >"$LAB_DIR/fix.out" 2>&1 ||
    bail "nm-metric-fix --fix failed: $(cat "$LAB_DIR/fix.out")"
lab_wait_for 20 lab_default_dev_is eth1 || bail "default route still on '$(lab_default_dev)' 20 s after --fix"
lab_wait_for 10 lab_remote_ping "$LAB_GUEST_LAN_ADDR" || bail "remote ping still fails after --fix"

# 9: both directions pass.
why=
trace_during_ping
expect_rc why 0
expect_out why "From $LAB_REMOTE_ADDR: passes every hop*"
expect_out why "To $LAB_REMOTE_ADDR: passes every hop (by macvtap on $LAB_KVM_UPLINK*"
read -r up_from up_to <<<"$(hop_counts "$LAB_KVM_UPLINK")"
[ "${up_from:-0}" -gt 0 ] && [ "${up_to:-0}" -gt 0 ] ||
    add_why "uplink0 should see both directions (saw ${up_from:-?} / ${up_to:-?})"
read -r tap_from tap_to <<<"$(hop_counts "$LAB_KVM_NAT_TAP")"
[ "${tap_to:-1}" = 0 ] || add_why "nattap0 still sees replies ($tap_to)"
[[ $OUT != *"Likely cause"* ]] || add_why "a cause is named although nothing is lost"
why="$why${WHY:+${why:+; }$WHY}" WHY=
result "after --fix: both directions pass, traffic both ways on uplink0 (exit 0)" "$why"

# 10: the same as JSON.
why=
trace_during_ping --json
expect_rc why 0
err=$(check_json trace-schema.json '
assert doc["verdict"] == "pass", doc["verdict"]
assert doc["lost_after"] == {"from_peer": None, "to_peer": None}, doc["lost_after"]
assert doc["result"] == {"from_peer": "passed", "to_peer": "passed"}, doc["result"]
assert hops["uplink0"]["from_peer"] > 0 and hops["uplink0"]["to_peer"] > 0, hops["uplink0"]
assert doc["causes"] == [], doc["causes"]
') || add_why "$err"
[ -z "$err" ] || diag "$err"
why="$why${WHY:+${why:+; }$WHY}" WHY=
result "after --fix, --json says pass with both directions on uplink0" "$why"

# 11: no traffic at all: nothing to judge, exit 5 with advice.
why=
trace --connect "$LAB_VIRT_URI" --seconds 1 "$LAB_KVM_DOMAIN" "$LAB_REMOTE_ADDR"
expect_rc why 5
expect_out why "Likely cause: nothing from $LAB_REMOTE_ADDR reached the watched devices*"
result "without traffic it exits 5 and asks for a ping from the peer" "$why"

tap_finish "$NTESTS"
