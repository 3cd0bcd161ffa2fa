#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Benchmark of nm-metric-fix in the namespace lab (real NetworkManager), all
# figures measured side by side in one run, in interleaved rounds.  Not a test:
# it prints a table of figures, ratios and targets, and with -o FILE writes it
# as Markdown too.  Run it niced on a shared machine; the load is recorded.
#
# usage: bench/run-bench.sh [-o RESULTS.md] [-n RUNS] BUILD_DIR
#
#   no-op     on an already ranked guest, the installed dispatcher hook for
#             `eth1 dhcp4-change` (script + nm-metric-fix-hook + anything they
#             spawn) vs bench/peer-nmcli-dispatcher.sh run the same way: both
#             under nmf-subreap (bench/subreap.c), a child subreaper that waits
#             for every descendant and reports wall time and the largest peak
#             RSS among them; the full helper's no-op `--fix` for reference
#   changing  the hook in the bug state (eth0 owns the default route): the hook,
#             the fast path, the detached full run: wall time and peak RSS
#   converge  `nmcli connection up lan` (nat already up, bug order) with the
#             installed hook, from `ip -4 -ts monitor route`: the time from
#             eth1's default route appearing to eth1 owning the default route,
#             vs the floor: a bare `nmcli device reapply eth1` of a prepared
#             metric change, to its route event; one of each per round
#   window    re-activating nat after the first fix: time any other device
#             held the lowest default metric (target 0 ms)
#   scale     a 2-uplink and a 64-uplink lab (bench/lab-worker.sh) built
#             before measuring and alive at the same time, measured in
#             alternating rounds: hook no-op, helper no-op, --status, and the
#             first --fix after a --revert (every uplink reapplied)
#
# Every figure: RUNS samples (default 21), min / median / max; ratios are of
# medians from this run.  Needs root, the lab's tools and dbus-monitor.
set -u

HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
SRCDIR=$(cd "$HERE/.." && pwd)
# shellcheck source-path=SCRIPTDIR/.. source=tests/lab/lab.sh
. "$SRCDIR/tests/lab/lab.sh"
# shellcheck source-path=SCRIPTDIR/.. source=tests/lab/lab-control.sh
. "$SRCDIR/tests/lab/lab-control.sh"
# shellcheck source-path=SCRIPTDIR/.. source=tests/lab/lab-routes.sh
. "$SRCDIR/tests/lab/lab-routes.sh"
# shellcheck source-path=SCRIPTDIR/.. source=tests/lab/lab-uplinks.sh
. "$SRCDIR/tests/lab/lab-uplinks.sh"

RUNS=21
SMALL=2
LARGE=64
OUT=
while getopts o:n: opt; do
    case "$opt" in
        o) OUT=$OPTARG ;;
        n) RUNS=$OPTARG ;;
        *) echo "usage: run-bench.sh [-o FILE] [-n RUNS] BUILD_DIR" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
BUILD_DIR=${1:-}
[ -n "$BUILD_DIR" ] && [ -d "$BUILD_DIR" ] || { echo "usage: run-bench.sh [-o FILE] [-n RUNS] BUILD_DIR" >&2; exit 2; }
BUILD_DIR=$(readlink -f "$BUILD_DIR")
[ "$(id -u)" = 0 ] || { echo "run-bench.sh: needs root (network namespaces)" >&2; exit 2; }
for t in dbus-monitor dbus-send /usr/bin/time meson; do
    command -v "$t" >/dev/null 2>&1 || { echo "run-bench.sh: $t missing (packages: dbus-bin time meson)" >&2; exit 2; }
done
lab_check_requirements || exit 2
export LAB_QUIET=1

HELPER=/usr/local/bin/nm-metric-fix
HOOK=/etc/NetworkManager/dispatcher.d/90-nm-metric-fix
PEER=$HERE/peer-nmcli-dispatcher.sh
SUBREAP=$BUILD_DIR/bench/nmf-subreap
[ -x "$SUBREAP" ] || { echo "run-bench.sh: $SUBREAP missing (ninja -C $BUILD_DIR)" >&2; exit 2; }
LOAD_START=$(cut -d ' ' -f 1-3 /proc/loadavg)
RUN_START=$(date -u +%H:%M)
SETTLE_S=30
declare -A R   # results

