#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build the harness with clang's libFuzzer + ASan/UBSan and fuzz for a bounded time.
#   run-libfuzzer.sh SRCDIR BUILDDIR [SECONDS]     (TAP output)
set -u
srcdir=$1
builddir=$2
seconds=${3:-60}
out=$builddir/fuzz
mkdir -p "$out"

if ! command -v clang >/dev/null; then
    echo "1..0 # SKIP clang not installed"
    exit 0
fi

echo "1..2"
# shellcheck disable=SC2046
if clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -I"$srcdir/src" -I"$builddir" \
    "$srcdir/tests/fuzz/fuzz-config.c" "$srcdir/src/nmf-config.c" "$srcdir/src/nmf-policy.c" \
    "$srcdir/src/nmf-common.c" $(pkg-config --cflags --libs glib-2.0) \
    -o "$out/fuzz-config" 2>"$out/build.log"; then
    echo "ok 1 - fuzz-config builds with libFuzzer, ASan and UBSan"
else
    echo "not ok 1 - fuzz-config builds with libFuzzer, ASan and UBSan"
    sed 's/^/# /' "$out/build.log"
    exit 1
fi

# Work on a copy so new inputs do not land in the source tree.
rm -rf "$out/corpus"
cp -r "$srcdir/tests/fuzz/corpus-config" "$out/corpus"
if "$out/fuzz-config" -max_total_time="$seconds" -max_len=4096 -timeout=10 \
    -dict="$srcdir/tests/fuzz/config.dict" "$out/corpus" >"$out/fuzz.log" 2>&1; then
    echo "ok 2 - fuzz-config ran ${seconds}s without a crash ($(grep -c . <<<"$(ls "$out/corpus")") corpus inputs)"
else
    echo "not ok 2 - fuzz-config found a crash"
    tail -40 "$out/fuzz.log" | sed 's/^/# /'
    exit 1
fi
