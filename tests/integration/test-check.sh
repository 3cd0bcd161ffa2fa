#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Functions below run through lab_wait_for; A && B || bail is meant:
# shellcheck disable=SC2317,SC2015
#
# nm-metric-fix --check and --observe against the real NetworkManager, in the
# network namespaces of tests/lab/lab.sh.  TAP output.
#
# usage: test-check.sh BUILD_DIR
#
# The product is staged with `meson install --destdir` and run by path inside
# the guest; it is not installed as a dispatcher hook, so the default route
# stays on eth0 until the test runs `nm-metric-fix --fix` itself.  All
# addresses, sysctls, pings and captures stay inside the lab's namespaces.
# Needs root; prints "1..0 # SKIP ..." without root or network namespaces.
# LAB_KEEP=1 keeps the lab directory (logs) for inspection.

set -u

HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lab/lab.sh
. "$HERE/../lab/lab.sh"
# shellcheck source-path=SCRIPTDIR source=../lab/lab-tap.sh
. "$HERE/../lab/lab-tap.sh"

NTESTS=15
OBSERVE_S=3           # --observe window
PING_INTERVAL=0.2     # remote ping while observing: bounded, outlasts the window
PING_COUNT=$(((OBSERVE_S + 3) * 5))
PING_PID=

# IPv6 case: addresses the lab does not configure (its profiles say ipv6 ignore).
V6_GUEST_LAN=fd00:66::236
V6_LAN_GW=fd00:66::1
V6_GUEST_NAT=fd00:122::100
V6_NAT_GW=fd00:122::1
V6_REMOTE=fd00:72::29
V6_REMOTE_GW=fd00:72::254

tap_setup "${1:-}" setpriv
# ---------------------------------------------------------------------------
# Helpers

# A bail-out or a failure also stops the remote ping (the lab's logs come from lab-tap.sh).
tap_on_failure stop_remote_ping

up() {
    local out
    out=$(lab_guest nmcli connection up "$1" 2>&1) || {
        diag "nmcli connection up $1 failed: $out"
        return 1
    }
}

# run_nmf ARGS...: the staged binary in the guest; sets RC and OUT (stdout+stderr).
run_nmf() {
    OUT=$(lab_guest "$NMF" "$@" 2>&1)
    RC=$?
}

# run_nmf_unprivileged ARGS...: the same as user nobody, no capabilities.
run_nmf_unprivileged() {
    OUT=$(lab_guest setpriv --reuid=nobody --regid=nogroup --clear-groups \
        --inh-caps=-all --bounding-set=-all -- "$NMF" "$@" 2>&1)
    RC=$?
}

# line_with TEXT: the first line of OUT that contains TEXT.
line_with() {
    printf '%s\n' "$OUT" | awk -v t="$1" 'index($0, t) { print; exit }'
}

# expect_line WHY_VAR NEEDLE PATTERN: the line of OUT holding NEEDLE matches the
# glob PATTERN; otherwise a reason is appended to the variable named WHY_VAR.
expect_line() {
    local -n why_ref=$1
    local line
    line=$(line_with "$2")
    # shellcheck disable=SC2053
    if [ -z "$line" ]; then
        why_ref="$why_ref${why_ref:+; }no line mentions '$2'"
    elif [[ $line != $3 ]]; then
        why_ref="$why_ref${why_ref:+; }line '$line' does not match '$3'"
    fi
}

expect_rc() {
    local -n why_ref=$1
    [ "$RC" = "$2" ] || why_ref="$why_ref${why_ref:+; }exit status $RC, expected $2"
}

# start_remote_ping: the remote host pings the guest's LAN address in the
# background, a bounded number of times; the PID is kept to stop it.
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

# observe_during_ping: --observe the remote host while it pings us.
observe_during_ping() {
    start_remote_ping
    run_nmf --observe "$LAB_REMOTE_ADDR" --seconds "$OBSERVE_S"
    stop_remote_ping
}

guest_sysctl() {
    lab_ns guest sysctl -n "$1"
}

guest_sysctl_set() {
    lab_ns guest sysctl -qw "$1=$2"
}

