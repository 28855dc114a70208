#!/bin/sh
# nt_container_of must compile for the right member and refuse to compile
# when the pointer's type does not match the member's type.
set -eu
cc=$1; inc=$2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/t.c" <<'C'
#include "ntcore/list.h"
typedef struct item { int v; nt_list_entry link; nt_single_list_entry next; } item;
item *f(nt_list_entry *e) { return nt_container_of(e, item, link); }
#ifdef WRONG
item *g(nt_list_entry *e) { return nt_container_of(e, item, next); }
#endif
C
"$cc" -std=c11 -Wall -Werror -I"$inc" -c "$tmp/t.c" -o "$tmp/ok.o" || { echo "FAIL: correct use did not compile"; exit 1; }
if "$cc" -std=c11 -Wall -Werror -DWRONG -I"$inc" -c "$tmp/t.c" -o "$tmp/bad.o" 2>"$tmp/err"; then
    echo "FAIL: nt_container_of accepted a pointer of the wrong type"; exit 1
fi
grep -q 'does not match the member' "$tmp/err" || { echo "FAIL: wrong diagnostic:"; cat "$tmp/err"; exit 1; }
echo "ok: wrong member type rejected at compile time"