say() { printf '# %s\n' "$*" >&2; }
die() { printf 'run-bench.sh: %s\n' "$*" >&2; lab_dump; exit 1; }

median() { # numbers... -> median
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
maxof() { printf '%s\n' "$@" | sort -g | tail -n 1; }
minof() { printf '%s\n' "$@" | sort -g | head -n 1; }
# spread VALUES...: "median (min-max)"
spread() { echo "$(median "$@") ($(minof "$@")-$(maxof "$@"))"; }
kib2mib() { awk -v k="$1" 'BEGIN { printf "%.2f", k / 1024 }'; }
# ratio A B: A/B, with three decimals below 0.1 so that a target of 0.05 is not met by rounding
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "n/a"; else if (a / b < 0.1) printf "%.3f\n", a / b; else printf "%.2f\n", a / b }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 <= b + 0) }'; }
verdict() { if le "$1" "$2"; then echo met; else echo MISSED; fi; }

# ---------------------------------------------------------------------------

new_lab() { # TAG
    lab_init "$1" || die "lab_init failed"
    STAGE=$LAB_DIR/stage
    meson install -C "$BUILD_DIR" --destdir "$STAGE" --no-rebuild >"$LAB_DIR/meson-install.log" 2>&1 ||
        die "meson install -C $BUILD_DIR failed"
    lab_topology || die "lab_topology failed"
    lab_start_nm "$STAGE" || die "lab_start_nm failed"
    lab_add_profiles || die "lab_add_profiles failed"
}

# gtime CMD...: wall milliseconds of CMD run inside the guest (timed there,
# so nsenter is not counted), output discarded.
gtime() {
    lab_guest /bin/bash -c 't0=$EPOCHREALTIME; "$@" >/dev/null 2>&1; rc=$?; t1=$EPOCHREALTIME
        echo "${t0/./} ${t1/./} $rc"' gtime "$@" | awk '{ printf "%.1f\n", ($2 - $1) / 1000 }'
}

# rss CMD...: peak RSS (KiB) of CMD in the guest.
rss() {
    lab_guest /usr/bin/time -v -o /dev/stdout "$@" 2>/dev/null |
        sed -n 's/.*Maximum resident set size (kbytes): *//p' | tail -n 1
}

# dbus_calls CMD...: method calls sent while CMD runs (see the header).
MARK=0
dbus_mark() {
    MARK=$((MARK + 1))
    lab_guest dbus-send --system --type=method_call --dest=org.freedesktop.DBus / \
        org.freedesktop.DBus.GetNameOwner "string:nmf.bench.mark$MARK" >/dev/null 2>&1
    echo "nmf.bench.mark$MARK"
}
mon_has() { grep -q "$2" "$1"; }
dbus_calls() {
    local mon=$LAB_DIR/dbus-monitor.txt pid m1='' m2 try
    : >"$mon"
    lab__run_bg dbus-monitor "$mon" nsenter -t "$LAB_GUEST_PID" -n -m -u -- \
        env DBUS_SYSTEM_BUS_ADDRESS="unix:path=$LAB_BUS_SOCKET" dbus-monitor --system
    pid=$LAB__LAST_PID
    # ready when a marker call shows up (each marker is one dbus-send)
    for ((try = 0; try < 100; try++)); do
        m1=$(dbus_mark)
        lab_wait_for 0.2 mon_has "$mon" "\"$m1\"" && break
        m1=
    done
    [ -n "$m1" ] || die "dbus-monitor does not see the marker calls"
    lab_guest "$@" >/dev/null 2>&1
    m2=$(dbus_mark)
    lab_wait_for 5 mon_has "$mon" "\"$m2\"" || die "dbus-monitor does not see the end marker"
    lab__stop "$pid" dbus-monitor
    # Method calls after the first marker's argument line up to the second's;
    # the second marker's own Hello and GetNameOwner are not counted.
    awk -v m1="\"$m1\"" -v m2="\"$m2\"" '
        index($0, m1) { on = 1; next }
        index($0, m2) { on = 0 }
        on && /^method call / { n++; if ($0 !~ /destination=org\.freedesktop\.DBus /) nm++ }
        END { printf "%d %d\n", n - 2, nm }' "$mon"
}

