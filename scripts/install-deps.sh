#!/usr/bin/env bash
# Installs the Debian 12 packages Lethe builds against. Idempotent: installs only what is missing.
set -euo pipefail

PACKAGES=(
  build-essential cmake git ca-certificates pkg-config util-linux
  ccache                          # warm rebuilds (cmake/ccache.cmake)
  nlohmann-json3-dev              # JSON
  libcurl4-openssl-dev            # HTTP client (OpenAI-compatible backend)
  libcpp-httplib-dev libssl-dev   # HTTP server for loopback fault-injection tests
  libsqlite3-dev sqlite3          # response cache, memory store
  libcli11-dev                    # command line
  libfmt-dev                      # formatting
  libgtest-dev libgmock-dev       # tests
  json-schema-test-suite          # the validator's conformance test (tests/llm/json_schema_suite_test.cpp)
  libbenchmark-dev                # benchmarks
  libutf8proc-dev                 # Unicode normalisation
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm fetches the pinned llama.cpp release (node-llama-cpp); some Node.js builds bundle it, Debian's does not.
command -v npm >/dev/null || missing+=(npm)
if ((${#missing[@]} == 0)); then
  echo "[deps] all ${#PACKAGES[@]} packages present" >&2
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "[deps] installing: ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "[deps] done" >&2
