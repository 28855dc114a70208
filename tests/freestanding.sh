#!/usr/bin/env bash
# Proves every lib* is freestanding: each source includes only freestanding
# headers (or the project's own), and a build with -ffreestanding
# -fno-builtin -nostdlib leaves no undefined symbol in the archive other than
# memcpy, memmove, memset and memcmp.
set -euo pipefail
src=${1:?source dir}
cc=${2:-cc}
allowed_headers='^(stddef|stdint|stdbool|stdalign|limits)\.h$'  # DESIGN.md's list
allowed_syms='^(memcpy|memmove|memset|memcmp)$'
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
checked=0
for lib in libntcore libnthive libntfs; do
    [ -d "$src/$lib/src" ] || continue
    mapfile -t files < <(find "$src/$lib/src" -name '*.c' | sort)
    [ ${#files[@]} -gt 0 ] || continue
    # 1. includes: only freestanding system headers
    while IFS= read -r line; do
        file=${line%%:*}
        hdr=$(sed -E 's/.*#[[:space:]]*include[[:space:]]*<([^>]+)>.*/\1/' <<<"$line")
        if ! [[ $hdr =~ $allowed_headers ]]; then
            echo "FAIL: $file includes <$hdr>, which is not a freestanding header"
            fail=1
        fi
    done < <(grep -HE '^[[:space:]]*#[[:space:]]*include[[:space:]]*<' "${files[@]}" \
             $(find "$src/$lib/include" "$src/$lib/src" -name '*.h' 2>/dev/null) || true)
    # 2. compile freestanding (position-independent, as the build does: PIC
    # code that reaches a global through the GOT needs _GLOBAL_OFFSET_TABLE_)
    # and inspect the archive
    incs=()
    for d in "$src"/lib*/include "$src/$lib/src"; do incs+=("-I$d"); done
    objs=()
    for f in "${files[@]}"; do
        mkdir -p "$work/$lib"; o="$work/$lib/$(basename "$f" .c).o"
        "$cc" -std=c11 -O2 -fPIC -ffreestanding -fno-builtin -nostdlib -fno-stack-protector \
              -Wall -Wextra -Werror "${incs[@]}" -c "$f" -o "$o"
        objs+=("$o")
    done
    ar rcs "$work/$lib.a" "${objs[@]}"
    # Symbols one object of the library (or libntcore, which every parser
    # links) defines for another are not needs of the library: link the
    # objects into one relocatable object and list what is still undefined.
    core=()
    [ "$lib" = libntcore ] || core=("$work"/libntcore/*.o)
    ld -r -o "$work/$lib-all.o" "${objs[@]}" "${core[@]}"
    undef=$(nm -u "$work/$lib-all.o" | awk '{print $NF}' | sort -u)
    for sym in $undef; do
        if ! [[ $sym =~ $allowed_syms ]]; then
            echo "FAIL: $lib needs undefined symbol '$sym'"
            fail=1
        fi
    done
    echo "$lib: ${#files[@]} sources, undefined: $(echo $undef)"
    checked=$((checked + 1))
done
[ "$checked" -gt 0 ] || { echo "FAIL: no library found under $src"; exit 1; }
exit $fail
