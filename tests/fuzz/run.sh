#!/bin/sh
# Builds the libFuzzer targets (clang, -DLOALANG_FUZZ=ON, in build-fuzz) and runs each for
# SECONDS (default 60) on a copy of its seed corpus, so the corpus in git stays the hand-picked
# one. Exits non-zero when any target finds a crash, a leak or a broken contract; the input is
# left in build-fuzz/artifacts/.
# Usage: tests/fuzz/run.sh [SECONDS]
set -eu
cd "$(dirname "$0")/../.."

secs="${1:-60}"
out=build-fuzz

cmake -S . -B "$out" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DLOALANG_FUZZ=ON >/dev/null
cmake --build "$out"

mkdir -p "$out/artifacts"
# manifest_events reads the same JSON vocabulary as proto.
dict_of() { [ "$1" = manifest_events ] && echo proto || echo "$1"; }
status=0
for target in planfile proto api manifest_events; do
    corpus="$out/corpus/$target"
    rm -rf "$corpus"
    mkdir -p "$corpus"
    cp tests/fuzz/corpus/$target/* "$corpus/"
    echo "fuzz: $target for ${secs}s" >&2
    if ! "$out/tests/fuzz/fuzz_$target" "$corpus" -max_total_time="$secs" -rss_limit_mb=2048 \
        -max_len=65536 -dict="tests/fuzz/$(dict_of $target).dict" -print_final_stats=1 \
        -artifact_prefix="$out/artifacts/$target-"; then
        echo "fuzz: $target FAILED; reproducer in $out/artifacts/" >&2
        status=1
    fi
done
exit $status
