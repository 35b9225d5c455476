#!/usr/bin/env bash
# The whole test suite, from nothing: installs packages, builds, runs every CTest test
# (unit and integration), then builds the ASan+UBSan preset and runs the unit tests under it.
# Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

echo "== build (default preset: optimized with debug info)"
scripts/build.sh default
echo "== tests (unit + integration)"
ctest --preset default -j2

echo "== build (asan preset: AddressSanitizer + UndefinedBehaviorSanitizer)"
scripts/build.sh asan
echo "== unit tests under ASan + UBSan"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --preset asan -j2