# lan_reject_replies ACTION: on the lan router, a policy rule of type ACTION
# (prohibit: ICMP administratively prohibited; unreachable: ICMP network
# unreachable) for what arrives on lan0 toward the remote host, i.e. the
# guest's replies.  The remote host's requests (in by wan0) still pass, and the
# router's reverse-path check (a lookup from lo) does not match it.  No ACTION:
# remove the rule.
# Linux charges the "no route" error and the per-destination ICMP rate limit
# (icmp_ratemask, icmp_ratelimit) to one bucket per destination, so after the
# first few errors the router would send none at all; with the rule in place
# the lan router's icmp_ratemask is 0, leaving the route error's own limit (a
# burst, then one a second).
LAN_REJECT_PRIO=100
LAN_RATEMASK=
lan_reject_replies() {
    lab_ns lan ip rule del priority "$LAN_REJECT_PRIO" 2>/dev/null
    if [ -z "${1:-}" ]; then
        [ -z "$LAN_RATEMASK" ] || lab_ns lan sysctl -qw "net.ipv4.icmp_ratemask=$LAN_RATEMASK" || return 1
        LAN_RATEMASK=
        return 0
    fi
    if [ -z "$LAN_RATEMASK" ]; then
        LAN_RATEMASK=$(lab_ns lan sysctl -n net.ipv4.icmp_ratemask) &&
            lab_ns lan sysctl -qw net.ipv4.icmp_ratemask=0 || return 1
    fi
    lab_ns lan ip rule add priority "$LAN_REJECT_PRIO" iif lan0 to "$LAB_REMOTE_ADDR" "$1"
}

# check_observe_json PYTHON-ASSERTIONS: OUT validates against
# data/observe-schema.json, then the assertions run on it as `doc`.
check_observe_json() {
    printf '%s\n' "$OUT" >"$LAB_DIR/observe.json"
    lab_json_check "$HERE/../../data/observe-schema.json" "$LAB_DIR/observe.json" "$1"
}

guest_has_addr() { # ADDR
    [ -n "$(lab_guest ip -o addr show to "$1" 2>/dev/null)" ]
}

echo "1..$NTESTS"

# ---------------------------------------------------------------------------
# The reporter's guest: eth0 (NAT) owns the default route, requests for
# eth1's address are answered out of eth0.

lab_init nmfC || bail "lab_init failed"
stage_product
# Not installed in the guest (no dispatcher hook): run from the stage by path.
NMF=$STAGE/usr/local/bin/nm-metric-fix
lab_topology || bail "lab_topology failed"
lab_start_nm || bail "lab_start_nm failed"
lab_add_profiles || bail "lab_add_profiles failed"
up nat || bail "nmcli connection up nat failed"
up lan || bail "nmcli connection up lan failed"
lab_wait_for 10 guest_has_addr "$LAB_GUEST_LAN_ADDR" || bail "eth1 did not get $LAB_GUEST_LAN_ADDR"
lab_wait_for 10 lab_default_dev_is eth0 || bail "default route on '$(lab_default_dev)', expected eth0"
lab_ns lan ping -n -q -c 1 -W 1 "$LAB_GUEST_LAN_ADDR" >/dev/null 2>&1 ||
    bail "control ping from the lan router to $LAB_GUEST_LAN_ADDR failed"
diag "guest routes (no fix):
$(lab_guest ip -4 route)"

why=
run_nmf --check "$LAB_REMOTE_ADDR"
diag "nm-metric-fix --check $LAB_REMOTE_ADDR (no fix) exit $RC:
$OUT"
expect_rc why 5
expect_line why "$LAB_GUEST_LAN_ADDR " "$LAB_GUEST_LAN_ADDR *eth1 *eth0 *ASYMMETRIC: reply leaves via eth0"
expect_line why "192.168.122." "192.168.122.* eth0 *eth0 * symmetric (NAT link, not counted)"
expect_line why "Run 'nm-metric-fix --fix'" "*mode=policy*"
expect_line why "Why:" "Why: eth0 owns the IPv4 default route with metric 100. Its profile 'nat' leaves ipv4.route-metric at -1, so NetworkManager chose the metric: * were activated (eth1, activated later, got 101)."
expect_line why "--fix would" "--fix would set eth1's metric 101 to 100, eth0's metric 100 to 101; eth1 would then own the default route."
result "before the fix, --check reports eth1's $LAB_GUEST_LAN_ADDR ASYMMETRIC (reply via eth0), says why and what --fix changes, and exits 5" "$why"

