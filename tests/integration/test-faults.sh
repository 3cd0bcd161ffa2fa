#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Functions below run through lab_wait_for or traps:
# shellcheck disable=SC2317,SC2015
#
# Fault and robustness tests of nm-metric-fix against the real NetworkManager,
# in the namespace lab (tests/lab/lab.sh + lab-control.sh).  TAP output.
#
# usage: test-faults.sh BUILD_DIR
#
#  1  20 dispatcher events at once in the bug state: right end state, at most
#     one change per device (a Reapply before NetworkManager 1.36, the routes
#     moved from 1.36)
#  2  no loop: the reapply/dhcp4-change events NM emits after that fix cause no
#     further Reapply in a 10 s window
#  3  NetworkManager restarted while --fix runs
#  4  a device deleted while --fix runs
#  5  a Reapply racing another client (VERSION_ID_MISMATCH) is retried
#  6  NetworkManager not running / no system bus: exit 8 at once
#  7  NetworkManager hung: exit 8 within the bounded D-Bus timeout
#  8  unprivileged user: --status works, --fix refuses (4) and changes nothing
#  9  the hook with hostile interface names and no environment
# 10  no sanitizer report and no death by signal in any helper run
#
# "While --fix runs" is made deterministic by slowing the helper down: strace
# delays every sendmsg() it makes (each D-Bus message) by SLOW_US, and the
# fault is injected as soon as the helper has logged its ranking, i.e. before
# its first change; NetworkManager's restart (3) as soon as the helper has
# connected (its debug line naming NetworkManager's version), before it reads
# the devices: the ranking is followed at once by the first change (the Reapply
# starts from the applied connections the snapshot read), and a stopping
# NetworkManager still answers for a moment.  Needs root and strace; prints
# "1..0 # SKIP" without root.
# LAB_KEEP=1 keeps the lab directories (logs).

set -u

HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lab/lab.sh
. "$HERE/../lab/lab.sh"
# shellcheck source-path=SCRIPTDIR source=../lab/lab-tap.sh
. "$HERE/../lab/lab-tap.sh"
# shellcheck source-path=SCRIPTDIR source=../lab/lab-control.sh
. "$HERE/../lab/lab-control.sh"

NTESTS=10
SETTLE_S=30          # deadline for hook + helper to finish after an event
OBSERVE_S=10         # the no-loop observation window
NM_DEADLINE_S=25     # --status/--fix must give up on a dead or hung NM within this
HOOK_FAST_MS=2000    # the hook must return within this (it only forks)
SLOW_US=200000       # strace delay per sendmsg() of a slowed helper
HELPER=/usr/local/bin/nm-metric-fix
HOOK=/etc/NetworkManager/dispatcher.d/90-nm-metric-fix
SCAN_FILES=()        # helper outputs of the current lab to scan (test 10)
SIGNAL_DEATHS=()     # helper runs that ended by a signal

tap_setup "${1:-}" gdbus strace setpriv
# Under LeakSanitizer a ptraced process cannot be checked for leaks (LSan
# refuses to run under ptrace): the strace-slowed runs switch leak checking
# off, everything else keeps the caller's sanitizer options.
SLOW_ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

# ---------------------------------------------------------------------------
# TAP helpers

why=
fail() { why="$why${why:+; }$*"; }

# ---------------------------------------------------------------------------
# Lab helpers

new_lab() { # TAG
    lab_init "$1" || bail "lab_init failed"
    stage_product
    lab_topology || bail "lab_topology failed"
    lab_start_nm "$STAGE" || bail "lab_start_nm failed"
    lab_add_profiles || bail "lab_add_profiles failed"
}

# scan_outputs: look for sanitizer reports and GLib/libnm warnings in the
# helper outputs collected so far (and the lab's dispatcher.log, where the
# hook-started helpers write); findings go to SCAN_PROBLEMS for test 10.
SCAN_PROBLEMS=
SCANNED=0
scan_outputs() {
    local f hits
    for f in "${SCAN_FILES[@]}" "$LAB_DIR/dispatcher.log"; do
        [ -f "$f" ] || continue
        SCANNED=$((SCANNED + 1))
        if grep -Eq 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: (Address|Undefined|Leak)' "$f"; then
            hits=$(grep -E -A 30 -m 1 'ERROR: |runtime error:' "$f")
            SCAN_PROBLEMS="$SCAN_PROBLEMS
sanitizer report in $(basename "$f"):
$hits"
        fi
        hits=$(grep -v 'nm-dispatcher' "$f" | grep -E -m 3 '(GLib|GLib-GIO|libnm)-(CRITICAL|WARNING)')
        [ -z "$hits" ] || SCAN_PROBLEMS="$SCAN_PROBLEMS
GLib/libnm warning in $(basename "$f"): $hits"
    done
    SCAN_FILES=()
}

end_lab() {
    scan_outputs
    lab_cleanup
}

