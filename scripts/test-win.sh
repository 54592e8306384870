#!/usr/bin/env bash
# npm run test:win — the Windows build (prebuilds/win32-x64, scripts/build-win.sh) tested from
# Linux under Wine, with node.exe of the same major as this node (scripts/win-node.sh). Two parts:
#  1. the package as installed: the `npm pack` tarball unpacked into node_modules/procsync of a
#     scratch project (no build/, so node-gyp-build must find prebuilds/win32-x64), and
#     test/windows/*.test.js run there by `node.exe --test`;
#  2. a chosen subset of the vitest suite, run by vitest under node.exe (its Rust parts from their
#     win32 npm packages, fetched once into the cache; Wine 8 lacks bcryptprimitives.dll, which
#     they import, so a stand-in is built into the Wine prefix): every primitive across processes,
#     sync and async waits, owner death, worker threads, lifetime; the suite's teardown fails the
#     run if a segment is left behind. The README ("Windows") says which tests are Linux-only.
# Every wait is bounded: each node.exe run has a timeout, after which the Wine processes of this
# prefix are killed (wineserver -k). node.exe writes to a file, never a pipe (EBADF under Wine).
# Usage: test-win.sh [installed] [vitest] [bench]   (default: installed vitest)
#   bench: npm run bench -- --quick under Wine (npm run bench:win), results in build-win/bench-wine/:
#   Wine figures, not Windows ones (every cross-process wake-up goes through the wineserver).
# Env: PROCSYNC_WIN_TIMEOUT (s, per node.exe run; default 1200).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
fail() { echo "test-win: $*" >&2; exit 1; }
parts=${*:-installed vitest}
for p in $parts; do
  case "$p" in installed|vitest|bench) ;; *) fail "unknown part '$p' (installed, vitest, bench)" ;; esac
done

bash scripts/build-win.sh
# The TypeScript build (its ESM step loads the Linux build: npm run build first on a fresh checkout).
if [ ! -f dist/index.mjs ] || [ -n "$(find lib -newer dist/index.mjs -print -quit)" ]; then npm run build:ts; fi
eval "$(bash scripts/win-node.sh --env)"
limit=${PROCSYNC_WIN_TIMEOUT:-1200}
work=$root/build-win
cache=${PROCSYNC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/procsync}
cleanup() { timeout 30 "$WINESERVER" -k >/dev/null 2>&1 || true; }
trap cleanup EXIT

# Runs node.exe with the given arguments in directory $1, output into $2 (printed afterwards).
run_node() {
  local dir=$1 log=$2 status=0
  shift 2
  (cd "$dir" && timeout -k 30 "$limit" "$WINE" "$NODE_EXE" "$@" > "$log" 2>&1) || status=$?
  cat "$log"
  if [ $status -eq 124 ] || [ $status -eq 137 ]; then
    echo "test-win: node.exe did not finish within $limit s: killed" >&2
    cleanup
  fi
  # Children that outlived their parent (a failed test) go with the prefix's wineserver.
  timeout 60 "$WINESERVER" -w >/dev/null 2>&1 || cleanup
  return $status
}

# A clean slate: the prefix is this script's own, and what an earlier run left (persistent
# segments are files in %LOCALAPPDATA%\procsync) would fail the leftover checks of this one.
timeout 60 "$WINESERVER" -k >/dev/null 2>&1 || true
rm -rf "$WINEPREFIX"/drive_c/users/*/AppData/Local/procsync "$WINEPREFIX"/drive_c/users/*/Temp/procsync

