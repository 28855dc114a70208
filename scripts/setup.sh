#!/usr/bin/env bash
# Installs what ntkit needs on Debian 12 (only what is missing), then
# configures and builds it. Usage: scripts/setup.sh [BUILD_DIR [cmake args...]]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
shift || true

packages=(
    gcc make cmake pkg-config python3 xz-utils gzip
    libcmocka-dev zlib1g-dev libfuse3-dev fuse3
    clang lld libclang-rt-14-dev            # fuzzers, the UEFI app
    ntfs-3g                                 # mkntfs + ntfs-3g build NTFS test images
    sleuthkit libfsntfs-utils python3-libfsntfs  # NTFS oracles (fls, icat, fsntfsinfo, pyfsntfs)
    libhivex-bin libwin-hivex-perl python3-hivex libregf-utils   # hive oracles
    time                                    # /usr/bin/time -v for peak RSS
    groff-base                              # the man page test (groff -man -ww)
    fdisk gdisk                             # MBR/GPT disk images in tests
    libwim-dev                              # WOF (XPRESS/LZX) test vectors and oracle
    qemu-system-x86 ovmf dosfstools mtools  # the UEFI boot test
)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build "$build" -j"$(nproc)"
