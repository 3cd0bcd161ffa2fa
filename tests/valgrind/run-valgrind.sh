#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# nm-metric-fix under valgrind memcheck, against the real NetworkManager in the
# namespace lab (tests/lab/lab.sh).  TAP output.
#
# usage: run-valgrind.sh BUILD_DIR
#
# Three runs in the guest: --status in the bug state (exit 3), --fix in the bug
# state (profile updates and Reapply), --fix again (the no-op path).  Each must
# end with its normal exit status, no definite leak, and no memcheck error with
# a stack frame in our sources (src/*.c).  Errors entirely inside libraries are
# shown as diagnostics.  Suppressions: GLib's own file (if installed) plus
# tests/valgrind/nm-metric-fix.supp (narrow; never for src/).
# Use a build without sanitizers.  Needs root; "1..0 # SKIP" otherwise.

set -u
# shellcheck disable=SC2015

HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
SRCDIR=$(cd "$HERE/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../lab/lab.sh
. "$HERE/../lab/lab.sh"
# shellcheck source-path=SCRIPTDIR source=../lab/lab-tap.sh
. "$HERE/../lab/lab-tap.sh"
# shellcheck source-path=SCRIPTDIR source=../lab/lab-control.sh
. "$HERE/../lab/lab-control.sh"

VG_ERROR_EXIT=97
HELPER=/usr/local/bin/nm-metric-fix

tap_setup "${1:-}"
if ! command -v valgrind >/dev/null 2>&1; then
    echo "1..0 # SKIP valgrind not installed"
    exit 0
fi
sanitize=$(meson introspect "$BUILD_DIR" --buildoptions 2>/dev/null |
    python3 -c 'import json,sys; print(next((o["value"] for o in json.load(sys.stdin) if o["name"] == "b_sanitize"), "none"))' 2>/dev/null)
if [ -n "$sanitize" ] && [ "$sanitize" != none ]; then
    echo "1..0 # SKIP $BUILD_DIR is built with b_sanitize=$sanitize (valgrind needs a plain build)"
    exit 0
fi

SUPPS=(--suppressions="$HERE/nm-metric-fix.supp")
[ -r /usr/share/glib-2.0/valgrind/glib.supp ] && SUPPS+=(--suppressions=/usr/share/glib-2.0/valgrind/glib.supp)

# Our sources, as they appear in valgrind's frames: "(nmf-nm.c:123)".
OUR_FILES=$(cd "$SRCDIR/src" && ls -- *.c | paste -sd '|' | sed 's/\./\\./g')

# our_error_blocks LOG: memcheck error/leak records (blocks between blank
# lines after "==PID== ") that have a frame in our sources.
our_error_blocks() {
    sed 's/^==[0-9]*== \{0,1\}//' "$1" | awk -v ours="\\((${OUR_FILES}):[0-9]+\\)" '
        /^$/ { if (blk != "" && hit && !summary) print blk "\n"; blk = ""; hit = 0; summary = 0; next }
        { blk = blk $0 "\n"
          if ($0 ~ ours) hit = 1
          if ($0 ~ /SUMMARY|^Memcheck|^Copyright|^Using Valgrind|^Command:|^Parent PID/) summary = 1 }
        END { if (blk != "" && hit && !summary) print blk }'
}

# vg_run NUM DESC EXPECTED_RC ARGS...
vg_run() {
    local num=$1 desc=$2 want=$3 log rc why="" definite errors ours
    shift 3
    log=$LAB_DIR/vg-$num.log
    lab_guest env G_SLICE=always-malloc G_DEBUG=gc-friendly \
        valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite \
        --errors-for-leak-kinds=definite --error-exitcode="$VG_ERROR_EXIT" \
        --num-callers=40 --track-origins=yes "${SUPPS[@]}" --log-file="$log" \
        "$HELPER" "$@" >"$LAB_DIR/vg-$num.out" 2>&1
    rc=$?
    definite=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$log" | tr -d , | tail -n 1)
    errors=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$log" | tail -n 1)
    ours=$(our_error_blocks "$log")
    diag "valgrind nm-metric-fix $*: exit $rc, definitely lost ${definite:-0} bytes, ${errors:-?} error(s) (after suppressions)
$(grep -E 'in use at exit|definitely lost|indirectly lost|possibly lost|ERROR SUMMARY' "$log" | sed 's/^==[0-9]*== *//')"
    diag "helper output: $(tail -n 3 "$LAB_DIR/vg-$num.out")"
    [ -n "$errors" ] || why="no ERROR SUMMARY in the valgrind log (did valgrind run?)"
    [ "$rc" = "$want" ] || why="$why${why:+; }exit $rc, expected $want${rc/#$VG_ERROR_EXIT/ (memcheck errors)}"
    [ "${definite:-0}" = 0 ] || why="$why${why:+; }${definite} bytes definitely lost"
    [ -z "$ours" ] || why="$why${why:+; }memcheck records with frames in src/:
$ours"
    if [ "${errors:-0}" != 0 ] && [ -z "$ours" ]; then
        diag "memcheck records outside our code (first 60 lines):
$(sed 's/^==[0-9]*== \{0,1\}//' "$log" | sed -n '/^Command:/,$p' | head -n 60)"
    fi
    result "$desc" "$why"
}

echo "1..3"
lab_init nmfV || bail "lab_init failed"
STAGE=$LAB_DIR/stage
meson install -C "$BUILD_DIR" --destdir "$STAGE" --no-rebuild >"$LAB_DIR/meson-install.log" 2>&1 ||
    bail "meson install -C $BUILD_DIR --destdir $STAGE failed: $(tail -n 5 "$LAB_DIR/meson-install.log")"
lab_topology || bail "lab_topology failed"
lab_start_nm "$STAGE" || bail "lab_start_nm failed"
lab_add_profiles || bail "lab_add_profiles failed"
labx_hook_off || bail "cannot switch the hook off"
lab_guest nmcli connection up nat >/dev/null && lab_guest nmcli connection up lan >/dev/null ||
    bail "activating the profiles failed"
lab_wait_for 10 lab_default_dev_is eth0 || bail "no bug state (default route on '$(lab_default_dev)')"

vg_run 1 "--status (bug state) under memcheck: exit 3, no definite leak, no error in our code" 3 --status
vg_run 2 "--fix (bug state: profile updates and Reapply) under memcheck: exit 0, no definite leak, no error in our code" 0 --fix
lab_wait_for 10 lab_default_dev_is eth1 || diag "after the valgrind --fix the default route is on '$(lab_default_dev)'"
vg_run 3 "--fix (nothing to do) under memcheck: exit 0, no definite leak, no error in our code" 0 --fix

tap_finish 3
