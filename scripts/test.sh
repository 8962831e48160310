#!/usr/bin/env bash
# The README's test command: makes sure everything is set up (scripts/setup.sh
# is idempotent and fast when nothing changed), then runs every test.
#
#   scripts/test.sh [ctest arguments, e.g. -R Recognition]
#
# FACETAG_DATA overrides the evaluation data folder (default ../shared/data).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${FACETAG_BUILD_DIR:-$ROOT/build}

"$ROOT/scripts/setup.sh"

DATA=${FACETAG_DATA:-$ROOT/../shared/data}
if [[ ! -d $DATA/lfw-view1 ]]; then
  echo "test: evaluation data not found in $DATA (set FACETAG_DATA)" >&2
  exit 1
fi

# Test artifacts (temporary databases, converted photos) go to a private
# temp folder that is removed afterwards.
export TMPDIR=$(mktemp -d "${TMPDIR:-/tmp}/facetag-tests.XXXXXX")
trap 'rm -rf "$TMPDIR"' EXIT
ctest --test-dir "$BUILD_DIR" --output-on-failure -j2 "$@"

# The robustness stage (docs/robustness.md), in every full run: a second
# build with Clang checks the thread-safety annotations as errors
# (-Wthread-safety), runs the unit tests that need no models under
# AddressSanitizer and UndefinedBehaviorSanitizer, and each fuzz target for
# a fixed number of runs from its seed corpus. FACETAG_SANITIZE=0 skips it
# (a quick local run); a run with ctest arguments never includes it.
if [[ $# -eq 0 && ${FACETAG_SANITIZE:-1} != 0 ]]; then
  "$ROOT/scripts/sanitize.sh" asan
fi
