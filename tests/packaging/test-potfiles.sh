#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# po/POTFILES.in lists exactly the source files with translatable strings.
# TAP output.
#
# usage: test-potfiles.sh SOURCE_DIR
#
#  - every src/*/*.c or src/*/*.h file that uses _(), N_(), C_(), NC_() or Q_() is
#    listed in po/POTFILES.in (otherwise its strings never reach translators);
#  - every file listed exists and marks at least one string (otherwise the list
#    is stale);
#  - no marked string literal is glued to a macro, which xgettext cannot follow.

set -u
# shellcheck source=../tap.sh
. "$(dirname "$0")/../tap.sh"

SRC=${1:-}
POTFILES=$SRC/po/POTFILES.in
[ -f "$POTFILES" ] || tap_bail "usage: test-potfiles.sh SOURCE_DIR (no $POTFILES)"

# A gettext marker that is not the tail of a longer identifier (so _fail( or
# G_N_ELEMENTS( do not count).
MARKER='(^|[^A-Za-z0-9_])(N?C?_|Q_)\('

uses_gettext() {
    grep -Eq "$MARKER" "$SRC/$1"
}

listed=$(sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$POTFILES" | sort -u)
used=$(cd "$SRC" && for f in src/*/*.c src/*/*.h; do
    [ -f "$f" ] && grep -Eq "$MARKER" "$f" && echo "$f"
done | sort -u)

[ -n "$used" ] || tap_bail "no source file in $SRC/src marks strings; the marker pattern is broken"

for f in $used; do
    if printf '%s\n' "$listed" | grep -qxF "$f"; then
        tap_ok "$f marks strings and is in POTFILES.in"
    else
        tap_fail "$f marks strings but is missing from po/POTFILES.in"
    fi
done

for f in $listed; do
    if [ ! -f "$SRC/$f" ]; then
        tap_fail "po/POTFILES.in lists $f, which does not exist"
    elif ! uses_gettext "$f"; then
        tap_fail "po/POTFILES.in lists $f, which marks no strings"
    else
        tap_ok "po/POTFILES.in entry $f exists and marks strings"
    fi
done

# xgettext cannot expand macros: in N_("... (default " SOME_MACRO ")") it
# extracts only the first literal, and the string the program looks up at run
# time is in no catalogue.  Build such strings at run time with a %s instead.
glued=$(cd "$SRC" && grep -nE "${MARKER}[[:space:]]*\"([^\"\\]|\\.)*\"[[:space:]]*[A-Za-z_]" $used 2>/dev/null)
if [ -z "$glued" ]; then
    tap_ok "no marked string is concatenated with a macro"
else
    printf '%s\n' "$glued" | tap_diag
    tap_fail "no marked string is concatenated with a macro (xgettext sees only the first literal; use %s at run time)"
fi

tap_finish