wait_quiet() { lab_wait_for "$SETTLE_S" labx_quiet || die "hook/helper did not settle"; }
default_is_eth1() { lab_default_dev_is eth1; }

# bug_order: hook off, original metrics back, nat up first, lan down.
reset_before_lan() {
    labx_hook_off
    wait_quiet
    lab_guest "$HELPER" --revert >/dev/null 2>&1
    # --revert pauses the hook; here it is only a reset.
    lab_guest rm -f /run/nm-metric-fix/paused
    lab_guest nmcli connection down lan >/dev/null 2>&1
    lab_guest nmcli connection down nat >/dev/null 2>&1
    lab_guest nmcli connection up nat >/dev/null 2>&1 || die "up nat failed"
    wait_quiet
}


# ===========================================================================

# ===========================================================================
# Lab 1: no-op, changing run, convergence and floor, window.

say "lab 1: no-op, changing run, convergence/floor, wrong-route window ($RUNS rounds each)"
new_lab nmfB1
labx_hook_on
lab_guest nmcli connection up nat >/dev/null && lab_guest nmcli connection up lan >/dev/null || die "activation failed"
lab_wait_for "$SETTLE_S" default_is_eth1 || die "first fix did not happen"
wait_quiet
stored_equal() { lab_guest /usr/local/libexec/nm-metric-fix-hook --print-state | tail -n 1 | grep -q '(equal)$'; }
lab_wait_for 10 stored_equal || say "WARNING: no verified digest stored after the first fix: the hook no-op runs the full helper"
labx_hook_off

# --- no-op: hook tree vs peer tree, helper for reference -----------------------
# f1 = wall ms, f2 = peak RSS KiB, f4 = processes reaped
hk=() hr=() hp=() pk=() pr=() nf=()
refreshed=0
for ((i = 0; i < RUNS; i++)); do
    # A state that changed a moment after the last fix stored its digest (a
    # neighbour resolved) makes one full run: not a no-op, so not measured here.
    if ! stored_equal; then
        lab_guest "$SUBREAP" /bin/sh "$HOOK" eth1 dhcp4-change >/dev/null
        refreshed=$((refreshed + 1))
    fi
    read -r ms kib _ procs _ < <(lab_guest "$SUBREAP" /bin/sh "$HOOK" eth1 dhcp4-change)
    hk+=("$ms") hr+=("$kib") hp+=("$procs")
    read -r ms kib _ _ _ < <(lab_guest "$SUBREAP" /bin/sh "$PEER" eth1 dhcp4-change)
    pk+=("$ms") pr+=("$kib")
    read -r ms _ _ _ _ < <(lab_guest "$SUBREAP" "$HELPER" --fix)
    nf+=("$ms")
done
R[noop_hook]=$(spread "${hk[@]}") R[noop_hook_ms]=$(median "${hk[@]}")
R[noop_hook_rss]=$(maxof "${hr[@]}") R[noop_hook_procs]=$(maxof "${hp[@]}")
R[noop_peer]=$(spread "${pk[@]}") R[noop_peer_ms]=$(median "${pk[@]}") R[noop_peer_rss]=$(maxof "${pr[@]}")
R[noop_fix]=$(spread "${nf[@]}") R[noop_fix_ms]=$(median "${nf[@]}")
R[rss_version]=$(rss "$HELPER" --version)
lab_guest "$HELPER" --fix 2>&1 | grep -q 'no changes needed' || say "WARNING: the no-op --fix was not a no-op"
stored_equal || say "WARNING: the stored digest is not the kernel's after the no-op rounds"
say "no-op rounds that needed an unmeasured full run first: $refreshed"
say "no-op: hook ${R[noop_hook]} ms (peak ${R[noop_hook_rss]} KiB, ${R[noop_hook_procs]} processes); peer ${R[noop_peer]} ms; helper --fix ${R[noop_fix]} ms"

