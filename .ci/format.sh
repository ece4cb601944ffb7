#!/usr/bin/env bash
# The C sources follow .clang-format. `.ci/format.sh` checks; `.ci/format.sh
# --fix` rewrites them in place. OpenCL C in cl/ is left as written (its
# vector literals and kernel attributes read better by hand).
set -euo pipefail
cd "$(dirname "$0")/.."
fmt=$(command -v clang-format-14 || command -v clang-format) ||
    { echo "format: clang-format is not installed" >&2; exit 1; }
listed=$(git ls-files '*.c' '*.h')
mapfile -t files < <(grep -v '^cl/' <<<"$listed")
if [ "${#files[@]}" -lt 10 ]; then
    echo "format: only ${#files[@]} C files listed by git; is this a checkout?" >&2
    exit 1
fi
if [ "${1:-}" = --fix ]; then
    "$fmt" -i "${files[@]}"
else
    "$fmt" --dry-run --Werror "${files[@]}"
    echo "format: ${#files[@]} files follow .clang-format"
fi
