#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Install what the tests need (Debian 12, as root), build, and run every suite:
# unit, packaging and the real-NetworkManager namespace tests. Ends with the line
# "N passed, N failed" counted over every TAP subtest.
#
#   sudo tests/run-all.sh            # everything
#   NMF_SKIP_INSTALL=1 tests/run-all.sh   # dependencies are already there
set -euo pipefail

srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=${NMF_BUILD_DIR:-$srcdir/build-tests}

if [ "$(id -u)" != 0 ]; then
    echo "run-all.sh: the tests create network namespaces and install packages; run as root" >&2
    exit 2
fi

if [ -z "${NMF_SKIP_INSTALL:-}" ]; then
    "$srcdir/tools/install-deps.sh"
fi

rm -rf "$builddir"
meson setup "$builddir" "$srcdir" -Dintegration_tests=enabled >"$srcdir/.setup.log" 2>&1 || {
    cat "$srcdir/.setup.log" >&2
    exit 1
}
rm -f "$srcdir/.setup.log"
ninja -C "$builddir"

status=0
meson test -C "$builddir" --print-errorlogs --num-processes 2 || status=$?

python3 "$srcdir/tools/count-tap.py" "$builddir/meson-logs/testlog.json" || status=$?
exit $status
