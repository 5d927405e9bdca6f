#!/usr/bin/env bash
# Builds and runs the whole test suite: warnings as errors with gcc, then clang, then once more
# under ASan+UBSan, then the installed-package consumer test. Installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh cmake make gcc g++ clang libcmocka-dev pkg-config libclang-rt-14-dev
jobs=$(nproc 2>/dev/null || echo 2)

run_suite() { # name, then cmake arguments
  local name=$1; shift
  echo "=== $name ==="
  cmake -S . -B "build-ci/$name" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPSSIM_WERROR=ON "$@" >/dev/null
  cmake --build "build-ci/$name" -j"$jobs"
  ctest --test-dir "build-ci/$name" --output-on-failure -j"$jobs"
}

run_suite gcc -DCMAKE_C_COMPILER=gcc -DCMAKE_CXX_COMPILER=g++
run_suite clang -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++
run_suite asan-ubsan -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DPSSIM_SANITIZE=address,undefined -DPSSIM_BUILD_BENCH=OFF

echo "=== installed package ==="
prefix="$PWD/build-ci/install"
cmake --install build-ci/gcc --prefix "$prefix" >/dev/null
cmake -S tests/consumer -B build-ci/consumer -DCMAKE_PREFIX_PATH="$prefix" -DPSSIM_WERROR=ON >/dev/null
cmake --build build-ci/consumer -j"$jobs"
ctest --test-dir build-ci/consumer --output-on-failure
PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --exists pssim
echo "all suites passed"