up() { # ID
    local out
    out=$(lab_guest nmcli connection up "$1" 2>&1) || { diag "nmcli connection up $1: $out"; return 1; }
}

default_is_eth1() { lab_default_dev_is eth1; }

# bug_state: hook off, original metrics restored, nat activated before lan so
# that NetworkManager gives eth0 the lower metric (the reported problem).
bug_state() {
    labx_hook_off || return 1
    lab_wait_for "$SETTLE_S" labx_quiet || { diag "not quiet before resetting"; return 1; }
    lab_guest "$HELPER" --revert >"$LAB_DIR/revert.log" 2>&1 ||
        { diag "--revert failed: $(cat "$LAB_DIR/revert.log")"; return 1; }
    # --revert pauses the hook (see test-config); here it is only a reset.
    lab_guest rm -f /run/nm-metric-fix/paused
    lab_guest nmcli connection down lan >/dev/null 2>&1
    lab_guest nmcli connection down nat >/dev/null 2>&1
    up nat && up lan || return 1
    lab_wait_for 10 lab_default_dev_is eth0 || { diag "bug state: default route on '$(lab_default_dev)'"; return 1; }
    lab_wait_for "$SETTLE_S" labx_quiet
}

# converge_after_event: hook on, a real NM event (nat re-activated), then
# eth1 must own the default route, everything settles (idle for a second: the
# events of that activation may still be on their way to the hook), --status
# says 0 and a --fix would change nothing.  Test 9 counts the helper's runs: a
# run still to come for this event, or a first run there that still had
# something to change (and so made NetworkManager send events during it), would
# give a second run there.
converge_after_event() {
    local t0 rc
    labx_hook_on || return 1
    t0=$(lab__now_us)
    up nat || return 1
    if ! lab_wait_for "$SETTLE_S" default_is_eth1; then
        diag "default route still on '$(lab_default_dev)' ${SETTLE_S} s after 'up nat'"
        return 1
    fi
    labx_settle "$SETTLE_S" || { diag "hook/helper not settled"; return 1; }
    lab_guest "$HELPER" --status >"$LAB_DIR/status.out" 2>&1
    rc=$?
    if [ "$rc" != 0 ]; then
        diag "--status after the later event: exit $rc
$(cat "$LAB_DIR/status.out")"
        return 1
    fi
    lab_guest "$HELPER" --fix --dry-run >"$LAB_DIR/dry.out" 2>&1
    if ! tail -n 1 "$LAB_DIR/dry.out" | grep -q 'no changes needed'; then
        diag "a --fix after the later event would still change something:
$(cat "$LAB_DIR/dry.out")"
        return 1
    fi
    diag "a later event ('up nat') converged in $(lab_elapsed_ms "$t0") ms"
}

# exit_is_signal RC: bash reports death by signal N as 128+N.
exit_is_signal() { [ "$1" -gt 128 ]; }

note_rc() { # RC LABEL
    exit_is_signal "$1" && SIGNAL_DEATHS+=("$2: exit $1 (signal $(($1 - 128)))")
}

# slow_fix ERRFILE [OPTION...]: start --fix slowed down by strace in the background
# (SLOW_PID); the caller waits for a line in ERRFILE ('ranking:', or with -v the
# version of NetworkManager), injects its fault
# and then `wait_slow`.
slow_fix() { # OUTPUT [OPTION...]
    local out=$1
    shift
    lab_guest env ASAN_OPTIONS="$SLOW_ASAN_OPTIONS" \
        strace -f -qq -o /dev/null -e trace=sendmsg -e inject=sendmsg:delay_enter="$SLOW_US" \
        "$HELPER" --fix "$@" >"$out" 2>&1 &
    SLOW_PID=$!
    SCAN_FILES+=("$out")
}

wait_slow() {
    wait "$SLOW_PID"
    SLOW_RC=$?
    note_rc "$SLOW_RC" "slowed --fix"
}

has_ranking() { grep -q 'ranking:' "$1"; }
has_connected() { grep -q ': NetworkManager [0-9]' "$1"; }

# product lines of a helper output (drop strace's own messages)
product_lines() { grep -v '^strace: ' "$1"; }

last_error_line() { product_lines "$1" | grep -E '^(<[0-7]>)?nm-metric-fix: ' | tail -n 1; }

echo "1..$NTESTS"

# ===========================================================================
# Lab 1: 20 events at once, then the no-loop window.

new_lab nmfF1

why=
labx_hook_off || bail "cannot switch the hook off"
up nat && up lan || bail "activating nat, lan failed"
lab_wait_for 10 lab_default_dev_is eth0 || fail "no bug state: default route on '$(lab_default_dev)'"
lab_wait_for "$SETTLE_S" labx_quiet || fail "dispatcher not idle before the burst"
labx_hook_on || bail "cannot switch the hook on"

