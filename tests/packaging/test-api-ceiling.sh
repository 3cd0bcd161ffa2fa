#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The libnm API ceiling: src/adapters/nmf-nm.c and src/adapters/nmf-nm-write.c, the libnm adapter
# (the only files that talk to libnm), must be compiled against the
# NetworkManager 1.14 API (RHEL 8.0) with newer symbols turned into errors.
# TAP output.
#
# usage: test-api-ceiling.sh BUILD_DIR
#
#  1-3  every compile command of src/adapters/nmf-nm.c and src/adapters/nmf-nm-write.c in
#       BUILD_DIR/compile_commands.json
#       carries -DNM_VERSION_MIN_REQUIRED=NM_VERSION_1_14,
#       -DNM_VERSION_MAX_ALLOWED=NM_VERSION_1_14 and -Werror=deprecated-declarations;
#  4    the flags bite: that very command rejects a call to a libnm 1.20 function;
#  5    control: the same probe compiles without the three flags, so (4) failed
#       because of the ceiling and not because the probe is broken.

set -u
# shellcheck source=../tap.sh
. "$(dirname "$0")/../tap.sh"

BUILD=${1:-}
DB=$BUILD/compile_commands.json
[ -f "$DB" ] || tap_bail "usage: test-api-ceiling.sh BUILD_DIR (no $DB)"
command -v python3 >/dev/null || tap_bail "python3 is needed to read $DB"

FLAGS="-DNM_VERSION_MIN_REQUIRED=NM_VERSION_1_14 -DNM_VERSION_MAX_ALLOWED=NM_VERSION_1_14 -Werror=deprecated-declarations"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# The compile commands of the libnm adapter (one per file and target), each
# written to TMP/argsN: the directory on the first line, then one argument per line.
cat >"$TMP/extract.py" <<'PY'
import json, shlex, sys

entries = [e for e in json.load(open(sys.argv[1]))
           if e["file"].replace("\\", "/").endswith(("src/adapters/nmf-nm.c", "src/adapters/nmf-nm-write.c"))]
if len({e["file"] for e in entries}) < 2:
    sys.exit(1)
for n, e in enumerate(entries):
    args = e["arguments"] if "arguments" in e else shlex.split(e["command"])
    with open("%s/args%d" % (sys.argv[2], n), "w") as f:
        f.write("\n".join([e["directory"]] + args) + "\n")
PY
python3 "$TMP/extract.py" "$DB" "$TMP" || tap_bail "src/adapters/nmf-nm.c or src/adapters/nmf-nm-write.c is not in $DB"

for flag in $FLAGS; do
    missing=0
    for f in "$TMP"/args*; do
        tail -n +2 "$f" | grep -qxF -- "$flag" || missing=$((missing + 1))
    done
    tap_check "the libnm adapter is compiled with $flag" [ $missing -eq 0 ]
done

DIR=$(head -n1 "$TMP/args0")
mapfile -t ARGS < <(tail -n +2 "$TMP/args0")

# The probe calls nm_client_connectivity_check_get_uri(), new in libnm 1.20.
cat >"$TMP/probe.c" <<'C'
#include <NetworkManager.h>

const char *probe(NMClient *client);

const char *
probe(NMClient *client)
{
    return nm_client_connectivity_check_get_uri(client);
}
C

# Rebuild the command for the probe: same compiler and flags, new input, no
# dependency file.  $1 = yes to keep the ceiling flags, no to drop them.
probe_command() {
    local keep=$1 skip=0 a
    PROBE=()
    for a in "${ARGS[@]}"; do
        if [ $skip = 1 ]; then
            skip=0
            continue
        fi
        case $a in
        -o | -MF | -MQ | -MT) skip=1; continue ;;
        -c | -MD | -MMD) continue ;;
        *nmf-nm.c | *nmf-nm-write.c) continue ;;
        esac
        if [ "$keep" = no ] && [[ " $FLAGS " == *" $a "* ]]; then
            continue
        fi
        PROBE+=("$a")
    done
    PROBE+=(-c "$TMP/probe.c" -o "$TMP/probe.o")
}

probe_command yes
if (cd "$DIR" && "${PROBE[@]}") >"$TMP/ceiling.log" 2>&1; then
    tap_fail "the ceiling rejects a libnm 1.20 function (the probe compiled)"
elif grep -q 'nm_client_connectivity_check_get_uri' "$TMP/ceiling.log" &&
    grep -Eq 'deprecated|unavailable' "$TMP/ceiling.log"; then
    tap_ok "the ceiling rejects a libnm 1.20 function"
else
    tap_fail "the ceiling rejects a libnm 1.20 function (failed for another reason)"
    tap_diag <"$TMP/ceiling.log"
fi

probe_command no
if (cd "$DIR" && "${PROBE[@]}") >"$TMP/control.log" 2>&1; then
    tap_ok "control: the probe compiles without the ceiling"
else
    tap_fail "control: the probe compiles without the ceiling"
    tap_diag <"$TMP/control.log"
fi

tap_finish
