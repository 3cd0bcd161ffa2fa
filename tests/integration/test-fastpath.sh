#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Functions below run through lab_wait_for:
# shellcheck disable=SC2317
#
# The dispatcher fast path (nm-metric-fix-hook) against the real NetworkManager in
# the namespace lab.  TAP output.
#
# usage: test-fastpath.sh BUILD_DIR
#
#  1  after the first fix: state dir root's 0700, stored digest = the kernel's
#  2  an event with nothing changed: no full run, nothing left behind
#  3  a configuration change reaches the full helper (and is applied)
#  4  a profile edited and re-activated reaches the full helper (and is applied)
#  5  a new device reaches the full helper
#  6  an address change at renewal reaches the full helper
#  7  a NetworkManager restart reaches the full helper
#  8  an event during a full run gives one more full run: nothing lost
#  9  a failed run (NetworkManager hung) is retried and fixes after it recovers
# 10  unsafe state directory (symlink, other owner, 0777): refused, nothing
#     written through it
# 11  --revert with a symlinked pause file or an unsafe state directory: refused
#     naming the path before any change, the link's target untouched; in a safe
#     directory it writes a regular pause file, which a manual --fix removes
# 12  LAN first, NAT second (fresh profiles, hook on), several times, with a slow
#     dispatcher script ahead of the hook for eth0:up: once the events settle,
#     `--fix --dry-run` needs no change, eth1 owns the default route and the stored
#     digest is the kernel's (issue 19: a run that decided from eth1 alone stored a
#     digest read after eth0 came up, and the later eth0:up was skipped)
#
# Needs root; prints "1..0 # SKIP" without root.  LAB_KEEP=1 keeps the lab.

set -u

HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lab/lab.sh
. "$HERE/../lab/lab.sh"
# shellcheck source-path=SCRIPTDIR source=../lab/lab-tap.sh
. "$HERE/../lab/lab-tap.sh"
# shellcheck source-path=SCRIPTDIR source=../lab/lab-control.sh
. "$HERE/../lab/lab-control.sh"

NTESTS=12
LAN_FIRST_RUNS=${LAN_FIRST_RUNS:-4}
SETTLE_S=30
HOOK=/etc/NetworkManager/dispatcher.d/90-nm-metric-fix
FASTPATH=/usr/local/libexec/nm-metric-fix-hook
RUNDIR=/run/nm-metric-fix
CONF=/usr/local/etc/nm-metric-fix.conf
GPATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

tap_setup "${1:-}" gdbus

why=
fail() { why="$why${why:+; }$*"; }

lab_init fastpath || bail "lab_init failed"
stage_product
lab_topology || bail "lab_topology failed"
lab_start_nm "$STAGE" || bail "lab_start_nm failed"
lab_add_profiles || bail "lab_add_profiles failed"

log_size() { stat -c %s "$LAB_DIR/dispatcher.log"; }
log_since() { tail -c "+$(($1 + 1))" "$LAB_DIR/dispatcher.log"; }
# full_runs OFFSET [EVENT]: full helper runs started since OFFSET (for EVENT).
full_runs() {
    log_since "$1" | grep -c "nm-metric-fix\[[0-9]*\]: run for dispatcher event ${2:-}"
}
full_run_seen() { [ "$(full_runs "$@")" -gt 0 ]; }
no_pending() { ! lab_guest test -e "$RUNDIR/pending"; }
quiet() { labx_quiet && no_pending; }
settle() { lab_wait_for "$SETTLE_S" quiet || fail "hook/helper not idle after ${SETTLE_S} s"; }
stored_equal() { lab_guest "$FASTPATH" --print-state | tail -n 1 | grep -q '(equal)$'; }
owner_is() { lab_default_dev_is "$1"; }
# hook IFACE ACTION: the installed hook as nm-dispatcher runs it; prints "rc ms".
hook() {
    local t0 rc
    t0=$(lab__now_us)
    # Where nm-dispatcher would send it: its log, which the checks read.
    lab_guest env -i "PATH=$GPATH" "$HOOK" "$@" >>"$LAB_DIR/dispatcher.log" 2>&1
    rc=$?
    echo "$rc $(lab_elapsed_ms "$t0")"
}
write_conf() { printf '%b' "$1" | lab_guest_write "$CONF" || bail "writing $CONF failed"; }
# verified: wait for the idle, verified state (digest stored and equal).
verified() {
    settle
    lab_wait_for 10 stored_equal || fail "no stored digest equal to the kernel's state: $(lab_guest "$FASTPATH" --print-state | tail -n 2 | paste -sd ' ')"
}