v0_before=$(labx_applied_version eth0) || fail "cannot read eth0's applied version"
v1_before=$(labx_applied_version eth1) || fail "cannot read eth1's applied version"
nm_off=$(stat -c %s "$LAB_DIR/nm.log")
disp_off=$(stat -c %s "$LAB_DIR/dispatcher.log")
burst_err=$LAB_DIR/burst.err
SCAN_FILES+=("$burst_err")
cat >"$LAB_DIR/burst.sh" <<'EOF'
#!/bin/sh
# 20 dispatcher events at once, with the environment nm-dispatcher gives a
# script (no D-Bus address: the helper finds the bus at its default path).
hook=$1
for ev in "eth0 up" "eth1 up" "eth0 dhcp4-change" "eth1 dhcp4-change" "eth0 up" \
    "eth1 up" "eth1 dhcp4-change" "eth0 dhcp4-change" "eth1 reapply" "eth0 reapply" \
    "eth0 down" "eth1 dhcp6-change" "eth1 up" "eth0 up" "eth0 dhcp4-change" \
    "eth1 dhcp4-change" "lo up" "eth0 connectivity-change" "eth1 up" "eth0 dhcp4-change"; do
    # shellcheck disable=SC2086
    env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        NM_DISPATCHER_ACTION="${ev#* }" DEVICE_IFACE="${ev% *}" "$hook" $ev &
done
wait
EOF
t0=$(lab__now_us)
lab_guest /bin/sh "$LAB_DIR/burst.sh" "$HOOK" 2>>"$burst_err"
diag "20 hook instances returned in $(lab_elapsed_ms "$t0") ms"
lab_wait_for "$SETTLE_S" default_is_eth1 || fail "default route still on '$(lab_default_dev)' after ${SETTLE_S} s"
diag "eth1 owns the default route $(lab_elapsed_ms "$t0") ms after the burst"
lab_wait_for "$SETTLE_S" labx_quiet || fail "hook/helper runs not settled within ${SETTLE_S} s"
t_fix_done=$(lab__now_us)
runs=$(grep -c 'run for dispatcher event' "$burst_err")
diag "helper runs started by the burst: $runs (20 events, coalesced)"
diag "$(product_lines "$burst_err" | tail -n 12)"
r0=$(labx_reapply_count eth0 "$nm_off")
r1=$(labx_reapply_count eth1 "$nm_off")
p0=$(grep -c "$(lab_change_line eth0)" "$burst_err")
p1=$(grep -c "$(lab_change_line eth1)" "$burst_err")
v0_after=$(labx_applied_version eth0) || v0_after='?'
v1_after=$(labx_applied_version eth1) || v1_after='?'
diag "Reapply calls NM logged: eth0 $r0, eth1 $r1; product change lines ('$(lab_change_line eth0)'): eth0 $p0, eth1 $p1; applied version ids: eth0 $v0_before -> $v0_after, eth1 $v1_before -> $v1_after"
[ "$p0" -le 1 ] && [ "$p1" -le 1 ] || fail "the product changed a device more than once (eth0 $p0, eth1 $p1)"
[ "$p0" -ge 1 ] && [ "$p1" -ge 1 ] || fail "a device that needed a new metric was not changed (eth0 $p0, eth1 $p1)"
if lab_moves_routes; then
    # From 1.36 the routes move in the kernel: no Reapply, applied connections untouched.
    [ "$r0" = 0 ] && [ "$r1" = 0 ] || fail "NetworkManager $LAB_NM_VERSION got a Reapply (eth0 $r0, eth1 $r1); the routes should have moved without one"
    [ "$v0_after" = "$v0_before" ] && [ "$v1_after" = "$v1_before" ] ||
        fail "an applied connection changed although no Reapply was due"
else
    [ "$r0" -le 1 ] && [ "$r1" -le 1 ] || fail "more than one Reapply on a device (NM audit: eth0 $r0, eth1 $r1)"
    [ "$r0" -ge 1 ] && [ "$r1" -ge 1 ] || fail "a device that needed a new metric got no Reapply (eth0 $r0, eth1 $r1)"
    # NM's version ids come from one counter shared by all devices: they show
    # that an applied connection changed, not how often; the audit lines count.
    [ "$v0_after" != "$v0_before" ] && [ "$v1_after" != "$v1_before" ] ||
        fail "an applied connection that needed a new metric did not change"
fi
lab_guest "$HELPER" --status >"$LAB_DIR/status.out" 2>&1 || fail "--status exit $? after the burst: $(tail -n 1 "$LAB_DIR/status.out")"
m_lan=$(lab_guest nmcli -g ipv4.route-metric connection show lan 2>&1)
m_nat=$(lab_guest nmcli -g ipv4.route-metric connection show nat 2>&1)
[[ $m_lan =~ ^[0-9]+$ ]] && [[ $m_nat =~ ^[0-9]+$ ]] && [ "$m_lan" -lt "$m_nat" ] ||
    fail "profile metrics lan='$m_lan' nat='$m_nat'"