# --- convergence and floor, one of each per round; changing-run RSS --------------
conv=() act=() own=() floor=() chg=() chgr=()
m=100
for ((i = 0; i < RUNS; i++)); do
    reset_before_lan
    labx_hook_on
    LABX_INITIAL_ROUTES=$(labx_default_routes)
    labx_route_monitor_start "$LAB_DIR/conv.mon" || die "route monitor"
    t0=$(lab__now_us)
    lab_guest nmcli connection up lan >/dev/null 2>&1 || die "up lan failed"
    lab_wait_for "$SETTLE_S" default_is_eth1 || die "no convergence"
    wait_quiet
    labx_route_monitor_stop
    tl=$(labx_route_timeline "$LAB_DIR/conv.mon" eth1 "$t0")
    c=$(sed -n 's/^first_owner=//p' <<<"$tl") a=$(sed -n 's/^first_any=//p' <<<"$tl")
    conv+=("$c") act+=("$a") own+=("$(awk -v c="$c" -v a="$a" 'BEGIN { printf "%.1f", c - a }')")

    # the floor: a bare reapply of a prepared metric change on eth1
    labx_hook_off
    m=$((m == 100 ? 99 : 100))
    lab_guest nmcli connection modify lan ipv4.route-metric "$m" || die "modify failed"
    LABX_INITIAL_ROUTES=$(labx_default_routes)
    labx_route_monitor_start "$LAB_DIR/floor.mon" || die "route monitor"
    t0=$(lab__now_us)
    lab_guest nmcli device reapply eth1 >/dev/null 2>&1 || die "reapply failed"
    has_metric() { lab_guest ip -4 route show default dev eth1 | grep -q "metric $m "; }
    lab_wait_for 10 has_metric || die "reapply did not reach the kernel"
    wait_quiet
    labx_route_monitor_stop
    floor+=("$(labx_route_timeline "$LAB_DIR/floor.mon" eth1 "$t0" | sed -n 's/^first_any=//p')")
    # back to what nm-metric-fix wrote (100), not "set by hand"
    if [ "$m" != 100 ]; then
        lab_guest nmcli connection modify lan ipv4.route-metric 100 && lab_guest nmcli device reapply eth1 >/dev/null
        m=100
    fi
    wait_quiet
done
LABX_INITIAL_ROUTES=
R[conv]=$(spread "${conv[@]}") R[conv_ms]=$(median "${conv[@]}")
R[act]=$(spread "${act[@]}")
R[own]=$(spread "${own[@]}") R[own_ms]=$(median "${own[@]}")
R[floor]=$(spread "${floor[@]}") R[floor_ms]=$(median "${floor[@]}")
say "up lan -> eth1 owns: ${R[conv]} ms; eth1's route appears: ${R[act]} ms; appears -> owns: ${R[own]} ms; floor ${R[floor]} ms"

# A changing run under the subreaper: bug state (hook off for NM's events), then
# the hook as nm-dispatcher would run it for `eth1 up`.
for ((i = 0; i < 7; i++)); do
    reset_before_lan
    lab_guest nmcli connection up lan >/dev/null 2>&1 || die "up lan failed"
    wait_quiet
    read -r ms kib _ procs _ < <(lab_guest "$SUBREAP" /bin/sh "$HOOK" eth1 up)
    default_is_eth1 || die "the changing run did not give eth1 the default route"
    chg+=("$ms") chgr+=("$kib")
done
R[chg]=$(spread "${chg[@]}") R[chg_rss]=$(maxof "${chgr[@]}")
say "changing run (hook tree): ${R[chg]} ms, peak ${R[chg_rss]} KiB"

