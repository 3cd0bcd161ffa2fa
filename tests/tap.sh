# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# tap.sh - the one TAP library of the shell tests (packaging, integration,
# valgrind); sourced, not run.  Numbered results, diagnostics, the plan check,
# and cleanups that run when a test bails out or fails.
#
#   tap_plan N                         print "1..N" up front (optional)
#   tap_ok / tap_fail DESCRIPTION      record a result decided by the caller
#   result DESCRIPTION REASON          ok when REASON is empty, else not ok + REASON
#   tap_check DESCRIPTION COMMAND...   ok if COMMAND succeeds
#   tap_skip DESCRIPTION REASON        "ok N - DESCRIPTION # SKIP REASON"
#   tap_skip_all REASON                "1..0 # SKIP REASON", exit 0
#   add_why TEXT                       append to the failure reason being built in WHY
#   diag TEXT... / tap_diag            "# "-prefixed lines, from arguments / stdin
#   tap_on_failure COMMAND...          run COMMAND (last added first) on bail-out or failure
#   tap_bail / bail MESSAGE            "Bail out! MESSAGE", the cleanups, exit 1
#   tap_finish [N]                     the plan check (N: planned count, else printed
#                                      now), the cleanups on failure, exit 0 or 1

TAP_N=0
TAP_FAILED=0
TAP_PLANNED=
TAP_CLEANUPS=()
WHY=

tap_plan() {
    TAP_PLANNED=$1
    echo "1..$1"
}

tap_ok() {
    TAP_N=$((TAP_N + 1))
    echo "ok $TAP_N - $*"
}

tap_fail() {
    TAP_N=$((TAP_N + 1))
    TAP_FAILED=$((TAP_FAILED + 1))
    echo "not ok $TAP_N - $*"
}

tap_skip() {
    TAP_N=$((TAP_N + 1))
    echo "ok $TAP_N - $1 # SKIP $2"
}

tap_check() {
    local desc=$1
    shift
    if "$@"; then
        tap_ok "$desc"
    else
        tap_fail "$desc"
    fi
}

tap_diag() {
    sed 's/^/# /'
}

diag() {
    local line
    while IFS= read -r line; do
        printf '# %s\n' "$line"
    done <<<"$*"
}

# result DESC REASON: one numbered subtest; an empty REASON means ok.
result() {
    if [ -z "$2" ]; then
        tap_ok "$1"
    else
        tap_fail "$1"
        diag "$2"
    fi
}

add_why() {
    WHY="$WHY${WHY:+; }$*"
}

tap_skip_all() {
    echo "1..0 # SKIP $*"
    exit 0
}

tap_on_failure() {
    TAP_CLEANUPS+=("$*")
}

tap__cleanup() {
    local i
    for ((i = ${#TAP_CLEANUPS[@]} - 1; i >= 0; i--)); do
        eval "${TAP_CLEANUPS[i]}"
    done
}

tap_bail() {
    echo "Bail out! $*"
    tap__cleanup
    exit 1
}

bail() {
    tap_bail "$@"
}

tap_finish() {
    local planned=${1:-$TAP_PLANNED}
    if [ -z "$planned" ]; then
        echo "1..$TAP_N"
    elif [ "$planned" != "$TAP_N" ]; then
        echo "Bail out! ran $TAP_N subtests, planned $planned"
        tap__cleanup
        exit 1
    fi
    if [ "$TAP_FAILED" -ne 0 ]; then
        tap__cleanup
        exit 1
    fi
    exit 0
}