result "20 dispatcher events at once: eth1 owns the default route, at most one change per device ($(lab_change_line))" "$why"

# 2: the fix's Reapply makes NM emit 'reapply' and 'dhcp4-change'; the hook
# must ignore the first and the helper must find nothing to do on the second.
why=
t_obs=$(lab__now_us)
obs_off=$(stat -c %s "$LAB_DIR/nm.log")
# NM 1.42 does not always emit 'dhcp4-change' after a Reapply (it did for one
# device in some runs, none in others), so the window also starts with the
# events NM emits after a Reapply, sent to the installed hook as
# nm-dispatcher would.
win_err=$LAB_DIR/window.err
SCAN_FILES+=("$win_err")
for ev in "eth1 reapply" "eth1 dhcp4-change" "eth0 reapply" "eth0 dhcp4-change"; do
    # shellcheck disable=SC2086
    lab_guest env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$HOOK" $ev 2>>"$win_err"
done
new_reapply() {
    [ "$(labx_reapply_count eth0 "$obs_off")" -gt 0 ] || [ "$(labx_reapply_count eth1 "$obs_off")" -gt 0 ]
}
if lab_wait_for "$OBSERVE_S" new_reapply; then
    fail "a Reapply happened $(lab_elapsed_ms "$t_obs") ms into the ${OBSERVE_S} s window"
fi
v0_end=$(labx_applied_version eth0) || v0_end='?'
v1_end=$(labx_applied_version eth1) || v1_end='?'
[ "$v0_end" = "$v0_after" ] && [ "$v1_end" = "$v1_after" ] ||
    fail "applied versions moved during the window: eth0 $v0_after -> $v0_end, eth1 $v1_after -> $v1_end"
# Everything after the fix's first Reapply: NM's events must have reached
# the hook (which coalesces them into helper runs that may be logged in
# burst.err, where the lock holder's output goes, or in dispatcher.log).
since_fix=$(tail -c "+$((disp_off + 1))" "$LAB_DIR/dispatcher.log")
# The 'reapply' dispatcher event exists from NetworkManager 1.42 on; from 1.36
# the fix moves routes and reapplies nothing.
for dev in eth0 eth1; do
    if lab_nm_at_least 1.42 && ! lab_moves_routes; then
        grep -q "'reapply' \[$dev\]" <<<"$since_fix" || fail "NM emitted no 'reapply' event for $dev after the fix"
    else
        ! grep -q "'reapply' \[$dev\]" <<<"$since_fix" ||
            fail "NM $LAB_NM_VERSION emitted a 'reapply' event for $dev (expected only from 1.42 on)"
    fi
done
dhcp_events=$(grep -c "'dhcp4-change' \[eth[01]\], \"$HOOK\": run script" <<<"$since_fix")
lab_wait_for "$SETTLE_S" labx_quiet || fail "the window's helper runs did not finish"
# The fast path (nm-metric-fix-hook) ends these events itself when the state is
# the one the fix verified, or hands them to a helper run that finds nothing to do.
diag "helper runs started by the window's events: $(grep -c 'run for dispatcher event eth[01]:dhcp4-change' "$win_err")"
all_runs=$({ grep 'nm-metric-fix\[[0-9]*\]: ' "$burst_err"; grep 'nm-metric-fix\[[0-9]*\]: ' <<<"$since_fix"; grep 'nm-metric-fix\[[0-9]*\]: ' "$win_err"; })
fixer=$(grep -m 1 "nm-metric-fix\[[0-9]*\]: $(lab_change_line)" <<<"$all_runs" | sed -E 's/^(<[0-7]>)?(nm-metric-fix\[[0-9]*\]).*/\2/')
other_runs=$(grep -v -F "$fixer" <<<"$all_runs" | grep -c 'run for dispatcher event')
other_noop=$(grep -v -F "$fixer" <<<"$all_runs" | grep -c 'no changes needed')
other_reapply=$(grep -v -F "$fixer" <<<"$all_runs" | grep -c -e ': reapply ' -e ': move the default routes ')
diag "NM itself ran the hook for $dhcp_events 'dhcp4-change' event(s) after the fix; helper runs other than the fixing one ($fixer): $other_runs, of which 'no changes needed': $other_noop, reapply lines: $other_reapply"
[ "$other_reapply" = 0 ] || fail "a helper run after the fix reapplied again"
[ "$other_noop" = "$other_runs" ] || fail "not every later helper run ended in 'no changes needed'"
result "no loop: NM's reapply/dhcp4-change events after the fix lead to no Reapply in ${OBSERVE_S} s (since the fix ended $(($(lab_elapsed_ms "$t_fix_done"))) ms ago)" "$why"

end_lab

# ===========================================================================
# Lab 2: faults while --fix runs.

