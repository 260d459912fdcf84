#!/usr/bin/env bash
# Builds llama.cpp once into a cache outside the work tree and prints the install prefix on stdout.
#
# Source, in order of preference:
#   LETHE_LLAMA_SOURCE_DIR=/path/to/llama.cpp   a checkout of the user's own
#   (default)                                   the release pinned by node-llama-cpp on npm, sha256-verified
# Cache: ${LETHE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/lethe}/llama.cpp/<key>, where the key covers the
# source revision, the build options and the CPU, so a second build or CI run reuses it.
set -euo pipefail

NPM_PACKAGE="node-llama-cpp"
NPM_VERSION="3.22.1"
BUNDLE_SHA256="5f5d1105d5df040738d87b8290e5d17e7362131cdcfdb0831618e0ea528b4a51"
BUNDLE_COMMIT="de3ff815ea7d559ee917f063901b8986f038abc6"

BUILD_TYPE="${LETHE_LLAMA_BUILD_TYPE:-Release}"
EXTRA_FLAGS="${LETHE_LLAMA_CMAKE_FLAGS:-}"
JOBS="${LETHE_JOBS:-$(nproc)}"
CACHE_ROOT="${LETHE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/lethe}"

log() { echo "[llama.cpp] $*" >&2; }
die() { echo "[llama.cpp] error: $*" >&2; exit 1; }

for tool in git cmake sha256sum flock; do
  command -v "$tool" >/dev/null || die "'$tool' is required (run scripts/install-deps.sh)"
done

mkdir -p "$CACHE_ROOT/llama.cpp"
# llama.cpp compiles through ccache when it finds it (GGML_CCACHE); share Lethe's cache (cmake/ccache.cmake).
export CCACHE_DIR="${CCACHE_DIR:-$CACHE_ROOT/ccache}"

fetch_pinned_source() {
  local dest="$1" work tarball
  command -v npm >/dev/null || die "'npm' is required to fetch $NPM_PACKAGE@$NPM_VERSION (or set LETHE_LLAMA_SOURCE_DIR)"
  work="$(mktemp -d)"
  log "fetching $NPM_PACKAGE@$NPM_VERSION from npm"
  (cd "$work" && npm pack --silent "$NPM_PACKAGE@$NPM_VERSION" >/dev/null 2>&1) \
    || die "npm pack $NPM_PACKAGE@$NPM_VERSION failed"
  tarball="$(ls "$work"/*.tgz)"
  tar -xzf "$tarball" -C "$work" package/llama/gitRelease.bundle
  local actual
  actual="$(sha256sum "$work/package/llama/gitRelease.bundle" | cut -d' ' -f1)"
  [[ "$actual" == "$BUNDLE_SHA256" ]] || die "bundle sha256 mismatch: expected $BUNDLE_SHA256, got $actual"
  git -c advice.detachedHead=false clone --quiet "$work/package/llama/gitRelease.bundle" "$dest"
  git -C "$dest" -c advice.detachedHead=false checkout --quiet "$BUNDLE_COMMIT"
  rm -rf "$work"
}

if [[ -n "${LETHE_LLAMA_SOURCE_DIR:-}" ]]; then
  SOURCE_DIR="$(cd "$LETHE_LLAMA_SOURCE_DIR" && pwd)" || die "LETHE_LLAMA_SOURCE_DIR not found: $LETHE_LLAMA_SOURCE_DIR"
  [[ -f "$SOURCE_DIR/include/llama.h" ]] || die "$SOURCE_DIR does not look like llama.cpp (no include/llama.h)"
  REVISION="$(git -C "$SOURCE_DIR" rev-parse HEAD 2>/dev/null || echo nogit)"
  if ! git -C "$SOURCE_DIR" diff --quiet HEAD 2>/dev/null; then
    REVISION="$REVISION-dirty-$(git -C "$SOURCE_DIR" diff HEAD | sha256sum | cut -c1-12)"
  fi
else
  SOURCE_DIR=""
  REVISION="npm-$NPM_VERSION-$BUNDLE_COMMIT"
fi

CPU_FLAGS="$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | sha256sum | cut -c1-8)"
KEY_TEXT="$REVISION|$BUILD_TYPE|$EXTRA_FLAGS|$(uname -m)|$CPU_FLAGS|$(c++ --version | head -1)"
KEY="$(echo "$KEY_TEXT" | sha256sum | cut -c1-16)"
PREFIX="$CACHE_ROOT/llama.cpp/$KEY"

exec 9>"$CACHE_ROOT/llama.cpp/$KEY.lock"
flock 9  # concurrent builds of the same key wait for the first one

if [[ -f "$PREFIX/.complete" ]]; then
  log "using cached build $PREFIX"
  echo "$PREFIX"
  exit 0
fi

STAGE="$CACHE_ROOT/llama.cpp/$KEY.staging"
rm -rf "$STAGE"
mkdir -p "$STAGE"
if [[ -z "$SOURCE_DIR" ]]; then
  fetch_pinned_source "$STAGE/src"
  SOURCE_DIR="$STAGE/src"
fi

log "building $REVISION ($BUILD_TYPE, $JOBS jobs) into $PREFIX; a cold build takes about 10 minutes on 2 cores"
# shellcheck disable=SC2086
cmake -S "$SOURCE_DIR" -B "$STAGE/build" -DCMAKE_BUILD_TYPE="$BUILD_TYPE" \
  -DBUILD_SHARED_LIBS=OFF -DCMAKE_POSITION_INDEPENDENT_CODE=ON \
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=ON -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_SERVER=ON \
  -DLLAMA_BUILD_APP=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_OPENSSL=OFF \
  $EXTRA_FLAGS >"$STAGE/configure.log" 2>&1 || { tail -30 "$STAGE/configure.log" >&2; die "configure failed (log: $STAGE/configure.log)"; }
cmake --build "$STAGE/build" -j "$JOBS" --target llama ggml llama-server llama-bench llama-finetune \
  >"$STAGE/build.log" 2>&1 || { tail -30 "$STAGE/build.log" >&2; die "build failed (log: $STAGE/build.log)"; }

mkdir -p "$STAGE/prefix/lib" "$STAGE/prefix/include" "$STAGE/prefix/bin"
find "$STAGE/build" -name 'libllama.a' -o -name 'libggml*.a' | xargs -I{} cp {} "$STAGE/prefix/lib/"
cp "$SOURCE_DIR"/include/*.h "$SOURCE_DIR"/ggml/include/*.h "$STAGE/prefix/include/"
cp "$STAGE/build/bin/llama-server" "$STAGE/build/bin/llama-bench" "$STAGE/build/bin/llama-finetune" "$STAGE/prefix/bin/"
printf '%s\n' "$KEY_TEXT" >"$STAGE/prefix/BUILD_KEY"
rm -rf "$PREFIX"
mv "$STAGE/prefix" "$PREFIX"
touch "$PREFIX/.complete"
rm -rf "$STAGE"
log "done: $PREFIX"
echo "$PREFIX"
