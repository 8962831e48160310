#!/usr/bin/env bash
# Configures (once) and builds the Clang robustness build: -Wthread-safety as
# an error, AddressSanitizer + UndefinedBehaviorSanitizer, libFuzzer
# coverage (docs/robustness.md). One build folder serves the thread-safety
# check, the sanitizer test run and the fuzz targets.
#
#   scripts/clang_build.sh [TARGET...]   (default: every target)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${FACETAG_CLANG_BUILD_DIR:-$ROOT/build-clang}
export CCACHE_BASEDIR=$ROOT

if ! command -v clang++ >/dev/null; then
  echo "clang_build: clang++ is not installed (scripts/setup.sh installs it)" >&2
  exit 1
fi
if [[ ! -f $BUILD/CMakeCache.txt ]]; then
  CC=clang CXX=clang++ cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DFACETAG_THREAD_SAFETY=ON -DFACETAG_SANITIZE=address,undefined -DFACETAG_FUZZ=ON \
    -DFACETAG_BUILD_BENCH=OFF -DFACETAG_BUILD_TOOLS=OFF >/dev/null
fi
targets=()
for t in "$@"; do targets+=(--target "$t"); done
cmake --build "$BUILD" -j2 "${targets[@]}"