# --- wrong-route window on re-activating nat after the fix ---------------------
labx_hook_on
lab_guest "$HELPER" --fix >/dev/null 2>&1
wait_quiet
win=()
for ((i = 0; i < RUNS; i++)); do
    LABX_INITIAL_ROUTES=$(labx_default_routes)
    labx_route_monitor_start "$LAB_DIR/win.mon" || die "route monitor"
    t0=$(lab__now_us)
    lab_guest nmcli connection up nat >/dev/null 2>&1 || die "up nat failed"
    lab_wait_for "$SETTLE_S" default_is_eth1 || die "eth1 lost the default route"
    wait_quiet
    t1=$(lab__now_us)
    labx_route_monitor_stop
    win+=("$(labx_route_timeline "$LAB_DIR/win.mon" eth1 "$t0" "$t1" | sed -n 's/^wrong_ms=//p')")
done
LABX_INITIAL_ROUTES=
R[win_ms]=$(maxof "${win[@]}")
say "wrong-route window on re-activating nat: ${win[*]} ms"
lab_cleanup

# ===========================================================================
# Scale: a 2- and a 64-uplink lab alive at the same time, alternating rounds.

say "scale: $SMALL and $LARGE uplinks side by side ($RUNS rounds)"
WDIR=$(mktemp -d)
declare -A WIN WOUT WPID
for n in $SMALL $LARGE; do
    mkfifo "$WDIR/in$n" "$WDIR/out$n"
    "$HERE/lab-worker.sh" "$n" "$BUILD_DIR" "$SUBREAP" <"$WDIR/in$n" >"$WDIR/out$n" 2>"$WDIR/err$n" &
    WPID[$n]=$!
done
for n in $SMALL $LARGE; do
    exec {fd}>"$WDIR/in$n"
    WIN[$n]=$fd
    exec {fd}<"$WDIR/out$n"
    WOUT[$n]=$fd
done
ask() { # N COMMAND -> the worker's answer line
    local line
    echo "$2" >&"${WIN[$1]}"
    IFS= read -r line <&"${WOUT[$1]}" || { cat "$WDIR/err$1" >&2; die "worker $1 died"; }
    [[ $line != error* ]] || { cat "$WDIR/err$1" >&2; die "worker $1: $line"; }
    printf '%s\n' "$line"
}
for n in $SMALL $LARGE; do
    IFS= read -r line <&"${WOUT[$n]}" || { cat "$WDIR/err$n" >&2; die "worker $n did not start"; }
    [[ $line == ready* ]] || { cat "$WDIR/err$n" >&2; die "worker $n: $line"; }
    say "worker $n: $line"
done
declare -A S
for ((i = 0; i < RUNS; i++)); do
    for what in hook-noop helper-noop status first-fix; do
        for n in $SMALL $LARGE; do
            read -r ms kib _ _ cpu owner nmcpu < <(ask "$n" "$what")
            S[$n.$what]="${S[$n.$what]:-} $ms"
            S[$n.$what.rss]="${S[$n.$what.rss]:-} $kib"
            S[$n.$what.cpu]="${S[$n.$what.cpu]:-} $cpu"
            [ "$what" != first-fix ] || S[$n.$what.nmcpu]="${S[$n.$what.nmcpu]:-} $nmcpu"
            if [ "$what" = first-fix ] && [ "$owner" != eth1 ]; then
                say "WARNING: $n uplinks: after the first --fix the default route is on '$owner'"
            fi
        done
    done
done
for n in $SMALL $LARGE; do
    echo quit >&"${WIN[$n]}"
    fdin=${WIN[$n]} fdout=${WOUT[$n]}
    exec {fdin}>&- {fdout}<&-
