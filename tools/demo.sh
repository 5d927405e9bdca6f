#!/usr/bin/env bash
# Builds pssim and runs the flagship demo: the process-monitor driver in a 4-processor machine.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh cmake make gcc libcmocka-dev pkg-config libdw-dev
cmake -S . -B build-demo -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPSSIM_BUILD_TESTS=OFF \
  -DPSSIM_BUILD_BENCH=OFF -DPSSIM_BUILD_CXX_TESTS=OFF >/dev/null
cmake --build build-demo -j"$(nproc 2>/dev/null || echo 2)" --target process_monitor_demo
exec build-demo/examples/process_monitor_demo