echo "1..$NTESTS"

# ---------------------------------------------------------------------------
why=
labx_hook_on
lab_guest nmcli connection up nat >/dev/null 2>&1 || fail "up nat failed"
lab_guest nmcli connection up lan >/dev/null 2>&1 || fail "up lan failed"
lab_wait_for 20 owner_is eth1 || fail "default route on '$(lab_default_dev)', expected eth1"
verified
st=$(lab_guest stat -c '%a %u %F' "$RUNDIR")
[ "$st" = "700 0 directory" ] || fail "state dir: '$st', expected '700 0 directory'"
diag "state: $(lab_guest "$FASTPATH" --print-state | tail -n 2 | paste -sd ' ')"
result "after the first fix the state dir is root's with mode 0700 and the stored digest is the kernel's" "$why"

# ---------------------------------------------------------------------------
why=
off=$(log_size)
times=
for i in 1 2 3 4 5; do
    read -r rc ms < <(hook eth1 dhcp4-change)
    [ "$rc" = 0 ] || fail "hook exit $rc"
    times="$times $ms"
done
settle
[ "$(full_runs "$off")" = 0 ] || fail "$(full_runs "$off") full run(s) for unchanged state"
lab_guest test -e "$RUNDIR/pending" && fail "a pending mark is left"
diag "hook wall times (ms, incl. nsenter):$times"
result "events with nothing changed: exit 0, no full run, no pending mark" "$why"

# ---------------------------------------------------------------------------
why=
off=$(log_size)
write_conf '[rule nat-first]\nmatch-interface=eth0\naction=prefer\n'
read -r rc ms < <(hook eth1 dhcp4-change)
[ "$rc" = 0 ] || fail "hook exit $rc"
lab_wait_for "$SETTLE_S" owner_is eth0 || fail "after the configuration change the default route is on '$(lab_default_dev)', expected eth0"
full_run_seen "$off" eth1:dhcp4-change || fail "no full run for eth1:dhcp4-change"
verified
off=$(log_size)
lab_guest rm -f "$CONF"
read -r rc ms < <(hook eth1 dhcp4-change)
lab_wait_for "$SETTLE_S" owner_is eth1 || fail "after removing the configuration the default route is on '$(lab_default_dev)'"
full_run_seen "$off" eth1:dhcp4-change || fail "no full run after removing the configuration"
verified
result "a configuration change reaches the full helper, which applies it (and its removal)" "$why"

# ---------------------------------------------------------------------------
# The rule names a profile that does not exist yet: eth1 keeps the default route.
why=
write_conf '[rule favourite]\nmatch-connection=favourite\naction=prefer\n'
read -r rc ms < <(hook eth1 dhcp4-change)
verified
owner_is eth1 || fail "the rule for a missing profile moved the default route to '$(lab_default_dev)'"
off=$(log_size)
lab_guest nmcli connection modify nat connection.id favourite || fail "renaming nat failed"
lab_guest nmcli connection up favourite >/dev/null 2>&1 || fail "re-activating the renamed profile failed"
lab_wait_for "$SETTLE_S" owner_is eth0 || fail "after re-activating 'favourite' the default route is on '$(lab_default_dev)', expected eth0"
full_run_seen "$off" eth0: || fail "no full run for an eth0 event"
verified
lab_guest nmcli connection modify favourite connection.id nat || fail "renaming back failed"
lab_guest rm -f "$CONF"
lab_guest nmcli connection up nat >/dev/null 2>&1 || fail "re-activating nat failed"
lab_wait_for "$SETTLE_S" owner_is eth1 || fail "back to the start: default route on '$(lab_default_dev)'"
verified
result "a profile edited and re-activated (same kernel routes) reaches the full helper, which applies the new ranking" "$why"

# ---------------------------------------------------------------------------
why=
off=$(log_size)
lab_guest ip link add eth2 type veth peer name eth2peer || fail "creating eth2 failed"
lab_guest ip link set eth2peer up
lab_wait_for 20 labx_device_managed eth2 || fail "NetworkManager does not manage eth2"
lab_guest nmcli connection add type ethernet ifname eth2 con-name extra ipv4.method manual \
    ipv4.addresses 192.168.124.5/24 ipv4.gateway 192.168.124.1 ipv6.method ignore >/dev/null 2>&1 ||
    fail "adding profile 'extra' failed"
