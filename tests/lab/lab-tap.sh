# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# lab-tap.sh - what every lab test adds to the TAP library (tests/tap.sh): the
# BUILD_DIR argument, the checks that skip without root or network namespaces,
# the lab's logs on failure, staging the product and running it in the guest.
# Source it after lab.sh; it sources tests/tap.sh.
#
# Globals: BUILD_DIR (absolute), STAGE (after stage_product), NMF_RC/NMF_OUT/
# NMF_ERR (after nmf); TAP_N, TAP_FAILED and WHY come from tests/tap.sh.

# shellcheck source=../tap.sh
. "$(dirname "${BASH_SOURCE[0]}")/../tap.sh"

NMF=${NMF:-/usr/local/bin/nm-metric-fix}   # where the lab installs the helper

# Every bail-out and every failed test leaves the lab's logs in the TAP output.
tap_on_failure lab_dump

# tap_setup SCRIPT-ARG1 [COMMAND...]: take the build directory from the first
# argument; skip (1..0 # SKIP) without root or network namespaces; bail out
# when the lab's tools or one of the COMMANDs are missing.
tap_setup() {
    local build=${1:-} tool
    shift
    if [ -z "$build" ] || [ ! -d "$build" ]; then
        echo "Bail out! usage: $(basename "$0") BUILD_DIR (got '$build')"
        exit 1
    fi
    BUILD_DIR=$(readlink -f "$build")
    if [ "$(id -u)" != 0 ]; then
        echo "1..0 # SKIP needs root (network namespaces, mounts)"
        exit 0
    fi
    if ! unshare --net true 2>/dev/null || ! command -v ip >/dev/null 2>&1; then
        echo "1..0 # SKIP no network namespace support"
        exit 0
    fi
    for tool in meson "$@"; do
        if ! command -v "$tool" >/dev/null 2>&1; then
            echo "Bail out! missing tool $tool"
            exit 1
        fi
    done
    if ! lab_check_requirements; then
        echo "Bail out! missing lab tools (see tests/lab/README.md)"
        exit 1
    fi
}

# stage_product: `meson install` the build into $LAB_DIR/stage (STAGE).
stage_product() {
    lab_stage "$BUILD_DIR" || bail "staging $BUILD_DIR failed"
    STAGE=$LAB_STAGE
    [ -e "$STAGE/etc/NetworkManager/dispatcher.d/90-nm-metric-fix" ] ||
        bail "stage has no etc/NetworkManager/dispatcher.d/90-nm-metric-fix"
}

# nmf ARGS...: run the staged helper in the guest; sets NMF_RC, NMF_OUT, NMF_ERR.
nmf() {
    lab_guest "$NMF" "$@" >"$LAB_DIR/nmf.out" 2>"$LAB_DIR/nmf.err"
    NMF_RC=$?
    NMF_OUT=$(tr -d '\0' <"$LAB_DIR/nmf.out")
    NMF_ERR=$(tr -d '\0' <"$LAB_DIR/nmf.err")
    diag "\$ nm-metric-fix $* -> exit $NMF_RC"
    [ -z "$NMF_OUT" ] || diag "$(sed 's/^/  /' "$LAB_DIR/nmf.out" | cat -v)"
    [ -z "$NMF_ERR" ] || diag "$(sed 's/^/  /' "$LAB_DIR/nmf.err" | cat -v)"
}

# last_line TEXT: its last non-empty line (the --status verdict).
last_line() {
    printf '%s\n' "$1" | awk 'NF { l = $0 } END { print l }'
}

# lab_json_check SCHEMA DOC PYTHON: DOC (a file) validates against SCHEMA (when
# python3-jsonschema is installed), then the assertions PYTHON run with the
# document in `doc` (and, for the trace's documents, its hops by device in
# `hops`); they print why they fail.
lab_json_check() {
    python3 - "$1" "$2" "$3" <<'EOF' 2>&1
import json, sys
schema = json.load(open(sys.argv[1]))
doc = json.load(open(sys.argv[2]))
try:
    import jsonschema
    cls = jsonschema.validators.validator_for(schema)
    cls(schema, format_checker=cls.FORMAT_CHECKER).validate(doc)
except ImportError:
    print("# python3 jsonschema missing: schema not checked")
hops = {h["device"]: h for h in doc.get("hops", [])} if isinstance(doc, dict) else {}
exec(sys.argv[3])
EOF
}
