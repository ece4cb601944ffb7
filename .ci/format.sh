#!/usr/bin/env bash
# The C sources follow .clang-format. `.ci/format.sh` checks; `.ci/format.sh
# --fix` rewrites them in place. OpenCL C in cl/ is left as written (its
# vector literals and kernel attributes read better by hand).
set -euo pipefail
cd "$(dirname "$0")/.."
fmt=$(command -v clang-format-14 || command -v clang-format)
mapfile -t files < <(git ls-files '*.c' '*.h' | grep -v '^cl/')
if [ "${1:-}" = --fix ]; then
    "$fmt" -i "${files[@]}"
else
    "$fmt" --dry-run --Werror "${files[@]}"
    echo "format: ${#files[@]} files follow .clang-format"
fi
