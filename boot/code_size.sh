#!/bin/sh
# code_size.sh - code size of each ntkit library as a bootloader embeds it.
#
# Compiles every library source (libntcore/src, libnthive/src, libntfs/src)
# and the UEFI application (boot/src) with the UEFI build's flags at -Os and
# at -O2, and prints the summed .text (code) and .rdata (constant tables)
# bytes per library as a Markdown table (every object of the library), then
# the size of BOOTX64.EFI linked against the libraries as archives at each
# level - what an embedder really carries, since the linker takes only the
# archive members the application reaches - and the members it left out.
#
# Usage: boot/code_size.sh [SOURCE_DIR]    (default: the checkout this is in)
# Needs clang and lld-link (Debian: clang lld); llvm-size or GNU size.
set -eu

src=${1:-$(cd "$(dirname "$0")/.." && pwd)}
CC=${CC_EFI:-clang}
LINK=${LINK_EFI:-lld-link}
SIZE=${SIZE:-$(command -v llvm-size || echo size)}
AR=${AR_EFI:-$(command -v llvm-ar || echo ar)}
for t in "$CC" "$LINK" "$SIZE" "$AR"; do
    command -v "$t" >/dev/null 2>&1 || { echo "code_size.sh: $t not found" >&2; exit 77; }
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

CFLAGS="--target=x86_64-unknown-windows -ffreestanding -fno-builtin -nostdlib -mno-red-zone
 -mno-stack-arg-probe -fno-stack-protector -fno-stack-check -std=c11 -g0 -w
 -I$src/libntcore/include -I$src/libnthive/include -I$src/libntfs/include"

# section_sum SECTION OBJ...: bytes of SECTION summed over the objects.
section_sum() {
    sec=$1
    shift
    "$SIZE" -A "$@" | awk -v s="$sec" '$1 == s { n += $2 } END { print n + 0 }'
}

printf '| part | .text -Os | .text -O2 | .rdata -Os | .rdata -O2 |\n'
printf '|---|---:|---:|---:|---:|\n'
for part in libntcore libnthive libntfs boot; do
    for opt in Os O2; do
        mkdir -p "$tmp/$opt/$part"
        for f in "$src/$part/src/"*.c; do
            # shellcheck disable=SC2086
            "$CC" $CFLAGS -"$opt" -I"$src/$part/src" -c "$f" \
                -o "$tmp/$opt/$part/$(basename "$f" .c).obj"
        done
    done
    printf '| %s | %s | %s | %s | %s |\n' "$part" \
        "$(section_sum .text "$tmp"/Os/"$part"/*.obj)" "$(section_sum .text "$tmp"/O2/"$part"/*.obj)" \
        "$(section_sum .rdata "$tmp"/Os/"$part"/*.obj)" "$(section_sum .rdata "$tmp"/O2/"$part"/*.obj)"
done

for opt in Os O2; do
    for lib in libntcore libnthive libntfs; do
        "$AR" rcs "$tmp/$opt/$lib.lib" "$tmp/$opt/$lib"/*.obj
    done
    "$LINK" /nologo /subsystem:efi_application /entry:efi_main /nodefaultlib \
        /map:"$tmp/$opt.map" /out:"$tmp/BOOTX64-$opt.EFI" "$tmp/$opt"/boot/*.obj \
        "$tmp/$opt"/libntcore.lib "$tmp/$opt"/libnthive.lib "$tmp/$opt"/libntfs.lib
    printf '\nBOOTX64.EFI at -%s: %s bytes (.text %s, .rdata %s)\n' "$opt" \
        "$(wc -c < "$tmp/BOOTX64-$opt.EFI")" \
        "$(section_sum .text "$tmp/BOOTX64-$opt.EFI")" "$(section_sum .rdata "$tmp/BOOTX64-$opt.EFI")"
done
# Archive members the application does not reach (from the -O2 map).
left=""
for lib in libntcore libnthive libntfs; do
    for o in "$tmp/O2/$lib"/*.obj; do
        m=$(basename "$o")
        grep -q " $lib:$m\$" "$tmp/O2.map" || left="$left $lib/${m%.obj}.c"
    done
done
printf '\nNot linked into BOOTX64.EFI (unreached):%s\n' "${left:- none}"
