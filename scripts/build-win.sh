#!/usr/bin/env bash
# npm run build:win — cross-compiles the native core with the windows backend for win32-x64 from
# Linux (node-gyp cannot target Windows from here) into prebuilds/win32-x64/procsync.node, the
# name node-gyp-build takes on win32 for an N-API build (any Node version, any runtime).
#  - sources, defines and libraries: binding.gyp's, for backend 'windows' (scripts/gyp-sources.py);
#  - compiler: Debian's mingw-w64 (g++-mingw-w64-x86-64-posix, binutils-mingw-w64-x86-64), the
#    posix thread model (std::thread and std::mutex over winpthreads, linked in statically);
#  - Node-API: the C headers and def/node_api.def of the npm package node-api-headers (npm pack,
#    into a cache, never a dependency); dlltool makes from the .def an import library for
#    NODE.EXE, the module that exports napi_* on Windows;
#  - linked -static, so the .node needs no mingw DLL (libstdc++, libgcc, winpthread): the script
#    fails unless it imports only NODE.EXE and DLLs that every Windows has.
# Objects go to build-win/ (incremental: a source is recompiled when it or any header changed).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
fail() { echo "build-win: $*" >&2; exit 1; }

cxx=${CXX_WIN:-x86_64-w64-mingw32-g++-posix}
tools=x86_64-w64-mingw32
command -v "$cxx" >/dev/null || fail "$cxx not found (Debian/Ubuntu: apt-get install g++-mingw-w64-x86-64-posix)"
command -v $tools-dlltool >/dev/null || fail "$tools-dlltool not found (apt-get install binutils-mingw-w64-x86-64)"

# Node-API headers and .def, pinned, fetched once.
headers_version=1.9.0
cache=${PROCSYNC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/procsync}
napi="$cache/node-api-headers-$headers_version"
if [ ! -f "$napi/package/def/node_api.def" ]; then
  rm -rf "$napi" && mkdir -p "$napi"
  (cd "$napi" && npm pack --silent "node-api-headers@$headers_version" >/dev/null && tar xzf ./*.tgz && rm ./*.tgz) \
    || { rm -rf "$napi"; fail "could not fetch node-api-headers@$headers_version"; }
fi

work=$root/build-win
mkdir -p "$work/obj"
lib="$work/node.lib"
if [ ! -f "$lib" ] || [ "$napi/package/def/node_api.def" -nt "$lib" ]; then
  $tools-dlltool -d "$napi/package/def/node_api.def" -l "$lib" -D node.exe
fi

sources=$(python3 scripts/gyp-sources.py windows sources)
defines=$(python3 scripts/gyp-sources.py windows defines)
libraries=$(python3 scripts/gyp-sources.py windows libraries)
case " $sources " in
  *" native/platform/windows/"*) ;;
  *) [ -n "${BUILD_WIN_ANY_BACKEND:-}" ] || fail "binding.gyp lists no native/platform/windows/ sources for backend 'windows'" ;;
esac
addon=$(node -p "require('node-addon-api').include_dir")
flags=(-std=c++17 -O2 -Wall -Wextra ${BUILD_WIN_CXXFLAGS:-})
for d in $defines; do flags+=("-D$d"); done
flags+=(-I"$napi/package/include" -I"$addon" -Inative)
# gyp's libraries are written as -lname (or name.lib for MSVC): mingw takes -lname.
libs=()
for l in $libraries; do
  case "$l" in -l*) libs+=("$l") ;; *.lib) libs+=("-l${l%.lib}") ;; *) libs+=("$l") ;; esac
done

# Compile, JOBS at a time; -MMD writes each object's header dependencies next to it.
objs=() pids=()
jobs=${JOBS:-2}
stamp=$(printf '%s\n' "${flags[@]}" | md5sum | cut -c1-12)
for src in $sources; do
  obj="$work/obj/$(echo "${src%.cc}" | tr / _).$stamp.o"
  objs+=("$obj")
  # Rebuild when the object is missing or older than its source or than any header it read.
  if [ -f "$obj" ] && [ "$obj" -nt "$src" ]; then
    stale=0
    if [ -f "${obj%.o}.d" ]; then
      for h in $(sed -e 's/^[^:]*://' -e 's/\\$//' "${obj%.o}.d"); do
        [ "$h" -nt "$obj" ] && { stale=1; break; }
      done
    else
      stale=1
    fi
    [ $stale -eq 0 ] && continue
  fi
  echo "  CXX $src"
  "$cxx" "${flags[@]}" -MMD -c "$src" -o "$obj" &
  pids+=($!)
  if [ ${#pids[@]} -ge "$jobs" ]; then
    wait "${pids[0]}" || fail "compile failed"
    pids=("${pids[@]:1}")
  fi
done
for p in "${pids[@]}"; do wait "$p" || fail "compile failed"; done

out=$root/prebuilds/win32-x64/procsync.node
mkdir -p "$(dirname "$out")"
"$cxx" -shared -static -static-libgcc -static-libstdc++ -s -o "$out.tmp" "${objs[@]}" "$lib" "${libs[@]}" \
  || fail "link failed"

# The DLLs it imports: NODE.EXE and system DLLs only (a mingw runtime DLL would be missing on a
# user's Windows).
imports=$($tools-objdump -p "$out.tmp" | sed -n 's/^[[:space:]]*DLL Name: //p' | tr '[:lower:]' '[:upper:]' | sort -u)
bad=""
for dll in $imports; do
  case "$dll" in
    NODE.EXE|KERNEL32.DLL|ADVAPI32.DLL|MSVCRT.DLL|UCRTBASE.DLL|API-MS-WIN-CRT-*.DLL|NTDLL.DLL|USER32.DLL|WS2_32.DLL|SYNCHRONIZATION.DLL|API-MS-WIN-CORE-*.DLL) ;;
    *) bad+=" $dll" ;;
  esac
done
[ -z "$bad" ] || { rm -f "$out.tmp"; fail "imports non-system DLLs:$bad"; }
case " $(echo $imports) " in *" NODE.EXE "*) ;; *) rm -f "$out.tmp"; fail "does not import NODE.EXE (no napi_* used?)" ;; esac
mv "$out.tmp" "$out"
echo "build-win: $out ($(wc -c < "$out") bytes), imports: $(echo $imports)"
