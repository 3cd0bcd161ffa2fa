#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Install build and test dependencies on Debian 12 (root). Services in the
# packages (NetworkManager, dnsmasq, ...) must never start in the machine's own
# namespace: a policy-rc.d that refuses every start is in place while apt runs.
set -euo pipefail

packages=(
    meson ninja-build pkg-config gcc clang libclang-rt-14-dev python3 gettext
    libglib2.0-dev libglib2.0-bin libnm-dev libnl-3-dev libnl-route-3-dev
    libpcap-dev libjson-glib-dev
    network-manager dnsmasq-base dbus iproute2 iputils-ping tcpdump util-linux procps
    mandoc groff-base rpm bash-completion python3-jsonschema valgrind locales
    strace time dbus-bin gdb
    libvirt-dev
    systemd prometheus ansible-core ansible-lint
)
# libvirt-dev brings libvirt0, whose built-in test driver (test:///FILE) is all
# the nm-metric-fix-trace tests need: no libvirt daemon is installed or started.
# systemd (systemd-analyze verify), prometheus (promtool), ansible-core and
# ansible-lint check the status timer, the exporter and the fleet playbook; the
# policy-rc.d below keeps the prometheus server from starting.

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

# NMF_POLICY_RC_D: for the test of this script only.
policy=${NMF_POLICY_RC_D:-/usr/sbin/policy-rc.d}
created_policy=
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# nm-metric-fix tests: start no services\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    created_policy=1
fi
# An EXIT trap must not change the exit status: test with if, not &&.
cleanup() { if [ -n "$created_policy" ]; then rm -f "$policy"; fi; }
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
