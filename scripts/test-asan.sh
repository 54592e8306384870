#!/usr/bin/env bash
# npm run test:asan — the hostile-segment fuzz against a build of the core with AddressSanitizer
# and UBSan, in a copy of the package (so the normal build/ is untouched). ASan does not see
# inside mmap'd memory, so this build also puts an inaccessible guard page on each side of every
# segment (PROCSYNC_GUARD_PAGES, native/platform/linux/segment.cc): a read or write just outside a segment
# faults. Node itself is not instrumented: the sanitizer runtimes are preloaded into it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${PROCSYNC_ASAN_DIR:-$(mktemp -d /tmp/procsync-asan.XXXXXX)}
seed=${PROCSYNC_FUZZ_SEED:-20261130}
iterations=${PROCSYNC_FUZZ_ITERATIONS:-150}

mkdir -p "$dir"
cp -r "$root/package.json" "$root/binding.gyp" "$root/native" "$root/dist" "$root/test" "$dir/"
ln -sfn "$root/node_modules" "$dir/node_modules"
cd "$dir"
flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g -DPROCSYNC_GUARD_PAGES"
CFLAGS="$flags" CXXFLAGS="$flags" LDFLAGS="-fsanitize=address,undefined" npx node-gyp rebuild --silent

asan=$(gcc -print-file-name=libasan.so)
ubsan=$(gcc -print-file-name=libubsan.so)
# Leak checking is off: Node keeps much alive on purpose until exit.
export LD_PRELOAD="$asan:$ubsan"
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
node -e "require('procsync')" # the instrumented binary loads
node test/fuzz/hostile-segments.js --seed "$seed" --iterations "$iterations"
status=$?
cd / && rm -rf "$dir"
exit $status