why=
run_nmf_unprivileged --check "$LAB_REMOTE_ADDR"
diag "nm-metric-fix --check as nobody, no capabilities: exit $RC:
$OUT"
expect_rc why 5
expect_line why "$LAB_GUEST_LAN_ADDR " "$LAB_GUEST_LAN_ADDR *eth1 *eth0 *ASYMMETRIC: reply leaves via eth0"
result "--check needs no privileges" "$why"

why=
observe_during_ping
diag "nm-metric-fix --observe $LAB_REMOTE_ADDR --seconds $OBSERVE_S (no fix) exit $RC:
$OUT"
expect_rc why 5
expect_line why "icmp $LAB_REMOTE_ADDR -> $LAB_GUEST_LAN_ADDR:" \
    "*icmp $LAB_REMOTE_ADDR -> $LAB_GUEST_LAN_ADDR: requests in eth1, replies out eth0  ASYMMETRIC*"
expect_line why "Verdict:" "Verdict: ASYMMETRIC*"
result "before the fix, --observe during a remote ping sees requests in eth1, replies out eth0" "$why"

# Strict reverse-path filtering while eth0 owns the default route: the kernel
# now drops the requests instead of answering them the wrong way.
why=
rp_all=$(guest_sysctl net.ipv4.conf.all.rp_filter) || bail "cannot read rp_filter in the guest"
rp_eth1=$(guest_sysctl net.ipv4.conf.eth1.rp_filter) || bail "cannot read eth1's rp_filter in the guest"
guest_sysctl_set net.ipv4.conf.all.rp_filter 1 && guest_sysctl_set net.ipv4.conf.eth1.rp_filter 1 ||
    bail "cannot set rp_filter in the guest"
[ "$(lab_default_dev)" = eth0 ] || why="default route moved to '$(lab_default_dev)'"
run_nmf --check "$LAB_REMOTE_ADDR"
diag "nm-metric-fix --check with rp_filter all=1 eth1=1 (was all=$rp_all eth1=$rp_eth1): exit $RC:
$OUT"
expect_rc why 5
expect_line why "$LAB_GUEST_LAN_ADDR " "$LAB_GUEST_LAN_ADDR *eth1 *eth0 *1 (strict) *dropped by rp_filter (strict)"
result "with strict rp_filter, --check says eth1's requests are dropped by rp_filter" "$why"

why=
observe_during_ping
diag "nm-metric-fix --observe with strict rp_filter: exit $RC:
$OUT"
expect_rc why 5
expect_line why "icmp $LAB_REMOTE_ADDR -> $LAB_GUEST_LAN_ADDR:" \
    "*requests in eth1, no reply  NO REPLY*"
expect_line why "Verdict:" "Verdict: no reply*"
expect_line why "Dropped here" "Dropped here over the window: TcpExt.IPReversePathFilter +* - requests dropped by rp_filter on this host*"
result "with strict rp_filter, --observe sees requests in eth1 and no reply, and names rp_filter from the counters" "$why"

guest_sysctl_set net.ipv4.conf.all.rp_filter "$rp_all" && guest_sysctl_set net.ipv4.conf.eth1.rp_filter "$rp_eth1" ||
    bail "cannot restore rp_filter in the guest"

why=
run_nmf --status --json
printf '%s\n' "$OUT" >"$LAB_DIR/status.json"
diag "nm-metric-fix --status --json (no fix) exit $RC"
expect_rc why 3
if command -v python3 >/dev/null 2>&1 && python3 -c 'import jsonschema' 2>/dev/null; then
    err=$(python3 - "$HERE/../../data/status-schema.json" "$LAB_DIR/status.json" <<'EOF' 2>&1
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
doc = json.load(open(sys.argv[2]))
cls = jsonschema.validators.validator_for(schema)
cls(schema, format_checker=cls.FORMAT_CHECKER).validate(doc)
assert doc["verdict"] == "wrong-owner", doc["verdict"]
assert doc["default_route_owner"]["ipv4"] == "eth0", doc["default_route_owner"]
assert doc["intended_owner"] == "eth1", doc["intended_owner"]
EOF
    ) || why="$why${why:+; }$err"
