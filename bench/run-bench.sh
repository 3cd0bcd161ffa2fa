#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Benchmark of nm-metric-fix in the namespace lab (real NetworkManager), all
# figures measured side by side in one run.  Not a test: it prints a table of
# figures, ratios and targets, and with -o FILE writes it as Markdown too.
#
# usage: bench/run-bench.sh [-o RESULTS.md] [-n RUNS] [-s "2 8 32 64"] BUILD_DIR
#
#   no-op     nm-metric-fix --fix vs bench/peer-nmcli-dispatcher.sh on an
#             already ranked guest: wall time (median of RUNS) and D-Bus
#             method calls (dbus-monitor on the lab bus: every method call
#             the client sends, to NetworkManager and to the bus itself, between
#             two marker calls; replies and signals are not counted)
#   converge  `nmcli connection up lan` (nat already up, bug order) to the
#             kernel's main-table default route via eth1 (from
#             `ip -4 -ts monitor route`), with the installed hook; vs the
#             floor: a bare `nmcli device reapply eth1` of a prepared metric
#             change, to its route event
#   window    re-activating nat after the first fix: time any other device
#             held the lowest default metric (target 0 ms)
#   scale     2, 8, 32, 64 uplinks (eth0 nat + eth1 lan by DHCP, the rest
#             static, 7 of 8 NAT-like): wall time and peak RSS
#             (/usr/bin/time -v) of --status, the first --fix and a no-op
#             --fix
#
# Needs root, the lab's tools, dbus-monitor (dbus-bin) and /usr/bin/time.

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

RUNS=11
SCALES="2 8 32 64"
OUT=
while getopts o:n:s: opt; do
    case "$opt" in
        o) OUT=$OPTARG ;;
        n) RUNS=$OPTARG ;;
        s) SCALES=$OPTARG ;;
        *) echo "usage: run-bench.sh [-o FILE] [-n RUNS] [-s SCALES] BUILD_DIR" >&2; exit 2 ;;
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
PEER=$HERE/peer-nmcli-dispatcher.sh
SETTLE_S=30
declare -A R   # results

say() { printf '# %s\n' "$*" >&2; }
die() { printf 'run-bench.sh: %s\n' "$*" >&2; lab_dump; exit 1; }

