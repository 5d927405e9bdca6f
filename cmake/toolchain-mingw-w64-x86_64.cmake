# Cross-compiles for 64-bit Windows with mingw-w64 (Debian: gcc-mingw-w64-x86-64, and
# g++-mingw-w64-x86-64 for the C++ tests) and runs the programs under Wine (wine64, wine).
#
#   cmake -S . -B build-win -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-mingw-w64-x86_64.cmake \
#         -DCMAKE_FIND_ROOT_PATH=/path/to/cmocka-mingw-prefix
#
# Extra prefixes to search (cmocka built for mingw) go in CMAKE_FIND_ROOT_PATH, not in
# CMAKE_PREFIX_PATH: with the ONLY modes below, a CMAKE_PREFIX_PATH is re-rooted under every
# find root and is not found. tools/test-windows.sh does all of this (docs/platform.md).
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(PSSIM_MINGW_TRIPLET x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${PSSIM_MINGW_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${PSSIM_MINGW_TRIPLET}-g++)
set(CMAKE_RC_COMPILER ${PSSIM_MINGW_TRIPLET}-windres)

list(APPEND CMAKE_FIND_ROOT_PATH /usr/${PSSIM_MINGW_TRIPLET})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Programs are linked statically (libgcc, libwinpthread, the C++ runtime), so Wine needs no
# mingw DLLs on its path: a dynamically linked -pthread program exits 53 without a word when
# libwinpthread-1.dll is missing.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")

# CTest (and try_run) start the .exe files through Wine. Debian's wine package installs
# /usr/bin/wine; with wine64 alone there is only /usr/lib/wine/wine64.
find_program(PSSIM_WINE_EXECUTABLE NAMES wine wine64 PATHS /usr/lib/wine NO_CMAKE_FIND_ROOT_PATH)
if(PSSIM_WINE_EXECUTABLE)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${PSSIM_WINE_EXECUTABLE})
endif()
