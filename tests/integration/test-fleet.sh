#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Functions below run through lab_wait_for:
# shellcheck disable=SC2317
#
# Running nm-metric-fix on a fleet, against the real NetworkManager in the namespace
# lab: the status timer's command (nm-metric-fix-textfile) and the real `promtool
# check metrics` on what it writes, healthy, broken and with NetworkManager down;
# the rename that keeps a reader from ever seeing half a file; the log lines in the
# journal (a stand-in for journald's socket in the guest's mount namespace,
# tests/lab/journal-standin.py), also from a fix the dispatcher runs in the
# background; and contrib/ansible/check-nm-metric-fix.yml run by Debian's
# ansible-core inside the guest's namespaces (local connection).  TAP output.
#
# usage: test-fleet.sh BUILD_DIR
#
#  1  broken: the file says wrong-owner, eth0 owns, eth1 should; promtool accepts it
#  2  the script writes it as root without any capability, as the unit runs it
#  3  broken: the playbook fails the guest, naming verdict, owner and intended owner
#  4  broken, --check with nm_metric_fix_apply: a dry run, nothing changes
#  5  a dispatcher-run fix reaches the journal as nm-metric-fix (helper in the
#     background), with priorities; stderr (not the journal) keeps its lines
#  6  healthy: the file says ok, eth1 owns; promtool accepts it
#  7  healthy: the playbook passes
#  8  a reader looping on the file while it is rewritten never sees part of one
#  9  stderr the journal's stream (JOURNAL_STREAM, or a socket): the line only in the journal;
#     other stderr: "<3>" line; a terminal: the line as it always was
# 10  NetworkManager down: nm_metric_fix_status_success 0, exit code 8, nothing
#     stale; promtool accepts it; the error is in the journal with priority 3
# 11  the hook's own lines in the journal: a failed full run (NetworkManager down)
#     retried, then its success once NetworkManager is back
#
# Needs root, python3, promtool (Debian: prometheus) and ansible-playbook (Debian:
# ansible-core); prints "1..0 # SKIP" without root.  LAB_KEEP=1 keeps the lab.

set -u

HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../lab/lab.sh
. "$HERE/../lab/lab.sh"
# shellcheck source-path=SCRIPTDIR source=../lab/lab-tap.sh
. "$HERE/../lab/lab-tap.sh"
# shellcheck source-path=SCRIPTDIR source=../lab/lab-control.sh
. "$HERE/../lab/lab-control.sh"

NTESTS=11
TEXTFILE=/usr/local/libexec/nm-metric-fix-textfile
PLAYBOOK=$SRC/contrib/ansible/check-nm-metric-fix.yml
JOURNAL_SOCKET=/run/systemd/journal/socket

tap_setup "${1:-}" python3 promtool ansible-playbook script setpriv

lab_init fleet || bail "lab_init failed"
stage_product
lab_topology || bail "lab_topology failed"
lab_start_nm "$STAGE" || bail "lab_start_nm failed"
lab_add_profiles || bail "lab_add_profiles failed"

PROM_DIR=$LAB_DIR/textfile
PROM=$PROM_DIR/nm-metric-fix.prom
RECORDS=$LAB_DIR/journal.jsonl
mkdir -p "$PROM_DIR" || bail "mkdir $PROM_DIR failed"

# The stand-in for journald, bound in the guest's private /run.
lab__run_bg journal-standin "$LAB_DIR/journal-standin.log" \
    nsenter -t "$LAB_GUEST_PID" -n -m -u -- /usr/bin/python3 "$SRC/tests/lab/journal-standin.py" \
    "$JOURNAL_SOCKET" "$RECORDS"
lab_wait_for 10 lab_guest test -S "$JOURNAL_SOCKET" || bail "the journal stand-in did not bind $JOURNAL_SOCKET"