lab_guest nmcli connection up extra >/dev/null 2>&1 || fail "up extra failed"
ranked_eth2() { log_since "$off" | grep -q 'ranking: .*eth2 (extra'; }
lab_wait_for "$SETTLE_S" ranked_eth2 || fail "no full run ranked eth2"
full_run_seen "$off" eth2: || fail "no full run for an eth2 event"
verified
owner_is eth1 || fail "default route on '$(lab_default_dev)' after adding eth2"
lab_guest nmcli connection delete extra >/dev/null 2>&1
lab_guest ip link del eth2 2>/dev/null
settle
result "a new device reaches the full helper, which ranks it" "$why"

# ---------------------------------------------------------------------------
# NetworkManager runs dhcp4-change after it has put the renewed lease into the kernel;
# here the new address is added the same way and the event follows.
why=
verified
off=$(log_size)
lab_guest ip addr add 10.66.60.237/23 dev eth1 || fail "adding the address failed"
read -r rc ms < <(hook eth1 dhcp4-change)
lab_wait_for "$SETTLE_S" full_run_seen "$off" eth1:dhcp4-change || fail "no full run after the address change"
verified
off=$(log_size)
lab_guest ip addr del 10.66.60.237/23 dev eth1
read -r rc ms < <(hook eth1 dhcp4-change)
lab_wait_for "$SETTLE_S" full_run_seen "$off" eth1:dhcp4-change || fail "no full run after the address went away"
verified
result "an address change at renewal reaches the full helper" "$why"

# ---------------------------------------------------------------------------
why=
verified
off=$(log_size)
labx_nm_stop || bail "stopping NetworkManager failed"
labx_nm_start || bail "NetworkManager does not come back"
lab_wait_for "$SETTLE_S" full_run_seen "$off" || fail "no full run after the NetworkManager restart"
verified
owner_is eth1 || fail "default route on '$(lab_default_dev)' after the restart"
result "a NetworkManager restart reaches the full helper" "$why"

# ---------------------------------------------------------------------------
# A full run is held up (NetworkManager stopped with SIGSTOP while it talks to it);
# meanwhile the configuration changes and another event comes. That event's hook
# returns at once, and the change is applied by one more full run afterwards.
why=
verified
off=$(log_size)
write_conf '[rule harmless]\nmatch-interface=eth9\naction=prefer\n'
kill -STOP "$LAB_NM_PID"
read -r rc ms < <(hook eth1 dhcp4-change)
lab_wait_for 10 full_run_seen "$off" eth1:dhcp4-change || fail "the first full run did not start"
write_conf '[rule nat-first]\nmatch-interface=eth0\naction=prefer\n'
read -r rc ms < <(hook eth0 dhcp4-change)
[ "$rc" = 0 ] || fail "second hook exit $rc"
[ "$ms" -lt 2000 ] || fail "second hook took $ms ms while a full run was held up"
lab_guest test -e "$RUNDIR/pending" || fail "the second event left no pending mark"
[ "$(full_runs "$off")" = 1 ] || fail "$(full_runs "$off") full runs while the first was held up"
kill -CONT "$LAB_NM_PID"
lab_wait_for "$SETTLE_S" owner_is eth0 || fail "the change made during the run was lost: default route on '$(lab_default_dev)'"
full_run_seen "$off" eth0:dhcp4-change || fail "no full run for the event that came during the first"
verified
diag "second hook: $ms ms; full runs: $(full_runs "$off")"
lab_guest rm -f "$CONF"
read -r rc ms < <(hook eth1 dhcp4-change)
lab_wait_for "$SETTLE_S" owner_is eth1 || fail "back to eth1 failed"
verified
result "an event during a full run returns at once and gives one more full run: nothing lost" "$why"

