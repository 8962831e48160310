#!/usr/bin/env bash
# Acceptance test of `facetag backup` / `restore`: a backup taken while
# `facetag ingest` writes restores to a database whose audit chain
# verifies and whose counts lie between the source's just before and just
# after the backup, with every stored face belonging to a stored photo.
#
# usage: backup_during_ingest_test.sh FACETAG_BINARY [DATA_DIR]
set -euo pipefail

BIN=$(realpath "$1")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DATA=${2:-${FACETAG_DATA:-$ROOT/../shared/data}}
LFW=$DATA/lfw-view1/images
[[ -d $LFW ]] || { echo "evaluation photos not found in $DATA" >&2; exit 1; }

WORK=$(mktemp -d)
INGEST=
cleanup() {
  [[ -n $INGEST ]] && kill -9 "$INGEST" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
export FACETAG_DB=$WORK/db/facetag.db FACETAG_KEY=$WORK/key/secret.key
mkdir -p "$WORK/photos"
find "$LFW" -name '*.jpg' | sort | awk 'NR % 53 == 7 && ++n <= 60' | while read -r f; do cp "$f" "$WORK/photos/"; done

count() { python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])" "$1" "$2"; }

"$BIN" -q person add "Barack Obama" --justification "head of state" --criteria all >/dev/null
"$BIN" -q ingest -j 1 "$WORK/photos" >"$WORK/ingest.log" 2>&1 &
INGEST=$!
while [[ ! -f $FACETAG_DB ]] || (($(count "$FACETAG_DB" "SELECT count(*) FROM photos" 2>/dev/null || echo 0) < 10)); do
  kill -0 "$INGEST" 2>/dev/null || { echo "ingest ended before the backup" >&2; exit 1; }
  sleep 0.2
done
before=$(count "$FACETAG_DB" "SELECT count(*) FROM photos")
"$BIN" backup "$WORK/backup.db"
after=$(count "$FACETAG_DB" "SELECT count(*) FROM photos")
kill -0 "$INGEST" 2>/dev/null && still_running=yes || still_running=no
wait "$INGEST"
INGEST=

"$BIN" --db "$WORK/restored.db" --json restore "$WORK/backup.db" >"$WORK/restore.json"
"$BIN" --db "$WORK/restored.db" audit verify
python3 - "$WORK/restore.json" "$WORK/restored.db" "$before" "$after" <<'PY'
import json, sqlite3, sys
report = json.load(open(sys.argv[1]))
db = sqlite3.connect(sys.argv[2])
before, after = int(sys.argv[3]), int(sys.argv[4])
photos = db.execute("SELECT count(*) FROM photos").fetchone()[0]
orphans = db.execute("SELECT count(*) FROM faces WHERE photo_id NOT IN (SELECT id FROM photos)").fetchone()[0]
assert report["audit"]["intact"], report
assert report["photos"] == photos, (report, photos)
assert before <= photos <= after, (before, photos, after)
assert orphans == 0, orphans
print(f"backup during ingest: {photos} photos in the copy (source: {before} before, {after} after), audit intact, {report['audit']['entries']} entries")
PY
echo "ingest still running when the backup finished: $still_running"
