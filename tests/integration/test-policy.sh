#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Several functions below only run through lab_wait_for:
# shellcheck disable=SC2317
#
# nm-metric-fix mode=policy against the real NetworkManager (namespace lab,
# tests/lab/lab.sh with lab_topology_return_path: the NAT side routes to the
# remote network too, and the lan router drops packets from 192.168.122.x
# arriving from the guest, rp_filter=1).  In metric mode the guest answers the
# remote host on eth1's address only; in policy mode per-uplink tables and
# source rules make it answer on both; back in metric mode, and after
# --revert, the rules and tables are gone.  TAP output.
#
# usage: test-policy.sh BUILD_DIR
#
# The dispatcher hook is out (lab_hooks_disable) except for one subtest that
# checks a dispatcher event in policy mode settles.  Needs root; prints
# "1..0 # SKIP ..." without root or network namespaces.  LAB_KEEP=1 keeps the
# lab directory (logs) for inspection.

set -u

HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lab/lab.sh
. "$HERE/../lab/lab.sh"
# shellcheck source-path=SCRIPTDIR source=../lab/lab-tap.sh
. "$HERE/../lab/lab-tap.sh"

NTESTS=10
CONF=/usr/local/etc/nm-metric-fix.conf   # the lab build's default file
ROUTE_S=5                                # deadline for kernel routes and rules
SETTLE_S=20                              # deadline for the dispatcher + helper
PING_S=3                                 # deadline for a ping that should work
TABLE_LAN=30501                          # rank 1 (eth1) in the built-in policy
TABLE_NAT=30502                          # rank 2 (eth0)

tap_setup "${1:-}" gdbus

# ---------------------------------------------------------------------------
# Helpers on top of the lab

# set_mode metric|policy [EXTRA]: the default configuration file.
set_mode() {
    printf '[main]\nmode=%s\n%s' "$1" "${2:-}" | lab_guest_write "$CONF" ||
        bail "writing $CONF failed"
    diag "$CONF: $(lab_guest cat "$CONF" | paste -sd'|')"
}

defaults() {
    lab_default_routes -4 | paste -sd' '
}

defaults_are() {
    [ "$(defaults)" = "$1" ]
}

# our_rules: the guest's IPv4 rules in our priority range, "PRIO from ADDR
# lookup TABLE", joined by "; ".
our_rules() {
    lab_ns guest ip -4 rule show | awk '
        { prio = $1; sub(/:$/, "", prio) }
        prio >= 30500 && prio < 30600 {
            line = prio
            for (i = 2; i <= NF; i++) {
                if ($i == "proto") break
                line = line " " $i
            }
            print line
        }' | paste -sd';' | sed 's/;/; /g'
}

our_rules_are() {
    [ "$(our_rules)" = "$1" ]
}

# table T: the routes of table T, "DST [via GW] dev DEV" sorted, joined by "; ".
table() {
    lab_ns guest ip -4 route show table "$1" 2>/dev/null | awk '
        { line = $1
          for (i = 2; i < NF; i++)
              if ($i == "via" || $i == "dev") line = line " " $i " " $(i + 1)
          print line }' | sort | paste -sd';' | sed 's/;/; /g'
}

table_is() { # T EXPECTED
    [ "$(table "$1")" = "$2" ]
}

# our_tables: every route of the guest in a table of ours (30500-30599).
our_tables() {
    lab_ns guest ip -4 route show table all | grep -E ' table 305[0-9][0-9]( |$)'
}

no_tables() {
    [ -z "$(our_tables)" ]
}

nat_addr() {
    lab_ns guest ip -4 -o addr show dev eth0 scope global | awk '{ sub(/\/.*/, "", $4); print $4; exit }'
}

ping_lan() { lab_remote_ping "$LAB_GUEST_LAN_ADDR"; }
ping_nat() { lab_remote_ping "$NAT_ADDR"; }

# pings_are LAN NAT: the remote host's pings to both guest addresses give
# ok/lost as expected; a lost one is given PING_S seconds to prove it wrong
# only when "ok" is expected (a lost ping costs its 1 s timeout).
pings_are() {
    local got_lan=lost got_nat=lost
    if [ "$1" = ok ]; then lab_wait_for "$PING_S" ping_lan && got_lan=ok; else ping_lan && got_lan=ok; fi
    if [ "$2" = ok ]; then lab_wait_for "$PING_S" ping_nat && got_nat=ok; else ping_nat && got_nat=ok; fi
    PINGS="remote -> $LAB_GUEST_LAN_ADDR (eth1): $got_lan, -> $NAT_ADDR (eth0): $got_nat"
    diag "$PINGS"
    [ "$got_lan/$got_nat" = "$1/$2" ]
}