# ---------------------------------------------------------------------------
# NetworkManager hung: the full run gives up (exit 8 after its D-Bus timeout), the
# work stays pending and the retry fixes it once NetworkManager answers again. The
# hook is off for NetworkManager's own events, so only the retry can fix it.
why=
labx_hook_off
write_conf '[rule nat-first]\nmatch-interface=eth0\naction=prefer\n'
off=$(log_size)
kill -STOP "$LAB_NM_PID"
t0=$(lab__now_us)
lab_guest env -i "PATH=$GPATH" /bin/sh "$HOOK" eth1 dhcp4-change >>"$LAB_DIR/dispatcher.log" 2>&1
retry_logged() { log_since "$off" | grep -q 'nm-metric-fix --fix exit 8 for event eth1:dhcp4-change; retry 1 of'; }
lab_wait_for 40 retry_logged || fail "no retry logged after the failed run"
diag "first run failed and a retry was scheduled after $(lab_elapsed_ms "$t0") ms"
lab_guest test -e "$RUNDIR/verified" && fail "a digest is stored although the run failed"
kill -CONT "$LAB_NM_PID"
lab_wait_for 40 owner_is eth0 || fail "not fixed after NetworkManager recovered: default route on '$(lab_default_dev)'"
succeeded() { log_since "$off" | grep -q 'succeeded after 1 failed run'; }
lab_wait_for 10 succeeded || fail "no 'succeeded after 1 failed run' line"
diag "$(log_since "$off" | grep 'nm-metric-fix-hook\[' | head -n 3)"
settle
lab_guest rm -f "$CONF"
labx_hook_on
lab_guest env -i "PATH=$GPATH" "$HOOK" eth1 dhcp4-change >/dev/null 2>&1
lab_wait_for "$SETTLE_S" owner_is eth1 || fail "back to eth1 failed"
settle
result "a run that fails while NetworkManager hangs is retried and fixes once it answers" "$why"

