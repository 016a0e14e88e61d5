# CMake toolchain file: cross-compile for aarch64 Linux with Debian's
# gcc-aarch64-linux-gnu (tools/setup.sh installs it, with libc6-dev-arm64-cross
# and qemu-user). Used by tools/aarch64-test.sh for libqrt and its kernel tests:
#   cmake -S runtime -B build/aarch64 -G Ninja \
#         -DCMAKE_TOOLCHAIN_FILE=tools/aarch64-toolchain.cmake
# Test executables run under qemu-user with the target's libc
# (CMAKE_CROSSCOMPILING_EMULATOR); docs/aarch64.md.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(QCC_AARCH64_TRIPLE aarch64-linux-gnu CACHE STRING "cross toolchain prefix")
set(CMAKE_C_COMPILER ${QCC_AARCH64_TRIPLE}-gcc)
set(CMAKE_AR ${QCC_AARCH64_TRIPLE}-ar CACHE FILEPATH "")
set(CMAKE_RANLIB ${QCC_AARCH64_TRIPLE}-ranlib CACHE FILEPATH "")
set(CMAKE_FIND_ROOT_PATH /usr/${QCC_AARCH64_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
# qemu-user runs the target's programs; -L: where its dynamic loader and libc are.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L /usr/${QCC_AARCH64_TRIPLE})