policy_props() { # ID: the profile's ipv4.routes and ipv4.routing-rules
    lab_guest nmcli -g ipv4.routes,ipv4.routing-rules connection show "$1" 2>/dev/null | paste -sd'|'
}

state_diag() {
    diag "guest: ip rule / routes in tables 30500-30599 / main defaults:
$(lab_ns guest ip -4 rule show)
$(our_tables)
$(lab_ns guest ip -4 route show default)"
}

# NetworkManager < 1.18 has no routing rules: there mode=policy must be
# refused (exit 2) with nothing changed, and the policy subtests cannot run.
lab__nm_identify || bail "cannot tell which NetworkManager the lab runs"
lab_nm_at_least 1.18 || NTESTS=3
echo "1..$NTESTS"

lab_init nmfPol || bail "lab_init failed"
lab_stage "$BUILD_DIR" || bail "staging the product failed"
lab_topology || bail "lab_topology failed"
lab_topology_return_path || bail "lab_topology_return_path failed"
lab_start_nm "$LAB_STAGE" || bail "lab_start_nm (with the product) failed"
lab_hooks_disable || bail "lab_hooks_disable failed"
lab_add_profiles || bail "lab_add_profiles failed"
if ! lab_up nat || ! lab_up lan; then
    bail "activating the profiles failed"
fi
lab_wait_for "$ROUTE_S" defaults_are "eth0 100 eth1 101" || bail "default routes '$(defaults)', expected eth0 ahead"
NAT_ADDR=$(nat_addr)
[ -n "$NAT_ADDR" ] || bail "eth0 has no IPv4 address"
RULES_POLICY="$TABLE_LAN from $LAB_GUEST_LAN_ADDR lookup $TABLE_LAN; $TABLE_NAT from $NAT_ADDR lookup $TABLE_NAT"
T_LAN="10.66.60.0/23 dev eth1; default via $LAB_LAN_GW dev eth1"
T_NAT="${LAB_NAT_GW%.*}.0/24 dev eth0; default via $LAB_NAT_GW dev eth0"
T0=$(lab__now_us)

# ---------------------------------------------------------------------------
# 1: the lab itself.  With eth0 owning the default route every reply leaves
# by eth0 and the host routes it on: both addresses answer.

WHY=
pings_are ok ok || add_why "$PINGS; expected both to answer"
result "control: with eth0 owning the default route the NAT side's return path answers for both addresses" "$WHY"

# 2: metric mode fixes eth1 but breaks the NAT address (asymmetric).
WHY=
set_mode metric
nmf --fix
[ "$NMF_RC" = 0 ] || add_why "--fix exit $NMF_RC"
lab_wait_for "$ROUTE_S" defaults_are "eth1 100 eth0 101" || add_why "default routes '$(defaults)'"
[ -z "$(our_rules)" ] || add_why "rules of ours in metric mode: $(our_rules)"
pings_are ok lost || add_why "$PINGS; expected eth1 ok, eth0 lost"
result "mode=metric: remote ping to eth1's address works, to eth0's ($NAT_ADDR) fails (reply leaves by eth1)" "$WHY"

# 3 (NetworkManager < 1.18 only): mode=policy is refused, nothing changes.  Both
# readings wait until the state stops moving: subtest 2's Reapply took the IPv6
# link-local addresses' local routes away, and the kernel adds them back by itself.
if ! lab_nm_at_least 1.18; then
    WHY=
    set_mode policy
    lab_state_settled >"$LAB_DIR/before.state" || bail "the state did not settle before --fix"
    nmf --fix
    [ "$NMF_RC" = 2 ] || add_why "--fix exit $NMF_RC, expected 2"
    [[ $NMF_ERR == *"mode=policy needs NetworkManager 1.18 or newer"*"Nothing was changed"* ]] ||
        add_why "the refusal does not name the NetworkManager version needed"
    lab_state_settled >"$LAB_DIR/after.state" || add_why "the state did not settle after --fix"
    cmp -s "$LAB_DIR/before.state" "$LAB_DIR/after.state" ||
        add_why "state changed: $(diff "$LAB_DIR/before.state" "$LAB_DIR/after.state" | head -n 20)"
    result "NetworkManager $LAB_NM_VERSION: mode=policy refused with exit 2, profiles, applied connections, routes and rules unchanged" "$WHY"
    tap_finish "$NTESTS"
fi

# ---------------------------------------------------------------------------
# 3-5: mode=policy.

WHY=
set_mode policy
nmf --fix
[ "$NMF_RC" = 0 ] || add_why "--fix exit $NMF_RC"
[[ $NMF_ERR == *"policy routing for 'nat' (eth0): "*"table $TABLE_NAT"* ]] ||
    add_why "log lacks \"policy routing for 'nat' (eth0): ... table $TABLE_NAT\""
