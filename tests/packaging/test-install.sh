#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# What `meson install` puts on a system, and with which modes.  TAP output.
#
# usage: test-install.sh BUILD_DIR
#
# Stages `meson install --destdir` in a temporary root, then checks the exact
# file list (nothing missing, nothing unexpected) and the modes: NetworkManager
# runs a dispatcher script only if it is owned by root, executable, and not
# writable by group or others, so the hook must be root-owned 0755.

set -u
# shellcheck source=../tap.sh
. "$(dirname "$0")/../tap.sh"

BUILD=${1:-}
[ -f "$BUILD/meson-info/intro-buildoptions.json" ] || tap_bail "usage: test-install.sh BUILD_DIR"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
ROOT=$TMP/root

# Installation directories as configured: prefix, bindir, ... and dispatcher_dir.
eval "$(python3 - "$BUILD" <<'PY'
import json, os, shlex, sys
opts = {o["name"]: o["value"] for o in
        json.load(open(os.path.join(sys.argv[1], "meson-info", "intro-buildoptions.json")))}
p = opts["prefix"]
for name in ("bindir", "libexecdir", "datadir", "mandir", "localedir", "sysconfdir"):
    print("%s=%s" % (name.upper(), shlex.quote(os.path.join(p, opts[name]))))
print("PREFIX=%s" % shlex.quote(p))
print("UNITDIR=%s" % shlex.quote(opts.get("systemdunitdir") or os.path.join(p, "lib/systemd/system")))
print("DISPATCHERDIR=%s" % shlex.quote(opts.get("dispatcher_dir") or "/etc/NetworkManager/dispatcher.d"))
PY
)" || tap_bail "cannot read the build options of $BUILD"

# Where data/meson.build puts the completion: bash-completion's completionsdir
# re-rooted on our datadir, or DATADIR/bash-completion/completions.
COMPLETIONSDIR=$DATADIR/bash-completion/completions
if pkg-config --exists bash-completion 2>/dev/null; then
    COMPLETIONSDIR=$(pkg-config --define-variable=datadir="$DATADIR" \
        --variable=completionsdir bash-completion)
fi

BIN=$BINDIR/nm-metric-fix
HOOK=$DISPATCHERDIR/90-nm-metric-fix
EXPECTED="$BIN
$LIBEXECDIR/nm-metric-fix-hook
$LIBEXECDIR/nm-metric-fix-observe
$LIBEXECDIR/nm-metric-fix-export
$LIBEXECDIR/nm-metric-fix-textfile
$UNITDIR/nm-metric-fix-status.service
$UNITDIR/nm-metric-fix-status.timer
$SYSCONFDIR/sysconfig/nm-metric-fix
$HOOK
$MANDIR/man8/nm-metric-fix.8
$MANDIR/man5/nm-metric-fix.conf.5
$LOCALEDIR/zh_CN/LC_MESSAGES/nm-metric-fix.mo
$COMPLETIONSDIR/nm-metric-fix
$DATADIR/doc/nm-metric-fix/nm-metric-fix.conf.example
$DATADIR/doc/nm-metric-fix/README.md
$DATADIR/doc/nm-metric-fix/doc/how-it-decides.md
$DATADIR/doc/nm-metric-fix/doc/layout.md
$DATADIR/doc/nm-metric-fix/doc/performance.md
$DATADIR/doc/nm-metric-fix/doc/releases.md
$DATADIR/doc/nm-metric-fix/status-schema.json
$DATADIR/doc/nm-metric-fix/check-schema.json
$DATADIR/doc/nm-metric-fix/observe-schema.json"
# Built with libvirt: the host-side trace, its page, completion and schema.
if [ -x "$BUILD/src/nm-metric-fix-trace" ]; then
    EXPECTED="$EXPECTED
