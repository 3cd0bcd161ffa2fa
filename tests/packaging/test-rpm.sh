#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build the binary RPM the way a packager does, from the `meson dist` tarball,
# and inspect it.  TAP output.
#
# usage: test-rpm.sh SOURCE_DIR
#
#  1. The working tree (tracked files plus untracked, not ignored ones) is
#     copied to a temporary git repository and committed, because `meson dist`
#     packs a clean checkout; `meson dist --no-tests` makes the tarball there.
#  2. `rpmbuild -ba` builds data/nm-metric-fix.spec *as found in the tarball*,
#     in a private _topdir.  Off Fedora/RHEL the %meson macros come from
#     tests/packaging/rpm-macros, and --nodeps is used because the rpm database
#     knows nothing of the BuildRequires.
#  3. rpm -qp checks the file list, modes and owners, the %lang tag of the
#     catalogue, config files, Requires and scriptlets.
#
# Skips when rpmbuild, git or meson is missing, and inside rpmbuild itself.
# NMF_RPM_KEEP=1 keeps the temporary directory for inspection.

set -u
# shellcheck source=../tap.sh
. "$(dirname "$0")/../tap.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

SRC=${1:-}
[ -f "$SRC/meson.build" ] || tap_bail "usage: test-rpm.sh SOURCE_DIR"
SRC=$(cd "$SRC" && pwd)

command -v rpmbuild >/dev/null || tap_skip_all "rpmbuild not installed (Debian: apt-get install rpm)"
[ -z "${RPM_BUILD_ROOT:-}" ] || tap_skip_all "running inside rpmbuild"
for tool in git meson ninja rpm xz; do
    command -v $tool >/dev/null || tap_skip_all "$tool not installed"
done
git -C "$SRC" rev-parse --git-dir >/dev/null 2>&1 || tap_skip_all "$SRC is not a git checkout"

TMP=$(mktemp -d)
if [ "${NMF_RPM_KEEP:-}" = 1 ]; then
    echo "# keeping $TMP"
else
    trap 'rm -rf "$TMP"' EXIT
fi

tap_plan 37

# --- 1. snapshot and dist tarball --------------------------------------------

mkdir "$TMP/src"
(cd "$SRC" && git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' f; do [ -e "$f" ] || [ -L "$f" ] && printf '%s\0' "$f"; done |
    tar --null -T - -cf -) | tar -xf - -C "$TMP/src" ||
    tap_bail "cannot copy the working tree"

# %license COPYING in the spec needs the file in the tarball.
if [ -f "$TMP/src/COPYING" ]; then
    tap_ok "the source tree has COPYING for %license"
else
    echo "not ok 1 - the source tree has COPYING for %license # TODO add COPYING (GPL-2.0 text) at the top level; using a placeholder here"
    TAP_N=$((TAP_N + 1))
    echo "placeholder so rpmbuild finds %license COPYING; the real tree lacks it" >"$TMP/src/COPYING"
fi

GIT="git -C $TMP/src -c user.name=nm-metric-fix-test -c user.email=test@invalid -c commit.gpgsign=false"
{ $GIT init -q && $GIT add -A && $GIT commit -q -m snapshot; } >"$TMP/git.log" 2>&1 ||
    { tap_diag <"$TMP/git.log"; tap_bail "cannot commit the snapshot"; }