lab_wait_for "$ROUTE_S" our_rules_are "$RULES_POLICY" || add_why "rules '$(our_rules)', expected '$RULES_POLICY'"
lab_wait_for "$ROUTE_S" table_is $TABLE_LAN "$T_LAN" || add_why "table $TABLE_LAN: '$(table $TABLE_LAN)', expected '$T_LAN'"
lab_wait_for "$ROUTE_S" table_is $TABLE_NAT "$T_NAT" || add_why "table $TABLE_NAT: '$(table $TABLE_NAT)', expected '$T_NAT'"
defaults_are "eth1 100 eth0 101" || add_why "main table no longer ranked: '$(defaults)'"
props=$(policy_props lan)
diag "profile lan: ipv4.routes|ipv4.routing-rules = $props"
[[ $props == *"table=$TABLE_LAN"*"priority $TABLE_LAN from $LAB_GUEST_LAN_ADDR table $TABLE_LAN"* ]] ||
    add_why "profile lan lacks the table-$TABLE_LAN routes and rule"
state_diag
pings_are ok ok || add_why "$PINGS; expected both to answer"
result "mode=policy: rules 30501/30502 and tables with each uplink's routes; remote ping works to both addresses" "$WHY"

WHY=
nmf --status
[ "$NMF_RC" = 0 ] || add_why "--status exit $NMF_RC, expected 0"
nmf --fix
[ "$NMF_RC" = 0 ] || add_why "second --fix exit $NMF_RC"
[[ $NMF_ERR == *"no changes needed"* ]] || add_why "a second --fix in policy mode does not say 'no changes needed'"
result "mode=policy: --status exits 0, a second --fix changes nothing" "$WHY"

# A dispatcher event in policy mode: the hook runs, the state stays, no loop.
# settled OFFSET: nm-dispatcher completed 'up' on eth0 since OFFSET, no hook or
# helper runs, and the helper's last verdict is "no changes needed".
settled() {
    local since last
    since=$(tail -c "+$(($1 + 1))" "$LAB_DIR/dispatcher.log" | tr -d '\0')
    [[ $since == *"'up' [eth0]: completed"* ]] || return 1
    lab_guest_proc_running nm-metric-fix && return 1
    last=$(printf '%s\n' "$since" | grep -a 'nm-metric-fix\[' | grep -Ev 'run for dispatcher event|ranking:' | tail -n 1)
    [[ $last == *"no changes needed"* ]]
}
WHY=
lab_hooks_enable || bail "lab_hooks_enable failed"
off=$(stat -c %s "$LAB_DIR/dispatcher.log")
t0=$(lab__now_us)
lab_up nat || add_why "nmcli connection up nat failed"
if lab_wait_for "$SETTLE_S" settled "$off"; then
    diag "settled $(lab_elapsed_ms "$t0") ms after 'up nat'"
else
    add_why "dispatcher/helper not settled on 'no changes needed' within ${SETTLE_S} s"
fi
diag "helper log since 'up nat':
$(tail -c "+$((off + 1))" "$LAB_DIR/dispatcher.log" | grep -a 'nm-metric-fix\[' | cat -v)"
lab_hooks_disable || bail "lab_hooks_disable failed"
NAT_ADDR=$(nat_addr)
RULES_POLICY="$TABLE_LAN from $LAB_GUEST_LAN_ADDR lookup $TABLE_LAN; $TABLE_NAT from $NAT_ADDR lookup $TABLE_NAT"
lab_wait_for "$ROUTE_S" our_rules_are "$RULES_POLICY" || add_why "rules '$(our_rules)', expected '$RULES_POLICY'"
table_is $TABLE_NAT "$T_NAT" || add_why "table $TABLE_NAT: '$(table $TABLE_NAT)', expected '$T_NAT'"
pings_are ok ok || add_why "$PINGS; expected both to answer"
result "mode=policy: after 'nmcli connection up nat' the hook settles with no changes; rules, tables, pings intact" "$WHY"

# ---------------------------------------------------------------------------
# 6-7: back to mode=metric.

WHY=
set_mode metric
nmf --fix
[ "$NMF_RC" = 0 ] || add_why "--fix exit $NMF_RC"
lab_wait_for "$ROUTE_S" our_rules_are "" || add_why "rules of ours left: $(our_rules)"
defaults_are "eth1 100 eth0 101" || add_why "default routes '$(defaults)'"
for id in nat lan; do
    props=$(policy_props "$id")
    [ "$props" = "|" ] || [ -z "$props" ] || add_why "profile $id still has ipv4.routes|routing-rules '$props'"