# ---------------------------------------------------------------------------
# Unsafe state directories. The symlinks planted as pending/lock/verified point
# at a file whose content and modification time must not change.
why=
settle
victim=/var/tmp/nmf-victim
lab_guest sh -c "printf 'precious\n' >$victim && touch -d '2020-01-01 00:00:00' $victim"
victim_ok() { [ "$(lab_guest sh -c "cat $victim; stat -c %Y $victim")" = "precious
1577836800" ]; }
plant() { # DIR: the command that plants the links an attacker would plant there
    # shellcheck disable=SC2016 # $f is for the guest's sh
    printf 'for f in pending lock verified verified.new; do ln -s %s %s/$f; done' "$victim" "$1"
}
unsafe() { # LABEL SETUP...
    local label=$1 out rc
    shift
    lab_guest rm -rf "$RUNDIR" /var/tmp/nmf-elsewhere
    lab_guest sh -c "$*" || { fail "$label: setup failed"; return; }
    off=$(log_size)
    out=$(lab_guest env -i "PATH=$GPATH" "$HOOK" eth1 up 2>&1)
    rc=$?
    [ "$rc" = 1 ] || fail "$label: hook exit $rc, expected 1"
    [[ $out == *"refusing state directory $RUNDIR"* ]] || fail "$label: no refusal message (got: $out)"
    diag "$label: $out"
    out=$(lab_guest /usr/local/bin/nm-metric-fix --fix 2>&1)
    [[ $out == *"state digest not recorded: refusing state directory"* ]] ||
        fail "$label: --fix does not refuse to record its digest"
    victim_ok || fail "$label: the victim file changed"
    [ "$(full_runs "$off")" = 0 ] || fail "$label: the hook started a full run"
}
unsafe "symlink" "mkdir -m 0700 /var/tmp/nmf-elsewhere && ln -s /var/tmp/nmf-elsewhere $RUNDIR && $(plant /var/tmp/nmf-elsewhere)"
lab_guest test -L "$RUNDIR" || fail "symlink: the link was replaced"
unsafe "owned by another user" "mkdir -m 0700 $RUNDIR && $(plant "$RUNDIR") && chown -h 65534:65534 $RUNDIR"
unsafe "mode 0777" "mkdir -m 0777 $RUNDIR && $(plant "$RUNDIR")"
[ "$(lab_guest stat -c %a "$RUNDIR")" = 777 ] || fail "0777: the mode was changed"
lab_guest rm -rf "$RUNDIR" /var/tmp/nmf-elsewhere "$victim"
# A safe directory again: the hook creates it and works.
read -r rc ms < <(hook eth1 up)
[ "$rc" = 0 ] || fail "hook exit $rc with a fresh state directory"
settle
result "an unsafe state directory (symlink, other owner, 0777) is refused, nothing written through it" "$why"

# ---------------------------------------------------------------------------
# --revert writes its pause file with the hook's checks (nmf-statedir.c), and checks
# before it restores anything: a refusal changes no profile and no route.
why=
verified
lab_guest sh -c "printf 'precious\n' >$victim && touch -d '2020-01-01 00:00:00' $victim"
metrics() { lab_guest nmcli -g ipv4.route-metric connection show lan nat | paste -sd ' '; }
routes() { lab_guest ip -4 route show default | sort; }
metrics_before=$(metrics) routes_before=$(routes)
revert_refused() { # LABEL EXPECTED-MESSAGE
    local out rc
    out=$(lab_guest /usr/local/bin/nm-metric-fix --revert 2>&1)
    rc=$?
    [ "$rc" != 0 ] || fail "$1: --revert exit 0"
    [[ $out == *"$2"* ]] || fail "$1: no refusal naming the path (got: $out)"
    diag "$1: $(printf '%s' "$out" | tail -n 1)"
    victim_ok || fail "$1: the link's target changed"
    [ "$(metrics)" = "$metrics_before" ] || fail "$1: profile metrics changed: '$(metrics)', were '$metrics_before'"
    [ "$(routes)" = "$routes_before" ] || fail "$1: default routes changed"
}
lab_guest ln -s "$victim" "$RUNDIR/paused" || fail "planting the pause link failed"
revert_refused "symlinked pause file" "refusing $RUNDIR/paused: it is a symbolic link"
lab_guest test -L "$RUNDIR/paused" || fail "symlinked pause file: the link was replaced"
lab_guest rm -rf "$RUNDIR"
lab_guest sh -c "mkdir -m 0777 $RUNDIR && ln -s $victim $RUNDIR/paused" || fail "setup of the 0777 directory failed"
revert_refused "mode 0777" "refusing state directory $RUNDIR"
[ "$(lab_guest stat -c %a "$RUNDIR")" = 777 ] || fail "0777: the mode was changed"
lab_guest rm -rf "$RUNDIR" "$victim"
# A safe directory: --revert creates it and a regular 0600 pause file.
labx_hook_off
lab_guest /usr/local/bin/nm-metric-fix --revert >/dev/null 2>&1 || fail "--revert with a fresh state directory failed"
st=$(lab_guest stat -c '%a %u %F' "$RUNDIR" "$RUNDIR/paused" | paste -sd ' ')
[ "$st" = "700 0 directory 600 0 regular file" ] || fail "after --revert: '$st', expected '700 0 directory 600 0 regular file'"
lab_guest /usr/local/bin/nm-metric-fix --fix >/dev/null 2>&1 || fail "the resuming --fix failed"
lab_guest test -e "$RUNDIR/paused" && fail "a manual --fix left the pause file"
lab_wait_for "$SETTLE_S" owner_is eth1 || fail "after --revert and --fix the default route is on '$(lab_default_dev)'"
labx_hook_on
result "--revert refuses a symlinked pause file and an unsafe state directory before changing anything" "$why"

# ---------------------------------------------------------------------------
# An admin's script ahead of ours, slow for eth0:up: that event reaches the hook
# after the full run for eth1:up has ended, even when eth0 came up during it.
why=
labx_slow_event_on eth0 up 1.5 || bail "installing the slow dispatcher script failed"
off=$(log_size)
dry_ok=0
for run in $(seq "$LAN_FIRST_RUNS"); do
    # A fresh guest: profiles without our metrics, no connection defaults.
    labx_hook_off
    if ! lab_delete_profiles || ! lab_add_profiles; then bail "re-creating the profiles failed"; fi
    lab_guest rm -f "$RUNDIR/verified"
    labx_hook_on
    lab_up lan || fail "run $run: up lan failed"
    lab_up nat || fail "run $run: up nat failed"
    settle
    nmf --fix --dry-run
    if [ "$NMF_RC" = 0 ] && [[ "$(last_line "$NMF_OUT$NMF_ERR")" == *"no changes needed"* ]]; then
        dry_ok=$((dry_ok + 1))
    else
        fail "run $run: after the events settled --fix --dry-run still plans: $(last_line "$NMF_OUT$NMF_ERR")"
    fi
    owner_is eth1 || fail "run $run: default route on '$(lab_default_dev)', expected eth1"
    stored_equal || fail "run $run: no stored digest equal to the kernel's state"
done
labx_slow_event_off
diag "LAN first: $dry_ok of $LAN_FIRST_RUNS runs needed no change afterwards; ranked again $(log_since "$off" | grep -c 'ranking again') time(s)"
result "LAN first, NAT second: every run ends where a manual --fix would (no change needed, digest stored)" "$why"

lab_cleanup
tap_finish "$NTESTS"