done
wait "${WPID[@]}" 2>/dev/null
rm -rf "$WDIR"
for n in $SMALL $LARGE; do
    for what in hook-noop helper-noop status first-fix; do
        # shellcheck disable=SC2086 # word lists
        {
            R[s$n.$what]=$(spread ${S[$n.$what]})
            R[s$n.$what.ms]=$(median ${S[$n.$what]})
            R[s$n.$what.rss]=$(maxof ${S[$n.$what.rss]})
            R[s$n.$what.cpu]=$(median ${S[$n.$what.cpu]})
        }
    done
    # shellcheck disable=SC2086 # a word list
    R[s$n.nmcpu]=$(median ${S[$n.first-fix.nmcpu]})
    say "$n uplinks: hook no-op ${R[s$n.hook-noop]} ms; helper no-op ${R[s$n.helper-noop]} ms; --status ${R[s$n.status]} ms; first --fix ${R[s$n.first-fix]} ms (peak ${R[s$n.first-fix.rss]} KiB)"
done
LOAD_END=$(cut -d ' ' -f 1-3 /proc/loadavg)

# ===========================================================================
# Report

noop_ratio=$(ratio "${R[noop_hook_ms]}" "${R[noop_peer_ms]}")
fixnoop_ratio=$(ratio "${R[noop_fix_ms]}" "${R[noop_peer_ms]}")
own_ratio=$(ratio "${R[own_ms]}" "${R[floor_ms]}")
conv_ratio=$(ratio "${R[conv_ms]}" "${R[floor_ms]}")
hook_scale=$(ratio "${R[s$LARGE.hook-noop.ms]}" "${R[s$SMALL.hook-noop.ms]}")
fix_scale=$(ratio "${R[s$LARGE.first-fix.ms]}" "${R[s$SMALL.first-fix.ms]}")
helper_scale=$(ratio "${R[s$LARGE.helper-noop.ms]}" "${R[s$SMALL.helper-noop.ms]}")
status_scale=$(ratio "${R[s$LARGE.status.ms]}" "${R[s$SMALL.status.ms]}")
noop_mib=$(kib2mib "${R[noop_hook_rss]}")
chg_mib=$(kib2mib "${R[chg_rss]}")
fix_small_mib=$(kib2mib "${R[s$SMALL.first-fix.rss]}")
fix_large_mib=$(kib2mib "${R[s$LARGE.first-fix.rss]}")

