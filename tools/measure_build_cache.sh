#!/usr/bin/env bash
# Measures the kernel programs' build time with and without our disk cache
# and PoCL's: the median of 5 fresh processes per case.
# usage: tools/measure_build_cache.sh BUILD_DIR
set -euo pipefail
tool="${1:-build}/tools/adastride"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

run_case() { # name, then env assignments
    local name=$1; shift
    local times=()
    for i in 1 2 3 4 5; do times+=("$(env "$@" "$tool" build-time)"); done
    printf '%-44s %8s ms   (runs: %s)\n' "$name" "$(printf '%s\n' "${times[@]}" | median)" "${times[*]}"
}

fresh() { rm -rf "$tmp/$1"; mkdir -p "$tmp/$1"; echo "$tmp/$1"; }

# Cold: every run starts with empty caches.
times=()
for i in 1 2 3 4 5; do
    times+=("$(POCL_CACHE_DIR=$(fresh pc) ADS_CACHE_DIR=off "$tool" build-time)")
done
printf '%-44s %8s ms   (runs: %s)\n' "cold (no cache at all)" "$(printf '%s\n' "${times[@]}" | median)" "${times[*]}"

# Cold again, but our cache on: the first build also stores the binaries.
times=()
for i in 1 2 3 4 5; do
    times+=("$(POCL_CACHE_DIR=$(fresh pc) ADS_CACHE_DIR=$(fresh ac) "$tool" build-time)")
done
printf '%-44s %8s ms   (runs: %s)\n' "cold, ours on (stores the binaries)" "$(printf '%s\n' "${times[@]}" | median)" "${times[*]}"

pc=$(fresh pocl-warm); ac=$(fresh ads-warm)
POCL_CACHE_DIR=$pc ADS_CACHE_DIR=$ac "$tool" build-time >/dev/null
run_case "PoCL cache warm, ours off" POCL_CACHE_DIR="$pc" ADS_CACHE_DIR=off
run_case "ours warm, PoCL cache off" POCL_KERNEL_CACHE=0 POCL_CACHE_DIR="$(fresh pc2)" ADS_CACHE_DIR="$ac"
run_case "both warm" POCL_CACHE_DIR="$pc" ADS_CACHE_DIR="$ac"