else
    [[ $OUT == *'"verdict" : "wrong-owner"'* ]] || why="$why${why:+; }no wrong-owner verdict in the JSON"
    diag "python3 jsonschema missing: schema not checked"
fi
run_nmf --status --prometheus
expect_line why "nm_metric_fix_default_route_owner_info{" \
    'nm_metric_fix_default_route_owner_info{family="ipv4",interface="eth0"} 1'
expect_line why 'nm_metric_fix_default_route_intended{family="ipv4"}' \
    'nm_metric_fix_default_route_intended{family="ipv4"} 0'
result "--status --json (valid against the schema) and --prometheus name eth0 as the wrong owner" "$why"

# Colour: only on a terminal (script(1) gives the helper one), never with NO_COLOR.
why=
esc=$'\033['
tty_status() { # ENV...: --status on a pseudo-terminal, with ENV
    lab_guest env "$@" script -qec "$NMF --status" /dev/null 2>&1
}
OUT=$(tty_status TERM=xterm)
[[ $OUT == *"${esc}1;31mDefault route: eth0, but eth1 should own it."* ]] ||
    why="on a terminal the wrong-owner verdict is not red: $(printf '%s' "$OUT" | tail -n 1 | cat -v)"
OUT=$(tty_status TERM=xterm NO_COLOR=1)
[[ $OUT != *"$esc"* ]] || why="$why${why:+; }NO_COLOR=1 still colours: $(printf '%s' "$OUT" | tail -n 1 | cat -v)"
run_nmf --status
[[ $OUT != *"$esc"* ]] || why="$why${why:+; }colour without a terminal"
result "--status colours its verdict only on a terminal, and not with NO_COLOR" "$why"

# ---------------------------------------------------------------------------
# After nm-metric-fix --fix: eth1 owns the default route.

why=
run_nmf --fix
diag "nm-metric-fix --fix exit $RC:
$OUT"
[ "$RC" = 0 ] || bail "nm-metric-fix --fix failed"
lab_wait_for 20 lab_default_dev_is eth1 || bail "default route still on '$(lab_default_dev)' 20 s after --fix"
lab_wait_for 10 lab_remote_ping "$LAB_GUEST_LAN_ADDR" || bail "remote ping still fails after --fix"
diag "guest routes (fixed):
$(lab_guest ip -4 route)"

run_nmf --check "$LAB_REMOTE_ADDR"
diag "nm-metric-fix --check $LAB_REMOTE_ADDR (fixed) exit $RC:
$OUT"
expect_rc why 0
expect_line why "$LAB_GUEST_LAN_ADDR " "$LAB_GUEST_LAN_ADDR *eth1 *eth1 * symmetric"
expect_line why "192.168.122." "192.168.122.* eth0 *eth1 * not judged: $LAB_REMOTE_ADDR reaches a NAT address only through the host's NAT (a reply would leave via eth1)"
expect_line why "Result:" "Result: symmetric.*"
expect_line why "Why:" "Why: eth1 owns the IPv4 default route with metric 100, which nm-metric-fix wrote into its profile 'lan'."
expect_line why "--fix would" "--fix would change nothing: the metrics are as ranked (eth1 first)."
result "after --fix, --check reports eth1 symmetric (the NAT link not counted), the metric nm-metric-fix wrote, and exits 0" "$why"

why=
observe_during_ping
diag "nm-metric-fix --observe (fixed) exit $RC:
$OUT"
expect_rc why 0
expect_line why "icmp $LAB_REMOTE_ADDR -> $LAB_GUEST_LAN_ADDR:" \
    "*icmp $LAB_REMOTE_ADDR -> $LAB_GUEST_LAN_ADDR: requests in eth1, replies out eth1  symmetric*"