report() {
    cat <<EOT
Figures are median (min-max) of $RUNS samples unless noted; ratios are of medians.

| measure | nm-metric-fix | reference | ratio | target | |
| --- | ---: | ---: | ---: | --- | --- |
| no-op: hook + fast path + all they spawn (subreaper) | ${R[noop_hook]} ms | peer, same way: ${R[noop_peer]} ms | $noop_ratio | <= 0.05 | $(verdict "$noop_ratio" 0.05) |
| no-op: peak RSS of the hook's process tree (max) | $noop_mib MiB (${R[noop_hook_procs]} processes) | peer $(kib2mib "${R[noop_peer_rss]}") MiB | | <= 2 MiB | $(verdict "$noop_mib" 2) |
| no-op: the full helper's \`--fix\` alone (reference) | ${R[noop_fix]} ms | peer ${R[noop_peer]} ms | $fixnoop_ratio | | |
| changing run: hook -> fast path -> full \`--fix\` (7 samples), peak RSS (max) | ${R[chg]} ms, $chg_mib MiB | \`--version\` $(kib2mib "${R[rss_version]}") MiB | | <= 12 MiB | $(verdict "$chg_mib" 12) |
| eth1's default route appears -> eth1 owns the default route | ${R[own]} ms | bare \`nmcli device reapply\`: ${R[floor]} ms | $own_ratio | <= 1.5 | $(verdict "$own_ratio" 1.5) |
| \`nmcli connection up lan\` -> eth1 owns (eth1's route appears after ${R[act]} ms) | ${R[conv]} ms | same floor | $conv_ratio | (reference) | |
| wrong default route while nat re-activates (max) | ${R[win_ms]} ms | | | 0 ms | $(verdict "${R[win_ms]}" 0) |
| hook no-op, $LARGE vs $SMALL uplinks (labs side by side) | ${R[s$LARGE.hook-noop]} ms | ${R[s$SMALL.hook-noop]} ms | $hook_scale | <= 3 | $(verdict "$hook_scale" 3) |
| first \`--fix\` (all reapplied), $LARGE vs $SMALL uplinks (side by side) | ${R[s$LARGE.first-fix]} ms | ${R[s$SMALL.first-fix]} ms | $fix_scale | <= 3 | $(verdict "$fix_scale" 3) |
| full helper no-op \`--fix\`, $LARGE vs $SMALL uplinks (reference) | ${R[s$LARGE.helper-noop]} ms | ${R[s$SMALL.helper-noop]} ms | $helper_scale | | |
| \`--status\`, $LARGE vs $SMALL uplinks (reference) | ${R[s$LARGE.status]} ms | ${R[s$SMALL.status]} ms | $status_scale | | |
| CPU time during the first \`--fix\` (median), $LARGE vs $SMALL uplinks (reference): nm-metric-fix; NetworkManager | ${R[s$LARGE.first-fix.cpu]} ms; ${R[s$LARGE.nmcpu]} ms | ${R[s$SMALL.first-fix.cpu]} ms; ${R[s$SMALL.nmcpu]} ms | | | |
| peak RSS of the first \`--fix\`, $SMALL / $LARGE uplinks (max) | $fix_small_mib / $fix_large_mib MiB | | | <= 12 MiB ($SMALL) | $(verdict "$fix_small_mib" 12) |

Load average (1/5/15 min) at the start: $LOAD_START; at the end: $LOAD_END.
EOT
}

commit=$(git -C "$SRCDIR" describe --always --dirty 2>/dev/null || echo "an unknown commit")
commit="commit $commit, $RUN_START-$(date -u +%H:%M) UTC, load average (1/5/15 min) $LOAD_START at the start"
machine="$(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r), NetworkManager $(NetworkManager --version 2>/dev/null)"
report
if [ -n "$OUT" ]; then
    {
        echo "# nm-metric-fix benchmark results"
        echo
        echo "Measured by \`bench/run-bench.sh\` on $(date -u +%Y-%m-%d) ($machine), build $(basename "$BUILD_DIR") of $commit"
        echo "($(meson introspect "$BUILD_DIR" --buildoptions 2>/dev/null | python3 -c 'import json,sys; o={x["name"]: x["value"] for x in json.load(sys.stdin)}; print("buildtype=%s, b_sanitize=%s" % (o.get("buildtype"), o.get("b_sanitize")))' 2>/dev/null)),"
        echo "all figures from one run, in the namespace lab (real NetworkManager, private bus)."
        echo
        report
        echo
        cat <<'NOTES'
How each figure is measured (details in the header of bench/run-bench.sh):

- Rounds are interleaved: each round measures the product and its reference
  one after the other, so load on the shared machine hits both alike.
- The no-op and the changing run are timed by bench/subreap.c inside the guest:
  a child subreaper (prctl PR_SET_CHILD_SUBREAPER) that starts the command,
  waits for it and for every process it spawned, detached ones included, and
  reports the wall time until the last one exited and the largest peak RSS
  among them (getrusage RUSAGE_CHILDREN). The hook and the peer are run the way
  nm-dispatcher runs them (`IFACE ACTION` as arguments).
- Convergence and the window come from `ip -4 -ts monitor route` in the guest:
  eth1 "owns" the default route when it alone holds the lowest metric in main.
  "Appears -> owns" is, per round, the time eth1 owned the default route minus
  the time its default route first appeared.
- The scale labs are built first and both stay up while they are measured in
  alternating rounds (2, 64, 2, 64, ...); the first --fix of each round follows
  a --revert, which brings back NetworkManager's activation-order metrics.
  Their extra uplinks are static; every gateway answers ARP with a MAC of its
  kind (libvirt bridge or router vendor), as in the field.
- CPU time of the first --fix: the helper's user and system time with its
  threads (nmf-subreap), and NetworkManager's over the same --fix from
  /proc/PID/stat (in clock ticks of 10 ms).
- Peak RSS includes the shared libraries' resident pages.
NOTES
    } >"$OUT"
    say "written to $OUT"
fi
