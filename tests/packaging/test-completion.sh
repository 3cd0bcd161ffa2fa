#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bash completion for nm-metric-fix, and for nm-metric-fix-trace when its
# binary is given (built with libvirt).  TAP output.
#
# usage: test-completion.sh SOURCE_DIR NM_METRIC_FIX_BINARY [TRACE_BINARY]
#
# Sources data/nm-metric-fix.bash-completion in a clean bash, fills COMP_WORDS
# the way bash would, calls the registered function and checks COMPREPLY.  Runs
# once standalone and, when the bash-completion library is installed, once
# more on top of it (the script uses _init_completion/_filedir when present).
# The trace's DOMAIN comes from a stand-in `virsh` first on PATH, which names
# other domains for --connect test:///lab than for the default connection.

set -u
# shellcheck source=../tap.sh
. "$(dirname "$0")/../tap.sh"
# shellcheck source=help-options.sh
. "$(dirname "$0")/help-options.sh"

SRC=${1:-}
BIN=${2:-}
TRACE_BIN=${3:-}
SCRIPT=$SRC/data/nm-metric-fix.bash-completion
TRACE_SCRIPT=$SRC/data/nm-metric-fix-trace.bash-completion
[ -f "$SCRIPT" ] && [ -x "$BIN" ] || tap_bail "usage: test-completion.sh SOURCE_DIR BINARY [TRACE_BINARY]"
[ -z "$TRACE_BIN" ] || [ -x "$TRACE_BIN" ] || tap_bail "$TRACE_BIN is not executable"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
: >"$TMP/site.conf"
: >"$TMP/site.conf.new"
mkdir "$TMP/other" "$TMP/bin"
cat >"$TMP/bin/virsh" <<'EOF'
#!/bin/sh
# Stand-in for virsh: `[--connect URI] list --all --name`.
case "$*" in
    "--connect test:///lab list --all --name") printf 'lab-guest\nlab-router\n' ;;
    "list --all --name") printf 'web1\nweb2\ndb1\n' ;;
    *) echo "virsh stand-in: unexpected arguments: $*" >&2; exit 1 ;;
esac
EOF
chmod +x "$TMP/bin/virsh"

# complete_with SCRIPT MODE COMMAND WORD... : print COMPREPLY, one per line,
# for the command line COMMAND WORD... with the cursor at the end of the last
# word, SCRIPT's completion loaded.  MODE is "plain" or the path of the
# bash-completion library to load first.  Words are split as bash splits them
# (COMP_WORDBREAKS: "--config" "=" "x", "qemu" ":" "///system").
complete_with() {
    local script=$1 mode=$2
    shift 2
    env -i PATH="$TMP/bin:$PATH" HOME="$TMP" LC_ALL=C bash --norc --noprofile -c '
        mode=$1 script=$2
        shift 2
        if [ "$mode" != plain ]; then
            . "$mode" || exit 2
        fi
        . "$script" || exit 2
        spec=$(complete -p "$1" 2>/dev/null) || { echo "not registered" >&2; exit 3; }
        func=${spec#*-F }
        func=${func%% *}
        COMP_WORDS=("$@")
        COMP_CWORD=$(($# - 1))
        COMP_LINE="$*"
        COMP_LINE=${COMP_LINE// = /=} # "--config" "=" "x" was typed as --config=x
        COMP_LINE=${COMP_LINE// : /:}
        COMP_POINT=${#COMP_LINE}
        COMPREPLY=()
        "$func" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}" 2>/dev/null
        printf "%s\n" "${COMPREPLY[@]}"
    ' complete-test "$mode" "$script" "$@"
}

complete_words() { # MODE WORD...: nm-metric-fix
    complete_with "$SCRIPT" "$@"
}

complete_trace() { # MODE WORD...: nm-metric-fix-trace
    complete_with "$TRACE_SCRIPT" "$@"
}

# words OUT: OUT's lines sorted, on one line.
words() {
    printf '%s\n' "$1" | sort | tr '\n' ' '
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
trace_options=
if [ -n "$TRACE_BIN" ]; then
    trace_options=$(nmf_help_options "$TRACE_BIN")
    [ -n "$trace_options" ] || tap_bail "no long options found in '$TRACE_BIN --help'"
fi

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

    if [ -z "$TRACE_BIN" ]; then
        tap_skip "$tag: nm-metric-fix-trace" "built without libvirt (no nm-metric-fix-trace)"
        continue
    fi

    out=$(complete_trace "$mode" nm-metric-fix-trace --co)
    tap_check "$tag: trace: --co completes to --connect (got: $(words "$out"))" [ "$out" = "--connect" ]

    out=$(complete_trace "$mode" nm-metric-fix-trace --)
    missing=
    for opt in $trace_options; do
        printf '%s\n' "$out" | grep -qxF -- "$opt" || missing="$missing $opt"
    done
    extra=
    for opt in $out; do
        printf '%s\n' "$trace_options" | grep -qxF -- "$opt" || extra="$extra $opt"
    done
    tap_check "$tag: trace: -- offers exactly the long options of its --help${missing:+ (missing:$missing)}${extra:+ (not in --help:$extra)}" \
        [ -z "$missing$extra" ]

    out=$(complete_trace "$mode" nm-metric-fix-trace "")
    tap_check "$tag: trace: DOMAIN completes to the default connection's domains (got: $(words "$out"))" \
        [ "$(words "$out")" = "db1 web1 web2 " ]

    out=$(complete_trace "$mode" nm-metric-fix-trace --seconds 3 w)
    tap_check "$tag: trace: after --seconds N, DOMAIN still completes (got: $(words "$out"))" \
        [ "$(words "$out")" = "web1 web2 " ]

    out=$(complete_trace "$mode" nm-metric-fix-trace --connect test : ///lab --json "")
    tap_check "$tag: trace: --connect URI DOMAIN asks that connection (got: $(words "$out"))" \
        [ "$(words "$out")" = "lab-guest lab-router " ]

    out=$(complete_trace "$mode" nm-metric-fix-trace --connect = test : ///lab lab-g)
    tap_check "$tag: trace: --connect=URI DOMAIN asks that connection (got: $(words "$out"))" \
        [ "$out" = "lab-guest" ]

    out=$(complete_trace "$mode" nm-metric-fix-trace web1 "")
    tap_check "$tag: trace: PEER (an address) offers nothing (got: $(words "$out"))" [ -z "$out" ]

    out=$(complete_trace "$mode" nm-metric-fix-trace --seconds "")
    tap_check "$tag: trace: --seconds N offers nothing (got: $(words "$out"))" [ -z "$out" ]
done

[ "$modes" = plain ] && tap_skip "with the bash-completion library" "bash-completion is not installed"

tap_finish
