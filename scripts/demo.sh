#!/usr/bin/env bash
# Quick start, part 1: set everything up and run the main job on the bundled
# sample: a registry value read straight out of a hive inside a
# (gzip-compressed) NTFS disk image, without mounting or extracting anything.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/scripts/setup.sh" "$here/build"
cd "$here"
ntkit=build/cli/ntkit
img=testdata/sample/sample-ntfs.img.gz
echo
echo "\$ ntkit ntfs ls $img /Windows/System32/config     # the hives inside the sample NTFS image"
"$ntkit" ntfs ls "$img" /Windows/System32/config
echo
echo "\$ ntkit hive get $img::/Windows/System32/config/SYSTEM 'ControlSet001\\Control\\ComputerName\\ComputerName' ComputerName"
"$ntkit" hive get "$img::/Windows/System32/config/SYSTEM" 'ControlSet001\Control\ComputerName\ComputerName' ComputerName
echo
echo "\$ ntkit hive get $img::/Windows/System32/config/SOFTWARE 'Microsoft\\Windows NT\\CurrentVersion' ProductName"
"$ntkit" hive get "$img::/Windows/System32/config/SOFTWARE" 'Microsoft\Windows NT\CurrentVersion' ProductName
