// Shared pieces of the windows backend: kernel object names, the security attributes that give
// only the current user access (the equivalent of mode 0600), Win32 error codes as the short
// codes of API.md.
//
// Every object lives in the session's `Local\` namespace. Segments are "Local\procsync.<name>"
// (the same names as /dev/shm/procsync.<name> on Linux); the backend's own objects put a '~'
// right after "procsync", which a procsync name cannot contain, so they never collide with a
// segment (kernel objects of all types share one namespace).
#pragma once
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include <cstdint>
#include <string>

#include "platform/liveness.h"

namespace procsync {
namespace win {

// "Local\procsync." + name, as a wide string (names are ASCII: layout.h valid_name).
std::wstring segment_object_name(const std::string& name);
// The backend's own objects: "Local\procsync~" + suffix.
std::wstring private_object_name(const std::string& suffix);

// A DACL that grants the current user (the process token's user SID) all access and nobody
// else any; nullptr when it cannot be built (then the default DACL applies).
SECURITY_ATTRIBUTES* user_only();

// Whether the object's owner is this user, or the token's default owner (the Administrators
// group for an elevated process). An object of another owner could carry a DACL that lets
// that owner write it at will. When the owner cannot be read: false. Needs READ_CONTROL.
bool owned_by_us(HANDLE h);

// 64-bit FNV-1a.
uint64_t fnv1a(const void* data, size_t len, uint64_t h = 0xcbf29ce484222325ULL);

// A Win32 error as a code: ERR_NO_SPACE for the commit limit, EACCES, ENOENT..., ERR_SYSTEM.
std::string error_code(DWORD e);
// "<what>: <system message> (error <n>)".
std::string error_message(const std::string& what, DWORD e);

inline HANDLE to_handle(NativeHandle h) { return reinterpret_cast<HANDLE>(h); }
inline NativeHandle from_handle(HANDLE h) { return reinterpret_cast<NativeHandle>(h); }

}  // namespace win
}  // namespace procsync