new_lab nmfF2
why=
bug_state || bail "cannot make the bug state"
err=$LAB_DIR/fix-nm-restart.err
t0=$(lab__now_us)
slow_fix "$err" -v
if lab_wait_for 60 has_connected "$err"; then
    diag "helper connected after $(lab_elapsed_ms "$t0") ms (slowed); stopping NetworkManager now"
    labx_nm_stop || fail "NetworkManager did not stop"
else
    fail "the slowed helper never logged NetworkManager's version"
fi
wait_slow
diag "--fix across the NetworkManager stop: exit $SLOW_RC after $(lab_elapsed_ms "$t0") ms
$(product_lines "$err")"
exit_is_signal "$SLOW_RC" && fail "--fix died by signal $((SLOW_RC - 128))"
case "$SLOW_RC" in
    1 | 8) ;;
    *) fail "exit $SLOW_RC, expected 1 (failure) or 8 (NM not running)" ;;
esac
line=$(last_error_line "$err")
[ -n "$line" ] || fail "no final 'nm-metric-fix: ...' error line"
grep -Eq "connection '|eth[01]|NetworkManager" <<<"$line" || fail "the error line names neither a connection, a device nor NetworkManager: $line"
labx_nm_start || bail "NetworkManager does not come back"
lab_wait_for 20 labx_device_managed eth0 && lab_wait_for 20 labx_device_managed eth1 ||
    fail "the links are not managed after the restart"
converge_after_event || fail "no convergence after the restart"
result "NetworkManager restarted while --fix runs: no crash, a clear error, a later event converges" "$why"

why=
bug_state || bail "cannot make the bug state again"
err=$LAB_DIR/fix-link-del.err
t0=$(lab__now_us)
slow_fix "$err"
if lab_wait_for 60 has_ranking "$err"; then
    lab_guest ip link del eth0 || fail "ip link del eth0 failed"
    diag "eth0 deleted $(lab_elapsed_ms "$t0") ms after the (slowed) --fix started"
else
    fail "the slowed helper never logged its ranking"
fi
wait_slow
diag "--fix across the deletion of eth0: exit $SLOW_RC
$(product_lines "$err")"
exit_is_signal "$SLOW_RC" && fail "--fix died by signal $((SLOW_RC - 128))"
case "$SLOW_RC" in
    0) ;;
    1) grep -q 'eth0' <<<"$(last_error_line "$err")" || fail "exit 1 without an error line naming eth0" ;;
    *) fail "exit $SLOW_RC, expected 0 or 1" ;;
esac
lab_wait_for 10 default_is_eth1 || fail "with eth0 gone, the default route is on '$(lab_default_dev)'"
labx_recreate_eth0 || bail "cannot re-create eth0"
converge_after_event || fail "no convergence once eth0 is back"
result "a device deleted while --fix runs: no crash, a clear error, a later event converges" "$why"

# A Reapply racing another client.  The other client keeps changing eth0's
# applied connection (runtime only: ipv4.route-metric 500/501), so the version
# id the slowed helper read is stale by the time its Reapply arrives and
# NetworkManager answers VERSION_ID_MISMATCH.  Two things are not left to timing:
# - the helper starts only once the other client's first change is applied:
#   from NetworkManager 1.36 a link whose applied connection has no metric of
#   its own gets its routes moved in the kernel instead of a Reapply, so a
#   helper that read eth0 before that change reapplies nothing, and there is
#   no race;
# - whether the race happened is read from NetworkManager's own audit line
#   (the helper's Reapply refused for the version id), not assumed: when the
#   other client made no change between the helper's read and its Reapply (a
#   starved client on a loaded machine), the attempt proves nothing either way
#   and is made again (RACE_ATTEMPTS in all); a refused Reapply without a
#   'retrying reapply' line fails at once.
RACE_ATTEMPTS=3
err=$LAB_DIR/fix-race.err
stopf=$LAB_DIR/race.stop
startedf=$LAB_DIR/race.started
retry_seen() { grep -q 'retrying reapply' "$err"; }
slow_running() { kill -0 "$SLOW_PID" 2>/dev/null; }
retry_or_exit() { retry_seen || ! slow_running; }
helper_pid() { grep -o -m 1 'nm-metric-fix\[[0-9]*\]' "$1" | tr -dc '0-9'; }
# version_refused PID: NetworkManager refused a Reapply of eth0 by PID for its version id.
version_refused() {
    [ -n "$1" ] && grep 'audit: op="device-reapply" interface="eth0"' "$LAB_DIR/nm.log" |
        grep " pid=$1 " | grep 'result="fail"' | grep -q 'version-id'
}

