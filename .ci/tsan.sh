#!/usr/bin/env bash
# The suites that run host threads (threads, multidevice, scheduler) under
# ThreadSanitizer, in build-tsan. Any report fails the run. The
# suppressions in .ci/tsan.supp cover PoCL's own internals only, never
# adastride's code. Run from anywhere: .ci/tsan.sh
set -euo pipefail
cd "$(dirname "$0")/.."

suites=(threads multidevice scheduler)
meson setup build-tsan -Db_sanitize=thread -Db_lundef=false -Dwerror=true \
    --wipe 2>/dev/null || meson setup build-tsan -Db_sanitize=thread -Db_lundef=false \
    -Dwerror=true
ninja -C build-tsan "${suites[@]/#/tests/test_}"
TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/.ci/tsan.supp" \
    meson test -C build-tsan --no-rebuild --print-errorlogs "${suites[@]}"
