#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Bad input and local users (issue 13), against the real NetworkManager: every
# refusal exits with its status, names the file or the reason, and leaves the
# profiles, applied connections, routes and rules exactly as they were
# (lab_state_snapshot before and after).  The lab starts in the seed's broken
# state (NAT link activated first) so that any run that did act would show.
# TAP output.
#
# usage: test-refusals.sh BUILD_DIR

set -u

HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lab/lab.sh
. "$HERE/../lab/lab.sh"
# shellcheck source-path=SCRIPTDIR source=../lab/lab-tap.sh
. "$HERE/../lab/lab-tap.sh"

NTESTS=11
CONF=/usr/local/etc/nm-metric-fix.conf # the lab build's default file

tap_setup "${1:-}" gdbus timeout

echo "1..$NTESTS"

lab_init nmfRef || bail "lab_init failed"
stage_product
lab_topology || bail "lab_topology failed"
lab_start_nm "$STAGE" || bail "lab_start_nm (with the product) failed"
# No dispatcher hook: only the runs of this test may act.
lab_hooks_disable
lab_add_profiles || bail "lab_add_profiles failed"
lab_guest nmcli connection up nat >/dev/null || bail "up nat failed"
lab_guest nmcli connection up lan >/dev/null || bail "up lan failed"
lab_wait_for 10 lab_default_dev_is eth0 || bail "eth0 does not own the default route"
# The kernel adds the links' IPv6 link-local addresses (and their local routes) on its
# own, a moment after the links come up: the snapshot is taken once they are there.
# shellcheck disable=SC2317 # runs through lab_wait_for
link_local_settled() {
    [ -n "$(lab_ns guest ip -6 addr show dev eth0 scope link)" ] &&
        [ -n "$(lab_ns guest ip -6 addr show dev eth1 scope link)" ] && lab_ipv6_settled
}
lab_wait_for 10 link_local_settled || bail "the guest's IPv6 link-local addresses did not settle"
BEFORE=$(lab_state_snapshot) || bail "lab_state_snapshot failed"

unchanged() {
    local after
    after=$(lab_state_snapshot) || { add_why "lab_state_snapshot failed"; return; }
    [ "$after" = "$BEFORE" ] || add_why "the state changed: $(diff <(printf '%s\n' "$BEFORE") <(printf '%s\n' "$after") | head -n 8)"
}

# expect_refusal STATUS TEXT: the last nmf run exited STATUS and said TEXT.
expect_refusal() {
    [ "$NMF_RC" = "$1" ] || add_why "exit $NMF_RC, expected $1"
    [[ $NMF_ERR == *"$2"* ]] || add_why "message lacks '$2'"
}

# 1. A configuration another user can write is not trusted by root.
WHY=
printf '[rule e]\nmatch-interface=eth0\naction=prefer\n' | lab_guest_write "$CONF"
lab_guest chmod 0666 "$CONF"
nmf --fix
expect_refusal 2 "$CONF: refused: writable by others (mode 0666)"
unchanged
result "a world-writable configuration: --fix exits 2 naming the file, nothing changed" "$WHY"

WHY=
lab_guest chmod 0644 "$CONF"
lab_guest chown 65534 "$CONF"
nmf --fix
expect_refusal 2 "$CONF: refused: owned by uid 65534, not by root"
nmf --status
expect_refusal 2 "owned by uid 65534"
unchanged
lab_guest rm -f "$CONF"
result "a configuration owned by another user: --fix and --status (root) exit 2, nothing changed" "$WHY"

# 2. A FIFO must not block (the hook holds the lock while the helper runs), a
#    device never ends, and a huge file is not read whole.
WHY=
lab_guest mkfifo -m 0644 "$CONF"
t0=$(lab__now_us)
lab_guest timeout 10 "$NMF" --fix >"$LAB_DIR/nmf.out" 2>"$LAB_DIR/nmf.err"
NMF_RC=$? NMF_ERR=$(cat "$LAB_DIR/nmf.err")
diag "FIFO: exit $NMF_RC after $(lab_elapsed_ms "$t0") ms: $NMF_ERR"
expect_refusal 2 "$CONF: refused: not a regular file"
lab_guest rm -f "$CONF"
nmf --fix --config /dev/zero
expect_refusal 2 "/dev/zero: refused: not a regular file"
lab_guest sh -c "head -c 2000000 /dev/zero | tr '\\0' '#' >$CONF"
nmf --fix
expect_refusal 2 "more than"
lab_guest rm -f "$CONF"
unchanged
result "a FIFO, /dev/zero and a 2 MB file are refused at once with exit 2, nothing changed" "$WHY"

# 3. A syntax error on a line that starts with '=' carries FILE:LINE.
WHY=
printf '[main]\n=== not a key file line ===\n' | lab_guest_write "$CONF"
nmf --fix
expect_refusal 2 "$CONF:2: a key needs a name before '='"
lab_guest rm -f "$CONF"
unchanged
result "a line starting with '=' is reported as FILE:2, exit 2, nothing changed" "$WHY"

# 4. Names with control characters never reach the terminal raw.
WHY=
lab_guest nmcli connection modify lan connection.id $'lan\neth9  forged\e]0;owned\a' ||
    add_why "renaming the connection failed"
