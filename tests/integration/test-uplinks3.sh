#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# --status on a guest with a second LAN uplink: NAT (eth0), LAN (eth1) and a
# storage network (eth2) whose DHCP server gives a gateway, against the real
# NetworkManager.  In mode=metric one link owns the default route, so after the
# fix the storage address's replies leave by eth1 and --fix has nothing left
# to change: --status must exit 0 with a warning that names eth2 and the
# remedy (mode=policy, or a prefer rule), in the text, in --json's warnings
# and in --prometheus; a monitoring check on the exit status would otherwise
# alarm for ever.  In mode=policy every uplink must answer by itself: exit 3
# while eth2's replies leave by eth1, 0 once the fix gave it its table.
# TAP output.
#
# usage: test-uplinks3.sh BUILD_DIR
#
# Needs root; LAB_KEEP=1 keeps the lab directory.

set -u

HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lab/lab.sh
. "$HERE/../lab/lab.sh"
# shellcheck source-path=SCRIPTDIR source=../lab/lab-tap.sh
. "$HERE/../lab/lab-tap.sh"

NTESTS=4
STORAGE_GW=10.77.0.1
STORAGE_ADDR=10.77.0.50
STORAGE_GW_MAC=00:a0:98:3c:5e:01 # a storage vendor's OUI, as a filer's router port
CONF=/usr/local/etc/nm-metric-fix.conf

tap_setup "${1:-}"
echo "1..$NTESTS"

lab_init uplinks3 || bail "lab_init failed"
stage_product
lab_topology || bail "lab_topology failed"
# The storage network: guest eth2 <-> st0 in the host namespace, its own DHCP server
# (dnsmasq gives its own address as the router).
if ! {
    ip -n "$LAB_NS_GUEST" link add eth2 address 52:54:00:00:00:12 type veth peer name st0 netns "$LAB_NS_HOST" &&
        ip -n "$LAB_NS_HOST" link set st0 address "$STORAGE_GW_MAC" &&
        ip -n "$LAB_NS_HOST" addr add "$STORAGE_GW/24" dev st0 &&
        ip -n "$LAB_NS_HOST" link set st0 up
}; then
    bail "building the storage network failed"
fi
lab__dnsmasq storage "$LAB_NS_HOST" st0 --dhcp-range="$STORAGE_ADDR,$STORAGE_ADDR,255.255.255.0,1h" ||
    bail "the storage network's DHCP server did not start"
lab_start_nm "$STAGE" || bail "lab_start_nm failed"
lab_hooks_disable || bail "lab_hooks_disable failed"
lab_add_profiles || bail "lab_add_profiles failed"
lab_guest nmcli connection add type ethernet con-name storage ifname eth2 connection.autoconnect no \
    ipv4.method auto ipv4.route-metric -1 ipv6.method ignore >/dev/null || bail "adding the storage profile failed"
for id in nat lan storage; do
    lab_up "$id" || bail "nmcli connection up $id failed"
done
has_storage_route() { lab_ns guest ip -4 route show default | grep -q 'dev eth2'; }
lab_wait_for 10 has_storage_route || bail "eth2 got no default route: $(lab_default_routes -4 | paste -sd,)"
nmf --fix
[ "$NMF_RC" = 0 ] || bail "--fix exit $NMF_RC"
lab_wait_for 5 lab_default_dev_is eth1 || bail "eth1 does not own the default route after --fix: $(lab_default_routes -4 | paste -sd,)"
diag "default routes after the fix: $(lab_default_routes -4 | paste -sd,)"

# 1: the text.
WHY=
nmf --status
[ "$NMF_RC" = 0 ] || add_why "--status exit $NMF_RC, expected 0"
printf '%s\n' "$NMF_OUT" | grep -q "^Warning: Replies from $STORAGE_ADDR (eth2) leave by eth1: .*mode=policy" ||
    add_why "no warning line naming $STORAGE_ADDR (eth2), eth1 and mode=policy"
printf '%s\n' "$NMF_OUT" | grep -q "$STORAGE_ADDR on eth2: leaves by eth1 (another link: a warning in mode=metric)" ||
    add_why "the replies section does not mark eth2's address as a warning"
[[ $(last_line "$NMF_OUT") == "Default route: eth1 (intended)." ]] || add_why "verdict line: '$(last_line "$NMF_OUT")'"
result "mode=metric, three uplinks after the fix: --status exits 0 and warns that eth2's replies leave by eth1, naming mode=policy" "$WHY"

# 2: --json and --prometheus carry the same warning.
WHY=
nmf --status --json
[ "$NMF_RC" = 0 ] || add_why "--status --json exit $NMF_RC"
printf '%s\n' "$NMF_OUT" >"$LAB_DIR/status.json"
out=$(lab_json_check "$HERE/../../data/status-schema.json" "$LAB_DIR/status.json" '
w = doc["warnings"]
if doc["verdict"] != "ok": print("verdict", doc["verdict"])
if len(w) != 1 or "eth2" not in w[0] or "mode=policy" not in w[0]: print("warnings", w)
r = [x for x in doc["replies"] if x["interface"] == "eth2" and x["family"] == "ipv4"]
if not r or not r[0]["warning"] or r[0]["counted"]: print("eth2 reply", r)
' 2>&1)
[ -z "$(grep -v '^# python3 jsonschema missing' <<<"$out")" ] || add_why "--json: $out"
nmf --status --prometheus
grep -qx 'nm_metric_fix_warnings 1' <<<"$NMF_OUT" || add_why "--prometheus lacks 'nm_metric_fix_warnings 1'"
grep -q '^nm_metric_fix_warning_info{warning=".*eth2.*mode=policy.*"} 1$' <<<"$NMF_OUT" ||
    add_why "--prometheus lacks the warning naming eth2"
result "--status --json (warnings, eth2's reply marked) and --prometheus (nm_metric_fix_warnings 1) carry the warning" "$WHY"

# 3: mode=policy before the fix put the tables in place: eth2 answering by eth1 fails.
WHY=
printf '[main]\nmode=policy\n' | lab_guest_write "$CONF" || bail "writing $CONF failed"
nmf --status
[ "$NMF_RC" = 3 ] || add_why "--status in mode=policy exit $NMF_RC, expected 3"
[[ $(last_line "$NMF_OUT") == "Replies from $STORAGE_ADDR (eth2) leave by eth1, not by eth2: they are lost."* ]] ||
    add_why "verdict line: '$(last_line "$NMF_OUT")'"
printf '%s\n' "$NMF_OUT" | grep -q '^Warning:' && add_why "mode=policy still prints a warning"
result "mode=policy: --status exits 3 while eth2's replies leave by eth1" "$WHY"

# 4: ... and 0 once --fix gave every uplink its table and rule.
WHY=
nmf --fix
[ "$NMF_RC" = 0 ] || add_why "--fix in mode=policy exit $NMF_RC"
storage_answers() { lab_ns guest ip -4 route get 198.51.100.1 from "$STORAGE_ADDR" | grep -q 'dev eth2'; }
lab_wait_for 10 storage_answers || add_why "replies from $STORAGE_ADDR still leave by $(lab_ns guest ip -4 route get 198.51.100.1 from "$STORAGE_ADDR")"
nmf --status
[ "$NMF_RC" = 0 ] || add_why "--status after the fix in mode=policy exit $NMF_RC, expected 0"
printf '%s\n' "$NMF_OUT" | grep -q '^Warning:' && add_why "a warning after the fix in mode=policy"
result "mode=policy: after --fix every uplink answers by itself and --status exits 0 without warnings" "$WHY"

lab_guest rm -f "$CONF"
tap_finish "$NTESTS"