expect_line why "Verdict:" "Verdict: symmetric*"
result "after --fix, --observe sees requests and replies on eth1 and exits 0" "$why"

# The replies leave by the right link, but the lan router rejects them: the
# ICMP errors it sends back (from its own address, not the remote host's) name
# the cause instead of a guess.
why=
lan_reject_replies prohibit || bail "adding the lan router's prohibit rule failed"
observe_during_ping
diag "nm-metric-fix --observe with the lan router rejecting the replies (ip rule prohibit): exit $RC:
$OUT"
expect_rc why 5
expect_line why "icmp $LAB_REMOTE_ADDR -> $LAB_GUEST_LAN_ADDR:" \
    "*icmp $LAB_REMOTE_ADDR -> $LAB_GUEST_LAN_ADDR: requests in eth1, replies out eth1  UNDELIVERED*"
expect_line why "    replies:" "    replies: rejected by $LAB_LAN_GW (administratively prohibited) (* ICMP error*)"
expect_line why "Verdict:" "Verdict: undelivered: *: rejected by $LAB_LAN_GW (administratively prohibited)."
result "with the lan router rejecting the replies, --observe says they are rejected by $LAB_LAN_GW and exits 5" "$why"

why=
lan_reject_replies unreachable || bail "adding the lan router's unreachable rule failed"
start_remote_ping
# One capture per interface (libpcap 1.9's path): the filter must pass the errors there too.
OUT=$(lab_guest env NMF_CAPTURE_PER_INTERFACE=1 "$NMF" --observe "$LAB_REMOTE_ADDR" \
    --seconds "$OBSERVE_S" --json 2>"$LAB_DIR/observe.err")
