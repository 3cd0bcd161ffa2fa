#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Several functions below only run through lab_wait_for:
# shellcheck disable=SC2317
#
# nm-metric-fix's configuration against the real NetworkManager (namespace lab,
# tests/lab/lab.sh): rules and nat-ranges decide the uplink, --dry-run and a
# malformed configuration change nothing, --revert restores what was there,
# the per-profile opt-out and hand-set metrics are left alone.  TAP output.
#
# usage: test-config.sh BUILD_DIR
#
# The product is staged with `meson install --destdir` into the guest's private
# /usr/local; its dispatcher hook is taken out (lab_hooks_disable) so that only
# the helper runs this test starts, each with the configuration under test;
# the last subtest puts it back to check that --revert is not undone by it.
# Needs root; prints "1..0 # SKIP ..." without root or network namespaces.
# LAB_KEEP=1 keeps the lab directory (logs) for inspection.

set -u

HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lab/lab.sh
. "$HERE/../lab/lab.sh"
# shellcheck source-path=SCRIPTDIR source=../lab/lab-tap.sh
. "$HERE/../lab/lab-tap.sh"

DEFAULT_CONF=/usr/local/etc/nm-metric-fix.conf   # the lab build's default
CONFDIR=/usr/local/etc/nmf-test                  # test configurations (guest)
ROUTE_S=5                                        # deadline for kernel routes
SETTLE_S=20                                      # deadline for dispatcher events

tap_setup "${1:-}" gdbus

# ---------------------------------------------------------------------------
# Malformed configurations: "NAME|LINE|CONTENT" (CONTENT with \n escapes; LINE
# is the line the error message must name).  Each runs `--fix` in the bug
# state and must exit 2 naming FILE:LINE, with nothing changed.

