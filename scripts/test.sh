#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine (packages, the pinned llama.cpp build), builds Lethe and runs the test suite.
#   scripts/test.sh              Release build in build/, all tests
#   scripts/test.sh --sanitize   ASan+UBSan build of Lethe's code in build-sanitize/, all tests but the slow
#                                integration ones
# Extra arguments after -- go to ctest (e.g. scripts/test.sh -- -L llm).
set -euo pipefail
cd "$(dirname "$0")/.."

SANITIZE=0
CTEST_ARGS=()
while (($#)); do
  case "$1" in
    --sanitize) SANITIZE=1 ;;
    --) shift; CTEST_ARGS=("$@"); break ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

# Each stage's wall time goes to stderr when it ends, and is appended to $LETHE_STAGE_LOG when set (.ci/run prints
# them all at the end).
STAGE_NAME=""
STAGE_START=0
stage() {
  local now
  now=$(date +%s)
  if [[ -n "$STAGE_NAME" ]]; then
    local line
    line=$(printf '%-32s %5d s' "$STAGE_NAME" $((now - STAGE_START)))
    echo "[stage] $line" >&2
    if [[ -n "${LETHE_STAGE_LOG:-}" ]]; then echo "$line" >>"$LETHE_STAGE_LOG"; fi
  fi
  STAGE_NAME="$1"
  STAGE_START=$now
}
trap 'stage ""' EXIT  # the last stage, also when it fails
SUFFIX=""
if ((SANITIZE)); then SUFFIX=" (sanitize)"; fi

stage "packages$SUFFIX"
bash scripts/install-deps.sh
JOBS="${LETHE_JOBS:-$(nproc)}"
stage "configure, llama.cpp$SUFFIX"
if ((SANITIZE)); then
  BUILD=build-sanitize
  # -O1 with line tables only: ASan's recommended optimisation, and compiles 2.5x faster than -O2 -g (46 s against
  # 19 s for one test file), while stack traces still name files and lines.
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
    -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DLETHE_SANITIZE=ON -DLETHE_BUILD_BENCH=OFF
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  export LSAN_OPTIONS="suppressions=$PWD/scripts/lsan.supp"
  DEFAULT_ARGS=(-LE integration)
else
  BUILD=build
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release
  DEFAULT_ARGS=()
fi
stage "build$SUFFIX"
cmake --build "$BUILD" -j "$JOBS"
stage "tests$SUFFIX"
ctest --test-dir "$BUILD" --output-on-failure -j "$JOBS" "${DEFAULT_ARGS[@]}" "${CTEST_ARGS[@]}"