median() { # numbers... -> median
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
maxof() { printf '%s\n' "$@" | sort -g | tail -n 1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "n/a"; else printf "%.2f\n", a / b }'; }
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
# Lab 1: no-op, convergence, floor, window.

say "lab 1: no-op, convergence, floor, wrong-route window ($RUNS runs each)"
new_lab nmfB1
labx_hook_on
lab_guest nmcli connection up nat >/dev/null && lab_guest nmcli connection up lan >/dev/null || die "activation failed"
lab_wait_for "$SETTLE_S" default_is_eth1 || die "first fix did not happen"
wait_quiet
labx_hook_off

# --- no-op -------------------------------------------------------------------
nf=() np=()
for ((i = 0; i < RUNS; i++)); do
    nf+=("$(gtime "$HELPER" --fix)")
    np+=("$(gtime /bin/sh "$PEER" eth1 dhcp4-change)")
done
R[noop_fix_ms]=$(median "${nf[@]}")
R[noop_peer_ms]=$(median "${np[@]}")
# D-Bus counts vary by a few calls (libnm's RemoveMatch calls race the exit):
# median of 5 runs each.
fc=() fn=() pc=() pn=()
for ((i = 0; i < 5; i++)); do
    read -r a b < <(dbus_calls "$HELPER" --fix)
    fc+=("$a") fn+=("$b")
    read -r a b < <(dbus_calls /bin/sh "$PEER" eth1 dhcp4-change)
    pc+=("$a") pn+=("$b")
done
R[noop_fix_calls]=$(median "${fc[@]}") R[noop_fix_nmcalls]=$(median "${fn[@]}")
R[noop_peer_calls]=$(median "${pc[@]}") R[noop_peer_nmcalls]=$(median "${pn[@]}")
say "D-Bus calls per run: nm-metric-fix ${fc[*]}, peer ${pc[*]}"
# the fixed cost: shared libraries mapped by a run that does nothing
R[rss_version]=$(rss "$HELPER" --version)
R[rss_nmcli]=$(rss nmcli general)
lab_guest "$HELPER" --fix 2>&1 | grep -q 'no changes needed' || say "WARNING: the no-op --fix was not a no-op"
say "no-op: nm-metric-fix ${R[noop_fix_ms]} ms / ${R[noop_fix_calls]} calls (${R[noop_fix_nmcalls]} to NM); peer ${R[noop_peer_ms]} ms / ${R[noop_peer_calls]} calls (${R[noop_peer_nmcalls]} to NM); RSS of --version ${R[rss_version]} KiB"

# --- convergence: `up lan` to the default route via eth1 ----------------------
conv=() act=()
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
    conv+=("$(sed -n 's/^first_owner=//p' <<<"$tl")")
    act+=("$(sed -n 's/^first_any=//p' <<<"$tl")")
done
LABX_INITIAL_ROUTES=
R[conv_ms]=$(median "${conv[@]}")
R[conv_max_ms]=$(maxof "${conv[@]}")
R[act_ms]=$(median "${act[@]}")
say "convergence: ${conv[*]} ms (median ${R[conv_ms]}); eth1's route first appeared after ${act[*]} ms"

# --- floor: a bare reapply of a prepared change ---------------------------------
labx_hook_off
floor=()
m=100
for ((i = 0; i < RUNS; i++)); do
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
done
LABX_INITIAL_ROUTES=
# leave the profile as nm-metric-fix wrote it (100), not "set by hand"
if [ "$m" != 100 ]; then
    lab_guest nmcli connection modify lan ipv4.route-metric 100 && lab_guest nmcli device reapply eth1 >/dev/null
fi
R[floor_ms]=$(median "${floor[@]}")
R[conv_floor_act_ms]=$(awk -v a="${R[act_ms]}" -v f="${R[floor_ms]}" 'BEGIN { printf "%.1f\n", a + f }')
say "floor (bare reapply): ${floor[*]} ms (median ${R[floor_ms]})"

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
# Scale: N uplinks.

for n in $SCALES; do
    say "scale: $n uplinks"
    new_lab "nmfS$n"
    labx_hook_off
    labx_scale_uplinks "$n" || die "building $n uplinks failed"
    labx_scale_activate_bug_order "$n" || die "activating $n uplinks failed"
    wait_quiet
    st=() nf=()
    for ((i = 0; i < 5; i++)); do st+=("$(gtime "$HELPER" --status)"); done
    R[s${n}_status_ms]=$(median "${st[@]}")
    R[s${n}_status_rss]=$(rss "$HELPER" --status)
    # libnm's own cost at this size: nmcli loading the same object tree
    lc=()
    for ((i = 0; i < 5; i++)); do lc+=("$(gtime nmcli -t -f RUNNING general)"); done
    R[s${n}_nmcli_ms]=$(median "${lc[@]}")
    # the first --fix: every uplink gets a new metric
    t0=$(lab__now_us)
    out=$(lab_guest /usr/bin/time -v -o "$LAB_DIR/time-fix.txt" "$HELPER" --fix 2>&1)
    R[s${n}_fix_ms]=$(($(lab_elapsed_ms "$t0")))
    R[s${n}_fix_rss]=$(sed -n 's/.*Maximum resident set size (kbytes): *//p' "$LAB_DIR/time-fix.txt")
    R[s${n}_fix_reapplied]=$(grep -c ': reapply ' <<<"$out")
    wait_quiet
    for ((i = 0; i < 5; i++)); do nf+=("$(gtime "$HELPER" --fix)"); done
    R[s${n}_noop_ms]=$(median "${nf[@]}")
    R[s${n}_noop_rss]=$(rss "$HELPER" --fix)
    lab_guest "$HELPER" --status >/dev/null 2>&1 || say "WARNING: --status after the fix of $n uplinks exit $?"
    say "  --status ${R[s${n}_status_ms]} ms ${R[s${n}_status_rss]} KiB; first --fix ${R[s${n}_fix_ms]} ms (${R[s${n}_fix_reapplied]} reapplied) ${R[s${n}_fix_rss]} KiB; no-op --fix ${R[s${n}_noop_ms]} ms ${R[s${n}_noop_rss]} KiB"
    lab_cleanup
done

# ===========================================================================
# Report

first=${SCALES%% *}
last=${SCALES##* }
peak_rss=0
for n in $SCALES; do
    for k in status_rss fix_rss noop_rss; do
        v=${R[s${n}_$k]:-0}
        [ "$v" -gt "$peak_rss" ] && peak_rss=$v
    done
done
peak_mib=$(awk -v k="$peak_rss" 'BEGIN { printf "%.1f", k / 1024 }')

noop_ratio=$(ratio "${R[noop_fix_ms]}" "${R[noop_peer_ms]}")
calls_ratio=$(ratio "${R[noop_fix_calls]}" "${R[noop_peer_calls]}")
conv_ratio=$(ratio "${R[conv_ms]}" "${R[floor_ms]}")
conv_ratio2=$(ratio "${R[conv_ms]}" "${R[conv_floor_act_ms]}")
st_ratio=$(ratio "${R[s${last}_status_ms]}" "${R[s${first}_status_ms]}")
fix_ratio=$(ratio "${R[s${last}_fix_ms]}" "${R[s${first}_fix_ms]}")
noop_s_ratio=$(ratio "${R[s${last}_noop_ms]}" "${R[s${first}_noop_ms]}")

report() {
    cat <<EOF
| measure | nm-metric-fix | reference | ratio | target | |
| --- | ---: | ---: | ---: | --- | --- |
| no-op run, wall (median of $RUNS) | ${R[noop_fix_ms]} ms | peer ${R[noop_peer_ms]} ms | $noop_ratio | <= 0.10 | $(verdict "$noop_ratio" 0.10) |
| no-op run, D-Bus method calls, median of 5 (of them to NetworkManager) | ${R[noop_fix_calls]} (${R[noop_fix_nmcalls]}) | peer ${R[noop_peer_calls]} (${R[noop_peer_nmcalls]}) | $calls_ratio | <= 0.10 | $(verdict "$calls_ratio" 0.10) |
| convergence: \`up lan\` -> default via eth1 (median of $RUNS; max ${R[conv_max_ms]}) | ${R[conv_ms]} ms | floor: bare reapply ${R[floor_ms]} ms | $conv_ratio | <= 1.5 | $(verdict "$conv_ratio" 1.5) |
| same, against activation + reapply (eth1's route appears after ${R[act_ms]} ms) | ${R[conv_ms]} ms | ${R[conv_floor_act_ms]} ms | $conv_ratio2 | <= 1.5 | $(verdict "$conv_ratio2" 1.5) |
| wrong default route while nat re-activates (max of $RUNS) | ${R[win_ms]} ms | | | 0 ms | $(verdict "${R[win_ms]}" 0) |
| --status, $last vs $first uplinks (median of 5) | ${R[s${last}_status_ms]} ms | ${R[s${first}_status_ms]} ms | $st_ratio | <= 3 | $(verdict "$st_ratio" 3) |
| no-op --fix, $last vs $first uplinks (median of 5) | ${R[s${last}_noop_ms]} ms | ${R[s${first}_noop_ms]} ms | $noop_s_ratio | <= 3 | $(verdict "$noop_s_ratio" 3) |
| first --fix (all reapplied), $last vs $first uplinks | ${R[s${last}_fix_ms]} ms | ${R[s${first}_fix_ms]} ms | $fix_ratio | <= 3 | $(verdict "$fix_ratio" 3) |
| libnm floor: \`nmcli -t general\`, $last vs $first uplinks (median of 5) | ${R[s${last}_nmcli_ms]} ms | ${R[s${first}_nmcli_ms]} ms | $(ratio "${R[s${last}_nmcli_ms]}" "${R[s${first}_nmcli_ms]}") | (reference) | |
| peak RSS, any run | $peak_mib MiB | \`--version\` $(awk -v k="${R[rss_version]}" 'BEGIN { printf "%.1f", k / 1024 }') MiB, \`nmcli general\` $(awk -v k="${R[rss_nmcli]}" 'BEGIN { printf "%.1f", k / 1024 }') MiB | | <= 8 MiB | $(verdict "$peak_mib" 8) |

| uplinks | --status ms | --status RSS KiB | first --fix ms | reapplied | first --fix RSS KiB | no-op --fix ms | no-op RSS KiB | nmcli general ms |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
EOF
    for n in $SCALES; do
        printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$n" "${R[s${n}_status_ms]}" "${R[s${n}_status_rss]}" \
            "${R[s${n}_fix_ms]}" "${R[s${n}_fix_reapplied]}" "${R[s${n}_fix_rss]}" "${R[s${n}_noop_ms]}" "${R[s${n}_noop_rss]}" "${R[s${n}_nmcli_ms]}"
    done
}

machine="$(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r), NetworkManager $(NetworkManager --version 2>/dev/null)"
report
if [ -n "$OUT" ]; then
    {
        echo "# nm-metric-fix benchmark results"
        echo
        echo "Measured by \`bench/run-bench.sh\` on $(date -u +%Y-%m-%d) ($machine), build $(basename "$BUILD_DIR")"
        echo "($(meson introspect "$BUILD_DIR" --buildoptions 2>/dev/null | python3 -c 'import json,sys; o={x["name"]: x["value"] for x in json.load(sys.stdin)}; print("buildtype=%s, b_sanitize=%s" % (o.get("buildtype"), o.get("b_sanitize")))' 2>/dev/null)),"
        echo "all figures from one run, in the namespace lab (real NetworkManager, private bus)."
        echo
        report
        echo
        cat <<'NOTES'
How each figure is measured (details in the header of bench/run-bench.sh):

- Wall times are taken inside the guest namespace (`$EPOCHREALTIME` around
  the command), so entering the namespace is not counted.
- D-Bus calls: `dbus-monitor --system` on the lab's private bus counts every
  method call between two marker calls: the client's own (NetworkManager
  methods, and Hello/AddMatch/GetNameOwner/RemoveMatch to the bus) and the
  ones NetworkManager makes on its behalf (GetConnectionUnixUser, ...).
  Replies and signals are not counted.
- Convergence and the wrong-route window come from `ip -4 -ts monitor route`
  in the guest: the main table's IPv4 default routes are replayed, and eth1
  "owns" the default route when it alone holds the lowest metric (a tie is
  not ownership: the kernel keeps using the older route).
- The peer is bench/peer-nmcli-dispatcher.sh, run the way nm-dispatcher
  would run it (`eth1 dhcp4-change`).
- Peak RSS is `/usr/bin/time -v`'s "Maximum resident set size", which
  includes the shared libraries' resident pages.
NOTES
    } >"$OUT"
    say "written to $OUT"
fi