VERSION=$(cd "$TMP/src" && meson introspect --projectinfo meson.build 2>/dev/null |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')
[ -n "$VERSION" ] || tap_bail "cannot read the project version"

if (meson setup "$TMP/build" "$TMP/src" -Dintegration_tests=disabled &&
    meson dist -C "$TMP/build" --no-tests --formats xztar) >"$TMP/dist.log" 2>&1; then
    tap_ok "meson dist --no-tests makes a tarball"
else
    tail -n 30 "$TMP/dist.log" | tap_diag
    tap_fail "meson dist --no-tests makes a tarball"
    tap_bail "no tarball, nothing more to test"
fi
TARBALL=$TMP/build/meson-dist/nm-metric-fix-$VERSION.tar.xz
tap_check "the tarball is nm-metric-fix-$VERSION.tar.xz" test -f "$TARBALL"

# --- 2. rpmbuild -ba ---------------------------------------------------------

TOP=$TMP/rpmbuild
mkdir -p "$TOP/SOURCES" "$TOP/SPECS"
cp "$TARBALL" "$TOP/SOURCES/"
SPEC=$TOP/SPECS/nm-metric-fix.spec
tar -xJOf "$TARBALL" "nm-metric-fix-$VERSION/data/nm-metric-fix.spec" >"$SPEC" 2>/dev/null
tap_check "the tarball carries data/nm-metric-fix.spec" test -s "$SPEC"

RPMBUILD=(rpmbuild --define "_topdir $TOP" --nodeps)
# Fedora and RHEL define %meson themselves; only load ours where it is missing.
if [ "$(rpm --eval '%{?meson:yes}')" != yes ]; then
    RPMBUILD+=(--load "$HERE/rpm-macros")
fi

if "${RPMBUILD[@]}" -ba "$SPEC" >"$TMP/rpmbuild.log" 2>&1; then
    tap_ok "rpmbuild -ba builds from the dist tarball"
else
    tail -n 40 "$TMP/rpmbuild.log" | tap_diag
    tap_fail "rpmbuild -ba builds from the dist tarball"
    tap_bail "no RPM, nothing more to test"
fi

RPM=$(find "$TOP/RPMS" -name "nm-metric-fix-$VERSION-*.rpm" ! -name '*-debug*' | head -n1)
tap_check "a binary RPM nm-metric-fix-$VERSION-*.rpm exists" test -f "$RPM"
tap_check "a source RPM exists" eval 'ls "$TOP"/SRPMS/nm-metric-fix-"$VERSION"-*.src.rpm >/dev/null 2>&1'
tap_check "%check ran the unit tests" grep -Eq '^Ok: +[1-9]' "$TMP/rpmbuild.log"

# --- 3. inspect ----------------------------------------------------------------

rpm -qlp "$RPM" >"$TMP/files" 2>/dev/null
tap_diag <"$TMP/files"
has_file() { grep -Eqx "$1" "$TMP/files"; }

HOOK=/etc/NetworkManager/dispatcher.d/90-nm-metric-fix
tap_check "ships /usr/bin/nm-metric-fix" has_file /usr/bin/nm-metric-fix
tap_check "ships the hook $HOOK" has_file "$HOOK"
tap_check "ships nm-metric-fix(8)" has_file '/usr/share/man/man8/nm-metric-fix\.8(\.gz|\.bz2|\.xz|\.zst)?'
tap_check "ships nm-metric-fix.conf(5)" has_file '/usr/share/man/man5/nm-metric-fix\.conf\.5(\.gz|\.bz2|\.xz|\.zst)?'
tap_check "ships the zh_CN catalogue" has_file /usr/share/locale/zh_CN/LC_MESSAGES/nm-metric-fix.mo
tap_check "ships the bash completion" has_file /usr/share/bash-completion/completions/nm-metric-fix
tap_check "ships the example configuration" has_file /usr/share/doc/nm-metric-fix/nm-metric-fix.conf.example
tap_check "ships the JSON schema of --status --json" has_file /usr/share/doc/nm-metric-fix/status-schema.json
# %_licensedir/%{name} on Fedora/RHEL; older or non-Red Hat rpm configurations
# append the version.
tap_check "ships the license file" has_file "/usr/share/licenses/nm-metric-fix(-$VERSION)?/COPYING"
tap_check "ships the status timer's units and script" eval 'has_file /usr/lib/systemd/system/nm-metric-fix-status.service &&
    has_file /usr/lib/systemd/system/nm-metric-fix-status.timer && has_file /usr/libexec/nm-metric-fix-textfile'
tap_check "ships /etc/sysconfig/nm-metric-fix as %config(noreplace)" \
    eval 'rpm -qp --qf "[%{FILEFLAGS:fflags} %{FILENAMES}\n]" "$RPM" 2>/dev/null | grep -qx "cn /etc/sysconfig/nm-metric-fix"'
rpm -qp --scripts "$RPM" >"$TMP/scripts" 2>/dev/null
tap_check "its scriptlets apply the timer's preset on install and disable it on removal" \
    eval 'grep -q "preset nm-metric-fix-status.timer" "$TMP/scripts" &&
        grep -q "disable --now nm-metric-fix-status.timer nm-metric-fix-status.service" "$TMP/scripts"'

# The host-side trace is its own subpackage, with its page and schema.
TRACE_RPM=$(find "$TOP/RPMS" -name "nm-metric-fix-trace-$VERSION-*.rpm" ! -name '*-debug*' | head -n1)
tap_check "a binary RPM nm-metric-fix-trace-$VERSION-*.rpm exists" test -f "$TRACE_RPM"
rpm -qlp "$TRACE_RPM" >"$TMP/trace-files" 2>/dev/null
tap_diag <"$TMP/trace-files"
tap_check "the trace subpackage ships /usr/bin/nm-metric-fix-trace" grep -qx /usr/bin/nm-metric-fix-trace "$TMP/trace-files"
tap_check "the trace subpackage ships nm-metric-fix-trace(8)" \
    grep -Eqx '/usr/share/man/man8/nm-metric-fix-trace\.8(\.gz|\.bz2|\.xz|\.zst)?' "$TMP/trace-files"
tap_check "the trace subpackage ships trace-schema.json" \
    grep -qx /usr/share/doc/nm-metric-fix/trace-schema.json "$TMP/trace-files"
tap_check "the trace subpackage ships its bash completion" \
    grep -qx /usr/share/bash-completion/completions/nm-metric-fix-trace "$TMP/trace-files"
tap_check "the main package does not ship the trace" eval '! grep -q trace "$TMP/files"'

# Mode, owner, group of the hook.
hook_attrs=$(rpm -qp --qf '[%{FILEMODES:perms} %{FILEUSERNAME}:%{FILEGROUPNAME} %{FILENAMES}\n]' "$RPM" 2>/dev/null |
    awk -v f="$HOOK" '$3 == f { print $1, $2 }')
tap_check "the hook is -rwxr-xr-x root:root (got: $hook_attrs)" [ "$hook_attrs" = "-rwxr-xr-x root:root" ]
perm=${hook_attrs%% *}
if [ -n "$perm" ] && [ "${perm:5:1}" != w ] && [ "${perm:8:1}" != w ]; then
    tap_ok "the hook is not writable by group or others"
else
    tap_fail "the hook is not writable by group or others ($perm)"
fi

# The decision recorded in the spec: the hook is code, not %config.
tap_check "the hook is not a %config file" eval '! rpm -qp --configfiles "$RPM" 2>/dev/null | grep -qxF "$HOOK"'

# find-lang.sh tags zh_CN catalogues %lang(zh), so `rpm --excludedocs
# --define "_install_langs ..."` setups keep or drop them with the language.
tap_check "%find_lang tagged the catalogue with its language" eval \
    'rpm -qp --qf "[%{FILELANGS} %{FILENAMES}\n]" "$RPM" 2>/dev/null | grep -Eqx "zh(_CN)? /usr/share/locale/zh_CN/LC_MESSAGES/nm-metric-fix.mo"'

rpm -qp --requires "$RPM" >"$TMP/requires" 2>/dev/null
tap_diag <"$TMP/requires"
tap_check "Requires: NetworkManager >= 1:1.14" grep -Eqx 'NetworkManager >= 1:1\.14' "$TMP/requires"
tap_check "Requires: NetworkManager-libnm >= 1:1.14" grep -Eqx 'NetworkManager-libnm(\([^)]*\))? >= 1:1\.14' "$TMP/requires"
# The hook's fast path locks by itself (flock(2)): no util-linux for flock(1).
tap_check "no Requires: util-linux (the hook no longer runs flock(1))" eval '! grep -qx util-linux "$TMP/requires"' 

# Unpack the payload and look at what was compiled in for prefix /usr.
mkdir "$TMP/payload"
if command -v rpm2archive >/dev/null && rpm2archive - <"$RPM" 2>/dev/null | tar -xzf - -C "$TMP/payload" 2>/dev/null; then
    unpacked=true
elif command -v cpio >/dev/null && (cd "$TMP/payload" && rpm2cpio "$RPM" | cpio -idm --quiet) 2>/dev/null; then
    unpacked=true
else
    unpacked=false
fi
if $unpacked; then
    tap_check "the packaged hook runs /usr/bin/nm-metric-fix (through /usr/libexec/nm-metric-fix-hook)" \
        eval "grep -qF 'exec /usr/libexec/nm-metric-fix-hook ' '$TMP/payload$HOOK' &&
            grep -qaF /usr/bin/nm-metric-fix '$TMP/payload/usr/libexec/nm-metric-fix-hook'"
    tap_check "the packaged helper defaults to /etc/nm-metric-fix.conf" \
        grep -qaF '/etc/nm-metric-fix.conf' "$TMP/payload/usr/bin/nm-metric-fix"
    tap_check "the packaged helper looks for catalogues in /usr/share/locale" \
        grep -qaF '/usr/share/locale' "$TMP/payload/usr/bin/nm-metric-fix"
else
    for what in "the packaged hook runs /usr/bin/nm-metric-fix (through /usr/libexec/nm-metric-fix-hook)" \
        "the packaged helper defaults to /etc/nm-metric-fix.conf" \
        "the packaged helper looks for catalogues in /usr/share/locale"; do
        tap_skip "$what" "neither rpm2archive nor cpio can unpack the RPM"
    done
fi

# The scriptlets handle the status timer and nothing else (see the comment in the
# spec): no run of the helper.
scripts=$(rpm -qp --scripts "$RPM" 2>/dev/null)
[ -n "$scripts" ] && printf '%s\n' "$scripts" | tap_diag
tap_check "the package's scriptlets only handle the status timer, never run the helper" \
    eval '[ -z "$(grep -o "nm-metric-fix[^ ;]*" <<<"$scripts" | grep -vx "nm-metric-fix-status[.]\(timer\|service\)")" ]'

tap_finish
