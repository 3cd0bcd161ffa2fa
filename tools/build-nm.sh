#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build an upstream NetworkManager release from its source tarball into a
# cached prefix, for the namespace lab's version matrix (tests/lab/lab.sh runs
# it with LAB_NM_PREFIX=PREFIX).  Debian 12, as root.
#
#   tools/build-nm.sh VERSION...            # e.g. 1.14.0 1.40.16 1.48.10
#   tools/build-nm.sh --prefix VERSION      # print the prefix path only
#   tools/build-nm.sh --deps                # install the build dependencies only
#
# Environment:
#   NMF_NM_SRC_DIR     tarballs NetworkManager-VERSION.tar.xz
#                      (default: ../shared/nm-src next to the repository)
#   NMF_NM_CACHE_DIR   where prefixes live (default /var/cache/nm-metric-fix);
#                      VERSION goes to CACHE/nm-VERSION
#   NMF_NM_WORK_DIR    scratch build tree (default /var/tmp/nm-metric-fix-build)
#   NMF_SKIP_INSTALL=1 do not install build dependencies
#   NMF_NM_JOBS=N      ninja -j (default: number of CPUs)
#   NMF_POLICY_RC_D=F  the policy-rc.d put in place while apt-get runs (default
#                      /usr/sbin/policy-rc.d; tests point it elsewhere)
#
# A prefix is reused when its stamp (PREFIX/.nmf-recipe) holds the current
# recipe hash (the patched source tree, meson options, CFLAGS, build
# dependencies); otherwise it is rebuilt.  The
# build itself runs under `nice -n 10`.
#
# Only what the lab needs is built: the daemon, its internal DHCP client,
# nm-dispatcher, libnm and nmcli; no polkit, PPP, ModemManager, teamd, OVS,
# Wi-Fi, Bluetooth, introspection, docs or tests.  The RHEL 8 releases
# (1.14 .. 1.40) get the ifcfg-rh settings plugin, as RHEL builds them.
#
# Source fixes (applied to the unpacked tarball, never committed code):
#   1.14: systemd's vendored gettid() wrapper is renamed (glibc >= 2.30 has
#         its own), -fcommon (GCC >= 10 made -fno-common the default and 1.14
#         defines globals in headers), and one custom_target that lists a
#         generated header as a plain string input gets a files() fix.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
src_dir=${NMF_NM_SRC_DIR:-$repo/../shared/nm-src}
cache_dir=${NMF_NM_CACHE_DIR:-/var/cache/nm-metric-fix}
work_dir=${NMF_NM_WORK_DIR:-/var/tmp/nm-metric-fix-build}
jobs=${NMF_NM_JOBS:-$(nproc)}

die() {
    echo "build-nm: $*" >&2
    exit 1
}

if [ "${1:-}" = --prefix ]; then
    [ $# -eq 2 ] || die "usage: build-nm.sh --prefix VERSION"
    echo "$cache_dir/nm-$2"
    exit 0
fi
[ $# -ge 1 ] || die "usage: build-nm.sh VERSION... (tarballs in $src_dir)"

# Debian packages a NetworkManager build needs with the features below.
build_deps=(
    meson ninja-build pkg-config gcc python3 gettext perl xz-utils
    libglib2.0-dev libdbus-1-dev libndp-dev libudev-dev udev uuid-dev
    libgnutls28-dev libreadline-dev intltool xsltproc
)

install_deps() {
    local missing=() p policy=${NMF_POLICY_RC_D:-/usr/sbin/policy-rc.d} created_policy=
    for p in "${build_deps[@]}"; do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
            missing+=("$p")
    done
    [ ${#missing[@]} -gt 0 ] || return 0
    echo "build-nm: installing ${missing[*]}"
    # No service may start on the machine while packages are installed; an
    # existing policy-rc.d is someone else's and stays as it is.
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\n# nm-metric-fix build-nm.sh: start no services\nexit 101\n' >"$policy"
        chmod 755 "$policy"
        created_policy=1
    fi
    local rc=0
    {
        DEBIAN_FRONTEND=noninteractive apt-get update -q &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
                "${missing[@]}"
    } || rc=$?
    if [ -n "$created_policy" ]; then rm -f "$policy"; fi
    [ "$rc" = 0 ] || die "installing build dependencies failed (apt-get exit $rc)"
}

# recipe_hash SRC OPTS...: what a prefix is built from: the patched source
# tree (tarball plus this script's fixes for that release), the meson options,
# CFLAGS and the build dependencies.  A change elsewhere in this script (e.g.
# a fix for another release) leaves the hash, and the prefix, as they are.
recipe_hash() {
    local src=$1
    shift
    {
        (cd "$src" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
        printf 'opt %s\n' "$@"
        printf 'deps %s\n' "${build_deps[*]}"
    } | sha256sum | cut -d' ' -f1
}

# meson_off SRC NAME...: "-DNAME=<off value>" for each option this release
# has, in the form its meson_options.txt wants (boolean false; combo no /
# false / disabled).
meson_off() {
    local src=$1 name line
    shift
    for name in "$@"; do
        # 1.48 does not link without --gc-sections (its vendored systemd code
        # calls functions it does not build); 1.14 .. 1.40 keep it off.
        if [ "$name" = ld_gc ] && [ -n "${keep_ld_gc:-}" ]; then continue; fi
        line=$(grep -E "^option\('$name'," "$src/meson_options.txt" || true)
        [ -n "$line" ] || continue
        case $line in
        *"type: 'boolean'"*) echo "-D$name=false" ;;
        *"'no'"*) echo "-D$name=no" ;;
        *"'false'"*) echo "-D$name=false" ;;
        *"'disabled'"*) echo "-D$name=disabled" ;;
        *) die "do not know how to turn off $name: $line" ;;
        esac
    done
}