# records PYTHON-CONDITION: the number of recorded journal entries `r` (a dict) for
# which the condition holds.
records() {
    python3 - "$RECORDS" "$1" <<'EOF'
import json, sys
cond = sys.argv[2]
n = 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    if eval(cond):
        n += 1
print(n)
EOF
}
has_record() { [ "$(records "$1")" -gt 0 ]; }
ours='r.get("SYSLOG_IDENTIFIER") == "nm-metric-fix"'

# write_textfile [ENV...]: the service's command in the guest, as the unit runs it
# (NMF_TEXTFILE_DIR from the environment); sets RC, ERR and TEXT (the file).
write_textfile() {
    ERR=$(lab_guest env NMF_TEXTFILE_DIR="$PROM_DIR" "$@" "$TEXTFILE" 2>&1 >/dev/null)
    RC=$?
    TEXT=$(cat "$PROM" 2>/dev/null)
}

# check_textfile WHY-VAR LINE...: promtool accepts the file, which has every LINE,
# and no temporary file is left in the directory.
check_textfile() {
    local -n w=$1
    local line lint left
    shift
    [ "$RC" = 0 ] || w="$w${w:+; }nm-metric-fix-textfile exit $RC: $ERR"
    lint=$(promtool check metrics <"$PROM" 2>&1) || w="$w${w:+; }promtool check metrics: $lint"
    for line in "$@"; do
        grep -qxF "$line" <<<"$TEXT" || w="$w${w:+; }no line '$line'"
    done
    left=$(find "$PROM_DIR" -mindepth 1 ! -name nm-metric-fix.prom)
    [ -z "$left" ] || w="$w${w:+; }left behind: $left"
    [ "$(stat -c %a "$PROM")" = 644 ] || w="$w${w:+; }mode $(stat -c %a "$PROM"), not 644 (node_exporter reads it)"
}

# playbook ARGS...: the fleet playbook against the guest, inside its namespaces;
# sets RC and OUT.
playbook() {
    mkdir -p "$LAB_DIR/ansible"
    # Ansible refuses a locale that is not UTF-8 (lab_guest sets LC_ALL=C).
    OUT=$(lab_guest env LC_ALL=C.UTF-8 HOME="$LAB_DIR/ansible" ANSIBLE_LOCAL_TEMP="$LAB_DIR/ansible/tmp" \
        ANSIBLE_REMOTE_TEMP="$LAB_DIR/ansible/tmp" ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 \
        ANSIBLE_RETRY_FILES_ENABLED=0 \
        ansible-playbook -i lab-guest, -c local -e ansible_python_interpreter=/usr/bin/python3 \
        -e nm_metric_fix_command="$NMF" "$PLAYBOOK" "$@" 2>&1)
    RC=$?
}

echo "1..$NTESTS"

# ---------------------------------------------------------------------------
# Broken: no hook yet, NAT activated first, so eth0 owns the default route.

lab_hooks_disable || bail "cannot take the hooks out"
lab_up nat || bail "nmcli connection up nat failed"
lab_up lan || bail "nmcli connection up lan failed"
lab_wait_for 10 lab_default_dev_is eth0 || bail "default route on '$(lab_default_dev)', expected eth0"

why=
write_textfile
diag "broken: $PROM:
$TEXT"
check_textfile why 'nm_metric_fix_verdict{verdict="wrong-owner"} 1' 'nm_metric_fix_verdict{verdict="ok"} 0' \
    'nm_metric_fix_default_route_owner_info{family="ipv4",interface="eth0"} 1' \
    'nm_metric_fix_default_route_intended_owner_info{family="ipv4",interface="eth1"} 1' \
    'nm_metric_fix_warnings 0' 'nm_metric_fix_status_success 1' 'nm_metric_fix_status_exit_code 3'
result "broken: the textfile says wrong-owner, owner eth0, intended eth1; promtool accepts it" "$why"

