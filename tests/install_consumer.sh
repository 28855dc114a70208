#!/usr/bin/env bash
# Installs the build into a scratch prefix and builds a small program against
# the installed headers and libraries, once through pkg-config and once
# through CMake's find_package, then runs both (static and shared).
set -euo pipefail
build=${1:?build dir}
cc=${2:-cc}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null

cat > "$work/app.c" <<'C'
#include <stdio.h>
#include <string.h>
#include "ntcore/chunk_alloc.h"
#include "ntcore/status.h"
#include "nthive.h"
#include "ntfs.h"

int main(void)
{
    static _Alignas(4096) unsigned char arena[1 << 16];
    static unsigned char bitmap[4096];
    nt_chunk_heap heap;
    if (nt_chunk_init(&heap, arena, sizeof arena, bitmap, sizeof bitmap, 16) != NT_OK)
        return 1;
    nt_allocator a = nt_chunk_allocator(&heap);
    void *p = nt_alloc(&a, 100, 8);
    if (!p)
        return 2;
    nt_free(&a, p, 100, 8);
    /* a buffer that is not a hive must be refused with a status, not a crash */
    static unsigned char junk[8192];
    nthive h;
    int rc = nthive_open(&h, junk, sizeof junk);
    printf("%s\n", rc < 0 ? nt_strerror(rc) : "opened?");
    return rc < 0 ? 0 : 3;
}
C
libdir=$(find "$prefix" -name 'libntcore.a' -printf '%h\n' | head -1)
[ -n "$libdir" ] || { echo "FAIL: libntcore.a not installed"; exit 1; }
for so in libntcore libnthive libntfs; do
    ls "$libdir/$so.so."* >/dev/null 2>&1 || { echo "FAIL: $so.so.N (versioned SONAME) not installed"; exit 1; }
    soname=$(objdump -p "$libdir/$so.so")
    grep -q "SONAME *$so.so.[0-9]" <<<"$soname" || { echo "FAIL: $so.so has no versioned SONAME"; exit 1; }
done
[ -f "$prefix/share/man/man1/ntkit.1" ] || echo "note: no man page installed yet"
[ -x "$prefix/bin/ntkit" ] || { echo "FAIL: ntkit not installed"; exit 1; }

# 1. pkg-config, static link
export PKG_CONFIG_PATH=$libdir/pkgconfig
"$cc" -std=c11 -o "$work/app-pc" "$work/app.c" $(pkg-config --cflags ntkit-hive ntkit-ntfs) \
    -Wl,-Bstatic $(pkg-config --libs ntkit-hive ntkit-ntfs) -Wl,-Bdynamic
"$work/app-pc"

# 2. find_package, shared libraries
mkdir -p "$work/cm"
cat > "$work/cm/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.20)
project(consumer C)
find_package(ntkit REQUIRED)
add_executable(app ../app.c)
target_link_libraries(app PRIVATE ntkit::nthive_shared ntkit::ntfs_shared)
CM
cmake -S "$work/cm" -B "$work/cm/build" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$cc" >/dev/null
cmake --build "$work/cm/build" >/dev/null
LD_LIBRARY_PATH=$libdir "$work/cm/build/app"
needed=$(readelf -d "$work/cm/build/app")   # (no pipe into grep -q: SIGPIPE + pipefail)
grep -q "libnthive.so.0" <<<"$needed" || { echo "FAIL: not linked against the shared libnthive"; exit 1; }
echo "ok: pkg-config (static) and find_package (shared) consumers built and ran"
