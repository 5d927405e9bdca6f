#!/usr/bin/env bash
# The Windows leg: cross-builds the library, the CMocka suites, the C++ test and the example with
# mingw-w64 and runs them under Wine, so that the Win32 fibers and Win32 threads backends of the
# platform layer run for real (docs/platform.md, "Windows build and the Wine leg").
#
#   tools/test-windows.sh
#
# Installs what is missing. CMocka has no mingw package in Debian, so Debian's own cmocka source
# package is built with the toolchain file once and kept in build-ci/mingw-cmocka/prefix. Every
# suite runs once; test_context and test_dispatcher run each test on both backends, and the
# suites whose machines take test_default_backend() run again as <suite>_threads on the
# OS-threads backend (PSSIM_TEST_THREADS_BACKEND). Output ends with ctest's "... tests passed, 0
# tests failed out of N". Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh cmake make xz-utils gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64 wine64 wine
jobs=$(nproc 2>/dev/null || echo 2)
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

top=$PWD
toolchain=$top/cmake/toolchain-mingw-w64-x86_64.cmake
deps=$top/build-ci/mingw-cmocka
cmocka_prefix=$deps/prefix
build=$top/build-ci/windows
mkdir -p "$deps"

# ---- CMocka for mingw-w64, from Debian's source package (cached) ----
has_debsrc() { # a deb-src entry (one-line or deb822) for bookworm on deb.debian.org/debian
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
    /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && grep -qE '^[[:space:]]*(deb-src[[:space:]]|Types:.*deb-src)' "$f" &&
      grep -q 'deb.debian.org/debian' "$f" &&
      grep -qE '(^|[[:space:]])bookworm([[:space:]]|$)' "$f" && return 0
  done
  return 1
}

if [ ! -f "$cmocka_prefix/lib/libcmocka-static.a" ]; then
  echo "building cmocka for mingw-w64 into $cmocka_prefix"
  rm -rf "$deps/src" "$deps/build"
  mkdir -p "$deps/src"
  fetch() { (cd "$deps/src" && apt-get source --download-only cmocka) >"$deps/fetch.log" 2>&1; }
  if ! fetch; then # no deb-src entry yet, or its lists are missing or stale
    if ! has_debsrc; then
      echo "adding /etc/apt/sources.list.d/debian-src.sources (deb-src, bookworm main)"
      printf '%s\n' 'Types: deb-src' 'URIs: http://deb.debian.org/debian' 'Suites: bookworm' \
        'Components: main' 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' |
        $SUDO tee /etc/apt/sources.list.d/debian-src.sources >/dev/null
    fi
    $SUDO apt-get update -qq
    fetch || { cat "$deps/fetch.log"; exit 1; }
  fi
  orig=$(find "$deps/src" -maxdepth 1 -name 'cmocka_*.orig.tar.*' ! -name '*.asc' | head -1)
  [ -n "$orig" ] || { echo "no cmocka orig tarball in $deps/src"; exit 1; }
  tar -xf "$orig" -C "$deps/src"
  srcdir=$(find "$deps/src" -mindepth 1 -maxdepth 1 -type d -name 'cmocka-*' | head -1)
  cmake -S "$srcdir" -B "$deps/build" -DCMAKE_TOOLCHAIN_FILE="$toolchain" \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$cmocka_prefix" \
    -DWITH_STATIC_LIB=ON -DWITH_EXAMPLES=OFF -DUNIT_TESTING=OFF >"$deps/build.log" 2>&1 ||
    { cat "$deps/build.log"; exit 1; }
  { nice cmake --build "$deps/build" -j"$jobs" && cmake --install "$deps/build"; } \
    >>"$deps/build.log" 2>&1 || { cat "$deps/build.log"; exit 1; }
fi

# ---- pssim, cross-built ----
# Benchmarks stay off: they are POSIX programs (uname, fork and waitpid, POSIX semaphores).
cmake -S . -B "$build" -DCMAKE_TOOLCHAIN_FILE="$toolchain" -DCMAKE_FIND_ROOT_PATH="$cmocka_prefix" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPSSIM_WERROR=ON -DPSSIM_BUILD_BENCH=OFF \
  -DPSSIM_TEST_THREADS_BACKEND=ON >/dev/null
nice cmake --build "$build" -j"$jobs"

# ---- run under Wine, in a prefix of our own ----
# No menu entries in $HOME from winemenubuilder.
export WINEPREFIX=$top/build-ci/wineprefix WINEDEBUG=-all WINEDLLOVERRIDES="winemenubuilder.exe=d"
trap 'wineserver -k 2>/dev/null || true' EXIT
if [ ! -f "$WINEPREFIX/system.reg" ]; then
  echo "creating the Wine prefix $WINEPREFIX"
  # No Mono or Gecko: nothing here needs .NET or HTML, and their installers only cost time.
  WINEDLLOVERRIDES="$WINEDLLOVERRIDES;mscoree=;mshtml=" wine wineboot --init \
    </dev/null >/dev/null 2>&1
  wineserver -w
fi
# One server and one set of Wine's system processes (services.exe, explorer.exe, ...) for every
# test program, started here with their output going nowhere: started by the first test, they
# would inherit its output pipe and keep it open, and ctest would wait for them until the timeout.
wineserver -k 2>/dev/null || true # a server left behind by an interrupted run of this script
wineserver -w
wineserver -p
wine cmd /c exit 0 </dev/null >/dev/null 2>&1

ctest --test-dir "$build" --output-on-failure -j"$jobs" --timeout 300 | tee "$build.ctest.log"
