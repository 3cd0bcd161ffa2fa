#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Every language in po/LINGUAS is complete and current.  TAP output.
#
# usage: test-po.sh SOURCE_DIR
#
# Per language:
#  - msgfmt --check --statistics: valid, 0 fuzzy, 0 untranslated;
#  - current: every msgid xgettext finds in the files of POTFILES.in *now* is
#    translated in the .po (catches a new string in src/ without a translation);
#  - no stale translations: the .po has no obsolete (#~) entries;
#  - option names stay untranslated: each --option in a msgid is in its msgstr.
#
# When a check fails after source strings changed:
#   ninja -C build nm-metric-fix-update-po     # refresh po/*.po from src/
#   then translate the new or fuzzy entries (see po/README).

set -u
# shellcheck source=../tap.sh
. "$(dirname "$0")/../tap.sh"

SRC=${1:-}
[ -f "$SRC/po/LINGUAS" ] || tap_bail "usage: test-po.sh SOURCE_DIR (no po/LINGUAS)"
for tool in msgfmt xgettext msgcmp msgattrib msgexec; do
    command -v $tool >/dev/null || tap_skip_all "$tool not installed (gettext)"
done

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

langs=$(sed -e 's/#.*//' "$SRC/po/LINGUAS" | tr -s ' \t' '\n\n' | sed '/^$/d')
[ -n "$langs" ] || tap_bail "po/LINGUAS lists no language"

# A template from the sources as they are now, with the keywords of meson's
# i18n "glib" preset (po/meson.build).
(cd "$SRC" && xgettext --from-code=UTF-8 --language=C \
    --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
    --keyword=g_dcgettext:2 --keyword=g_dngettext:2,3 --keyword=g_dpgettext2:2c,3 \
    --files-from=po/POTFILES.in --output="$TMP/current.pot") 2>"$TMP/xgettext.log" ||
    { tap_diag <"$TMP/xgettext.log"; tap_bail "xgettext failed on po/POTFILES.in"; }

for lang in $langs; do
    po=$SRC/po/$lang.po
    if [ ! -f "$po" ]; then
        tap_fail "$lang: po/$lang.po exists (listed in po/LINGUAS)"
        continue
    fi

    if LC_ALL=C msgfmt --check --statistics -o /dev/null "$po" >"$TMP/stats" 2>&1; then
        tap_diag <"$TMP/stats"
        if grep -Eq 'fuzzy|untranslated' "$TMP/stats"; then
            tap_fail "$lang: msgfmt --check --statistics reports 0 fuzzy and 0 untranslated"
        else
            tap_ok "$lang: msgfmt --check --statistics reports 0 fuzzy and 0 untranslated"
        fi
    else
        tap_diag <"$TMP/stats"
        tap_fail "$lang: msgfmt --check accepts po/$lang.po"
    fi

    # msgcmp: every msgid of the current template must have a translation.
    if LC_ALL=C msgcmp "$po" "$TMP/current.pot" >"$TMP/cmp" 2>&1; then
        tap_ok "$lang: every string in the current sources is translated"
    else
        tap_diag <"$TMP/cmp"
        tap_fail "$lang: every string in the current sources is translated (run: ninja -C build nm-metric-fix-update-po, then translate)"
    fi

    if [ -z "$(msgattrib --only-obsolete "$po" 2>/dev/null)" ]; then
        tap_ok "$lang: no obsolete entries"
    else
        tap_fail "$lang: no obsolete entries (delete the #~ entries)"
    fi

    # For each message: the --options in msgid must reappear in msgstr.
    # shellcheck disable=SC2016
    if msgexec -i "$po" sh -c '
        [ -z "$MSGEXEC_MSGID" ] && exit 0
        str=$(cat)
        for opt in $(printf "%s\n" "$MSGEXEC_MSGID" | grep -o -- "--[a-z][a-z0-9-]*" | sort -u); do
            case $str in
            *"$opt"*) ;;
            *) echo "$MSGEXEC_LOCATION: $opt is missing or translated"; exit 1 ;;
            esac
        done' >"$TMP/opts" 2>&1; then
        tap_ok "$lang: option names are kept untranslated"
    else
        tap_diag <"$TMP/opts"
        tap_fail "$lang: option names are kept untranslated"
    fi
done

tap_finish
