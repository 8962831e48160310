#!/usr/bin/env bash
# Runs one libFuzzer target on its seed corpus (docs/robustness.md).
#
#   scripts/fuzz.sh TARGET [SECONDS] [libFuzzer options...]
#
# TARGET: http_front_fuzz, api_json_fuzz, caption_fuzz or image_fuzz.
# SECONDS: how long (default 60). New inputs go to a work corpus outside the
# repository (FACETAG_FUZZ_WORK, default build-clang/fuzz-work/TARGET); the
# seed corpus in fuzz/corpus/TARGET is only read. A finding is written to
# the work folder as crash-*/leak-*/timeout-* and the script exits non-zero.
# The build (Clang, FACETAG_FUZZ=ON, ASan+UBSan) is in FACETAG_CLANG_BUILD_DIR
# (default build-clang) and is configured and built as needed.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET=${1:?usage: scripts/fuzz.sh TARGET [SECONDS] [libFuzzer options]}
SECONDS_TO_RUN=${2:-60}
shift $(( $# >= 2 ? 2 : 1 ))
BUILD=${FACETAG_CLANG_BUILD_DIR:-$ROOT/build-clang}
WORK=${FACETAG_FUZZ_WORK:-$BUILD/fuzz-work/$TARGET}

"$ROOT/scripts/clang_build.sh" "$TARGET"
mkdir -p "$WORK"
DICT=()
[[ -f $ROOT/fuzz/$TARGET.dict ]] && DICT=(-dict="$ROOT/fuzz/$TARGET.dict")
export TMPDIR=${TMPDIR:-/tmp}
cd "$WORK"
exec "$BUILD/fuzz/$TARGET" -max_total_time="$SECONDS_TO_RUN" -max_len=65536 -timeout=10 \
  -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$WORK/" "${DICT[@]}" "$@" \
  "$WORK" "$ROOT/fuzz/corpus/$TARGET"
