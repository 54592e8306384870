/* A stand-in for Windows' bcryptprimitives.dll, which Wine 8 (Debian 12) lacks: vitest's native
 * parts (rolldown, lightningcss: Rust) import ProcessPrng from it, and Windows has it since 8.
 * scripts/test-win.sh builds it with mingw-w64 into the Wine prefix only; procsync itself does
 * not use it. */
#include <windows.h>
#include <ntsecapi.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
  while (len) {
    ULONG n = len > 0x10000000 ? 0x10000000 : (ULONG)len;
    if (!RtlGenRandom(data, n)) return FALSE;
    data += n;
    len -= n;
  }
  return TRUE;
}
