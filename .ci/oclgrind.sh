#!/usr/bin/env bash
# The second OpenCL implementation: `adastride selftest` and a chosen set
# of the meson tests under oclgrind, a strict OpenCL 1.2 simulator, shaped
# like a small GPU (32 KiB of local memory, work-groups of at most 256) and
# checking for data races; then a few of them with work-groups of at most
# 64. Any oclgrind report (out-of-bounds access, data race, barrier
# divergence, invalid API use) fails the run, as does a failing check.
#
# oclgrind interprets every work-item, so the set is chosen to stay under
# about 15 minutes on 2 cores: suites whose shapes are small, plus
# small_device, which runs every operation at the benchmark's shapes
# (the convolutions' inputs capped at 112 pixels a side: see
# tests/test_small_device.c). The GEMM suite (its convolution shapes take
# over 7 minutes alone) and the training suites are left to PoCL; the GEMM
# kernels run here inside the convolution suites. The context suite
# expects a CPU device (the platforms suite covers oclgrind beside PoCL).
#
# Debian ships no ICD file for oclgrind: the `oclgrind` command loads its
# runtime into the process itself. Usage: .ci/oclgrind.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
logs=$build/oclgrind-logs
rm -rf "$logs"
mkdir -p "$logs"

# Kernel binaries of the simulator go to a cache of their own.
export ADS_CACHE_DIR=$PWD/$build/oclgrind-cache
export ADS_TEST_MAX_SIDE=112
# Check's time limits (4 s by default, 300 s where a suite sets one) are
# for compiled kernels: interpreted ones get three times the suites' own.
export CK_DEFAULT_TIMEOUT=300 CK_TIMEOUT_MULTIPLIER=3
unset ADS_DEVICE

SUITES_256=(tensor errors stride_positions stride_logits gconv_forward gconv_backward
            pool_forward pool_backward small_device)
SUITES_64=(gconv_forward pool_forward)

failed=0
# run NAME MAX_WGSIZE COMMAND...: fails on a non-zero exit or any report.
run() {
    local name=$1 wg=$2
    shift 2
    local report=$logs/$name-wg$wg.oclgrind out=$logs/$name-wg$wg.log start=$SECONDS
    local rc=0
    oclgrind --data-races --check-api --max-wgsize "$wg" --local-mem-size 32768 \
        --log "$report" "$@" >"$out" 2>&1 || rc=$?
    local verdict=ok
    if [ "$rc" != 0 ]; then verdict="FAIL (exit $rc)"; fi
    if [ -s "$report" ]; then verdict="FAIL (oclgrind reports: $report)"; fi
    printf '%-7s %-18s wg %-3s %4ds\n' "${verdict%% *}" "$name" "$wg" $((SECONDS - start))
    if [ "$verdict" != ok ]; then
        failed=$((failed + 1))
        echo "  $verdict"
        tail -n 20 "$out" | sed 's/^/  | /'
        [ -s "$report" ] && head -n 20 "$report" | sed 's/^/  ! /'
    fi
    return 0
}

run selftest 256 "$build/tools/adastride" selftest
for s in "${SUITES_256[@]}"; do run "$s" 256 "$build/tests/test_$s"; done
run selftest 64 "$build/tools/adastride" selftest
for s in "${SUITES_64[@]}"; do run "$s" 64 "$build/tests/test_$s"; done
run small_device-sampling 64 env CK_RUN_CASE=sampling "$build/tests/test_small_device"

echo "oclgrind: $failed failed (logs in $logs)"
[ "$failed" = 0 ]
