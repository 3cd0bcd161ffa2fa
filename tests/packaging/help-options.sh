# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# help-options.sh - what the packaging tests compare against `--help`; sourced.

# The long options of the option table in `BINARY --help`, one per line, without
# "=ARG" (the prose below the table is not looked at).
nmf_help_options() {
    LC_ALL=C LANGUAGE='' "$1" --help |
        sed -n 's/^ \{1,\}\(-[A-Za-z0-9?], \)\{0,1\}\(--[a-z][a-z0-9-]*\).*/\2/p' |
        sort -u
}
