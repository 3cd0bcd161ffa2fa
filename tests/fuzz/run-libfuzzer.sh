#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build each harness with clang's libFuzzer + ASan/UBSan and fuzz it for a
# bounded time (SECONDS split between them).
#   run-libfuzzer.sh SRCDIR BUILDDIR [SECONDS]     (TAP output)
set -u
srcdir=$1
builddir=$2
seconds=${3:-60}
out=$builddir/fuzz
harnesses=(config rank flow virt)
mkdir -p "$out"

if ! command -v clang >/dev/null; then
    echo "1..0 # SKIP clang not installed"
    exit 0
fi

per=$((seconds / ${#harnesses[@]}))
[ "$per" -ge 1 ] || per=1
echo "1..$((2 * ${#harnesses[@]}))"
n=0
failed=0
for h in "${harnesses[@]}"; do
    n=$((n + 1))
    # shellcheck disable=SC2046
    if clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
        -I"$srcdir/src" -I"$builddir" \
        "$srcdir/tests/fuzz/fuzz-$h.c" "$srcdir/src/decide/nmf-config.c" "$srcdir/src/decide/nmf-rank.c" "$srcdir/src/decide/nmf-plan.c" \
        "$srcdir/src/decide/nmf-policy-routing.c" "$srcdir/src/model/nmf-uplink.c" \
        "$srcdir/src/model/nmf-route.c" "$srcdir/src/model/nmf-common.c" "$srcdir/src/hook/nmf-journal.c" "$srcdir/src/decide/nmf-classify.c" \
        "$srcdir/src/decide/nmf-observe-flow.c" "$srcdir/src/decide/nmf-icmp-error.c" "$srcdir/src/decide/nmf-check-verdict.c" "$srcdir/src/decide/nmf-text-table.c" \
        "$srcdir/src/decide/nmf-virt-xml.c" "$srcdir/src/decide/nmf-trace.c" "$srcdir/src/decide/nmf-counters.c" $(pkg-config --cflags --libs glib-2.0) \
        -o "$out/fuzz-$h" 2>"$out/build-$h.log"; then
        echo "ok $n - fuzz-$h builds with libFuzzer, ASan and UBSan"
    else
        echo "not ok $n - fuzz-$h builds with libFuzzer, ASan and UBSan"
        sed 's/^/# /' "$out/build-$h.log"
        failed=1
        n=$((n + 1))
        echo "not ok $n - fuzz-$h ran (not built)"
        continue
    fi

    # Work on a copy so new inputs do not land in the source tree.
    rm -rf "$out/corpus-$h"
    cp -r "$srcdir/tests/fuzz/corpus-$h" "$out/corpus-$h"
    dict=()
    [ -e "$srcdir/tests/fuzz/$h.dict" ] && dict=(-dict="$srcdir/tests/fuzz/$h.dict")
    n=$((n + 1))
    if "$out/fuzz-$h" -max_total_time="$per" -max_len=4096 -timeout=10 "${dict[@]}" \
        "$out/corpus-$h" >"$out/fuzz-$h.log" 2>&1; then
        echo "ok $n - fuzz-$h ran ${per}s without a crash ($(find "$out/corpus-$h" -type f | wc -l) corpus inputs)"
    else
        echo "not ok $n - fuzz-$h found a crash"
        tail -40 "$out/fuzz-$h.log" | sed 's/^/# /'
        failed=1
    fi
done
exit $failed
