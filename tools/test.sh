#!/usr/bin/env bash
# Builds and runs the whole test suite: warnings as errors with gcc, then clang, then once more
# under ASan+UBSan, then the installed-package consumer test, then the mingw-w64 build under
# Wine (tools/test-windows.sh). Installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh cmake make gcc g++ clang libcmocka-dev pkg-config libclang-rt-14-dev valgrind libdw-dev
jobs=$(nproc 2>/dev/null || echo 2)

total=0
count_tests() { # adds the number of tests a ctest run reported ("... out of N") to $total
  local n
  n=$(sed -n 's/.*tests passed, 0 tests failed out of \([0-9]*\).*/\1/p' "$1" | tail -1)
  total=$((total + ${n:-0}))
}

run_suite() { # name, then cmake arguments
  local name=$1; shift
  echo "=== $name ==="
  mkdir -p build-ci
  cmake -S . -B "build-ci/$name" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPSSIM_WERROR=ON "$@" >/dev/null
  cmake --build "build-ci/$name" -j"$jobs"
  ctest --test-dir "build-ci/$name" --output-on-failure -j"$jobs" | tee "build-ci/$name.ctest.log"
  count_tests "build-ci/$name.ctest.log"
}

run_suite gcc -DCMAKE_C_COMPILER=gcc -DCMAKE_CXX_COMPILER=g++
run_suite clang -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++
run_suite asan-ubsan -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DPSSIM_SANITIZE=address,undefined -DPSSIM_BUILD_BENCH=OFF

echo "=== tsan (OS-threads backend) ==="
# ThreadSanitizer over the suites that run threads; the fibers backend is not TSan-capable, so
# they use OS threads there. setarch -R: TSan needs the address layout it knows.
mkdir -p build-ci
cmake -S . -B build-ci/tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPSSIM_WERROR=ON \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DPSSIM_SANITIZE=thread \
  -DPSSIM_BUILD_BENCH=OFF -DPSSIM_BUILD_EXAMPLES=OFF -DPSSIM_BUILD_CXX_TESTS=OFF >/dev/null
cmake --build build-ci/tsan -j"$jobs" --target test_context test_dispatcher test_sync test_trace test_work \
  test_alert test_pico test_io test_irp test_client
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" setarch "$(uname -m)" -R \
  ctest --test-dir build-ci/tsan --output-on-failure -R '^test_(context|dispatcher|sync|trace|work|alert|pico|io|irp|client)$' \
  | tee build-ci/tsan.ctest.log
count_tests build-ci/tsan.ctest.log

echo "=== valgrind (gcc build) ==="
# Every test program of the gcc build once more under memcheck: any error or leak fails.
vg_failed=0
vg_count=0
while IFS= read -r exe; do
  vg_count=$((vg_count + 1))
  if ! valgrind -q --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite,indirect \
      "$exe" >"build-ci/valgrind.log" 2>&1; then
    echo "valgrind: $exe failed"; cat build-ci/valgrind.log; vg_failed=1
  fi
done < <(find build-ci/gcc/tests build-ci/gcc/examples -type f -executable \
           \( -name 'test_*' -o -name '*_test' -o -name 'process_monitor_demo' -o -name 'scheduler_lesson*' \) | sort)
echo "valgrind: $vg_count programs checked"
if [ "$vg_failed" -ne 0 ] || [ "$vg_count" -eq 0 ]; then exit 1; fi

echo "=== installed package ==="
prefix="$PWD/build-ci/install"
cmake --install build-ci/gcc --prefix "$prefix" >/dev/null
cmake -S tests/consumer -B build-ci/consumer -DCMAKE_PREFIX_PATH="$prefix" -DPSSIM_WERROR=ON >/dev/null
cmake --build build-ci/consumer -j"$jobs"
ctest --test-dir build-ci/consumer --output-on-failure | tee build-ci/consumer.ctest.log
count_tests build-ci/consumer.ctest.log
PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --exists pssim

echo "=== mingw-w64 under wine ==="
# Cross-built for Windows, run under Wine: the Win32 fibers and threads backends.
tools/test-windows.sh
count_tests build-ci/windows.ctest.log
echo "all suites passed (gcc, clang, asan+ubsan, tsan, valgrind, installed package, mingw-w64 under wine)"
echo "$((total + vg_count)) passed, 0 failed"