# race_attempt: one try; RACED=1 when the race happened (whatever the helper did).
race_attempt() {
    local race_pid t0 pid
    RACED=0
    bug_state || bail "cannot make the bug state again"
    rm -f "$stopf" "$startedf" "$LAB_DIR/race.count"
    (
        i=0
        while [ ! -e "$stopf" ]; do
            i=$((i + 1))
            lab_guest nmcli device modify eth0 ipv4.route-metric $((500 + i % 2)) >/dev/null 2>&1 &&
                [ ! -e "$startedf" ] && : >"$startedf"
        done
        echo "$i" >"$LAB_DIR/race.count"
    ) &
    race_pid=$!
    if ! lab_wait_for 30 test -e "$startedf"; then
        : >"$stopf"
        wait "$race_pid"
        fail "the other client's 'nmcli device modify eth0' did not succeed within 30 s"
        RACED=1
        return
    fi
    t0=$(lab__now_us)
    slow_fix "$err"
    if lab_wait_for 90 retry_or_exit && retry_seen; then
        diag "'retrying reapply' after $(lab_elapsed_ms "$t0") ms; stopping the other client"
    fi
    : >"$stopf"
    wait "$race_pid"
    wait_slow
    pid=$(helper_pid "$err")
    diag "--fix racing $(cat "$LAB_DIR/race.count" 2>/dev/null || echo '?') 'nmcli device modify eth0' calls: exit $SLOW_RC
$(product_lines "$err")"
    exit_is_signal "$SLOW_RC" && fail "--fix died by signal $((SLOW_RC - 128))"
    if retry_seen || version_refused "$pid"; then
        RACED=1
    elif [ "$SLOW_RC" != 0 ]; then
        # A failure that is not about the race: not a reason to try again.
        RACED=1
    else
        diag "NetworkManager refused no Reapply of this run (pid ${pid:-?}) for its version id: the race did not happen"
        return
    fi
    retry_seen || fail "no 'retrying reapply' line (NetworkManager refused the helper's Reapply of eth0: $(version_refused "$pid" && echo 'yes, version id' || echo no))"
    [ "$SLOW_RC" = 0 ] || fail "exit $SLOW_RC, expected 0 (the retry should succeed once the other client stops)"
    grep -q 'reapply eth0 ' "$err" || fail "eth0 was not reapplied in the end"
    converge_after_event || fail "no convergence after the race"
}

why=
for attempt in $(seq 1 "$RACE_ATTEMPTS"); do
    race_attempt
    [ "$RACED" = 1 ] && break
    diag "attempt $attempt of $RACE_ATTEMPTS proved nothing; again"
done
[ "$RACED" = 1 ] || fail "the race never happened in $RACE_ATTEMPTS attempts"
result "a Reapply racing another client is retried ('retrying reapply'), no crash, converges" "$why"

# ---------------------------------------------------------------------------
# NetworkManager not running, hung, no bus.

why=
labx_nm_stop || bail "cannot stop NetworkManager"
for mode in --status --fix; do
    t0=$(lab__now_us)
    lab_guest "$HELPER" $mode >"$LAB_DIR/nonm.out" 2>&1
    rc=$?
    ms=$(lab_elapsed_ms "$t0")
    note_rc "$rc" "$mode without NM"
    SCAN_FILES+=("$LAB_DIR/nonm$mode.out")
    cp "$LAB_DIR/nonm.out" "$LAB_DIR/nonm$mode.out"
    diag "NM stopped: $mode exit $rc in $ms ms: $(tail -n 1 "$LAB_DIR/nonm.out")"
    [ "$rc" = 8 ] || fail "$mode exit $rc, expected 8"
    [ "$ms" -lt $((NM_DEADLINE_S * 1000)) ] || fail "$mode took $ms ms"
    grep -q 'NetworkManager is not running' "$LAB_DIR/nonm.out" || fail "$mode: no 'NetworkManager is not running' message"
    t0=$(lab__now_us)
    lab_guest env DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent/bus "$HELPER" $mode >"$LAB_DIR/nobus$mode.out" 2>&1
    rc=$?
    ms=$(lab_elapsed_ms "$t0")
    note_rc "$rc" "$mode without a bus"
    SCAN_FILES+=("$LAB_DIR/nobus$mode.out")
    diag "no system bus: $mode exit $rc in $ms ms: $(tail -n 1 "$LAB_DIR/nobus$mode.out")"
    [ "$rc" = 8 ] || fail "$mode without a bus: exit $rc, expected 8"
    [ "$ms" -lt $((NM_DEADLINE_S * 1000)) ] || fail "$mode without a bus took $ms ms"
done
labx_nm_start || bail "NetworkManager does not come back"
result "NetworkManager not running (or no system bus): --status and --fix exit 8 with a clear message at once" "$why"

why=
lab_wait_for 20 labx_device_managed eth1 || fail "eth1 not managed after the restart"
kill -STOP "$LAB_NM_PID"
declare -A hung_ms
hung_pids=()
for mode in --status --fix; do
    (
        t0=$(lab__now_us)
        lab_guest "$HELPER" $mode >"$LAB_DIR/hung$mode.out" 2>&1
        rc=$?
        echo "$rc $(lab_elapsed_ms "$t0")" >"$LAB_DIR/hung$mode.rc"
    ) &
    hung_pids+=($!)
    SCAN_FILES+=("$LAB_DIR/hung$mode.out")
