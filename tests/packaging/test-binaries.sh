#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Which shared libraries each program of this build loads (issue 12, "lean
# binaries").  TAP output.
#
# usage: test-binaries.sh BUILD_DIR STATIC_HOOK
#
# STATIC_HOOK is "true" when meson linked nm-metric-fix-hook statically.  The
# libraries a program needs are its ELF DT_NEEDED entries (readelf -d), the
# ones the dynamic loader maps before main():
#  - nm-metric-fix-hook, run for every dispatcher event: the C library only
#    (nothing at all when static): no GLib, libnm, libnl, libpcap or json-glib;
#  - nm-metric-fix (--fix, --status, --check, --revert): GLib, libnm and libnl,
#    but neither libpcap (--observe only) nor json-glib (JSON output only);
#  - nm-metric-fix-export (--json, --prometheus): json-glib, not libpcap;
#  - nm-metric-fix-observe (--observe): libpcap.

set -u
# shellcheck source=../tap.sh
. "$(dirname "$0")/../tap.sh"

BUILD=${1:-}
STATIC_HOOK=${2:-}
[ -d "$BUILD/src" ] && [ -n "$STATIC_HOOK" ] || tap_bail "usage: test-binaries.sh BUILD_DIR STATIC_HOOK"
command -v readelf >/dev/null || tap_skip_all "readelf (binutils) not installed"

needed() { # PROGRAM -> its DT_NEEDED sonames, one a line
    readelf -d "$BUILD/src/$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'
}
# lacks PROGRAM SONAME_PREFIX...: none of the libraries is needed
lacks() {
    local prog=$1 lib found
    shift
    for lib in "$@"; do
        found=$(needed "$prog" | grep "^$lib" || true)
        [ -z "$found" ] || { echo "# $prog needs $found" >&2; return 1; }
    done
}
# has PROGRAM SONAME_PREFIX...: every library is needed
has() {
    local prog=$1 lib
    shift
    for lib in "$@"; do
        needed "$prog" | grep -q "^$lib" || { echo "# $prog does not need $lib" >&2; return 1; }
    done
}
hook_libraries() {
    local libs
    libs=$(needed nm-metric-fix-hook | paste -sd ' ')
    if [ "$STATIC_HOOK" = true ]; then
        [ -z "$libs" ] || { echo "# static, but needs: $libs" >&2; return 1; }
        file -L "$BUILD/src/nm-metric-fix-hook" 2>/dev/null | grep -q 'statically linked' ||
            ! command -v file >/dev/null
    else
        [ "$libs" = libc.so.6 ] || { echo "# needs: $libs" >&2; return 1; }
    fi
}

for prog in nm-metric-fix nm-metric-fix-hook nm-metric-fix-export nm-metric-fix-observe; do
    [ -x "$BUILD/src/$prog" ] || tap_bail "$BUILD/src/$prog missing (ninja -C $BUILD)"
done

tap_plan 6
tap_check "nm-metric-fix-hook needs the C library only (static: $STATIC_HOOK)" hook_libraries
tap_check "nm-metric-fix-hook loads no GLib, libnm, libnl, libpcap or json-glib" \
    lacks nm-metric-fix-hook libglib libgio libgobject libnm libnl libpcap libjson-glib
tap_check "nm-metric-fix loads GLib, libnm and libnl" has nm-metric-fix libglib libnm libnl-route
tap_check "nm-metric-fix loads neither libpcap nor json-glib" lacks nm-metric-fix libpcap libjson-glib
tap_check "nm-metric-fix-export loads json-glib, not libpcap" \
    eval 'has nm-metric-fix-export libjson-glib && lacks nm-metric-fix-export libpcap'
tap_check "nm-metric-fix-observe loads libpcap" has nm-metric-fix-observe libpcap
tap_finish