# meson_set SRC NAME VALUE: "-DNAME=VALUE" when this release has the option.
meson_set() {
    if grep -qE "^option\('$2'," "$1/meson_options.txt"; then echo "-D$2=$3"; fi
}

# patch_source VERSION SRC: the fixes a release needs to build on Debian 12.
patch_source() {
    local version=$1 src=$2 f
    case $version in
    1.14.*)
        # glibc >= 2.30 declares gettid(); systemd's copy in NM clashes with it.
        for f in src/systemd/sd-adapt/nm-sd-adapt.h src/systemd/src/basic/process-util.c \
            src/systemd/src/basic/random-util.c src/systemd/src/libsystemd/sd-event/sd-event.c; do
            sed -i 's/\<gettid\>/nm_sd_gettid/g' "$src/$f"
        done
        # The symbol-map target names the source directory as its input; a
        # directory is no file to newer meson: pass it on the command line.
        sed -i -e '/^  input: meson.source_root(),$/d' \
            -e "s|'--called-from-build', '@INPUT@'\]|'--called-from-build', meson.source_root()]|" \
            "$src/src/meson.build"
        # That map lists only symbols of libNetworkManager.a, not those of the
        # libnm-core and logging code linked in beside it, so the settings
        # plugins (ifcfg-rh) fail to load with undefined symbols: export
        # everything instead (-rdynamic alone, as with autotools' builds).
        sed -i "s|^ldflags = \['-rdynamic', '-Wl,--version-script,@0@'.format(ver_script.full_path())\]|ldflags = ['-rdynamic']|" \
            "$src/src/meson.build"
        grep -q "'--called-from-build', meson.source_root()]" "$src/src/meson.build" &&
            grep -q "^ldflags = \['-rdynamic'\]$" "$src/src/meson.build" ||
            die "1.14 symbol-map fixes did not apply"
        ;;
    1.48.*)
        # Its vendored sd-dhcp-duid.c calls sd_id128_get_machine_app_specific(),
        # which NM compiles out (NM_IGNORED): the link of NetworkManager-all-sym
        # fails.  NetworkManager makes its DUIDs itself; that path is dead here.
        f=$src/src/libnm-systemd-core/src/libsystemd-network/sd-dhcp-duid.c
        sed -i 's/r = sd_id128_get_machine_app_specific(APPLICATION_ID, &machine_id);/r = -EOPNOTSUPP; (void) machine_id;/' "$f"
        grep -q 'r = -EOPNOTSUPP; (void) machine_id;' "$f" || die "1.48 sd-dhcp-duid fix did not apply"
        ;;
    esac
}

