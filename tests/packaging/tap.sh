# SPDX-License-Identifier: GPL-2.0-or-later
# Tiny TAP helper for the packaging tests; sourced, not run.
#
#   tap_check DESCRIPTION COMMAND...   ok if COMMAND succeeds
#   tap_ok / tap_fail DESCRIPTION      record a result decided by the caller
#   tap_skip DESCRIPTION REASON        "ok N - DESCRIPTION # SKIP REASON"
#   tap_diag                           filter: prefix stdin with "# "
#   tap_plan N                         print "1..N" up front (optional)
#   tap_finish                         print the plan if not printed; exit 1 on failures

TAP_N=0
TAP_FAILED=0
TAP_PLANNED=

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

tap_skip_all() {
    echo "1..0 # SKIP $*"
    exit 0
}

tap_bail() {
    echo "Bail out! $*"
    exit 1
}

tap_finish() {
    if [ -z "$TAP_PLANNED" ]; then
        echo "1..$TAP_N"
    elif [ "$TAP_PLANNED" != "$TAP_N" ]; then
        echo "# planned $TAP_PLANNED tests but ran $TAP_N"
        exit 1
    fi
    [ "$TAP_FAILED" -eq 0 ]
    exit $?
}

# The long options of the option table in `BINARY --help`, one per line, without
# "=ARG" (the prose below the table is not looked at).
nmf_help_options() {
    LC_ALL=C LANGUAGE='' "$1" --help |
        sed -n 's/^ \{1,\}\(-[A-Za-z0-9?], \)\{0,1\}\(--[a-z][a-z0-9-]*\).*/\2/p' |
        sort -u
}
