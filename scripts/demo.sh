#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine (packages, the pinned llama.cpp build), builds Lethe and runs the demo.
# Arguments are passed to `lethe demo` (see build/bin/lethe demo --help).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "${LETHE_JOBS:-$(nproc)}" --target lethe_cli
exec build/bin/lethe demo "$@"