RC=$?
stop_remote_ping
diag "nm-metric-fix --observe --json, per-interface captures, with the lan router lacking a route for the replies (ip rule unreachable): exit $RC:
$OUT"
expect_rc why 5
err=$(cat "$LAB_DIR/observe.err")
diag "$err"
[[ $err == *" on "[2-9]*" capture(s)"* ]] || why="not captured per interface: $err"
err=$(check_observe_json '
assert doc["verdict"] == "undelivered", doc["verdict"]
f = doc["flows"][0]
assert f["protocol"] == "icmp" and f["peer_initiated"], f
assert f["in_interfaces"] == ["eth1"] and f["out_interfaces"] == ["eth1"], f
assert f["verdict"] == "undelivered" and f["cause"] == "no-route", f
e = f["icmp_errors"]
assert len(e) == 1, e
assert e[0]["from"] == "'"$LAB_LAN_GW"'" and e[0]["about"] == "replies", e
assert (e[0]["type"], e[0]["code"], e[0]["cause"]) == (3, 0, "no-route"), e
assert e[0]["count"] >= 1, e
') || why="$why${why:+; }$err"
lan_reject_replies || bail "removing the lan router's rule failed"
result "with no route for the replies on the lan router, --observe --json (valid against the schema; one capture per interface) names no-route from $LAB_LAN_GW" "$why"

# ---------------------------------------------------------------------------
# IPv6: the profiles leave IPv6 alone, so give eth0/eth1 global addresses and
# default routes by hand (inside the guest and lan namespaces only).

why=
lab_ns lan ip -6 addr add "$V6_LAN_GW/64" dev lan0 nodad &&
    lab_ns guest ip -6 addr add "$V6_GUEST_LAN/64" dev eth1 nodad &&
    lab_ns guest ip -6 addr add "$V6_GUEST_NAT/64" dev eth0 nodad &&
    lab_ns guest ip -6 route add default via "$V6_NAT_GW" dev eth0 metric 100 &&
    lab_ns guest ip -6 route add default via "$V6_LAN_GW" dev eth1 metric 101 ||
    bail "setting up IPv6 in the guest failed"
diag "guest IPv6 routes:
$(lab_ns guest ip -6 route)"
run_nmf --check "$V6_REMOTE"
diag "nm-metric-fix --check $V6_REMOTE (eth0 owns the IPv6 default route) exit $RC:
$OUT"
expect_rc why 5
expect_line why "$V6_GUEST_LAN " "$V6_GUEST_LAN *eth1 *eth0 *- *ASYMMETRIC: reply leaves via eth0"
expect_line why "$V6_GUEST_NAT " "$V6_GUEST_NAT *eth0 *eth0 *- *symmetric (NAT link, not counted)"
[[ $OUT != *fe80:* ]] || why="$why${why:+; }link-local addresses are listed"
result "IPv6: --check reports eth1's $V6_GUEST_LAN ASYMMETRIC (reply via eth0) and exits 5" "$why"

why=
lab_ns guest ip -6 route del default via "$V6_LAN_GW" dev eth1 metric 101 &&
    lab_ns guest ip -6 route add default via "$V6_LAN_GW" dev eth1 metric 50 ||
    bail "moving the IPv6 default route to eth1 failed"
run_nmf --check "$V6_REMOTE"
diag "nm-metric-fix --check $V6_REMOTE (eth1 owns the IPv6 default route) exit $RC:
$OUT"
expect_rc why 0
expect_line why "$V6_GUEST_LAN " "$V6_GUEST_LAN *eth1 *eth1 *- *symmetric"
result "IPv6: with eth1 owning the IPv6 default route, --check exits 0" "$why"

# ICMPv6: the remote host gets an IPv6 address behind the lan router, which
# rejects the guest's IPv6 replies (ip -6 rule prohibit: administratively
# prohibited); its per-destination ICMPv6 rate limit is off for the test.
why=
lab_ns lan ip -6 addr add "$V6_REMOTE_GW/64" dev wan0 nodad &&
    lab_ns remote ip -6 addr add "$V6_REMOTE/64" dev eth0 nodad &&
    lab_ns remote ip -6 route add default via "$V6_REMOTE_GW" &&
    lab_ns lan sysctl -qw net.ipv6.conf.all.forwarding=1 net.ipv6.icmp.ratelimit=0 &&
    lab_ns lan ip -6 rule add priority "$LAN_REJECT_PRIO" iif lan0 to "$V6_REMOTE" prohibit ||
    bail "setting up IPv6 on the remote host and the lan router's prohibit rule failed"
lab_wait_for 10 ip netns exec "$LAB_NS_REMOTE" ping -6 -n -q -c 1 -W 1 "$V6_LAN_GW" >/dev/null 2>&1 ||
    bail "the remote host does not reach the lan router over IPv6"
ip netns exec "$LAB_NS_REMOTE" ping -6 -n -q -i "$PING_INTERVAL" -c "$PING_COUNT" -W 1 \
    "$V6_GUEST_LAN" >"$LAB_DIR/remote-ping6.log" 2>&1 &
PING_PID=$!
run_nmf --observe "$V6_REMOTE" --seconds "$OBSERVE_S"
stop_remote_ping
diag "nm-metric-fix --observe $V6_REMOTE with the lan router rejecting the IPv6 replies: exit $RC:
$OUT"
expect_rc why 5
expect_line why "icmp6 $V6_REMOTE -> $V6_GUEST_LAN:" \
    "*icmp6 $V6_REMOTE -> $V6_GUEST_LAN: requests in eth1, replies out eth1  UNDELIVERED*"
expect_line why "    replies:" "    replies: rejected by $V6_LAN_GW (administratively prohibited) (* ICMP error*)"
lab_ns lan ip -6 rule del priority "$LAN_REJECT_PRIO" || bail "removing the lan router's IPv6 rule failed"
result "IPv6: with the lan router rejecting the replies, --observe names the ICMPv6 error: rejected by $V6_LAN_GW" "$why"

# ---------------------------------------------------------------------------
# Usage and permissions.

why=
run_nmf --check not-an-address
[ "$RC" = 2 ] || why="--check not-an-address: exit $RC, expected 2 ($OUT)"
run_nmf_unprivileged --observe "$LAB_REMOTE_ADDR" --seconds 1
[ "$RC" = 4 ] || why="$why${why:+; }--observe without privileges: exit $RC, expected 4 ($OUT)"
diag "--observe without privileges: $OUT"
result "--check rejects a non-address (exit 2); --observe without privileges exits 4" "$why"

stop_remote_ping
tap_finish "$NTESTS"
