# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# lab-tap.sh - the TAP plumbing every lab test shares: the BUILD_DIR argument,
# the checks that skip without root or network namespaces, numbered results,
# and running the staged helper in the guest.  Source it after lab.sh.
#
# Globals: BUILD_DIR (absolute), NUM (subtests so far), FAILED, WHY (the
# failure reason being built by add_why), STAGE (after stage_product),
# NMF_RC/NMF_OUT/NMF_ERR (after nmf).

NUM=0
FAILED=0
WHY=
NMF=${NMF:-/usr/local/bin/nm-metric-fix}   # where the lab installs the helper

# tap_setup SCRIPT-ARG1 [COMMAND...]: take the build directory from the first
# argument; skip (1..0 # SKIP) without root or network namespaces; bail out
# when the lab's tools or one of the COMMANDs are missing.
tap_setup() {
    local build=${1:-} tool
    shift
    if [ -z "$build" ] || [ ! -d "$build" ]; then
        echo "Bail out! usage: $(basename "$0") BUILD_DIR (got '$build')"
        exit 1
    fi
    BUILD_DIR=$(readlink -f "$build")
    if [ "$(id -u)" != 0 ]; then
        echo "1..0 # SKIP needs root (network namespaces, mounts)"
        exit 0
    fi
    if ! unshare --net true 2>/dev/null || ! command -v ip >/dev/null 2>&1; then
        echo "1..0 # SKIP no network namespace support"
        exit 0
    fi
    for tool in meson "$@"; do
        if ! command -v "$tool" >/dev/null 2>&1; then
            echo "Bail out! missing tool $tool"
            exit 1
        fi
    done
    if ! lab_check_requirements; then
        echo "Bail out! missing lab tools (see tests/lab/README.md)"
        exit 1
    fi
}

diag() {
    local line
    while IFS= read -r line; do
        printf '# %s\n' "$line"
    done <<<"$*"
}

# result DESC REASON: one numbered subtest; an empty REASON means ok.
result() {
    NUM=$((NUM + 1))
    if [ -z "$2" ]; then
        printf 'ok %s - %s\n' "$NUM" "$1"
    else
        printf 'not ok %s - %s\n' "$NUM" "$1"
        diag "$2"
        FAILED=$((FAILED + 1))
    fi
}

# add_why TEXT: append to the failure reason being built in WHY.
add_why() {
    WHY="$WHY${WHY:+; }$*"
}

bail() {
    echo "Bail out! $*"
    lab_dump
    exit 1
}

# tap_finish NTESTS: the plan check and the exit status.
tap_finish() {
    if [ "$NUM" != "$1" ]; then
        echo "Bail out! ran $NUM subtests, planned $1"
        exit 1
    fi
    [ "$FAILED" = 0 ] || { lab_dump; exit 1; }
    exit 0
}

# stage_product: `meson install` the build into $LAB_DIR/stage (STAGE).
stage_product() {
    lab_stage "$BUILD_DIR" || bail "staging $BUILD_DIR failed"
    STAGE=$LAB_STAGE
    [ -e "$STAGE/etc/NetworkManager/dispatcher.d/90-nm-metric-fix" ] ||
        bail "stage has no etc/NetworkManager/dispatcher.d/90-nm-metric-fix"
}

# nmf ARGS...: run the staged helper in the guest; sets NMF_RC, NMF_OUT, NMF_ERR.
nmf() {
    lab_guest "$NMF" "$@" >"$LAB_DIR/nmf.out" 2>"$LAB_DIR/nmf.err"
    NMF_RC=$?
    NMF_OUT=$(tr -d '\0' <"$LAB_DIR/nmf.out")
    NMF_ERR=$(tr -d '\0' <"$LAB_DIR/nmf.err")
    diag "\$ nm-metric-fix $* -> exit $NMF_RC"
    [ -z "$NMF_OUT" ] || diag "$(sed 's/^/  /' "$LAB_DIR/nmf.out" | cat -v)"
    [ -z "$NMF_ERR" ] || diag "$(sed 's/^/  /' "$LAB_DIR/nmf.err" | cat -v)"
}

# last_line TEXT: its last non-empty line (the --status verdict).
last_line() {
    printf '%s\n' "$1" | awk 'NF { l = $0 } END { print l }'
}
