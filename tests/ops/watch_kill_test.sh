#!/usr/bin/env bash
# Acceptance test of `facetag watch`: 50 photos arrive in a hot folder in
# three ways (copied, renamed from a temporary name, written slowly), the
# watcher is killed with SIGKILL three times at random moments and
# restarted; in the end every photo is in done/ exactly once, archived
# once, its image data intact, and the listed person named in the files
# that show him.
#
# usage: watch_kill_test.sh FACETAG_BINARY [DATA_DIR]
# Needs the model pack (FACETAG_PACK / FACETAG_MODELS or the defaults) and
# the evaluation photos (DATA_DIR, else $FACETAG_DATA, else ../shared/data).
set -euo pipefail

BIN=$(realpath "$1")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DATA=${2:-${FACETAG_DATA:-$ROOT/../shared/data}}
LFW=$DATA/lfw-view1/images
FR=$DATA/photos/face_recognition/examples
[[ -d $LFW && -d $FR ]] || { echo "evaluation photos not found in $DATA" >&2; exit 1; }

WORK=$(mktemp -d)
WATCHER=
cleanup() {
  [[ -n $WATCHER ]] && kill -9 "$WATCHER" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
export FACETAG_DB=$WORK/db/facetag.db FACETAG_KEY=$WORK/key/secret.key
IN=$WORK/in SRC=$WORK/src
mkdir -p "$IN" "$SRC"
say() { echo "[$(date +%T)] $*"; }

# The photos: 47 small news photos (LFW) and 3 of Barack Obama, two of them
# large (written slowly). Copied first, so the originals stay untouched.
mapfile -t small < <(find "$LFW" -name '*.jpg' | sort | awk 'NR % 97 == 1' | head -47)
((${#small[@]} == 47)) || { echo "not enough LFW photos" >&2; exit 1; }
n=0
for f in "${small[@]}"; do cp "$f" "$SRC/p$(printf %02d $n)_$(basename "$f")"; n=$((n + 1)); done
cp "$FR/obama2.jpg" "$SRC/obama2.jpg"
cp "$FR/obama-1080p.jpg" "$SRC/obama-1080p.jpg"
cp "$FR/obama-720p.jpg" "$SRC/obama-720p.jpg"
chmod 0644 "$SRC"/*
TOTAL=$(ls "$SRC" | wc -l)

"$BIN" -q person add "Barack Obama" --justification "head of state" --criteria all >/dev/null
"$BIN" -q enroll "Barack Obama" "$FR/obama.jpg" >/dev/null

start_watcher() {
  "$BIN" watch "$IN" --id desk1 --settle 1 --rescan 2 >>"$WORK/watch.log" 2>&1 &
  WATCHER=$!
}

# The three ways of arriving, mixed, in the background.
drop() {
  local i=0
  for f in "$SRC"/*; do
    local name
    name=$(basename "$f")
    case "$name" in
      obama-1080p.jpg | obama-720p.jpg)
        # Slow write: 32 KB every 0.1 s, well within the settle time.
        : >"$IN/$name"
        local size chunks c
        size=$(stat -c %s "$f")
        chunks=$(((size + 32767) / 32768))
        for ((c = 0; c < chunks; c++)); do
          dd if="$f" bs=32768 skip=$c count=1 status=none >>"$IN/$name"
          sleep 0.1
        done
        ;;
      *)
        if ((i % 2 == 0)); then
          cp "$f" "$IN/$name"                                    # copy
        else
          cp "$f" "$IN/$name.part" && mv "$IN/$name.part" "$IN/$name"  # FTP-style rename
        fi
        ;;
    esac
    i=$((i + 1))
    sleep 0.05
  done
}

START=$(date +%s)
start_watcher
drop &
DROPPER=$!
for k in 1 2 3; do
  sleep "$(awk -v s=$RANDOM 'BEGIN { srand(s); printf "%.2f", 2 + rand() * 5 }')"
  kill -9 "$WATCHER" 2>/dev/null || true
  wait "$WATCHER" 2>/dev/null || true
  say "SIGKILL $k: $(ls "$WORK/in/done" 2>/dev/null | wc -l) photos done so far"
  start_watcher
done
wait "$DROPPER"
say "all $TOTAL photos dropped"

deadline=$(($(date +%s) + 240))
while (($(ls "$IN/done" | grep -vc '\.xmp$' || true) < TOTAL)) && (($(date +%s) < deadline)); do sleep 1; done
kill -TERM "$WATCHER"
wait "$WATCHER" || true
WATCHER=
say "watcher stopped after $(($(date +%s) - START)) s"

fail=0
check() { if ! eval "$1"; then echo "FAILED: $2" >&2; fail=1; fi; }
done_count=$(ls "$IN/done" | wc -l)
check "((done_count == TOTAL))" "done/ holds $done_count files, expected $TOTAL"
check "[[ -z \$(ls -A '$IN/failed') ]]" "failed/ is not empty: $(ls "$IN/failed" | head)"
check "[[ -z \$(find '$IN' -maxdepth 1 -type f) ]]" "photos left in the hot folder"
check "[[ -z \$(find '$IN/.claim' -type f ! -name .lock) ]]" "photos left claimed"

# Each photo once, its image data intact (the bytes from the first JPEG
# start-of-scan on are what tagging never changes), archived once at its
# place in done/.
python3 - "$SRC" "$IN/done" "$FACETAG_DB" <<'PY' || fail=1
import os, sqlite3, sys
src, done, db = sys.argv[1:]
def scan(path):
    # The JPEG's image data: from its start-of-scan marker, found by walking
    # the segments (an embedded thumbnail has a scan of its own).
    data = open(path, "rb").read()
    assert data[:2] == b"\xff\xd8", path
    i = 2
    while data[i] == 0xFF:
        marker = data[i + 1]
        if marker == 0xDA:
            return data[i:]
        if marker == 0xFF:
            i += 1
            continue
        i += 2 + int.from_bytes(data[i + 2:i + 4], "big")
    raise ValueError(f"{path}: no start of scan")
bad = 0
for name in sorted(os.listdir(src)):
    target = os.path.join(done, name)
    if not os.path.exists(target):
        print(f"FAILED: {name} is not in done/", file=sys.stderr); bad += 1; continue
    if scan(os.path.join(src, name)) != scan(target):
        print(f"FAILED: {name} was damaged", file=sys.stderr); bad += 1
rows = sqlite3.connect(db).execute("SELECT location, count(*) OVER () FROM photos").fetchall()
locations = sorted(r[0] for r in rows)
expected = sorted(os.path.join(done, n) for n in os.listdir(src))
if locations != expected:
    print(f"FAILED: the archive holds {len(locations)} photos; expected one per photo at its place in done/", file=sys.stderr)
    print("  extra:", sorted(set(locations) - set(expected))[:5], "missing:", sorted(set(expected) - set(locations))[:5], file=sys.stderr)
    bad += 1
sys.exit(1 if bad else 0)
PY
for name in obama2.jpg obama-1080p.jpg obama-720p.jpg; do
  check "grep -aq 'Barack Obama' '$IN/done/$name'" "$name does not name Barack Obama"
done
kills=$(grep -c '^resumed' "$WORK/watch.log" || true)
say "claims resumed after kills: $kills"
if ((fail)); then
  echo "--- watch log ---" >&2
  tail -50 "$WORK/watch.log" >&2
  exit 1
fi
say "ok: $TOTAL photos in done/ once each, archived once, intact"