why=
rm -f "$PROM"
write_textfile setpriv --inh-caps=-all --bounding-set=-all --
check_textfile why 'nm_metric_fix_verdict{verdict="wrong-owner"} 1' 'nm_metric_fix_status_success 1'
result "the status timer's command works as root without capabilities (CapabilityBoundingSet= empty)" "$why"

why=
playbook
diag "ansible-playbook (broken) exit $RC:
$OUT"
[ "$RC" != 0 ] || why="exit 0 on a broken guest"
grep -qF '"msg": "lab-guest: verdict wrong-owner, default route owner eth0 (intended eth1), warnings: none"' <<<"$OUT" ||
    why="$why${why:+; }no failure naming lab-guest, wrong-owner, eth0 and eth1"
grep -Eq '^lab-guest +: ok=[0-9]+ +changed=0 .*failed=1 ' <<<"$OUT" || why="$why${why:+; }recap does not say failed=1"
result "broken: the playbook fails the guest and names its verdict, the owner and the intended owner" "$why"

why=
playbook --check -e nm_metric_fix_apply=true
diag "ansible-playbook --check -e nm_metric_fix_apply=true exit $RC:
$OUT"
[ "$RC" = 0 ] || why="exit $RC"
grep -qF 'TASK [Fix the unhealthy hosts (a dry run in check mode)]' <<<"$OUT" &&
    grep -A1 -F 'TASK [Fix the unhealthy hosts' <<<"$OUT" | grep -q '^changed: \[lab-guest\]' ||
    why="$why${why:+; }the fix task did not run"
grep -q 'nm-metric-fix\[[0-9]*\]: dry run: ' <<<"$OUT" || why="$why${why:+; }no dry-run summary shown"
[ "$(lab_default_dev)" = eth0 ] || why="$why${why:+; }default route moved to '$(lab_default_dev)' in check mode"
result "broken, --check with nm_metric_fix_apply=true: --fix --dry-run only, eth0 still owns" "$why"

# ---------------------------------------------------------------------------
# The hook fixes it: nm-dispatcher runs it, it runs the helper in the background.

why=
lab_hooks_enable || bail "cannot put the hooks back"
before=$(records "$ours")
lab_up lan || bail "re-activating lan failed"
lab_wait_for 30 lab_default_dev_is eth1 || bail "default route still on '$(lab_default_dev)' 30 s after the event"
change=$(lab_change_line eth1)
helper_line() { has_record "$ours and r.get(\"NM_METRIC_FIX_PROGRAM\") == \"nm-metric-fix\" and r[\"MESSAGE\"].startswith(\"$1\")"; }
lab_wait_for 10 helper_line "$change" || why="no journal record '$change...' from the helper"
helper_line "run for dispatcher event eth1:" || why="$why${why:+; }no journal record 'run for dispatcher event eth1:...'"
has_record "$ours and r[\"MESSAGE\"].startswith(\"run for dispatcher event\") and r[\"PRIORITY\"] == \"6\" and int(r[\"SYSLOG_PID\"]) > 0" ||
    why="$why${why:+; }the run's record lacks PRIORITY=6 or SYSLOG_PID"
[ "$(records '"_INVALID" in r')" = 0 ] || why="$why${why:+; }datagrams the stand-in could not parse: $(records '"_INVALID" in r')"
[ "$(records "$ours")" -gt "$before" ] || why="$why${why:+; }no new record"
grep -q '^<6>nm-metric-fix\[[0-9]*\]: run for dispatcher event eth1:' "$LAB_DIR/dispatcher.log" ||
    why="$why${why:+; }dispatcher.log (a file, not the journal) lost the helper's line"
diag "journal records of nm-metric-fix:
$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r.get("SYSLOG_IDENTIFIER") == "nm-metric-fix": print(r.get("PRIORITY"), r.get("NM_METRIC_FIX_PROGRAM"), r.get("MESSAGE"))' "$RECORDS")"
result "a dispatcher-run fix is in the journal under nm-metric-fix (SYSLOG_IDENTIFIER, PRIORITY, SYSLOG_PID)" "$why"
lab_wait_for 30 labx_quiet || diag "hook/helper not idle after 30 s"

