#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bash completion for nm-metric-fix.  TAP output.
#
# usage: test-completion.sh SOURCE_DIR NM_METRIC_FIX_BINARY
#
# Sources data/nm-metric-fix.bash-completion in a clean bash, fills COMP_WORDS
# the way bash would, calls the registered function and checks COMPREPLY.  Runs
# once standalone and, when the bash-completion library is installed, once
# more on top of it (the script uses _init_completion/_filedir when present).

set -u
# shellcheck source=../tap.sh
. "$(dirname "$0")/../tap.sh"
# shellcheck source=help-options.sh
. "$(dirname "$0")/help-options.sh"

SRC=${1:-}
BIN=${2:-}
SCRIPT=$SRC/data/nm-metric-fix.bash-completion
[ -f "$SCRIPT" ] && [ -x "$BIN" ] || tap_bail "usage: test-completion.sh SOURCE_DIR BINARY"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
: >"$TMP/site.conf"
: >"$TMP/site.conf.new"
mkdir "$TMP/other"

# complete MODE WORD... : print COMPREPLY, one per line, for the command line
# WORD... with the cursor at the end of the last word.  MODE is "plain" or the
# path of the bash-completion library to load first.
complete_words() {
    local mode=$1
    shift
    env -i PATH="$PATH" HOME="$TMP" LC_ALL=C bash --norc --noprofile -c '
        mode=$1 script=$2
        shift 2
        if [ "$mode" != plain ]; then
            . "$mode" || exit 2
        fi
        . "$script" || exit 2
        spec=$(complete -p nm-metric-fix 2>/dev/null) || { echo "not registered" >&2; exit 3; }
        func=${spec#*-F }
        func=${func%% *}
        COMP_WORDS=("$@")
        COMP_CWORD=$(($# - 1))
        COMP_LINE="$*"
        COMP_LINE=${COMP_LINE// = /=} # "--config" "=" "x" was typed as --config=x
        COMP_POINT=${#COMP_LINE}
        COMPREPLY=()
        "$func" nm-metric-fix "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}" 2>/dev/null
        printf "%s\n" "${COMPREPLY[@]}"
    ' complete-test "$mode" "$SCRIPT" "$@"
}

modes=plain
for lib in /usr/share/bash-completion/bash_completion /etc/bash_completion; do
    if [ -f "$lib" ]; then
        modes="$modes $lib"
        break
    fi
done

help_options=$(nmf_help_options "$BIN")
[ -n "$help_options" ] || tap_bail "no long options found in '$BIN --help'"

for mode in $modes; do
    tag=$([ "$mode" = plain ] && echo standalone || echo "with $(basename "$mode")")

    out=$(complete_words "$mode" nm-metric-fix --st)
    if [ "$out" = "--status" ]; then
        tap_ok "$tag: --st completes to --status"
    else
        tap_fail "$tag: --st completes to --status (got: $(printf '%s ' $out))"
    fi

    out=$(complete_words "$mode" nm-metric-fix --fix --dr)
    tap_check "$tag: --fix --dr completes to --dry-run" [ "$out" = "--dry-run" ]

    out=$(complete_words "$mode" nm-metric-fix --)
    missing=
    for opt in $help_options; do
        printf '%s\n' "$out" | grep -qxF -- "$opt" || missing="$missing $opt"
    done
    tap_check "$tag: -- offers every long option of --help${missing:+ (missing:$missing)}" \
        [ -z "$missing" ]

    out=$(complete_words "$mode" nm-metric-fix --config "$TMP/site")
    tap_check "$tag: --config FILE completes file names" \
        [ "$(printf '%s\n' "$out" | sort | tr '\n' ' ')" = "$TMP/site.conf $TMP/site.conf.new " ]

    out=$(complete_words "$mode" nm-metric-fix --config = "$TMP/oth")
    tap_check "$tag: --config=FILE completes file names" [ "$out" = "$TMP/other" ]

    out=$(complete_words "$mode" nm-metric-fix --check "")
    tap_check "$tag: --check ADDRESS offers nothing" [ -z "$out" ]

    out=$(complete_words "$mode" nm-metric-fix --status "")
    tap_check "$tag: after --status all options are offered again" \
        eval 'printf "%s\n" "$out" | grep -qxF -- --json'
done

[ "$modes" = plain ] && tap_skip "with the bash-completion library" "bash-completion is not installed"

tap_finish
