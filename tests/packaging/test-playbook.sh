#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# contrib/ansible/check-nm-metric-fix.yml: `ansible-lint` (production profile, offline)
# finds nothing and `ansible-playbook --syntax-check` accepts it.  The lab test
# tests/integration/test-fleet.sh runs it against a guest.  TAP; each check skips
# without its tool (Debian: ansible-lint, ansible-core).
#
# usage: test-playbook.sh SOURCE_DIR
set -u
. "$(dirname "$0")/../tap.sh"

SRC=${1:-}
PLAYBOOK=$SRC/contrib/ansible/check-nm-metric-fix.yml
[ -f "$PLAYBOOK" ] || tap_bail "usage: test-playbook.sh SOURCE_DIR"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# Ansible wants a UTF-8 locale and a home for its temporary files.
export LC_ALL=C.UTF-8 HOME=$TMP ANSIBLE_LOCAL_TEMP=$TMP/tmp ANSIBLE_NOCOLOR=1

tap_plan 2
if command -v ansible-lint >/dev/null; then
    out=$(cd "$(dirname "$PLAYBOOK")" && ansible-lint --offline --nocolor --profile production \
        "$(basename "$PLAYBOOK")" 2>&1)
    rc=$?
    tap_diag <<<"$out"
    tap_check "ansible-lint --profile production finds nothing (exit $rc)" [ "$rc" = 0 ]
else
    tap_skip "ansible-lint finds nothing" "ansible-lint not installed"
fi
if command -v ansible-playbook >/dev/null; then
    out=$(ansible-playbook --syntax-check -i localhost, "$PLAYBOOK" 2>&1)
    rc=$?
    tap_diag <<<"$out"
    tap_check "ansible-playbook --syntax-check accepts it (exit $rc)" [ "$rc" = 0 ]
else
    tap_skip "ansible-playbook --syntax-check accepts it" "ansible-core not installed"
fi
tap_finish
