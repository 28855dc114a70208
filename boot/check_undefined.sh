#!/bin/sh
# check_undefined.sh NM ARCHIVE... - the libraries as compiled for UEFI
# (COFF) may leave undefined only memcpy, memmove, memset and memcmp, which
# the embedder supplies; a symbol one archive defines for another is fine.
# Covers every object, also those the UEFI link does not pull in.
set -eu
nm=$1
shift
defined=$("$nm" --defined-only --extern-only --format=posix "$@" 2>/dev/null | awk 'NF >= 2 && $1 !~ /:$/ { print $1 }' | sort -u)
undefined=$("$nm" --undefined-only --format=posix "$@" 2>/dev/null | awk 'NF >= 2 && $1 !~ /:$/ { print $1 }' | sort -u)
bad=""
for sym in $undefined; do
    case " memcpy memmove memset memcmp " in *" $sym "*) continue ;; esac
    if ! printf '%s\n' "$defined" | grep -qx -- "$sym"; then
        bad="$bad $sym"
    fi
done
if [ -n "$bad" ]; then
    echo "FAIL: undefined outside the allow-list (memcpy memmove memset memcmp):$bad"
    exit 1
fi
echo "OK: the UEFI archives need only:" $(printf '%s\n' "$undefined" | while read -r s; do
    printf '%s\n' "$defined" | grep -qx -- "$s" || printf '%s ' "$s"; done)
