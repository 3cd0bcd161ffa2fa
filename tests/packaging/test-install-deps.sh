#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tools/install-deps.sh on the machines it meets: with and without a
# policy-rc.d already in place, with everything or nothing installed, and with
# apt-get failing.  apt-get and dpkg-query are PATH shims that log their calls,
# so nothing is installed; the policy-rc.d path is a temporary file
# (NMF_POLICY_RC_D).  TAP output.
#
# usage: test-install-deps.sh SRCDIR
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../tap.sh
. "$HERE/../tap.sh"
SRC=${1:?usage: test-install-deps.sh SRCDIR}
SCRIPT=$SRC/tools/install-deps.sh

WORK=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$WORK"' EXIT
mkdir -p "$WORK/bin"

# dpkg-query: "installed" unless the package is named in $WORK/missing.
cat >"$WORK/bin/dpkg-query" <<SHIM
#!/bin/bash
pkg=\${!#}
if grep -qx "\$pkg" "$WORK/missing" 2>/dev/null; then exit 1; fi
echo 'install ok installed'
SHIM
# apt-get: logs its arguments and whether the policy-rc.d was in place and
# refusing starts; fails when $WORK/apt-fails exists.
cat >"$WORK/bin/apt-get" <<SHIM
#!/bin/bash
state=absent
if [ -x "\$NMF_POLICY_RC_D" ]; then "\$NMF_POLICY_RC_D"; state="policy-exit-\$?"; fi
echo "\$* [\$state] [DEBIAN_FRONTEND=\${DEBIAN_FRONTEND:-}]" >>"$WORK/apt.log"
[ ! -e "$WORK/apt-fails" ]
SHIM
chmod 755 "$WORK/bin/dpkg-query" "$WORK/bin/apt-get"

# apt_calls_are LINE-PATTERN...: apt.log has exactly these lines (globs), in order.
# shellcheck disable=SC2317 # called through tap_check
apt_calls_are() {
    local -a lines patterns=("$@")
    local i
    mapfile -t lines <"$WORK/apt.log"
    [ "${#lines[@]}" = $# ] || return 1
    for i in "${!lines[@]}"; do
        # shellcheck disable=SC2053 # the patterns are globs
        [[ ${lines[$i]} == ${patterns[$i]} ]] || return 1
    done
}

# run_case: run the script with the shims; sets RC and OUT.
run_case() {
    : >"$WORK/apt.log"
    OUT=$(PATH="$WORK/bin:$PATH" NMF_POLICY_RC_D="$WORK/policy-rc.d" bash "$SCRIPT" 2>&1)
    RC=$?
}

tap_plan 9

# 1: an image that already has a policy-rc.d of its own (container-built).
printf '#!/bin/sh\n# the image'"'"'s own\nexit 101\n' >"$WORK/policy-rc.d"
chmod 755 "$WORK/policy-rc.d"
before=$(sha256sum <"$WORK/policy-rc.d")
printf 'dnsmasq-base\nnetwork-manager\n' >"$WORK/missing"
run_case
if [ "$RC" = 0 ]; then tap_ok "existing policy-rc.d, packages missing: exit 0"
else tap_fail "existing policy-rc.d, packages missing: exit $RC"; printf '%s\n' "$OUT" | tap_diag; fi
tap_check "existing policy-rc.d is left exactly as it was" \
    test "$(sha256sum <"$WORK/policy-rc.d" 2>/dev/null)" = "$before"
tap_check "apt-get update runs first, then install of only the missing packages" \
    apt_calls_are 'update *' 'install * network-manager dnsmasq-base \[*'


# 2: a machine without one: it is there (refusing starts) while apt runs, gone after.
rm -f "$WORK/policy-rc.d"
run_case
if [ "$RC" = 0 ]; then tap_ok "no policy-rc.d, packages missing: exit 0"
else tap_fail "no policy-rc.d, packages missing: exit $RC"; printf '%s\n' "$OUT" | tap_diag; fi
tap_check "the policy-rc.d refused service starts while apt-get ran (exit 101)" \
    apt_calls_are 'update * \[policy-exit-101\] \[DEBIAN_FRONTEND=noninteractive\]' \
    'install * \[policy-exit-101\] \[DEBIAN_FRONTEND=noninteractive\]'

tap_check "the policy-rc.d it created is removed afterwards" test ! -e "$WORK/policy-rc.d"

# 3: everything installed already: nothing to do, apt-get not called.
: >"$WORK/missing"
run_case
tap_check "all packages present: exit 0 without calling apt-get" \
    test "$RC" = 0 -a ! -s "$WORK/apt.log"

# 4: apt-get fails: the failure is reported, the created policy-rc.d removed.
printf 'valgrind\n' >"$WORK/missing"
touch "$WORK/apt-fails"
run_case
tap_check "apt-get failing makes the script fail" test "$RC" != 0
tap_check "after a failure the policy-rc.d it created is removed too" test ! -e "$WORK/policy-rc.d"
rm -f "$WORK/apt-fails"

tap_finish
