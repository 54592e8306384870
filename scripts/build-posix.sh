#!/usr/bin/env bash
# Builds the posix backend (native/platform/posix/: the macOS / BSD code) on this machine into
# build-posix/build/Release/procsync.node, which lib/core/native.ts loads when PROCSYNC_BACKEND=posix.
# node-gyp always builds into ./build (and `node-gyp rebuild` wipes it), so the build runs in a
# scratch copy of the sources (build-posix/) and the two builds never touch each other.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=$root/build-posix
mkdir -p "$work"
# Only the inputs of the build; the object files of an earlier run stay, so rebuilds are incremental.
cp -p binding.gyp "$work/"
# -p keeps the timestamps, so make rebuilds only what changed.
rm -rf "$work/native"
cp -rp native "$work/native"
ln -sfn "$root/node_modules" "$work/node_modules"
cd "$work"
# (Re)configured when binding.gyp changed since the last configure.
if [ ! -f build/Makefile ] || [ binding.gyp -nt build/Makefile ]; then
  npx --no-install node-gyp configure -- -Dbackend=posix
fi
npx --no-install node-gyp build -j "${JOBS:-2}"
echo "built build-posix/build/Release/procsync.node (backend posix)"
