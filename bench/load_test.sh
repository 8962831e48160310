#!/usr/bin/env bash
# Load test of `facetag serve` with wrk on loopback: sustained customer
# searches, concurrent recognitions beyond the queue (expect 429s, not
# errors), both at once, and the server's peak memory.
#
#   bench/load_test.sh [seconds per phase, default 20]
#
# Needs a built tree (scripts/setup.sh) and the evaluation data
# ($FACETAG_DATA, default ../shared/data). Prints its figures; changes
# nothing outside a temporary folder.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${FACETAG_BIN:-$ROOT/build/apps/facetag/facetag}
DATA=${FACETAG_DATA:-$ROOT/../shared/data}
SECONDS_PER_PHASE=${1:-20}
command -v wrk >/dev/null || { echo "wrk is not installed (scripts/setup.sh)" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/facetag-load.XXXXXX")
SERVER_PID=
cleanup() {
  [[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
DB=$WORK/facetag.db
ft() { "$BIN" --db "$DB" --quiet "$@"; }

# An archive to search: 1,000 LFW photos; the persons with three or more of
# them (at most 60) are listed from their first photo.
echo "== preparing: 1000 LFW photos, listing recurring persons"
mapfile -t PHOTOS < <(find "$DATA/lfw-view1/images" -name '*.jpg' | sort | head -1000)
declare -A FIRST COUNT
for p in "${PHOTOS[@]}"; do
  n=$(basename "$(dirname "$p")")
  COUNT[$n]=$(( ${COUNT[$n]:-0} + 1 ))
  [[ -z ${FIRST[$n]:-} ]] && FIRST[$n]=$p
done
listed=0
for n in "${!COUNT[@]}"; do
  (( COUNT[$n] >= 3 && listed < 60 )) || continue
  ft person add "${n//_/ }" --criteria all --justification "load test" >/dev/null
  ft enroll "${n//_/ }" "${FIRST[$n]}" --face 1 >/dev/null 2>&1 || true
  listed=$((listed + 1))
done
ft ingest "${PHOTOS[@]}" >/dev/null || true
PERSONS=$(ft --json person list | jq -r '[.[] | select(.profiles > 0) | .id] | join(",")')
echo "listed $listed persons; archive: $(sqlite3 "$DB" 'SELECT count(*) FROM photos') photos, $(sqlite3 "$DB" 'SELECT count(*) FROM faces WHERE person_id IS NOT NULL') tagged faces"

CUSTOMER=$(ft --json key create --role customer --label load | jq -r .secret)
INGEST=$(ft --json key create --role ingest --label load | jq -r .secret)

PORT=$(( 20000 + RANDOM % 20000 ))
"$BIN" --db "$DB" serve --listen "127.0.0.1:$PORT" --workers 2 --queue 8 2>"$WORK/server.log" &
SERVER_PID=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
URL=http://127.0.0.1:$PORT
export FACETAG_LOAD_DIR=$ROOT/bench/load
rss() { awk '/VmRSS|VmHWM/ { printf "%s %d MB  ", $1, $2 / 1024 }' "/proc/$SERVER_PID/status"; echo; }
echo "server started: $(rss)"

echo; echo "== search by person: 16 connections, ${SECONDS_PER_PHASE}s"
FACETAG_KEY=$CUSTOMER FACETAG_PERSONS=$PERSONS \
  wrk -t2 -c16 -d"${SECONDS_PER_PHASE}s" --latency -s "$ROOT/bench/load/search.lua" "$URL" |
  grep -E "Requests/sec|Latency|status|p50|Socket errors|Non-2xx"
echo "memory: $(rss)"

PHOTO=$DATA/photos/face_recognition/examples/two_people.jpg
echo; echo "== recognition of a 1126x661 photo: 32 connections (2 analyzers, queue 8), ${SECONDS_PER_PHASE}s"
FACETAG_KEY=$INGEST FACETAG_PHOTO=$PHOTO \
  wrk -t2 -c32 -d"${SECONDS_PER_PHASE}s" --latency --timeout 30s -s "$ROOT/bench/load/recognize.lua" "$URL/api/v1/recognize" |
  grep -E "Requests/sec|Latency|status|p50|Socket errors"
echo "memory: $(rss)"

echo; echo "== both at once: searches (8 connections) during recognitions (16 connections)"
FACETAG_KEY=$INGEST FACETAG_PHOTO=$PHOTO \
  wrk -t1 -c16 -d"${SECONDS_PER_PHASE}s" --latency --timeout 30s -s "$ROOT/bench/load/recognize.lua" "$URL/api/v1/recognize" \
  >"$WORK/recognize.txt" &
RECOGNIZE=$!
FACETAG_KEY=$CUSTOMER FACETAG_PERSONS=$PERSONS \
  wrk -t1 -c8 -d"${SECONDS_PER_PHASE}s" --latency -s "$ROOT/bench/load/search.lua" "$URL" |
  grep -E "Requests/sec|status|p50|Socket errors" | sed 's/^/search:    /'
wait "$RECOGNIZE"
grep -E "Requests/sec|status|p50|Socket errors" "$WORK/recognize.txt" | sed 's/^/recognize: /'
echo "memory: $(rss)"

kill -TERM "$SERVER_PID"
wait "$SERVER_PID" && echo "server stopped cleanly on SIGTERM" || echo "server exit code $?"
SERVER_PID=