status=0
if [[ " $parts " == *" installed "* ]]; then
  stage=$work/stage
  rm -rf "$stage" && mkdir -p "$stage/node_modules/procsync" "$stage/test"
  tarball=$(npm pack --ignore-scripts --silent --pack-destination "$stage" | tail -1)
  tar xzf "$stage/$tarball" -C "$stage/node_modules/procsync" --strip-components=1
  rm "$stage/$tarball"
  [ -f "$stage/node_modules/procsync/prebuilds/win32-x64/procsync.node" ] || fail "the tarball has no prebuilds/win32-x64/procsync.node"
  # Its one runtime dependency (node-addon-api is only for building).
  cp -r node_modules/node-gyp-build "$stage/node_modules/"
  echo '{ "name": "procsync-win-test", "private": true }' > "$stage/package.json"
  cp test/windows/*.js "$stage/test/"
  echo "test-win: the installed package under node.exe --test"
  run_node "$stage" "$work/installed.log" --test --test-concurrency=1 --test-reporter=spec $(cd "$stage" && ls test/*.test.js) || status=1
fi

if [[ " $parts " == *" vitest "* ]]; then
  dll="$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll"
  if [ ! -f "$dll" ] || [ test/windows/bcryptprimitives.c -nt "$dll" ]; then
    x86_64-w64-mingw32-gcc -O2 -Wall -shared -o "$dll" test/windows/bcryptprimitives.c -ladvapi32
  fi
  version() { node -p "require('./node_modules/$1/package.json').version"; }
  overlay=$cache/vitest-win32-x64-$(version rolldown)-$(version lightningcss)
  if [ ! -d "$overlay/node_modules" ]; then
    tmp=$(mktemp -d "$cache/overlay.XXXXXX")
    for pkg in "@rolldown/binding-win32-x64-msvc@$(version rolldown)" "lightningcss-win32-x64-msvc@$(version lightningcss)"; do
      name=${pkg%@*}
      mkdir -p "$tmp/node_modules/$name"
      (cd "$tmp" && npm pack --silent "$pkg" >/dev/null && tar xzf ./*.tgz -C "node_modules/$name" --strip-components=1 && rm ./*.tgz)
    done
    mv "$tmp" "$overlay"
  fi

  report=$work/vitest-report.json
  rm -f "$report"
  # The tests: test/windows/vitest-tests.txt (`file: exact title`), which the config reads.
  tests=()
  while IFS= read -r line; do
    [[ "$line" =~ ^[[:space:]]*(#|$) ]] || tests+=("$line")
  done < test/windows/vitest-tests.txt
  echo "test-win: ${#tests[@]} vitest tests under node.exe"
  # PREBUILDS_ONLY: node-gyp-build skips the checkout's (Linux) build/Release and takes
  # prebuilds/win32-x64. NODE_PATH is read by node.exe: a Windows path (Z: is the Linux root).
  PREBUILDS_ONLY=1 NODE_PATH="Z:${overlay//\//\\}\\node_modules" \
    run_node "$root" "$work/vitest.log" node_modules/vitest/vitest.mjs run --config test/windows/vitest.config.mjs \
      --reporter=default --reporter=json --outputFile=build-win/vitest-report.json || status=1
  # Every listed test passed (a renamed or newly failing test fails here, not silently).
  node -e '
    const path = require("path");
    let r;
    try { r = require(process.argv[1]); } catch { console.error("test-win: vitest wrote no report"); process.exit(1); }
    const seen = new Set(r.testResults.flatMap((f) => f.assertionResults.filter((a) => a.status === "passed")
      .map((a) => `${path.win32.basename(f.name)}: ${a.title}`)));
    const listed = require("fs").readFileSync(process.argv[2], "utf8").split("\n").filter((l) => l.trim() && !l.trimStart().startsWith("#"));
    const missing = listed.filter((t) => !seen.has(t));
    if (missing.length) { console.error("test-win: did not pass:\n  " + missing.join("\n  ")); process.exit(1); }
    console.log(`test-win: all ${listed.length} listed vitest tests passed on win32-x64 under Wine`);
  ' "$report" test/windows/vitest-tests.txt || status=1
fi

if [[ " $parts " == *" bench "* ]]; then
  echo "test-win: npm run bench -- --quick under Wine (Wine figures, not Windows)"
  PREBUILDS_ONLY=1 run_node "$root" "$work/bench-wine.log" bench/run.js --quick --out build-win/bench-wine || status=1
fi
exit $status
