#!/usr/bin/env bash
# The sanitizer runs (docs/robustness.md).
#
#   scripts/sanitize.sh asan     the Clang build with AddressSanitizer +
#                                UndefinedBehaviorSanitizer and -Wthread-safety
#                                (build-clang): the unit tests that need no
#                                models, and each fuzz target on its seeds
#   scripts/sanitize.sh tsan     a ThreadSanitizer build (build-tsan): the
#                                concurrency tests (server, analyzer pool,
#                                jobs, store, ingest workers)
#   scripts/sanitize.sh compile  only the Clang build of the libraries: the
#                                thread-safety check
#
# Extra arguments go to ctest. Any sanitizer finding fails the test that
# caused it (-fno-sanitize-recover=all); the suppressions, if any, are in
# scripts/sanitizer-suppressions/ with the reason for each line.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MODE=${1:-asan}
shift || true
export CCACHE_BASEDIR=$ROOT
SUPP=$ROOT/scripts/sanitizer-suppressions

# Unit tests that run without the model pack or the evaluation data.
SUITES=(
  AddMonth AlignFace ApiErrorTest AppTest AppendFolded AppendUtf8 ArchiveNames ArchiveSearchTest
  ArchiveTest AssignOrReturn BeneathTest BestThreshold CheckAliases CheckDateBound CheckEnrolment
  CheckKeyRevocation CheckListing CheckLocation CheckMailDestination CheckPersonName
  CheckTextTest CheckWebhookDestination ClientRegistryTest ConnectionPoolTest CountCharacters
  CrossValidate DecidePhoto DecodeImage DecodeUtf8 DefaultDatabasePath DiscoveryClusterer
  DiscoveryNames DiscoveryQuality DiscoveryScores DiscoveryStoreTest DiscoverySuppression
  DueDateTest EntryNameTest EstimateSimilarity Fold FoldNameKey HasLetterOrDigit
  IntersectionOverUnion IsInternalAddress IsValidUtf8 IsWithin LingeringCloserTest ListPhotoFiles
  ListThreshold LocationTest Matcher MentionFinder MentionText MentionedThreshold
  MetadataAtomicFile MetadataJpegXmp MetadataLayout MetadataOrientation MetadataRead MetadataText
  MetadataWrite MetricsTest ModelPackDefaults ModelPackTest NormalizeL2 NotifyAllowList
  NotifyTest PackThresholdsSimilarityAt PairFaces ParseCalendarDate PreviewCacheTest
  PreviewPoolTest PrivacyStoreTest PrivateFiles ProbeImage ReadLfwPairs Reconcile RelayNotifier
  RenderJpeg ServiceStoreTest Sha256 SqliteStoreTest SuggestPersons SuppressedNameKey
  TrimAsciiWhitespace TrueAcceptAtFalseAccept UploadTest FaultInjection ComposeWebPage
  CheckRetentionDaysTest IsOptedOutFaceTest DecodeRetinaFace SuppressOverlaps OpenCvError
  JudgeQuality MeasureGeometry MeasureSharpness InsideFraction SqliteBackupTest
)
FAST_TESTS="^($(IFS='|'; echo "${SUITES[*]}"))\\."

export TMPDIR=$(mktemp -d "${TMPDIR:-/tmp}/facetag-sanitize.XXXXXX")
trap 'rm -rf "$TMPDIR"' EXIT

case $MODE in
  compile)
    exec "$ROOT/scripts/clang_build.sh" facetag_server facetag
    ;;
  asan)
    "$ROOT/scripts/clang_build.sh" facetag_tests facetag http_front_fuzz api_json_fuzz \
      caption_fuzz image_fuzz
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    export LSAN_OPTIONS=suppressions=$SUPP/lsan.txt
    ctest --test-dir "$ROOT/build-clang" --output-on-failure -j2 -R "$FAST_TESTS|^Fuzz\." "$@"
    ;;
  tsan)
    BUILD=$ROOT/build-tsan
    if [[ ! -f $BUILD/CMakeCache.txt ]]; then
      CC=clang CXX=clang++ cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DFACETAG_SANITIZE=thread -DFACETAG_BUILD_BENCH=OFF -DFACETAG_BUILD_TOOLS=OFF >/dev/null
    fi
    cmake --build "$BUILD" -j2 --target facetag_tests facetag
    export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$SUPP/tsan.txt"
    ctest --test-dir "$BUILD" --output-on-failure -j1 \
      -R '(Concurren|Parallel|Thread|Worker|Pool|Job|TwoStores|Processes|Connection|Front|Lingering|Preview)' "$@"
    ;;
  *)
    echo "usage: scripts/sanitize.sh asan|tsan|compile [ctest arguments]" >&2
    exit 2
    ;;
esac
