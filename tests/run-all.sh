#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Install what the tests need (Debian 12, as root), build, and run every suite:
# unit, packaging, fuzz, valgrind and the real-NetworkManager namespace tests;
# then build again with AddressSanitizer + UndefinedBehaviorSanitizer and run
# the unit and integration suites once more on that build (the lab stages the
# build it is given, so the helper the integration tests run is the sanitized
# one); then the integration suites once more for each upstream
# NetworkManager release of the matrix (tools/build-nm.sh builds them into
# cached prefixes, reused while their recipe is unchanged; the lab runs each
# with LAB_NM_PREFIX).  Ends with the line "N passed, N failed, N skipped"
# counted over every TAP subtest of all runs.
#
#   tests/run-all.sh                        # everything (as root)
#   NMF_SKIP_INSTALL=1 tests/run-all.sh     # dependencies are already there
#   NMF_SKIP_SANITIZE=1 tests/run-all.sh    # only the first (plain) run
#   NMF_FUZZ_SECONDS=N                      # libFuzzer budget (default 60)
#   NMF_BUILD_DIR=DIR                       # plain build dir (default build-tests);
#                                           # the sanitized one is DIR-asan
#   NMF_NM_MATRIX="1.14.0 1.40.16 1.48.10 1.54.4"  # upstream releases besides the
#                                           # system's (empty: none); tarballs from
#                                           # NMF_NM_SRC_DIR (../shared/nm-src),
#                                           # prefixes in NMF_NM_CACHE_DIR
#                                           # (/var/cache/nm-metric-fix)
#
# Two cores, measured from a fresh clone with the packages installed and no
# NetworkManager prefix cached (2026-12): the plain suites 15 min and the
# sanitized ones 11 min, while the four matrix builds ran beside them in the
# background (1.14.0 6 min, 1.40.16 6 min, 1.48.10 8.5 min, 1.54.4 5.5 min,
# all done before the sanitized suites were); then per release about 5 min of
# integration suites and 1 min of hold tests.  About 50 minutes in all, plus
# the package installation on a new machine; with the prefixes cached the
# same, as the builds no longer hold anything up.
set -euo pipefail

srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=${NMF_BUILD_DIR:-$srcdir/build-tests}
asandir=$builddir-asan
fuzz_seconds=${NMF_FUZZ_SECONDS:-60}

if [ "$(id -u)" != 0 ]; then
    echo "run-all.sh: the tests create network namespaces and install packages; run as root" >&2
    exit 2
fi

t_start=$SECONDS
phase() { printf '\n=== run-all: %s (%d s elapsed) ===\n' "$*" $((SECONDS - t_start)); }

if [ -z "${NMF_SKIP_INSTALL:-}" ]; then
    phase "installing dependencies"
    "$srcdir/tools/install-deps.sh"
fi

# setup_build DIR MESON-ARGS...: fresh build directory; the configure log is
# shown only when it fails.
setup_build() {
    local dir=$1 log
    shift
    rm -rf "$dir"
    log=$(mktemp)
    if ! meson setup "$dir" "$srcdir" -Dintegration_tests=enabled \
        -Dfuzz_seconds="$fuzz_seconds" "$@" >"$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        return 1
    fi
    rm -f "$log"
    ninja -C "$dir"
}

status=0
logs=()

# --- 0: the NetworkManager matrix builds in the background ---------------------
# The prefixes (tools/build-nm.sh, nice 10) build while the plain and sanitized
# suites run, which mostly wait on network namespaces; from scratch that hides
# most of the 10-25 minutes the builds take.  Their build dependencies are
# installed first, here, so that no two apt-get runs meet.
matrix=${NMF_NM_MATRIX-1.14.0 1.40.16 1.48.10 1.54.4}
versions=()
builds_pid=
builds_dir=
if [ -n "$matrix" ]; then
    read -r -a versions <<<"$matrix"
    phase "NetworkManager matrix: building ${versions[*]} in the background"
    if [ -z "${NMF_SKIP_INSTALL:-}" ]; then
        "$srcdir/tools/build-nm.sh" --deps || status=1
    fi
    builds_dir=$(mktemp -d)
    (
        for v in "${versions[@]}"; do
            # One at a time, so that a release that fails to build costs only its
            # own suites (its missing log counts as a failure).
            rc=0
            NMF_SKIP_INSTALL=1 "$srcdir/tools/build-nm.sh" "$v" >"$builds_dir/$v.log" 2>&1 || rc=$?
            echo "$rc" >"$builds_dir/$v.rc"
        done
    ) &
    builds_pid=$!
