#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Set everything up on a fresh Debian 12 machine (root) and run the lab demo:
# a guest with a NAT and a LAN link under the real NetworkManager, in network
# namespaces; a remote host's ping fails, then nm-metric-fix's dispatcher hook
# fixes it with no manual step.
set -euo pipefail

srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=${NMF_BUILD_DIR:-$srcdir/build-demo}

if [ "$(id -u)" != 0 ]; then
    echo "demo.sh: the lab creates network namespaces; run as root" >&2
    exit 2
fi
[ -n "${NMF_SKIP_INSTALL:-}" ] || "$srcdir/tools/install-deps.sh"
if [ ! -d "$builddir" ]; then
    meson setup "$builddir" "$srcdir" -Dintegration_tests=disabled >/dev/null
fi
ninja -C "$builddir" >/dev/null
exec "$srcdir/tests/lab/demo.sh" "$builddir"
