#!/usr/bin/env bash
# npm run prebuilds — the prebuilt binaries that ship in the package (prebuilds/, see README
# "Install"). N-API (one binary per platform for every Node version), stripped, libc-tagged so a
# musl system does not pick a glibc binary:
#   prebuilds/linux-x64/procsync.glibc.node     built with zig c++ against glibc 2.28
#   prebuilds/linux-arm64/procsync.glibc.node   the same, cross-compiled for aarch64
#   prebuilds/win32-x64/procsync.node           cross-compiled with mingw-w64 (scripts/build-win.sh)
# Why zig: a binary links against the glibc it was built with, and Debian 12's (2.36) gives it
# symbols of glibc 2.32-2.34 (stat64, pthread_cond_clockwait, __libc_single_threaded) that
# Debian 11 and Ubuntu 20.04 (2.31) or RHEL 8 (2.28) images do not have; zig links against
# stubs of any glibc version, and brings its own libc++ (linked statically). glibc 2.28 is Node
# 20's own minimum, so the prebuild loads wherever Node does. node-gyp still drives the build
# (binding.gyp stays the one list of sources and flags): zig is only the compiler.
# Each is built in a scratch copy of the sources, so the checkout's own build/ is left alone
# (node-gyp-build prefers build/Release over prebuilds/).
# Usage: scripts/prebuilds.sh [x64] [arm64] [win32]   (default: x64 arm64)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
targets=${*:-x64 arm64}
stage=$(mktemp -d /tmp/procsync-prebuilds.XXXXXX)
trap 'rm -rf "$stage"' EXIT
cp -r "$root/package.json" "$root/binding.gyp" "$root/native" "$stage/"
ln -s "$root/node_modules" "$stage/node_modules"
prebuildify="$root/node_modules/.bin/prebuildify"
# N-API: build against this Node's headers (any version would do); use the ones installed with
# Node when there are, rather than downloading them.
export JOBS=${JOBS:-2}   # node-gyp's make -j
target=node@$(node -p process.versions.node)
node_prefix=$(dirname "$(dirname "$(command -v node)")")
if [ -z "${npm_config_nodedir:-}" ] && [ -f "$node_prefix/include/node/node_api.h" ]; then
  export npm_config_nodedir=$node_prefix
fi

. "$root/scripts/zig.sh"
glibc=2.28
for arch in $targets; do
  case "$arch" in
    x64) triple=x86_64-linux-gnu.$glibc; strip=strip ;;
    arm64)
      triple=aarch64-linux-gnu.$glibc; strip=aarch64-linux-gnu-strip
      command -v $strip >/dev/null || { echo "prebuilds: $strip not found (Debian/Ubuntu: apt-get install binutils-aarch64-linux-gnu)" >&2; exit 1; }
      ;;
    win32)
      # node-gyp cannot target Windows from Linux: build-win.sh compiles binding.gyp's sources
      # for the windows backend with mingw-w64 (its own build-win/, not build/). npm run test:win
      # load-tests it under Wine.
      bash "$root/scripts/build-win.sh"
      continue
      ;;
    *) echo "prebuilds: unknown target '$arch' (x64, arm64, win32)" >&2; exit 1 ;;
  esac
  rm -rf "$stage/build"
  # node-gyp takes the compilers from CC/CXX (and links with LINK); --arch makes gyp pass the
  # right -m flags. N-API headers are the same for every CPU.
  CC="$zig cc -target $triple" CXX="$zig c++ -target $triple" LINK="$zig c++ -target $triple" AR="$zig ar" \
    "$prebuildify" --target "$target" --napi --strip --strip-bin $strip --tag-libc --arch "$arch" \
    --cwd "$stage" --out "$root"
  # The proof of the point above: no symbol of a glibc newer than $glibc.
  newest=$(objdump -T "$root/prebuilds/linux-$arch/procsync.glibc.node" | grep -o 'GLIBC_[0-9.]*' | sort -V | tail -1)
  if [ "$(printf '%s\n' "GLIBC_$glibc" "$newest" | sort -V | tail -1)" != "GLIBC_$glibc" ]; then
    echo "prebuilds: linux-$arch needs $newest (> $glibc)" >&2; exit 1
  fi
  echo "prebuilds: linux-$arch needs glibc >= ${newest#GLIBC_}"
done
ls -l "$root"/prebuilds/*/