build_one() {
    local version=$1 tarball prefix stamp hash src bld stage t0 opts=()
    tarball=$src_dir/NetworkManager-$version.tar.xz
    [ -f "$tarball" ] || die "no tarball $tarball (set NMF_NM_SRC_DIR)"
    prefix=$cache_dir/nm-$version
    stamp=$prefix/.nmf-recipe
    src=$work_dir/NetworkManager-$version
    bld=$work_dir/build-$version
    stage=$work_dir/stage-$version
    rm -rf "$src" "$bld" "$stage"
    mkdir -p "$work_dir"
    tar -C "$work_dir" -xf "$tarball"
    [ -d "$src" ] || die "$tarball did not unpack to $src"
    patch_source "$version" "$src"
    local keep_ld_gc=
    case $version in 1.4[1-9].* | 1.[5-9][0-9].*) keep_ld_gc=1 ;; esac

    mapfile -t opts < <(
        meson_off "$src" introspection vapi docs tests ppp modem_manager ofono teamdctl ovs \
            wifi wext iwd bluez5_dun concheck nmtui nm_cloud_setup libpsl json_validation \
            selinux libaudit systemd_journal session_tracking_consolekit qt ebpf \
            libnm_glib check_settings_docs ld_gc firewalld_zone ibft ifupdown \
            modify_system polkit_agent nbft clat
        meson_set "$src" session_tracking no
        meson_set "$src" suspend_resume auto
        meson_set "$src" systemdsystemunitdir no
        meson_set "$src" udev_dir no
        meson_set "$src" crypto gnutls
        meson_set "$src" dbus_conf_dir "$prefix/share/dbus-1/system.d"
        meson_set "$src" dbus_ifaces_dir "$prefix/share/dbus-1/interfaces"
        meson_set "$src" dbus_sys_dir "$prefix/share/dbus-1/system-services"
        meson_set "$src" polkit_dir "$prefix/share/polkit-1/actions"
        meson_set "$src" dist_version "$version-nmf-lab"
        meson_set "$src" config_dhcp_default internal
        meson_set "$src" config_dns_rc_manager_default file
        meson_set "$src" readline libreadline
        meson_set "$src" more_asserts 0
        # polkit: 1.14 has yes/no/disabled (no = built without a default), later a boolean
        case $version in
        1.14.*) echo "-Dpolkit=no" ;;
        *) echo "-Dpolkit=false" ;;
        esac
        # RHEL 8 (1.14 .. 1.40) builds the ifcfg-rh plugin and uses it by default.
        case $version in
        1.14.* | 1.2[0-9].* | 1.3[0-9].* | 1.40.*) meson_set "$src" ifcfg_rh true ;;
        *) meson_off "$src" ifcfg_rh ;;
        esac
    )
    local cflags=""
    case $version in 1.14.*) cflags="-fcommon" ;; esac

    hash=$(recipe_hash "$src" "${opts[@]}" "CFLAGS=$cflags")
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$hash" ] && [ -x "$prefix/sbin/NetworkManager" ]; then
        echo "build-nm: $version is up to date in $prefix"
        rm -rf "$src"
        return 0
    fi
    t0=$SECONDS
    echo "build-nm: building $version into $prefix"
    CFLAGS="$cflags" nice -n 10 meson setup "$bld" "$src" --prefix="$prefix" \
        --sysconfdir=/etc --localstatedir=/var --libdir=lib --buildtype=plain \
        "${opts[@]}" || die "meson setup of $version failed"
    nice -n 10 ninja -C "$bld" -j "$jobs" || die "building $version failed"
    DESTDIR=$stage nice -n 10 meson install -C "$bld" --no-rebuild >"$work_dir/install-$version.log" ||
        die "installing $version failed (see $work_dir/install-$version.log)"
    [ -x "$stage$prefix/sbin/NetworkManager" ] || die "$version installed no $prefix/sbin/NetworkManager"
    # Only the prefix is kept: files meant for /etc or /var stay in the stage.
    rm -rf "$prefix"
    mkdir -p "$cache_dir"
    mv "$stage$prefix" "$prefix"
    echo "$hash" >"$stamp"
    rm -rf "$src" "$bld" "$stage"
    echo "build-nm: $version built in $((SECONDS - t0)) s: $prefix ($(du -sh "$prefix" | cut -f1))"
}

if [ "${1:-}" = --deps ]; then
    install_deps
    exit 0
fi
if [ -z "${NMF_SKIP_INSTALL:-}" ]; then install_deps; fi
for v in "$@"; do
    build_one "$v"
done