$BINDIR/nm-metric-fix-trace
$MANDIR/man8/nm-metric-fix-trace.8
$COMPLETIONSDIR/nm-metric-fix-trace
$DATADIR/doc/nm-metric-fix/trace-schema.json"
fi

if meson install -C "$BUILD" --no-rebuild --destdir "$ROOT" >"$TMP/install.log" 2>&1; then
    tap_ok "meson install --destdir succeeds"
else
    tap_diag <"$TMP/install.log"
    tap_fail "meson install --destdir succeeds"
    tap_finish
fi

while read -r f; do
    tap_check "installs $f" test -f "$ROOT$f"
done <<<"$EXPECTED"

extra=$(cd "$ROOT" && find . ! -type d | sed 's|^\.||' | sort |
    comm -23 - <(printf '%s\n' "$EXPECTED" | sort))
if [ -z "$extra" ]; then
    tap_ok "installs nothing else"
else
    printf '%s\n' "$extra" | tap_diag
    tap_fail "installs nothing else (unexpected files above; add them to this test and to data/nm-metric-fix.spec %files)"
fi

mode_of() { stat -c %a "$ROOT$1" 2>/dev/null; }

tap_check "the hook has mode 0755 (got $(mode_of "$HOOK"))" [ "$(mode_of "$HOOK")" = 755 ]
perm=$(stat -c %A "$ROOT$HOOK" 2>/dev/null)
if [ -n "$perm" ] && [ "${perm:5:1}" != w ] && [ "${perm:8:1}" != w ]; then
    tap_ok "the hook is not writable by group or others ($perm)"
else
    tap_fail "the hook is not writable by group or others ($perm)"
fi
if [ "$(id -u)" = 0 ]; then
    tap_check "the hook is owned by root:root" [ "$(stat -c %u:%g "$ROOT$HOOK")" = 0:0 ]
else
    tap_skip "the hook is owned by root:root" "not running as root; ownership follows the installing user"
fi
tap_check "the hook is a valid sh script" sh -n "$ROOT$HOOK"
FASTPATH=$LIBEXECDIR/nm-metric-fix-hook
tap_check "the hook execs the installed fast path $FASTPATH" \
    grep -qF "exec $FASTPATH " "$ROOT$HOOK"
tap_check "the fast path starts the installed helper $BIN" grep -qaF "$BIN" "$ROOT$FASTPATH"
tap_check "the fast path has mode 0755 (got $(mode_of "$FASTPATH"))" [ "$(mode_of "$FASTPATH")" = 755 ]
tap_check "the helper has mode 0755 (got $(mode_of "$BIN"))" [ "$(mode_of "$BIN")" = 755 ]
TEXTFILE=$LIBEXECDIR/nm-metric-fix-textfile
tap_check "the status timer's script has mode 0755 (got $(mode_of "$TEXTFILE"))" [ "$(mode_of "$TEXTFILE")" = 755 ]
tap_check "the status timer's script runs the installed helper $BIN" \
    grep -qF "$BIN --status --prometheus" "$ROOT$TEXTFILE"
tap_check "the status service runs the installed script and reads $SYSCONFDIR/sysconfig/nm-metric-fix" \
    eval 'grep -qx "ExecStart=$TEXTFILE" "$ROOT$UNITDIR/nm-metric-fix-status.service" &&
        grep -qx "EnvironmentFile=-$SYSCONFDIR/sysconfig/nm-metric-fix" "$ROOT$UNITDIR/nm-metric-fix-status.service"'

bad=
while read -r f; do
    case $f in "$BIN" | "$BINDIR/nm-metric-fix-trace" | "$HOOK" | "$FASTPATH" | "$LIBEXECDIR"/nm-metric-fix-*) continue ;; esac
    [ "$(mode_of "$f")" = 644 ] || bad="$bad $f:$(mode_of "$f")"
done <<<"$EXPECTED"
tap_check "data files have mode 0644${bad:+ (wrong:$bad)}" [ -z "$bad" ]

tap_finish