MALFORMED=(
    'unknown key in [main]|3|[main]\nmode=metric\nmetric-bsae=100\n'
    'rule key in [main]|2|[main]\nmatch-interface=eth1\n'
    'unknown key in a rule|3|[rule lan]\nmatch-interface=eth1\nmatch-ssid=office\naction=prefer\n'
    'unknown group|4|[main]\nmode=metric\n\n[rules lan]\nmatch-interface=eth1\naction=prefer\n'
    'bad mode|2|[main]\nmode=fast\n'
    'bad persist|3|[main]\nmode=metric\npersist=maybe\n'
    'metric-base out of range|2|[main]\nmetric-base=1000001\n'
    'metric-base negative|2|[main]\nmetric-base=-1\n'
    'metric-step zero|2|[main]\nmetric-step=0\n'
    'nat-ranges prefix 33|2|[main]\nnat-ranges=192.168.122.0/24@192.168.122.1;10.0.2.0/33\n'
    'nat-ranges bad gateway|2|[main]\nnat-ranges=192.168.122.0/24@192.168.122.x\n'
    'duplicate key|4|[main]\nmode=metric\npersist=yes\nmode=policy\n'
    'duplicate rule|5|[rule a]\nmatch-interface=eth1\naction=prefer\n\n[rule a]\nmatch-interface=eth0\naction=avoid\n'
    'rule without match|2|# the LAN first\n[rule lan]\naction=prefer\n'
    'rule without action|1|[rule lan]\nmatch-interface=eth1\n'
    'bad action|3|[rule lan]\nmatch-interface=eth1\naction=promote\n'
    'bad match-subnet|2|[rule lan]\nmatch-subnet=10.66.60.0\naction=prefer\n'
    'line without =|2|[main]\nmode metric\n'
    'key outside any group|1|mode=metric\n[main]\npersist=yes\n'
    'comment after a value|2|[main]\nmetric-base=100 # default\n'
    'empty value|2|[main]\nmode=\n'
    'malformed group header|1|[main\nmode=metric\n'
)
# Plus one malformed default file (no --config).
NTESTS=$((15 + ${#MALFORMED[@]} + 2))

# ---------------------------------------------------------------------------
# Helpers on top of the lab

# put_conf NAME: stdin (printf escapes expanded by the caller) becomes
# $CONFDIR/NAME.conf in the guest; sets CONF to its path.
put_conf() {
    CONF=$CONFDIR/$1.conf
    lab_guest_write "$CONF" || bail "writing $CONF in the guest failed"
}

defaults() {
    lab_default_routes -4 | paste -sd' '
}

# defaults_are "DEV METRIC DEV METRIC": the IPv4 default routes, best first.
defaults_are() {
    [ "$(defaults)" = "$1" ]
}

# metric_is DEV METRIC: DEV's IPv4 default route has METRIC.
metric_is() {
    [ "$(lab_default_metric -4 "$1")" = "$2" ]
}

# profile_metric ID [FAMILY]: ipv4 (or ipv6) route metric of the profile.
profile_metric() {
    lab_guest nmcli -g "${2:-ipv4}.route-metric" connection show "$1" 2>/dev/null
}

our_user_data() {
    lab_profile_user_data "$1" | grep '^nm-metric-fix\.'
}

# reset FIRST SECOND: fresh profiles nat and lan, activated in that order;
# NetworkManager then gives FIRST's device metric 100 and the other 101.
reset() {
    local want
    if ! lab_delete_profiles || ! lab_add_profiles || ! lab_up "$1" || ! lab_up "$2"; then
        bail "re-creating and activating the profiles failed"
    fi
    case "$1" in
        nat) want="eth0 100 eth1 101" ;;
        *) want="eth1 100 eth0 101" ;;
    esac
    lab_wait_for "$ROUTE_S" defaults_are "$want" ||
        bail "after up $1, up $2: default routes '$(defaults)', expected '$want'"
    lab_guest rm -f "$DEFAULT_CONF"
    diag "state: up $1, up $2: default routes $want"
}

# snapshot FILE: profiles, applied connections, kernel routes and rules;
# first waits for IPv6 duplicate address detection on links that just came up
# (the kernel then adds local routes by itself).
snapshot() {
    lab_wait_for "$ROUTE_S" lab_ipv6_settled || diag "IPv6 addresses still tentative"
    lab_state_snapshot >"$1" || bail "lab_state_snapshot failed"
}

# same_state BEFORE AFTER: why they differ (diff), or nothing.
same_state() {
    cmp -s "$1" "$2" && return 0
    printf 'state changed:\n%s\n' "$(diff -u "$1" "$2" | head -n 40)"
    return 1
}

echo "1..$NTESTS"

lab_init nmfCfg || bail "lab_init failed"
lab_stage "$BUILD_DIR" || bail "staging the product failed"
lab_topology || bail "lab_topology failed"
lab_start_nm "$LAB_STAGE" || bail "lab_start_nm (with the product) failed"
lab_hooks_disable || bail "lab_hooks_disable failed"
T0=$(lab__now_us)

# ---------------------------------------------------------------------------
# Rules and nat-ranges pick the uplink.  Start where NetworkManager's order
# and the built-in NAT ranges agree on eth1 (up lan, then up nat); a
# configuration that says eth0 is the real uplink must move the default route.

RULE_PREFER_ETH0="[main]
metric-base=100

# eth0 is this site's real uplink
[rule uplink]
match-mac=${LAB_GUEST_ETH0_MAC^^}
action=prefer
"

WHY=
reset lan nat
put_conf prefer-eth0 <<<"$RULE_PREFER_ETH0"
nmf --status --config "$CONF"
[ "$NMF_RC" = 3 ] || add_why "--status before the fix: exit $NMF_RC, expected 3 (the rule wants eth0)"
nmf --fix --config "$CONF"
[ "$NMF_RC" = 0 ] || add_why "--fix exit $NMF_RC"
[[ $NMF_ERR == *"eth0 (nat, nat) metric 100"* ]] || add_why "ranking line lacks '1. eth0 (nat, nat) metric 100'"
lab_wait_for "$ROUTE_S" defaults_are "eth0 100 eth1 101" ||
    add_why "default routes '$(defaults)', expected 'eth0 100 eth1 101'"
# The rule is obeyed, and --status still reads the kernel's answer: eth1's replies
# now leave by eth0.  In mode=metric that is what the rule asked for (one link owns
# the default route), so it is a warning naming the remedy, and the verdict is ok.
nmf --status --config "$CONF"
[ "$NMF_RC" = 0 ] || add_why "--status with the rule: exit $NMF_RC, expected 0 (eth1's replies by eth0 are a warning)"
[[ $(last_line "$NMF_OUT") == "Default route: eth0 (intended)." ]] ||
    add_why "--status verdict '$(last_line "$NMF_OUT")', expected 'Default route: eth0 (intended).'"
printf '%s\n' "$NMF_OUT" | grep -q "^Warning: Replies from $LAB_GUEST_LAN_ADDR (eth1) leave by eth0: .*mode=policy" ||
    add_why "--status does not warn that eth1's replies leave by eth0, naming mode=policy"
[[ $NMF_OUT == *"rule uplink: prefer"* ]] || add_why "--status does not show 'rule uplink: prefer'"
nmf --status
[ "$NMF_RC" = 3 ] || add_why "--status with the built-in policy: exit $NMF_RC, expected 3 (it wants eth1)"
m_nat=$(profile_metric nat) m_lan=$(profile_metric lan)
[ "$m_nat/$m_lan" = 100/101 ] || add_why "profile metrics nat=$m_nat lan=$m_lan, expected 100/101"
result "a prefer rule on eth0's MAC gives eth0 the default route the built-in policy would give eth1 (eth1's replies: a warning)" "$WHY"

WHY=
reset lan nat
put_conf prefer-eth0-off <<<"$(sed '/^\[rule uplink\]/,$ s/^/#/' <<<"$RULE_PREFER_ETH0")"
diag "configuration: $(lab_guest cat "$CONF" | paste -sd'|')"
nmf --fix --config "$CONF"
[ "$NMF_RC" = 0 ] || add_why "--fix exit $NMF_RC"
lab_wait_for "$ROUTE_S" defaults_are "eth1 100 eth0 101" ||
    add_why "default routes '$(defaults)', expected 'eth1 100 eth0 101'"
lab_default_dev_is eth0 && add_why "eth0 owns the default route without the rule"
result "negative control: the same file with the rule commented out leaves eth1 the default route" "$WHY"

WHY=
reset lan nat
put_conf lan-is-nat-only <<'EOF'
[main]
nat-ranges=10.66.60.0/23@10.66.61.254
EOF
# nat-ranges names eth1 NAT; eth0's gateway has libvirt's MAC, so eth0 stays NAT too:
# two NAT links, nothing to rank.
nmf --fix --config "$CONF"
[[ $NMF_ERR == *"no NAT uplink competes"* ]] || add_why "with nat-ranges alone, eth0 was not kept NAT by its gateway's MAC"
put_conf lan-is-nat <<'EOF'
[main]
# here the LAN side is the NAT: the guest's 10.66.60.0/23 behind 10.66.61.254
nat-ranges=10.66.60.0/23@10.66.61.254

# and eth0's network, whose gateway carries a libvirt MAC, is this site's LAN
[rule nat-side-is-lan]
match-interface=eth0
class=lan
EOF
nmf --fix --config "$CONF"
[ "$NMF_RC" = 0 ] || add_why "--fix exit $NMF_RC"
[[ $NMF_ERR == *"1. eth0 (nat, lan) metric 100; 2. eth1 (lan, nat) metric 101"* ]] ||
    add_why "ranking line is not '1. eth0 (nat, lan) ...; 2. eth1 (lan, nat) ...'"
lab_wait_for "$ROUTE_S" defaults_are "eth0 100 eth1 101" ||
    add_why "default routes '$(defaults)', expected 'eth0 100 eth1 101'"
nmf --status --config "$CONF"
[ "$NMF_RC" = 0 ] || add_why "--status exit $NMF_RC, expected 0"
result "nat-ranges and a class=lan rule: eth1 counts as NAT, eth0 (libvirt MAC) as LAN and gets the default route" "$WHY"

WHY=
reset lan nat
put_conf avoid-lan <<'EOF'
[rule backup]
match-connection=lan
action=avoid
EOF
nmf --fix --config "$CONF"
[ "$NMF_RC" = 0 ] || add_why "--fix exit $NMF_RC"
[[ $NMF_ERR == *"1. eth0 (nat, nat) metric 100; 2. eth1 (lan, lan) metric 101"* ]] ||
    add_why "ranking line is not '1. eth0 (nat, nat) ...; 2. eth1 (lan, lan) ...'"
lab_wait_for "$ROUTE_S" defaults_are "eth0 100 eth1 101" ||
    add_why "default routes '$(defaults)', expected 'eth0 100 eth1 101'"
result "an avoid rule on the lan connection puts it behind the NAT link" "$WHY"

WHY=
reset nat lan
put_conf ignore-nat <<EOF
[rule keep-nat]
match-interface=eth0
match-mac=52:54:00:*:10
action=ignore
EOF
snapshot "$LAB_DIR/before-ignore"
nmf --fix --config "$CONF"
[ "$NMF_RC" = 0 ] || add_why "--fix exit $NMF_RC"
[[ $NMF_ERR == *"eth0 (nat): left alone, ignored by rule keep-nat"* ]] ||
    add_why "log lacks 'eth0 (nat): left alone, ignored by rule keep-nat'"
snapshot "$LAB_DIR/after-ignore"
why=$(same_state "$LAB_DIR/before-ignore" "$LAB_DIR/after-ignore") || add_why "$why"
defaults_are "eth0 100 eth1 101" || add_why "default routes '$(defaults)'"
result "an ignore rule on the NAT link: left alone (and said so), nothing changes" "$WHY"

# ---------------------------------------------------------------------------
# --dry-run: the bug state (eth0 owns the default route) with the built-in
# policy, where a real run changes both profiles and both links.

WHY=
reset nat lan
snapshot "$LAB_DIR/before-dry"
nmf --fix --dry-run
[ "$NMF_RC" = 0 ] || add_why "--fix --dry-run exit $NMF_RC"
[[ $NMF_ERR == *"would update profile 'lan' (eth1): ipv4.route-metric -1 -> 100"* ]] ||
    add_why "output lacks \"would update profile 'lan' (eth1): ipv4.route-metric -1 -> 100\""
[[ $NMF_ERR == *"would $(lab_change_line eth0)(nat)"* ]] || add_why "output lacks 'would $(lab_change_line eth0)(nat)'"
snapshot "$LAB_DIR/after-dry"
why=$(same_state "$LAB_DIR/before-dry" "$LAB_DIR/after-dry") || add_why "$why"
result "--fix --dry-run prints 'would ...' and changes no profile, applied connection, route or rule" "$WHY"

# Malformed configurations, in the same bug state.
for entry in "${MALFORMED[@]}"; do
    name=${entry%%|*} rest=${entry#*|}
    line=${rest%%|*} content=${rest#*|}
    WHY=
    # shellcheck disable=SC2059 # the table's content carries \n escapes
    put_conf bad < <(printf "$content")
    nmf --fix --config "$CONF"
    [ "$NMF_RC" = 2 ] || add_why "exit $NMF_RC, expected 2"
    [[ $NMF_ERR == *"$CONF:$line: "* ]] || add_why "stderr does not name $CONF:$line"
    grep -Eq '^(<[0-7]>)?nm-metric-fix\[[0-9]+\]: (would |reapply |update profile|ranking)' "$LAB_DIR/nmf.err" &&
        add_why "it went on to rank and change things"
    snapshot "$LAB_DIR/after-bad"
    why=$(same_state "$LAB_DIR/before-dry" "$LAB_DIR/after-bad") || add_why "$why"
    result "malformed configuration ($name): exit 2, names FILE:$line, nothing changed" "$WHY"
done

WHY=
printf '[main]\nmode=metric\npersist=sometimes\n' | lab_guest_write "$DEFAULT_CONF" ||
    bail "writing $DEFAULT_CONF failed"
nmf --fix
[ "$NMF_RC" = 2 ] || add_why "exit $NMF_RC, expected 2"
[[ $NMF_ERR == *"$DEFAULT_CONF:3: "* ]] || add_why "stderr does not name $DEFAULT_CONF:3"
nmf --status
[ "$NMF_RC" = 2 ] || add_why "--status: exit $NMF_RC, expected 2"
lab_guest rm -f "$DEFAULT_CONF"
# A window, not a synchronisation: nothing may arrive late either.
lab_wait_for 0.5 false
snapshot "$LAB_DIR/after-bad"
why=$(same_state "$LAB_DIR/before-dry" "$LAB_DIR/after-bad") || add_why "$why"
result "malformed default file $DEFAULT_CONF: --fix and --status exit 2 naming it, nothing changed" "$WHY"

# ---------------------------------------------------------------------------
# --revert.  Still the bug state; lan carries user data of someone else.

WHY=
lab_profile_set_user_data lan org.example.owner "network team" || bail "setting user data failed"
orig_defaults=$(defaults)
orig_main=$(lab_ns guest ip -4 route show table main)
for id in nat lan; do
    printf '%s ipv4=%s ipv6=%s user-data=%s\n' "$id" "$(profile_metric "$id")" \
        "$(profile_metric "$id" ipv6)" "$(lab_profile_user_data "$id" | paste -sd,)"
done >"$LAB_DIR/before-revert"
diag "before: $(paste -sd'|' "$LAB_DIR/before-revert"); default routes $orig_defaults"
nmf --fix
lab_wait_for "$ROUTE_S" defaults_are "eth1 100 eth0 101" ||
    add_why "the fix did not take: default routes '$(defaults)'"
for id in nat lan; do
    [ -n "$(our_user_data "$id")" ] || add_why "the fix recorded nothing in $id's user data"
done
snapshot "$LAB_DIR/before-dry-revert"
nmf --revert --dry-run
[ "$NMF_RC" = 0 ] || add_why "--revert --dry-run exit $NMF_RC"
[[ $NMF_ERR == *"would restore profile 'nat'"* ]] || add_why "--revert --dry-run does not say \"would restore profile 'nat'\""
snapshot "$LAB_DIR/after-dry-revert"
why=$(same_state "$LAB_DIR/before-dry-revert" "$LAB_DIR/after-dry-revert") || add_why "--revert --dry-run: $why"
result "--revert --dry-run after a fix prints 'would restore ...' and changes nothing" "$WHY"

WHY=
nmf --revert
[ "$NMF_RC" = 0 ] || add_why "--revert exit $NMF_RC"
for id in nat lan; do
    [[ $NMF_ERR == *"restore profile '$id': ipv4.route-metric "*" -> -1"* ]] ||
        add_why "log lacks \"restore profile '$id': ipv4.route-metric ... -> -1\""
done
cp "$LAB_DIR/nmf.err" "$LAB_DIR/revert.log"
for id in nat lan; do
    printf '%s ipv4=%s ipv6=%s user-data=%s\n' "$id" "$(profile_metric "$id")" \
        "$(profile_metric "$id" ipv6)" "$(lab_profile_user_data "$id" | paste -sd,)"
done >"$LAB_DIR/after-revert"
cmp -s "$LAB_DIR/before-revert" "$LAB_DIR/after-revert" ||
    add_why "profiles not restored: $(diff "$LAB_DIR/before-revert" "$LAB_DIR/after-revert" | grep '^[<>]' | paste -sd' ')"
lab_wait_for "$ROUTE_S" defaults_are "$orig_defaults" ||
    add_why "default routes '$(defaults)', before the fix '$orig_defaults'"
main_now() { [ "$(lab_ns guest ip -4 route show table main)" = "$orig_main" ]; }
lab_wait_for "$ROUTE_S" main_now ||
    add_why "main table differs from before the fix: $(diff <(echo "$orig_main") <(lab_ns guest ip -4 route show table main) | grep '^[<>]' | paste -sd' ')"
grep -l 'nm-metric-fix' "$LAB_DIR"/guest/etc-nm/system-connections/* >/dev/null 2>&1 &&
    add_why "a keyfile still mentions nm-metric-fix"
nmf --revert
[[ $NMF_ERR == *"nothing to revert"* ]] || add_why "a second --revert does not say 'nothing to revert'"
result "--revert restores the original metrics (profiles -1, kernel as before), removes only nm-metric-fix.* user data" "$WHY"

WHY=
n=$(grep -ac ": $(lab_change_line)" "$LAB_DIR/revert.log")
[ "$n" = 2 ] || add_why "$n '$(lab_change_line)' lines in the --revert log, expected 2"
for pair in eth0:nat eth1:lan; do
    want="$(lab_change_line "${pair%%:*}")(${pair#*:})"
    grep -aqF ": $want" "$LAB_DIR/revert.log" ||
        add_why "no line '$want ...': $(grep -a ": $(lab_change_line "${pair%%:*}")" "$LAB_DIR/revert.log" | cat -v)"
done
result "--revert's log names the connection of each device it changes ($(lab_change_line)...)" "$WHY"

# ---------------------------------------------------------------------------
# Opt-out and hand-set metrics, in the bug state.

WHY=
reset nat lan
# nmcli 1.42 cannot edit user data; the product's --skip is the admin's way.
nmf --skip nat
[ "$NMF_RC" = 0 ] || add_why "--skip nat exit $NMF_RC"
ud=$(lab_profile_user_data nat | paste -sd,)
[ "$ud" = nm-metric-fix.skip=yes ] || add_why "nat's user data is '$ud', expected nm-metric-fix.skip=yes"
snapshot "$LAB_DIR/before-skip"
nmf --fix
[ "$NMF_RC" = 0 ] || add_why "--fix exit $NMF_RC"
[[ $NMF_ERR == *"eth0 (nat): left alone, skipped by user data"* ]] ||
    add_why "log lacks 'eth0 (nat): left alone, skipped by user data'"
snapshot "$LAB_DIR/after-skip"
why=$(same_state "$LAB_DIR/before-skip" "$LAB_DIR/after-skip") || add_why "$why"
[ "$(profile_metric nat)" = -1 ] || add_why "nat's profile metric is now $(profile_metric nat)"
[ "$(lab_default_metric -4 eth0)" = 100 ] || add_why "eth0's kernel metric is now $(lab_default_metric -4 eth0)"
nmf --status
[[ $NMF_OUT == *"skipped by user data"* ]] || add_why "--status does not say 'skipped by user data'"
result "--skip nat (nm-metric-fix.skip=yes user data): eth0 is left alone, the log and --status say why" "$WHY"

WHY=
nmf --unskip nat
[ "$NMF_RC" = 0 ] || add_why "--unskip nat exit $NMF_RC"
[ -z "$(our_user_data nat)" ] || add_why "nat still carries $(our_user_data nat | paste -sd,)"
nmf --fix
lab_wait_for "$ROUTE_S" defaults_are "eth1 100 eth0 101" ||
    add_why "after --unskip, --fix left default routes '$(defaults)'"
result "--unskip nat: the link is ranked again and --fix gives eth1 the default route" "$WHY"

WHY=
reset nat lan
if ! lab_guest nmcli connection modify nat ipv4.route-metric 50 ||
    ! lab_guest nmcli device reapply eth0 >/dev/null; then
    bail "setting a metric by hand failed"
fi
lab_wait_for "$ROUTE_S" defaults_are "eth0 50 eth1 101" || bail "hand-set metric not applied: '$(defaults)'"
snapshot "$LAB_DIR/before-hand"
nmf --fix
[ "$NMF_RC" = 0 ] || add_why "--fix exit $NMF_RC"
[[ $NMF_ERR == *"eth0 (nat): left alone, metric set by hand"* ]] ||
    add_why "log lacks 'eth0 (nat): left alone, metric set by hand'"
snapshot "$LAB_DIR/after-hand"
why=$(same_state "$LAB_DIR/before-hand" "$LAB_DIR/after-hand") || add_why "$why"
[ "$(profile_metric nat)" = 50 ] || add_why "nat's profile metric is now $(profile_metric nat)"
[ "$(lab_default_metric -4 eth0)" = 50 ] || add_why "eth0's kernel metric is now $(lab_default_metric -4 eth0)"
result "a metric set by hand (nat 50) is left alone and the log says why" "$WHY"

WHY=
put_conf nat-last <<'EOF'
[rule nat-last]
match-connection=nat
action=avoid
EOF
nmf --fix --config "$CONF"
[ "$NMF_RC" = 0 ] || add_why "--fix exit $NMF_RC"
lab_wait_for "$ROUTE_S" defaults_are "eth1 100 eth0 101" ||
    add_why "default routes '$(defaults)', expected 'eth1 100 eth0 101'"
[ "$(profile_metric nat)" = 101 ] || add_why "nat's profile metric $(profile_metric nat), expected 101"
ud=$(our_user_data nat | paste -sd,)
[[ $ud == *"nm-metric-fix.orig-ipv4-route-metric=50"* ]] || add_why "nat's record is '$ud', expected orig-ipv4-route-metric=50"
nmf --revert
[ "$NMF_RC" = 0 ] || add_why "--revert exit $NMF_RC"
[ "$(profile_metric nat)" = 50 ] || add_why "after --revert nat's profile metric is $(profile_metric nat), expected 50"
[ -z "$(our_user_data nat)" ] || add_why "after --revert nat still has $(our_user_data nat | paste -sd,)"
lab_wait_for "$ROUTE_S" metric_is eth0 50 ||
    add_why "after --revert eth0's kernel metric is $(lab_default_metric -4 eth0), expected 50"
result "a rule naming a hand-set link ranks it after all; --revert restores the hand-set 50" "$WHY"

# ---------------------------------------------------------------------------
# persist=no, metric-base, metric-step.

WHY=
reset nat lan
put_conf live-only <<'EOF'
[main]
persist=no
metric-base=200
metric-step=10
EOF
nmf --fix --config "$CONF"
[ "$NMF_RC" = 0 ] || add_why "--fix exit $NMF_RC"
[[ $NMF_ERR == *"update profile"* ]] && add_why "persist=no, but it logged 'update profile'"
lab_wait_for "$ROUTE_S" defaults_are "eth1 200 eth0 210" ||
    add_why "default routes '$(defaults)', expected 'eth1 200 eth0 210'"
for id in nat lan; do
    [ "$(profile_metric "$id")" = -1 ] || add_why "$id's profile metric is $(profile_metric "$id"), expected -1"
    [ -z "$(our_user_data "$id")" ] || add_why "$id carries $(our_user_data "$id" | paste -sd,)"
done
nmf --status --config "$CONF"
[ "$NMF_RC" = 0 ] || add_why "--status exit $NMF_RC, expected 0"
nmf --fix --config "$CONF"
[[ $NMF_ERR == *"no changes needed"* ]] || add_why "a second run does not say 'no changes needed'"
result "persist=no with metric-base=200, metric-step=10: live metrics 200/210, profiles untouched" "$WHY"

# ---------------------------------------------------------------------------
# --revert while the dispatcher hook is installed (README: run --revert before
# removing the package): nothing may put the metrics back.  --revert restarts no
# DHCP on any release (before 1.36 its Reapply does not, from 1.36 it moves the
# routes back instead of reapplying), so no dhcp4-change may follow it either.
# The paused hook answering events is the next subtest.

# refixed: a profile carries a metric or a record of ours again.
refixed() {
    local id
    for id in nat lan; do
        [ "$(profile_metric "$id")" != -1 ] && return 0
        [ -n "$(our_user_data "$id")" ] && return 0
    done
    return 1
}

# quiet: the dispatcher log has not grown for a second and neither hook nor
# helper runs (call through lab_wait_for; keeps its state in QUIET_*).
quiet() {
    local size now
    size=$(stat -c %s "$LAB_DIR/dispatcher.log") now=$(lab__now_us)
    if [ "$size" != "${QUIET_SIZE:-}" ]; then
        QUIET_SIZE=$size QUIET_SINCE=$now
        return 1
    fi
    [ $((now - QUIET_SINCE)) -ge 1000000 ] && ! lab_guest_proc_running nm-metric-fix
}

WHY=
reset nat lan
lab_hooks_enable || bail "lab_hooks_enable failed"
nmf --fix
lab_wait_for "$ROUTE_S" defaults_are "eth1 100 eth0 101" || add_why "the fix did not take: '$(defaults)'"
# Some time later, as on a real host: the fix's own events are over.
QUIET_SIZE=
lab_wait_for "$SETTLE_S" quiet || diag "the dispatcher did not quieten down"
off=$(stat -c %s "$LAB_DIR/dispatcher.log")
nmf --revert
[ "$NMF_RC" = 0 ] || add_why "--revert exit $NMF_RC"
# An observation window: nothing may put the metrics back within 3 s.
t0=$(lab__now_us)
if lab_wait_for 3 refixed; then
    add_why "$(lab_elapsed_ms "$t0") ms after --revert the profiles carry metrics/records again (nat $(profile_metric nat), lan $(profile_metric lan))"
fi
lab_wait_for "$SETTLE_S" quiet || diag "the dispatcher did not quieten down"
events=$(tail -c "+$((off + 1))" "$LAB_DIR/dispatcher.log" | tr -d '\0' | grep -a "new request" | sed -E "s/.*'([a-z0-9-]+)' \[([a-z0-9]+)\].*/\1 \2/" | paste -sd,)
diag "dispatcher events after --revert: ${events:-none}"
[ -z "$WHY" ] || diag "helper after --revert:
$(tail -c "+$((off + 1))" "$LAB_DIR/dispatcher.log" | grep -a 'nm-metric-fix\[' | cat -v)"
lab_hooks_disable || bail "lab_hooks_disable failed"
if lab_moves_routes; then
    [[ $events != *dhcp4-change* ]] || add_why "NetworkManager $LAB_NM_VERSION emitted a dhcp4-change after --revert moved the routes back (no Reapply, no DHCP restart expected)"
    result "--revert with the dispatcher hook installed stays reverted (NetworkManager $LAB_NM_VERSION: routes moved back, no Reapply, no dhcp4-change)" "$WHY"
else
    [[ $events != *dhcp4-change* ]] || add_why "NetworkManager $LAB_NM_VERSION emitted a dhcp4-change after --revert's Reapply (not expected before 1.36)"
    result "--revert with the dispatcher hook installed stays reverted (NetworkManager $LAB_NM_VERSION: no dhcp4-change follows the Reapply)" "$WHY"
fi

# After --revert the hook is paused: --status says so, a hook-started run does
# nothing, and a manual --fix resumes.
WHY=
nmf --status
[[ $NMF_OUT == *"Automatic fixing is paused"* ]] || add_why "--status does not say the hook is paused"
nmf --fix --event=eth1:dhcp4-change
[ "$NMF_RC" = 0 ] || add_why "a paused hook run exit $NMF_RC"
[[ $NMF_ERR == *"ignored: paused by --revert"* ]] || add_why "a paused hook run does not say it is paused"
[ "$(profile_metric lan)" = -1 ] || add_why "a paused hook run changed lan's metric to $(profile_metric lan)"
nmf --fix
[[ $NMF_ERR == *"resuming after --revert"* ]] || add_why "a manual --fix does not say it resumes"
lab_wait_for "$ROUTE_S" defaults_are "eth1 100 eth0 101" || add_why "the manual --fix did not take: '$(defaults)'"
nmf --status
[[ $NMF_OUT != *"paused"* ]] || add_why "--status still says paused after a manual --fix"
result "--revert pauses the hook: --status says so, hook runs do nothing, a manual --fix resumes" "$WHY"

diag "test body took $(lab_elapsed_ms "$T0") ms"
tap_finish "$NTESTS"
