#!/usr/bin/env bash
# The format test: every C++ source file of the project follows .clang-format.
# Usage: check_format.sh SOURCE_DIR CLANG_FORMAT
# Fails naming each file and line that differs; fix with: clang-format -i FILE
set -euo pipefail
src=$1 clang_format=$2
cd "$src"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    mapfile -t files < <(git ls-files -- '*.cpp' '*.h')
else
    mapfile -t files < <(find core ui app replay tests fuzz bench -name '*.cpp' -o -name '*.h' | sort)
fi
if [[ ${#files[@]} -eq 0 ]]; then
    echo "check_format.sh: no source files found under $src" >&2
    exit 1
fi
if ! "$clang_format" --dry-run --Werror "${files[@]}"; then
    echo "check_format.sh: the files above do not follow .clang-format; run:" >&2
    echo "  clang-format -i \$(git ls-files '*.cpp' '*.h')" >&2
    exit 1
fi
echo "check_format.sh: ${#files[@]} files follow .clang-format ($("$clang_format" --version))"
