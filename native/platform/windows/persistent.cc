#include "platform/windows/persistent.h"

#include <atomic>
#include <cstdio>
#include <cstring>

#include "core/layout.h"

namespace procsync {
namespace win {

namespace {
std::wstring env(const wchar_t* var) {
  wchar_t buf[1024];
  DWORD n = GetEnvironmentVariableW(var, buf, 1024);
  return n > 0 && n < 1024 ? std::wstring(buf, n) : std::wstring();
}

// The directory, created if missing; "" when none can be had.
const std::wstring& dir() {
  static const std::wstring* d = [] {
    std::wstring p = env(L"PROCSYNC_DIR");
    if (p.empty()) {
      std::wstring base = env(L"LOCALAPPDATA");
      if (base.empty()) {
        wchar_t tmp[MAX_PATH + 1];
        DWORD n = GetTempPathW(MAX_PATH + 1, tmp);
        if (n > 0 && n <= MAX_PATH) base.assign(tmp, n);
      }
      if (!base.empty() && base.back() != L'\\') base += L'\\';
      if (!base.empty()) p = base + L"procsync";
    }
    if (!p.empty() && !CreateDirectoryW(p.c_str(), user_only()) && GetLastError() != ERROR_ALREADY_EXISTS) p.clear();
    return new std::wstring(p);
  }();
  return *d;
}

std::wstring file_for(const std::string& name, const char* prefix = "") {
  const uint64_t a = fnv1a(name.data(), name.size());
  const uint64_t b = fnv1a(name.data(), name.size(), 0x6c62272e07bb0142ULL);
  char buf[64];
  snprintf(buf, sizeof buf, "\\%s%016llx%016llx.psy", prefix, static_cast<unsigned long long>(a),
           static_cast<unsigned long long>(b));
  return dir() + std::wstring(buf, buf + strlen(buf));
}

void set_error(OpenError* err, const std::string& what, DWORD e) {
  err->code = error_code(e);
  err->message = error_message(what, e);
}

bool file_absent(DWORD e) { return e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND; }

// The name kept in a file's tail, or "" (not one of ours).
std::string name_in(const std::wstring& path) {
  HANDLE f = CreateFileW(path.c_str(), GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                         OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (f == INVALID_HANDLE_VALUE) return "";
  std::string out;
  LARGE_INTEGER size;
  char tail[kTailSize];
  DWORD got = 0;
  LARGE_INTEGER at;
  if (GetFileSizeEx(f, &size) && uint64_t(size.QuadPart) >= kStateOffset + kTailSize) {
    at.QuadPart = size.QuadPart - LONGLONG(kTailSize);
    if (SetFilePointerEx(f, at, nullptr, FILE_BEGIN) && ReadFile(f, tail, DWORD(kTailSize), &got, nullptr) &&
        got == kTailSize) {
      std::string s(tail, strnlen(tail, kTailSize));
      if (valid_name(s)) out = s;
    }
  }
  CloseHandle(f);
  return out;
}

template <typename F>
void for_each_file(const wchar_t* pattern, F f) {
  if (dir().empty()) return;
  WIN32_FIND_DATAW fd;
  HANDLE h = FindFirstFileW((dir() + L"\\" + pattern).c_str(), &fd);
  if (h == INVALID_HANDLE_VALUE) return;
  do {
    if (!(fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)) f(dir() + L"\\" + fd.cFileName);
  } while (FindNextFileW(h, &fd));
  FindClose(h);
}
}  // namespace

bool persistent_exists(const std::string& name) {
  return !dir().empty() && GetFileAttributesW(file_for(name).c_str()) != INVALID_FILE_ATTRIBUTES;
}

HANDLE open_persistent(const std::string& name, OpenError* err, bool* absent, bool* fresh) {
  *absent = false;
  *fresh = false;
  if (dir().empty()) { *absent = true; return nullptr; }
  HANDLE f = CreateFileW(file_for(name).c_str(), GENERIC_READ | GENERIC_WRITE,
                         FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr, OPEN_EXISTING,
                         FILE_ATTRIBUTE_NORMAL, nullptr);
  if (f == INVALID_HANDLE_VALUE) {
    DWORD e = GetLastError();
    if (file_absent(e)) { *absent = true; return nullptr; }
    set_error(err, "cannot open the file of persistent segment '" + name + "'", e);
    return nullptr;
  }
  // The section keeps the file open; an existing section of that name is returned as it is.
  HANDLE s = CreateFileMappingW(f, user_only(), PAGE_READWRITE, 0, 0, segment_object_name(name).c_str());
  DWORD e = GetLastError();
  CloseHandle(f);
  if (!s) set_error(err, "cannot map the file of persistent segment '" + name + "'", e);
  else *fresh = e != ERROR_ALREADY_EXISTS;
  return s;
}

bool create_persistent(const std::string& name, uint64_t size, void (*fill)(uint8_t*, const void*), const void* arg,
                       OpenError* err, bool* exists) {
  *exists = false;
  if (dir().empty()) {
    err->code = "ERR_SYSTEM";
    err->message = "no directory for persistent segments (set PROCSYNC_DIR or LOCALAPPDATA)";
    return false;
  }
  static std::atomic<uint32_t> counter{0};
  char tag[48];
  snprintf(tag, sizeof tag, "~tmp.%lu.%u.", static_cast<unsigned long>(GetCurrentProcessId()), counter++);
  const std::wstring tmp = file_for(name, tag), final_path = file_for(name);
  HANDLE f = CreateFileW(tmp.c_str(), GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                         user_only(), CREATE_NEW, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (f == INVALID_HANDLE_VALUE) {
    set_error(err, "cannot create the file of persistent segment '" + name + "'", GetLastError());
    return false;
  }
  const uint64_t total = size + kTailSize;
  HANDLE s = CreateFileMappingW(f, nullptr, PAGE_READWRITE, DWORD(total >> 32), DWORD(total), nullptr);
  uint8_t* view = s ? static_cast<uint8_t*>(MapViewOfFile(s, FILE_MAP_WRITE, 0, 0, SIZE_T(total))) : nullptr;
  DWORD e = GetLastError();
  if (view) {
    fill(view, arg);
    memcpy(view + size, name.data(), name.size());
    FlushViewOfFile(view, 0);
    UnmapViewOfFile(view);
  }
  if (s) CloseHandle(s);
  CloseHandle(f);
  if (!view) {
    DeleteFileW(tmp.c_str());
    set_error(err, "cannot write the file of persistent segment '" + name + "'", e);
    return false;
  }
  if (!MoveFileExW(tmp.c_str(), final_path.c_str(), 0)) {
    e = GetLastError();
    DeleteFileW(tmp.c_str());
    if (e == ERROR_ALREADY_EXISTS || e == ERROR_FILE_EXISTS) { *exists = true; return false; }
    set_error(err, "cannot publish persistent segment '" + name + "'", e);
    return false;
  }
  return true;
}

bool tail_matches(const uint8_t* base, uint64_t size, const std::string& name) {
  const char* t = reinterpret_cast<const char*>(base + size);
  return strnlen(t, kTailSize) == name.size() && memcmp(t, name.data(), name.size()) == 0;
}

bool unlink_persistent(const std::string& name) {
  if (dir().empty()) return false;
  const std::wstring path = file_for(name);
  // Renamed out of the way first: a file deleted while mapped stays under its name (delete
  // pending) until its last view goes, and Wine even reopens it; a rename takes effect at once.
  static std::atomic<uint32_t> counter{0};
  char tag[48];
  snprintf(tag, sizeof tag, "~del.%lu.%u.", static_cast<unsigned long>(GetCurrentProcessId()), counter++);
  const std::wstring trash = file_for(name, tag);
  if (MoveFileExW(path.c_str(), trash.c_str(), 0)) {
    DeleteFileW(trash.c_str());  // fails while mapped: a later sweep retries
    return true;
  }
  if (file_absent(GetLastError())) return false;
  return DeleteFileW(path.c_str()) != 0;
}

std::vector<std::string> persistent_names() {
  std::vector<std::string> out;
  for_each_file(L"*.psy", [&](const std::wstring& p) {
    if (p.find(L'~', p.rfind(L'\\')) != std::wstring::npos) return;  // temporary or unlinked
    std::string n = name_in(p);
    if (!n.empty()) out.push_back(n);
  });
  return out;
}

int sweep_persistent() {
  int removed = 0;
  // Unlinked files nobody maps any more, and the temporary files of creators that died (only
  // once a minute old: a live creator's is younger).
  FILETIME now_ft;
  GetSystemTimeAsFileTime(&now_ft);
  const uint64_t now = (uint64_t(now_ft.dwHighDateTime) << 32) | now_ft.dwLowDateTime;
  auto sweep = [&](const wchar_t* pattern, bool old_only) {
    for_each_file(pattern, [&](const std::wstring& p) {
      if (old_only) {
        WIN32_FILE_ATTRIBUTE_DATA a;
        if (!GetFileAttributesExW(p.c_str(), GetFileExInfoStandard, &a)) return;
        const uint64_t t = (uint64_t(a.ftLastWriteTime.dwHighDateTime) << 32) | a.ftLastWriteTime.dwLowDateTime;
        if (now - t < 60ULL * 10000000ULL) return;
      }
      if (DeleteFileW(p.c_str())) removed++;
    });
  };
  sweep(L"~del.*.psy", false);
  sweep(L"~tmp.*.psy", true);
  return removed;
}

}  // namespace win
}  // namespace procsync