fi

# --- 1: everything, plain build ------------------------------------------------
phase "plain build: all suites"
if setup_build "$builddir"; then
    meson test -C "$builddir" --print-errorlogs --num-processes 2 || status=1
else
    echo "run-all.sh: configuring or building $builddir failed" >&2
    status=1
fi
logs+=("plain=$builddir/meson-logs/testlog.json")

# --- 2: unit + integration, ASan/UBSan build ----------------------------------
if [ -z "${NMF_SKIP_SANITIZE:-}" ]; then
    phase "ASan+UBSan build: unit and integration suites"
    # Every sanitizer report is fatal (abort: the test sees a signal, not just a
    # message).  LeakSanitizer suppressions, if any, are one-time allocations in
    # GLib/libnm/D-Bus only; never for src/.
    lsan_supp=$srcdir/tests/valgrind/lsan.supp
    export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=1:print_summary=1:detect_stack_use_after_return=1:strict_string_checks=1"
    export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1:print_summary=1"
    export LSAN_OPTIONS="suppressions=$lsan_supp:print_suppressions=0"
    if setup_build "$asandir" -Db_sanitize=address,undefined -Db_lundef=false; then
        meson test -C "$asandir" --suite unit --suite integration --print-errorlogs \
            --num-processes 2 || status=1
    else
        echo "run-all.sh: configuring or building $asandir failed" >&2
        status=1
    fi
    unset ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS
    logs+=("asan=$asandir/meson-logs/testlog.json")
fi

# --- 3: integration suites against the NetworkManager matrix ---------------
if [ -n "$builds_pid" ]; then
    phase "NetworkManager matrix: waiting for the prefixes of ${versions[*]}"
    wait "$builds_pid" || true
    built=()
    for v in "${versions[@]}"; do
        grep -E '^build-nm: ' "$builds_dir/$v.log" 2>/dev/null || true
        if [ "$(cat "$builds_dir/$v.rc" 2>/dev/null)" = 0 ]; then
            built+=("$v")
        else
            echo "run-all.sh: building NetworkManager $v failed:" >&2
            tail -n 30 "$builds_dir/$v.log" >&2 2>/dev/null || true
            status=1
        fi
    done
    rm -rf "$builds_dir"
    for v in "${versions[@]}"; do
        logs+=("nm-$v=$builddir/meson-logs/testlog-nm-$v.json")
        logs+=("nm-$v-hold=$builddir/meson-logs/testlog-nm-$v-hold.json")
        rm -f "$builddir/meson-logs/testlog-nm-$v.json" "$builddir/meson-logs/testlog-nm-$v-hold.json"
    done
    # The suites proven on these releases so far; test-evidence, test-refusals,
    # test-fastpath and test-trace run on Debian's NetworkManager only (yet).
    matrix_suites=(test-e2e test-check test-config test-ipv6 test-policy test-live test-faults)
    for v in "${built[@]}"; do
        phase "NetworkManager $v: integration suites"
        LAB_NM_PREFIX=$("$srcdir/tools/build-nm.sh" --prefix "$v") \
            meson test -C "$builddir" --no-rebuild --print-errorlogs \
            --num-processes 1 --logbase "testlog-nm-$v" "${matrix_suites[@]}" || status=1
        # The hold tests' three labs side by side: each mostly waits for leases.
        LAB_NM_PREFIX=$("$srcdir/tools/build-nm.sh" --prefix "$v") \
            meson test -C "$builddir" --no-rebuild --print-errorlogs \
            --num-processes 3 --logbase "testlog-nm-$v-hold" --suite hold || status=1
    done
fi

phase "done"
# The closing line of count-tap.py is the last line of this script's output.
python3 "$srcdir/tools/count-tap.py" "${logs[@]}" || status=1
exit $status