# ---------------------------------------------------------------------------
# Healthy.

why=
write_textfile
diag "healthy: $PROM:
$TEXT"
check_textfile why 'nm_metric_fix_verdict{verdict="ok"} 1' 'nm_metric_fix_verdict{verdict="wrong-owner"} 0' \
    'nm_metric_fix_default_route_owner_info{family="ipv4",interface="eth1"} 1' \
    'nm_metric_fix_default_route_intended{family="ipv4"} 1' \
    'nm_metric_fix_status_success 1' 'nm_metric_fix_status_exit_code 0'
result "healthy: the textfile says ok, owner eth1; promtool accepts it" "$why"

why=
playbook
diag "ansible-playbook (healthy) exit $RC:
$OUT"
[ "$RC" = 0 ] || why="exit $RC"
grep -qF '"msg": "lab-guest: verdict ok, default route owner eth1 (intended eth1), warnings: none"' <<<"$OUT" ||
    why="$why${why:+; }no line naming lab-guest, ok, eth1"
grep -Eq '^lab-guest +: ok=[0-9]+ +changed=0 .*failed=0 ' <<<"$OUT" || why="$why${why:+; }recap does not say failed=0"
result "healthy: the playbook passes" "$why"

# ---------------------------------------------------------------------------
# Atomic: a reader loops on the file while the script rewrites it 15 times.

why=
python3 - "$PROM" "$LAB_DIR/reader.stop" >"$LAB_DIR/reader.out" 2>&1 <<'EOF' &
import os, sys
path, stop = sys.argv[1], sys.argv[2]
reads = bad = 0
while not os.path.exists(stop):
    with open(path) as f:
        text = f.read()
    reads += 1
    if not (text.startswith("# HELP nm_metric_fix_info ") and text.endswith("\nnm_metric_fix_status_exit_code 0\n")):
        bad += 1
        if bad <= 3:
            print("partial: %r" % text[-120:])
print("reads %d bad %d" % (reads, bad))
EOF
reader=$!
for _ in $(seq 15); do
    write_textfile
    [ "$RC" = 0 ] || why="$why${why:+; }a run exited $RC"
done
: >"$LAB_DIR/reader.stop"
wait "$reader"
reader_out=$(cat "$LAB_DIR/reader.out")
diag "reader: $reader_out"
[[ $reader_out =~ reads\ ([0-9]+)\ bad\ 0$ ]] || why="$why${why:+; }$reader_out"
[ "${BASH_REMATCH[1]:-0}" -ge 100 ] || why="$why${why:+; }only ${BASH_REMATCH[1]:-0} reads: no race to lose"
result "a reader looping on the file during 15 rewrites never sees a partial file" "$why"

# ---------------------------------------------------------------------------
# Where the lines go: journal stream, other stderr, terminal.