nmf --status
[[ $NMF_OUT == *$'\e'* || $NMF_OUT == *$'\a'* ]] && add_why "ESC or BEL reached the output"
[[ $NMF_OUT == *'lan\x0aeth9  forged\x1b]0;owned\x07'* ]] || add_why "the name is not shown escaped"
grep -q '^eth9 ' <<<"$NMF_OUT" && add_why "a forged row starts with eth9"
nmf --status --json
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert any(i["connection"] == "lan\neth9  forged\x1b]0;owned\x07" for i in d["interfaces"])' "$NMF_OUT" ||
    add_why "--json does not carry the exact name"
lab_guest nmcli connection modify $'lan\neth9  forged\e]0;owned\a' connection.id lan ||
    add_why "renaming the connection back failed"
result "--status escapes control characters in names; --json keeps them exact" "$WHY"
BEFORE=$(lab_state_snapshot) || bail "lab_state_snapshot failed"

# 5. --check and --observe need a unicast peer that is not this host.
WHY=
for target in :: 0.0.0.0 127.0.0.1 255.255.255.255 224.0.0.1 ff02::1; do
    nmf --check "$target"
    expect_refusal 2 "'$target' is not a unicast peer address"
done
nmf --observe 127.0.0.1
expect_refusal 2 "'127.0.0.1' is not a unicast peer address (a loopback address)"
nmf --check "$LAB_GUEST_LAN_ADDR"
expect_refusal 2 "'$LAB_GUEST_LAN_ADDR' is an address of this host (on eth1)"
nmf --observe "$LAB_GUEST_LAN_ADDR" --seconds 1
expect_refusal 2 "is an address of this host"
unchanged
result "--check/--observe refuse ::, 0.0.0.0, loopback, broadcast, multicast and own addresses (exit 2)" "$WHY"

# 6. --seconds is 1-3600, strictly.
WHY=
for n in 0 -1 3601; do
    nmf --observe "$LAB_REMOTE_ADDR" --seconds "$n"
    expect_refusal 2 "--seconds N goes with --observe, 1 <= N <= 3600"
done
result "--seconds 0, -1 and 3601 exit 2" "$WHY"

# 7. NetworkManager hangs after the helper has connected, while it reads the
#    applied connections: exit 8, like a hang at connect.
WHY=
if command -v gdb >/dev/null 2>&1; then
    t0=$(lab__now_us)
    # shellcheck disable=SC2016 # $NM_PID is gdb's, given on its command line
    # LeakSanitizer cannot run under ptrace: without this an ASan build ends in its error.
    lab_guest env "ASAN_OPTIONS=${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}detect_leaks=0" \
        timeout 120 gdb -q -batch -return-child-result \
        -ex 'set breakpoint pending on' -ex 'break nm_device_get_applied_connection_async' \
        -ex run -ex "shell kill -STOP $LAB_NM_PID" -ex 'delete' -ex continue \
        --args "$NMF" --status >"$LAB_DIR/gdb.out" 2>&1
    rc=$?
    kill -CONT "$LAB_NM_PID" 2>/dev/null
    diag "hung mid-run: exit $rc after $(lab_elapsed_ms "$t0") ms; $(grep -a 'nm-metric-fix' "$LAB_DIR/gdb.out" | tail -n 2)"
    [ "$rc" = 8 ] || add_why "exit $rc, expected 8"
    grep -aq 'did not answer within' "$LAB_DIR/gdb.out" || add_why "no 'did not answer' message"
    lab_wait_for 10 lab_nm_ready || add_why "NetworkManager did not recover after SIGCONT"
else
    add_why "gdb is not installed"
fi
result "NetworkManager hung mid-run (after connecting): --status exits 8 with a clear message" "$WHY"

# 8. --check with a configuration that cannot be used stops like every mode.
WHY=
printf '[main]\nmode=sideways\n' | lab_guest_write "$CONF"
nmf --check "$LAB_REMOTE_ADDR"
expect_refusal 2 "$CONF:2: mode must be 'metric' or 'policy'"
lab_guest rm -f "$CONF"
unchanged
result "--check with an unparsable configuration exits 2 like --fix and --status" "$WHY"

# Controls: the same runs act when nothing is wrong, so the refusals above
# are not the lab failing.
WHY=
nmf --check "$LAB_REMOTE_ADDR"
[ "$NMF_RC" = 5 ] || add_why "--check exit $NMF_RC, expected 5 (the seed's asymmetry)"
nmf --observe "$LAB_REMOTE_ADDR" --seconds 1
[ "$NMF_RC" = 5 ] || [ "$NMF_RC" = 0 ] || add_why "--observe --seconds 1 exit $NMF_RC"
result "control: --check and --observe run on a valid peer" "$WHY"

WHY=
printf '[main]\nmetric-base=100\n' | lab_guest_write "$CONF"
lab_guest chmod 0644 "$CONF"
nmf --fix
[ "$NMF_RC" = 0 ] || add_why "--fix with a root-owned 0644 configuration: exit $NMF_RC"
lab_wait_for 10 lab_default_dev_is eth1 || add_why "eth1 does not own the default route after --fix"
result "control: a root-owned 0644 configuration is read and --fix acts" "$WHY"

tap_finish "$NTESTS"
