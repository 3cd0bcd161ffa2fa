#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# data/nm-metric-fix.spec agrees with meson.build.  TAP output.  Needs no rpm
# tools, so it also runs where test-rpm.sh skips.
#
# usage: test-spec.sh SOURCE_DIR
#
#  - Version: equals project(version:) in meson.build;
#  - the newest %changelog entry is for that version;
#  - every dependency() of the build has a BuildRequires: pkgconfig(NAME);
#  - the spec runs only the unit suite in %check (the packaging suite would
#    rebuild the RPM from inside rpmbuild).

set -u
# shellcheck source=../tap.sh
. "$(dirname "$0")/../tap.sh"

SRC=${1:-}
SPEC=$SRC/data/nm-metric-fix.spec
[ -f "$SPEC" ] && [ -f "$SRC/meson.build" ] || tap_bail "usage: test-spec.sh SOURCE_DIR"

project_version=$(cd "$SRC" && meson introspect --projectinfo meson.build 2>/dev/null |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')
[ -n "$project_version" ] || tap_bail "cannot read the version from meson.build"
spec_version=$(sed -n 's/^Version:[[:space:]]*//p' "$SPEC")
tap_check "spec Version ($spec_version) equals the meson project version ($project_version)" \
    [ "$spec_version" = "$project_version" ]

# "* Day Mon DD YYYY Name <mail> - VERSION-RELEASE"
changelog_version=$(sed -n '/^%changelog/,$ s/^\* .* - \([^ -]*\)-[^ -]*$/\1/p' "$SPEC" | head -n1)
tap_check "newest %changelog entry is for $project_version (got ${changelog_version:-none})" \
    [ "$changelog_version" = "$project_version" ]

# pkg-config names the build asks for, from every meson.build under the source
# tree except the tests (their extra tools are not build dependencies).
deps=$(cd "$SRC" && find . -name meson.build ! -path './tests/*' ! -path './build*' -print0 |
    xargs -0 grep -ho "dependency('[^']*'" | sed "s/dependency('\(.*\)'/\1/" | sort -u)
[ -n "$deps" ] || tap_bail "no dependency() found in the meson.build files"
for dep in $deps; do
    [ "$dep" = bash-completion ] && continue # optional: only asked for its completionsdir
    if grep -Eq "^BuildRequires:[[:space:]]*pkgconfig\\($dep\\)" "$SPEC"; then
        tap_ok "BuildRequires: pkgconfig($dep)"
    else
        tap_fail "BuildRequires: pkgconfig($dep) (meson.build uses dependency('$dep'))"
    fi
done

tap_check "%check runs only the unit suite" grep -Eq '^%meson_test .*--suite unit' "$SPEC"

tap_finish