why=
before=$(records "$ours and r[\"MESSAGE\"] == \"Unknown option --bogus\" and r[\"PRIORITY\"] == \"3\"")
: >"$LAB_DIR/stream.err"
stream=$(stat -c '%d:%i' "$LAB_DIR/stream.err")
lab_guest env JOURNAL_STREAM="$stream" "$NMF" --bogus 2>"$LAB_DIR/stream.err"
[ ! -s "$LAB_DIR/stream.err" ] || why="stderr is the journal's stream, yet got: $(cat "$LAB_DIR/stream.err")"
err=$(lab_guest "$NMF" --bogus 2>&1 >/dev/null)
[ "$err" = '<3>nm-metric-fix: Unknown option --bogus' ] || why="$why${why:+; }stderr not a terminal: '$err'"
tty=$(lab_guest script -qec "$NMF --bogus" /dev/null | tr -d '\r')
[ "$tty" = 'nm-metric-fix: Unknown option --bogus' ] || why="$why${why:+; }on a terminal: '$tty'"
# A socket, as nm-dispatcher hands its scripts (journald's stream, JOURNAL_STREAM cleared).
sock=$(lab_guest env -u JOURNAL_STREAM python3 -c 'import socket, subprocess, sys
a, b = socket.socketpair()
subprocess.run([sys.argv[1], "--bogus"], stderr=a)
a.close()
print(repr(b.recv(4096)))' "$NMF")
[ "$sock" = "b''" ] || why="$why${why:+; }stderr a socket without JOURNAL_STREAM, yet got: $sock"
after=$(records "$ours and r[\"MESSAGE\"] == \"Unknown option --bogus\" and r[\"PRIORITY\"] == \"3\"")
[ "$after" = $((before + 4)) ] || why="$why${why:+; }$((after - before)) journal records of the 4 runs, expected 4"
result "stderr the journal's stream (JOURNAL_STREAM, or a socket): the line only in the journal; elsewhere also on stderr, as before on a terminal" "$why"

# ---------------------------------------------------------------------------
# NetworkManager down.

why=
labx_nm_stop || bail "stopping NetworkManager failed"
before=$(records "$ours and r[\"PRIORITY\"] == \"3\" and \"NetworkManager\" in r[\"MESSAGE\"]")
write_textfile
diag "NetworkManager down: $PROM:
$TEXT
stderr: $ERR"
check_textfile why 'nm_metric_fix_status_success 0' 'nm_metric_fix_status_exit_code 8'
! grep -q '^nm_metric_fix_verdict' <<<"$TEXT" || why="$why${why:+; }a verdict is left in the file"
[[ $ERR == *'<4>nm-metric-fix-textfile: nm-metric-fix --status --prometheus exit 8;'* ]] ||
    why="$why${why:+; }no warning from the script"
after=$(records "$ours and r[\"PRIORITY\"] == \"3\" and \"NetworkManager\" in r[\"MESSAGE\"]")
[ "$after" -gt "$before" ] || why="$why${why:+; }no journal record of the error (PRIORITY 3)"
result "NetworkManager down: success 0 and exit code 8, no stale verdict; promtool accepts it; the error is in the journal" "$why"

# The hook's own lines: with NetworkManager down, a full run fails and is retried;
# once NetworkManager is back the retry succeeds.
why=
hook_line() { has_record "$ours and r.get(\"NM_METRIC_FIX_PROGRAM\") == \"nm-metric-fix-hook\" and r[\"PRIORITY\"] == \"$1\" and r[\"MESSAGE\"].startswith(\"$2\")"; }
lab_guest rm -f /run/nm-metric-fix/verified || bail "cannot remove the stored digest"
lab_guest env -i PATH=/usr/local/bin:/usr/bin:/bin /etc/NetworkManager/dispatcher.d/90-nm-metric-fix eth1 up \
    >>"$LAB_DIR/hook.err" 2>&1
lab_wait_for 20 hook_line 4 "nm-metric-fix --fix exit 8 for event eth1:up; retry 1 of" ||
    why="no journal record (PRIORITY 4) of the hook's failed run"
labx_nm_start || bail "restarting NetworkManager failed"
lab_wait_for 60 hook_line 6 "nm-metric-fix --fix succeeded after" ||
    why="$why${why:+; }no journal record (PRIORITY 6) of the hook's successful retry"
grep -q '^nm-metric-fix-hook\[[0-9]*\]: nm-metric-fix --fix exit 8 for event eth1:up' "$LAB_DIR/hook.err" ||
    why="$why${why:+; }the hook's stderr (a file) lost its line: $(cat "$LAB_DIR/hook.err")"
lab_wait_for 30 labx_quiet || diag "hook/helper not idle after 30 s"
result "the hook's lines are in the journal under nm-metric-fix (a failed run retried, then its success)" "$why"

tap_finish "$NTESTS"