done
hung_done() { [ -s "$LAB_DIR/hung--status.rc" ] && [ -s "$LAB_DIR/hung--fix.rc" ]; }
lab_wait_for $((NM_DEADLINE_S + 5)) hung_done
kill -CONT "$LAB_NM_PID"
wait "${hung_pids[@]}"
for mode in --status --fix; do
    read -r rc ms <"$LAB_DIR/hung$mode.rc" 2>/dev/null || { rc=none ms=none; }
    hung_ms[$mode]=$ms
    [ "$rc" = none ] || note_rc "$rc" "$mode with NM hung"
    diag "NM hung (SIGSTOP): $mode exit $rc after $ms ms: $(tail -n 1 "$LAB_DIR/hung$mode.out")"
    [ "$rc" = 8 ] || fail "$mode with NM hung: exit $rc, expected 8"
    [ "$ms" != none ] && [ "$ms" -lt $((NM_DEADLINE_S * 1000)) ] || fail "$mode with NM hung did not return within ${NM_DEADLINE_S} s"
    grep -q 'NetworkManager' "$LAB_DIR/hung$mode.out" || fail "$mode: the message does not name NetworkManager"
done
lab_wait_for 10 labx_nm_running || fail "NetworkManager does not answer after SIGCONT"
result "NetworkManager hung: --status and --fix give up with exit 8 within ${NM_DEADLINE_S} s (status ${hung_ms[--status]} ms, fix ${hung_ms[--fix]} ms)" "$why"

# ---------------------------------------------------------------------------
# Unprivileged user.

snapshot() { # FILE
    {
        for id in nat lan; do
            echo "== profile $id"
            lab_guest nmcli -t connection show "$id" | grep -E '^(connection|ipv4|ipv6|user|802-3-ethernet)\.' |
                grep -v '^connection\.timestamp:'
        done
        echo "== applied versions"
        labx_applied_version eth0
        labx_applied_version eth1
        echo "== kernel"
        lab_guest ip -4 route show table main
        lab_guest ip -4 rule
    } >"$1" 2>&1
}

why=
bug_state || bail "cannot make the bug state again"
snapshot "$LAB_DIR/before.snap"
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
lab_guest "${NOBODY[@]}" "$HELPER" --status >"$LAB_DIR/nobody-status.out" 2>&1
rc=$?
note_rc "$rc" "--status as nobody"
SCAN_FILES+=("$LAB_DIR/nobody-status.out")
diag "--status as nobody: exit $rc
$(cat "$LAB_DIR/nobody-status.out")"
case "$rc" in
    0 | 3) ;;
    *) fail "--status as nobody: exit $rc, expected 0 or 3" ;;
esac
grep -q '^eth1 ' "$LAB_DIR/nobody-status.out" || fail "--status as nobody shows no eth1 row"
lab_guest "${NOBODY[@]}" "$HELPER" --fix >"$LAB_DIR/nobody-fix.out" 2>&1
rc=$?
note_rc "$rc" "--fix as nobody"
SCAN_FILES+=("$LAB_DIR/nobody-fix.out")
diag "--fix as nobody: exit $rc: $(cat "$LAB_DIR/nobody-fix.out")"
[ "$rc" = 4 ] || fail "--fix as nobody: exit $rc, expected 4"
grep -qi 'root' "$LAB_DIR/nobody-fix.out" || fail "--fix as nobody: the message does not say root is needed"
lab_guest "${NOBODY[@]}" "$HELPER" --fix --dry-run >"$LAB_DIR/nobody-dry.out" 2>&1
rc=$?
note_rc "$rc" "--fix --dry-run as nobody"
SCAN_FILES+=("$LAB_DIR/nobody-dry.out")
diag "--fix --dry-run as nobody: exit $rc
$(cat "$LAB_DIR/nobody-dry.out")"
case "$rc" in
    0 | 4) ;;
    *) fail "--fix --dry-run as nobody: exit $rc, expected 0 or 4" ;;
esac
lab_wait_for "$SETTLE_S" labx_quiet
snapshot "$LAB_DIR/after.snap"
if ! cmp -s "$LAB_DIR/before.snap" "$LAB_DIR/after.snap"; then
    fail "profiles or kernel state changed: $(diff "$LAB_DIR/before.snap" "$LAB_DIR/after.snap" | head -n 20)"
fi
result "unprivileged user: --status works, --fix refuses with exit 4 and changes nothing" "$why"

# Converged again before test 9, so that no NM event of a fix competes with
# the hook runs counted there.
converge_after_event || bail "no convergence before the hook tests"

# ---------------------------------------------------------------------------
# The hook with hostile interface names and a missing environment.

