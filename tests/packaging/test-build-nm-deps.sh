#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tools/build-nm.sh --deps, with apt-get and dpkg-query replaced by shims on
# PATH (nothing is installed): apt-get update runs before apt-get install,
# only missing packages are asked for, a policy-rc.d that refuses service
# starts is in place while apt-get runs and removed afterwards when the script
# created it, an existing one is left exactly as it was, and a failing
# install makes the script fail without leaving its policy-rc.d behind.
# TAP output.
#
# usage: test-build-nm-deps.sh SOURCE_DIR

set -u
SRC=${1:-}
# shellcheck source=../tap.sh
. "$(dirname "$0")/../tap.sh"
[ -x "$SRC/tools/build-nm.sh" ] || { echo "Bail out! usage: test-build-nm-deps.sh SOURCE_DIR"; exit 1; }

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/bin"
POLICY=$T/policy-rc.d
LOG=$T/apt.log

# dpkg-query: every package is installed except those listed in $T/missing.
cat >"$T/bin/dpkg-query" <<EOF
#!/bin/sh
pkg=\$(eval echo "\\\${\$#}")
if grep -qx "\$pkg" "$T/missing" 2>/dev/null; then
    echo "dpkg-query: no packages found matching \$pkg" >&2
    exit 1
fi
echo "install ok installed"
EOF
# apt-get: logs its arguments and what policy-rc.d says at that moment;
# fails "install" when $T/fail exists.
cat >"$T/bin/apt-get" <<EOF
#!/bin/sh
if [ -x "$POLICY" ]; then "$POLICY" x start >/dev/null 2>&1; p=\$?; else p=none; fi
echo "apt-get \$* policy=\$p" >>"$LOG"
case "\$*" in *install*) [ -e "$T/fail" ] && exit 100 ;; esac
exit 0
EOF
chmod +x "$T/bin/dpkg-query" "$T/bin/apt-get"

run() {
    : >"$LOG"
    PATH="$T/bin:$PATH" NMF_POLICY_RC_D=$POLICY "$SRC/tools/build-nm.sh" --deps >"$T/out" 2>&1
}

tap_plan 6

# 1-2: two packages missing, no policy-rc.d before.
printf 'libndp-dev\nintltool\n' >"$T/missing"
rm -f "$POLICY" "$T/fail"
run
rc=$?
if [ "$rc" = 0 ] && [ "$(sed -n 1p "$LOG")" = "apt-get update -q policy=101" ] &&
    grep -Eq '^apt-get install -y -q --no-install-recommends libndp-dev intltool policy=101$' "$LOG"; then
    tap_ok "missing packages: apt-get update, then install of exactly those, with a policy-rc.d exiting 101"
else
    tap_fail "missing packages: exit $rc; apt-get calls: $(paste -sd'|' "$LOG")"
fi
if [ ! -e "$POLICY" ]; then
    tap_ok "the policy-rc.d the script created is gone afterwards"
else
    tap_fail "the script left its policy-rc.d behind"
fi

# 3: an existing policy-rc.d stays exactly as it was.
printf '#!/bin/sh\n# the admin'"'"'s own\nexit 0\n' >"$POLICY"
chmod 700 "$POLICY"
before=$(stat -c '%a %s %Y' "$POLICY")$(cat "$POLICY")
run
rc=$?
after=$(stat -c '%a %s %Y' "$POLICY" 2>/dev/null)$(cat "$POLICY" 2>/dev/null)
if [ "$rc" = 0 ] && [ "$before" = "$after" ] && grep -q 'policy=0$' "$LOG"; then
    tap_ok "an existing policy-rc.d is used as it is and left untouched"
else
    tap_fail "existing policy-rc.d: exit $rc; before '$before', after '$after'; $(paste -sd'|' "$LOG")"
fi
rm -f "$POLICY"

# 4-5: a failing install.
touch "$T/fail"
run
rc=$?
if [ "$rc" != 0 ] && grep -q 'installing build dependencies failed' "$T/out"; then
    tap_ok "a failing apt-get install makes --deps fail ($rc) with a message"
else
    tap_fail "failing apt-get install: exit $rc; output: $(paste -sd'|' "$T/out")"
fi
if [ ! -e "$POLICY" ]; then
    tap_ok "after a failing install the script's policy-rc.d is gone too"
else
    tap_fail "after a failing install the policy-rc.d was left behind"
fi
rm -f "$T/fail"

# 6: nothing missing: no apt-get at all.
: >"$T/missing"
run
rc=$?
if [ "$rc" = 0 ] && [ ! -s "$LOG" ]; then
    tap_ok "nothing missing: apt-get is not run"
else
    tap_fail "nothing missing: exit $rc; apt-get calls: $(paste -sd'|' "$LOG")"
fi

tap_finish
