#!/usr/bin/env bash
# CI: adastride as an application meets it. Installs the library into a
# temporary prefix, then builds examples/interop.c outside the source tree
# twice, with `pkg-config --cflags --libs adastride` and with CMake's
# find_package(adastride), and runs both builds. A broken adastride.pc or
# CMake package, or a public header that needs the library's internal
# files, fails here.
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"
# Kernel caches inside the temporary folder, never the user's.
export ADS_CACHE_DIR="$work/ads-cache" POCL_CACHE_DIR="$work/pocl-cache"

# Build only what `meson install` installs (not the test suites), then
# install it.
meson setup "$work/build" "$src" --prefix "$prefix" -Dbuildtype=release >/dev/null
installed=$(meson introspect "$work/build" --targets | python3 -c '
import json, os, sys
build = sys.argv[1]
print(" ".join(os.path.relpath(f, build) for t in json.load(sys.stdin) if t["installed"]
               for f in t["filename"]))' "$work/build")
ninja -C "$work/build" $installed >"$work/ninja.log" || { cat "$work/ninja.log"; exit 1; }
meson install -C "$work/build" --no-rebuild --quiet

pc=$(find "$prefix" -name adastride.pc)
libdir=$(dirname "$(dirname "$pc")")
echo "consumer: installed into $prefix ($libdir)"

# The example alone, away from the source tree, so that nothing but the
# installed files can be found.
mkdir "$work/app"
cp "$src/examples/interop.c" "$src/examples/CMakeLists.txt" "$work/app/"
cd "$work/app"

export PKG_CONFIG_PATH="$libdir/pkgconfig"
pkg-config --validate adastride
flags=$(pkg-config --cflags --libs adastride)
echo "consumer: pkg-config --cflags --libs adastride: $flags"
cc -std=c11 -Wall -Wextra -Wpedantic -Werror interop.c -o interop-pkgconfig $flags -lm
LD_LIBRARY_PATH="$libdir" ./interop-pkgconfig

cmake -S . -B cmake-build -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_FLAGS="-Wall -Wextra -Wpedantic -Werror" >/dev/null
cmake --build cmake-build >/dev/null
LD_LIBRARY_PATH="$libdir" ./cmake-build/interop
echo "consumer: the installed library builds and runs with pkg-config and with CMake"
