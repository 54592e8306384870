#!/usr/bin/env bash
# npm run test:arm64 — a chosen subset of the test suite on the linux-arm64 prebuild, run by an
# arm64 node under qemu-user (scripts/arm64-node.sh). Under qemu N-API calls are ~75x slower and
# the whole suite would take far too long, so the subset is: every primitive across processes,
# sync and async waits, owner death and lifetime (the names below). Tests that need what
# qemu-user does not give skip themselves, with the reason, under PROCSYNC_EMULATED=1.
# vitest runs under the arm64 node too; its own native parts (rolldown, lightningcss) come from
# their arm64 npm packages, fetched once into the cache and found through NODE_PATH.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
[ -f prebuilds/linux-arm64/procsync.glibc.node ] || bash scripts/prebuilds.sh arm64
node_arm64=$(bash scripts/arm64-node.sh)

cache=${PROCSYNC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/procsync}
version() { node -p "require('./node_modules/$1/package.json').version"; }
overlay=$cache/vitest-arm64-$(version rolldown)-$(version lightningcss)
if [ ! -d "$overlay/node_modules" ]; then
  tmp=$(mktemp -d "$cache/overlay.XXXXXX")
  for pkg in "@rolldown/binding-linux-arm64-gnu@$(version rolldown)" "lightningcss-linux-arm64-gnu@$(version lightningcss)"; do
    name=${pkg%@*}
    mkdir -p "$tmp/node_modules/$name"
    (cd "$tmp" && npm pack --silent "$pkg" >/dev/null && tar xzf ./*.tgz -C "node_modules/$name" --strip-components=1 && rm ./*.tgz)
  done
  mv "$tmp" "$overlay"
fi

# file: test name (exact; each must pass or skip itself, checked below). Value, Queue, Lock,
# Semaphore and Process also run as installed programs under qemu in test/install.test.ts.
tests=(
  "lock.test.ts: a waiting process gets the lock when the holder releases it"
  "lock.test.ts: async acquire does not block the event loop"
  "lock.test.ts: owner killed with SIGKILL: a waiter takes it over and a PROCSYNC_OWNER_DIED warning is emitted"
  "lock.test.ts: is owned by one process: others cannot acquire or release it"
  "semaphore.test.ts: a release in another process wakes a waiter (sync and async)"
  "event.test.ts: set() in another process wakes sync and async waiters in several processes"
  "condition.test.ts: notify wakes a waiting process (test_notify)"
  "barrier.test.ts: a process awaits barrier.wait() while its event loop keeps running"
  "queue.test.ts: async puts wait for room another process makes, and keep their order"
  "value.test.ts: Atomics on the view are atomic across processes"
  "lifetime.test.ts: a process that exits (naturally or by process.exit) without closing leaves nothing"
  "lifetime.test.ts: SIGKILL of every user leaves the segment unheld; the next load (sweep) removes it"
)
files=() pattern=""
for t in "${tests[@]}"; do
  f="test/${t%%: *}"
  [[ " ${files[*]} " == *" $f "* ]] || files+=("$f")
  name=$(printf '%s' "${t#*: }" | sed 's/[][\\.^$*+?(){}|/]/\\&/g')
  pattern+="${pattern:+|}${name}\$"
done

report=$(mktemp /tmp/procsync-arm64-report.XXXXXX.json)
trap 'rm -f "$report"' EXIT
status=0
# PREBUILDS_ONLY: node-gyp-build skips a local (x64) build/Release and takes prebuilds/linux-arm64.
QEMU_LD_PREFIX=/usr/aarch64-linux-gnu PROCSYNC_EMULATED=1 PREBUILDS_ONLY=1 NODE_PATH="$overlay/node_modules" \
  "$node_arm64" node_modules/vitest/vitest.mjs run --testTimeout=600000 --hookTimeout=300000 --reporter=default --reporter=json --outputFile="$report" \
  -t "$pattern" "${files[@]}" || status=$?

# Every chosen test ran (passed, or skipped by itself under emulation): a renamed test fails here.
node -e '
  let r;
  try { r = require(process.argv[1]); } catch { console.error("test-arm64: vitest wrote no report"); process.exit(1); }
  const seen = new Set(r.testResults.flatMap((f) => f.assertionResults)
    .filter((a) => a.status === "passed" || (a.status === "skipped" && a.meta && a.meta.reason))
    .map((a) => a.title));
  const missing = process.argv.slice(2).map((t) => t.slice(t.indexOf(": ") + 2)).filter((t) => !seen.has(t));
  if (missing.length) { console.error("test-arm64: did not pass:\n  " + missing.join("\n  ")); process.exit(1); }
  console.log(`test-arm64: all ${process.argv.length - 2} chosen tests passed on linux-arm64 under qemu`);
' "$report" "${tests[@]}" || status=1
exit $status