why=
canary=$LAB_DIR/INJECTED
hook_err=$LAB_DIR/hook-odd.err
SCAN_FILES+=("$hook_err")
: >"$hook_err"
# name|action pairs; names carry shell syntax that must stay data.
odd_names=(
    "eth 0"
    "eth\"0'"
    "\$(touch $canary)"
    "\`touch $canary\`"
    "eth0;touch $canary"
    "eth0|touch $canary"
    "eth0 && touch $canary"
    "-rf"
    "--help"
    "--config=/etc/shadow"
    "*"
    "eth0
touch $canary"
    ""
)
hook_run() { # ENV-MODE NAME ACTION...: runs the installed hook, prints "rc ms"
    local mode=$1 t0 rc
    shift
    t0=$(lab__now_us)
    case "$mode" in
        dispatcher) lab_guest env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
            CONNECTION_ID="x\$(touch $canary)" DEVICE_IFACE="$1" "$HOOK" "$@" 2>>"$hook_err" ;;
        bare) lab_guest env -i "$HOOK" "$@" 2>>"$hook_err" ;;
    esac
    rc=$?
    echo "$rc $(lab_elapsed_ms "$t0")"
}
check_hook() { # LABEL EXPECT-HELPER(yes/no) ENV-MODE ARGS...
    local label=$1 expect=$2 mode=$3 rc ms before after runs
    shift 3
    before=$(grep -c 'run for dispatcher event' "$hook_err")
    # Without the last verified run's digest every accepted event reaches the full
    # helper (test-fastpath covers when it does not need to).
    lab_guest rm -f /run/nm-metric-fix/verified
    read -r rc ms < <(hook_run "$mode" "$@")
    [ "$rc" = 0 ] || fail "$label: hook exit $rc"
    [ "$ms" -lt "$HOOK_FAST_MS" ] || fail "$label: hook took $ms ms"
    lab_wait_for "$SETTLE_S" labx_helper_idle || fail "$label: helper still running after ${SETTLE_S} s"
    after=$(grep -c 'run for dispatcher event' "$hook_err")
    runs=$((after - before))
    if [ "$expect" = yes ]; then
        [ "$runs" = 1 ] || fail "$label: $runs helper run(s), expected 1"
    else
        [ "$runs" = 0 ] || fail "$label: $runs helper run(s), expected none"
    fi
    HOOK_TIMES="$HOOK_TIMES $ms"
}
HOOK_TIMES=
for name in "${odd_names[@]}"; do
    check_hook "name '$name'" yes dispatcher "$name" up
    want="run for dispatcher event ${name:-?}:up"
    want=${want%%$'\n'*}
    grep -qF -- "$want" "$hook_err" || fail "name '$name': the helper did not log the event literally ('$want')"
done
check_hook "action with shell syntax" no dispatcher eth0 "up;touch $canary"
check_hook "action '\$(touch)'" no dispatcher eth0 "\$(touch $canary)"
check_hook "no arguments, no environment" no bare
check_hook "no action" no bare eth0
check_hook "empty name and action" no bare "" ""
check_hook "no environment at all (no PATH)" yes bare eth1 dhcp4-change
grep -qF 'run for dispatcher event eth1:dhcp4-change' "$hook_err" || fail "no PATH: the helper did not run for eth1:dhcp4-change"
check_hook "extra arguments" yes dispatcher eth1 up "\$(touch $canary)" extra
[ -e "$canary" ] && fail "injected text was executed ($canary exists)"
grep -q 'nm-metric-fix: ' <(grep -v 'nm-metric-fix\[' "$hook_err") &&
    diag "helper errors: $(grep -v 'nm-metric-fix\[' "$hook_err" | head -n 5)"
grep -q 'unexpected argument\|Unknown option' "$hook_err" && fail "an interface name reached the helper as an option: $(grep 'unexpected argument\|Unknown option' "$hook_err" | head -n 3)"
diag "hook wall times (ms, incl. nsenter):$HOOK_TIMES"
lab_guest ip -4 route show default >/dev/null
lab_wait_for 10 default_is_eth1 || fail "after the odd events the default route is on '$(lab_default_dev)'"
result "the hook with hostile interface names and no environment: exit 0 at once, no injection, events reach the helper as data" "$why"

end_lab

# ---------------------------------------------------------------------------
# 10: sanitizer reports (ASan/UBSan/LSan builds) and deaths by signal.

why=
[ -z "$SCAN_PROBLEMS" ] || fail "$SCAN_PROBLEMS"
[ ${#SIGNAL_DEATHS[@]} -eq 0 ] || fail "killed by a signal: ${SIGNAL_DEATHS[*]}"
sanitize=$(meson introspect "$BUILD_DIR" --buildoptions 2>/dev/null |
    python3 -c 'import json,sys; print(next((o["value"] for o in json.load(sys.stdin) if o["name"] == "b_sanitize"), "?"))' 2>/dev/null)
result "no sanitizer report, GLib warning or death by signal in $SCANNED helper outputs (b_sanitize=${sanitize:-?})" "$why"

tap_finish "$NTESTS"