done
pings_are ok lost || add_why "$PINGS; expected eth1 ok, eth0 lost again"
result "back to mode=metric: our rules leave the kernel and the profiles, eth0's address is asymmetric again" "$WHY"

WHY=
lab_wait_for "$ROUTE_S" no_tables || add_why "routes left in tables 30500-30599:
$(our_tables)"
result "back to mode=metric: no route is left in tables 30500-30599" "$WHY"

# ---------------------------------------------------------------------------
# 8-9: --revert from policy mode.

WHY=
set_mode policy
nmf --fix
lab_wait_for "$ROUTE_S" our_rules_are "$RULES_POLICY" || add_why "policy mode did not come back: rules '$(our_rules)'"
nmf --revert
[ "$NMF_RC" = 0 ] || add_why "--revert exit $NMF_RC"
lab_wait_for "$ROUTE_S" our_rules_are "" || add_why "rules of ours left: $(our_rules)"
for id in nat lan; do
    props=$(policy_props "$id")
    [ "$props" = "|" ] || [ -z "$props" ] || add_why "profile $id still has ipv4.routes|routing-rules '$props'"
    m=$(lab_guest nmcli -g ipv4.route-metric connection show "$id")
    [ "$m" = -1 ] || add_why "profile $id ipv4.route-metric $m, expected -1"
    lab_profile_user_data "$id" | grep -q '^nm-metric-fix\.' && add_why "profile $id still has nm-metric-fix.* user data"
done
# NetworkManager's own metrics again.  (Not necessarily 100/101 as before:
# eth0 re-activated above while lan held 100, and NetworkManager reserved it
# another metric then, which it keeps until eth0 deactivates.)
auto=$(printf 'eth%s %s\n' 0 "$(lab_nm_auto_metric eth0)" 1 "$(lab_nm_auto_metric eth1)" | sort -k2,2n | paste -sd' ')
diag "NetworkManager's automatic metrics: $auto"
lab_wait_for "$ROUTE_S" defaults_are "$auto" || add_why "default routes '$(defaults)', expected NetworkManager's automatic '$auto'"
result "--revert from policy mode: rules gone; profiles without routes, rules, records; NetworkManager's metrics" "$WHY"

WHY=
lab_wait_for "$ROUTE_S" no_tables || add_why "routes left in tables 30500-30599:
$(our_tables)"
result "--revert from policy mode: no route is left in tables 30500-30599" "$WHY"

# ---------------------------------------------------------------------------
# 10: the ranks swap while in policy mode (a prefer rule for eth0): table
# 30501 now belongs to eth0 and 30502 to eth1, and nothing else is in them.
# Fresh profiles, so that the subtests above leave nothing behind.

WHY=
lab_delete_profiles || bail "deleting the profiles failed"
if ! lab_add_profiles || ! lab_up nat || ! lab_up lan; then
    bail "re-creating the profiles failed"
fi
lab_wait_for "$ROUTE_S" defaults_are "eth0 100 eth1 101" || bail "default routes '$(defaults)' after re-creating the profiles"
NAT_ADDR=$(nat_addr)
no_tables || add_why "routes in tables 30500-30599 before policy mode:
$(our_tables)"
set_mode policy
nmf --fix
lab_wait_for "$ROUTE_S" table_is $TABLE_NAT "$T_NAT" || add_why "policy mode: table $TABLE_NAT '$(table $TABLE_NAT)'"
set_mode policy "
[rule uplink]
match-interface=eth0
action=prefer
"
nmf --fix
[ "$NMF_RC" = 0 ] || add_why "--fix exit $NMF_RC"
lab_wait_for "$ROUTE_S" defaults_are "eth0 100 eth1 101" || add_why "default routes '$(defaults)', expected eth0 ahead"
rules="$TABLE_LAN from $NAT_ADDR lookup $TABLE_LAN; $TABLE_NAT from $LAB_GUEST_LAN_ADDR lookup $TABLE_NAT"
lab_wait_for "$ROUTE_S" our_rules_are "$rules" || add_why "rules '$(our_rules)', expected '$rules'"
lab_wait_for "$ROUTE_S" table_is $TABLE_LAN "$T_NAT" || add_why "table $TABLE_LAN: '$(table $TABLE_LAN)', expected '$T_NAT'"
lab_wait_for "$ROUTE_S" table_is $TABLE_NAT "$T_LAN" || add_why "table $TABLE_NAT: '$(table $TABLE_NAT)', expected '$T_LAN'"
state_diag
pings_are ok ok || add_why "$PINGS; expected both to answer"
result "mode=policy, ranks swapped by a prefer rule: each table holds only its uplink's routes, both addresses answer" "$WHY"

lab_guest rm -f "$CONF"
diag "test body took $(lab_elapsed_ms "$T0") ms"
tap_finish "$NTESTS"
