#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang (ASan + UBSan) in
# build-fuzz and runs each for FUZZ_SECONDS (default 50) from its seed
# corpus in fuzz/corpus/NAME; fails on the first crash, leak, sanitizer
# report or timeout. New inputs go to build-fuzz/corpus/NAME (the
# repository's seeds are only read); a crashing input is saved as
# build-fuzz/artifacts/NAME-crash-... to replay with
#   build-fuzz/fuzz/fuzz_NAME build-fuzz/artifacts/NAME-crash-...
# Longer runs: FUZZ_SECONDS=3600 .ci/fuzz.sh, or one target at a time
# (README, "Fuzzing").
set -euo pipefail
cd "$(dirname "$0")/.."

CC_FUZZ=${CC_FUZZ:-clang-15}
seconds=${FUZZ_SECONDS:-50}
targets=(layer_file checkpoint idx disk_cache device_spec env)

CC=$CC_FUZZ meson setup build-fuzz -Dfuzz=true -Db_sanitize=address,undefined \
    -Db_lundef=false --wipe >/dev/null 2>&1 ||
    CC=$CC_FUZZ meson setup build-fuzz -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false
ninja -C build-fuzz "${targets[@]/#/fuzz/fuzz_}"

# UBSan reports halt the run; PoCL (the checkpoint target's device) leaks
# by design at exit, so leak checking is off for that target only.
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export POCL_CACHE_DIR="$PWD/build-fuzz/pocl-cache" ADS_CACHE_DIR=off
mkdir -p build-fuzz/artifacts
for t in "${targets[@]}"; do
    leaks=1
    [ "$t" = checkpoint ] && leaks=0
    mkdir -p "build-fuzz/corpus/$t"
    echo "fuzz_$t: ${seconds} s"
    # pipefail: the pipe fails when libFuzzer does (a crash is non-zero).
    if ! build-fuzz/fuzz/fuzz_$t -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -detect_leaks=$leaks -print_final_stats=1 -artifact_prefix="build-fuzz/artifacts/$t-" \
        "build-fuzz/corpus/$t" "fuzz/corpus/$t" 2>&1 | tail -n 25; then
        echo "fuzz_$t failed: see build-fuzz/artifacts/"
        exit 1
    fi
done
echo "fuzz: ${#targets[@]} targets ran ${seconds} s each without a crash"
