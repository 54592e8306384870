#!/usr/bin/env bash
# npm run prebuilds — the prebuilt binaries that ship in the package (prebuilds/, see README
# "Install"). N-API (one binary per platform for every Node version), stripped, libc-tagged so a
# musl system does not pick a glibc binary:
#   prebuilds/linux-x64/procsync.glibc.node     native build
#   prebuilds/linux-arm64/procsync.glibc.node   cross-compiled with Debian's g++-aarch64-linux-gnu
#   prebuilds/win32-x64/procsync.node           cross-compiled with mingw-w64 (scripts/build-win.sh)
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

for arch in $targets; do
  case "$arch" in
    x64)
      [ "$(uname -m)" = x86_64 ] || { echo "prebuilds: the x64 build needs an x86_64 Linux host" >&2; exit 1; }
      rm -rf "$stage/build"
      "$prebuildify" --target "$target" --napi --strip --tag-libc --arch x64 --cwd "$stage" --out "$root"
      ;;
    arm64)
      cross=aarch64-linux-gnu
      if ! command -v $cross-g++ >/dev/null; then
        echo "prebuilds: $cross-g++ not found (Debian/Ubuntu: apt-get install g++-$cross)" >&2
        exit 1
      fi
      rm -rf "$stage/build"
      # node-gyp takes the compilers from CC/CXX (and links with CXX); --arch arm64 makes gyp
      # leave out the host's -m64. N-API headers are the same for every CPU.
      CC=$cross-gcc CXX=$cross-g++ LINK=$cross-g++ AR=$cross-ar \
        "$prebuildify" --target "$target" --napi --strip --strip-bin $cross-strip --tag-libc --arch arm64 \
        --cwd "$stage" --out "$root"
      ;;
    win32)
      # node-gyp cannot target Windows from Linux: build-win.sh compiles binding.gyp's sources
      # for the windows backend with mingw-w64 (its own build-win/, not build/). npm run test:win
      # load-tests it under Wine.
      bash "$root/scripts/build-win.sh"
      ;;
    *) echo "prebuilds: unknown target '$arch' (x64, arm64, win32)" >&2; exit 1 ;;
  esac
done
ls -l "$root"/prebuilds/*/
