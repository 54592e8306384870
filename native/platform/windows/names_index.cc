#include "platform/windows/names_index.h"

#include <cstring>
#include <set>

#include "core/layout.h"
#include "platform/windows/win.h"

namespace procsync {
namespace win {

namespace {
constexpr uint32_t kEntries = 4096;
enum : uint32_t { kFree = 0, kWriting = 1, kListed = 2 };

struct Entry {
  uint32_t state;
  uint32_t len;
  char name[kMaxNameLen];
};

Entry* table() {
  static Entry* t = []() -> Entry* {
    const DWORD size = DWORD(sizeof(Entry) * kEntries);
    HANDLE h = CreateFileMappingW(INVALID_HANDLE_VALUE, user_only(), PAGE_READWRITE, 0, size,
                                  private_object_name("index").c_str());
    if (!h) return nullptr;
    // Another user's object of that name could hide or invent names: not used.
    if (!owned_by_us(h)) { CloseHandle(h); return nullptr; }
    void* p = MapViewOfFile(h, FILE_MAP_ALL_ACCESS, 0, 0, size);
    if (!p) { CloseHandle(h); return nullptr; }
    return static_cast<Entry*>(p);  // kept open for the process's life
  }();
  return t;
}

uint32_t ld(const uint32_t* p) { return __atomic_load_n(p, __ATOMIC_SEQ_CST); }
bool cas(uint32_t* p, uint32_t expected, uint32_t desired) {
  return __atomic_compare_exchange_n(p, &expected, desired, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

// A copy of a listed entry's name, or "" (being written, freed, or garbage).
std::string name_of(Entry* e) {
  uint32_t len = ld(&e->len);
  if (ld(&e->state) != kListed || len == 0 || len > kMaxNameLen) return "";
  std::string s(e->name, len);
  return valid_name(s) ? s : "";
}

bool exists(const std::string& name) {
  HANDLE h = OpenFileMappingW(FILE_MAP_READ, FALSE, segment_object_name(name).c_str());
  if (h) { CloseHandle(h); return true; }
  return GetLastError() != ERROR_FILE_NOT_FOUND;
}
}  // namespace

void index_add(const std::string& name) {
  Entry* t = table();
  if (!t || name.empty() || name.size() > kMaxNameLen) return;
  Entry* free_entry = nullptr;
  for (uint32_t i = 0; i < kEntries; i++) {
    const uint32_t st = ld(&t[i].state);
    if (st == kListed && ld(&t[i].len) == name.size() && memcmp(t[i].name, name.data(), name.size()) == 0) return;
    if (!free_entry && st == kFree) free_entry = &t[i];
  }
  for (uint32_t i = 0; i < kEntries; i++) {
    Entry* e = free_entry ? free_entry : &t[i];
    free_entry = nullptr;
    if (!cas(&e->state, kFree, kWriting)) continue;
    memcpy(e->name, name.data(), name.size());
    __atomic_store_n(&e->len, uint32_t(name.size()), __ATOMIC_SEQ_CST);
    __atomic_store_n(&e->state, kListed, __ATOMIC_SEQ_CST);
    return;
  }
}

std::vector<std::string> index_list() {
  std::vector<std::string> out;
  Entry* t = table();
  if (!t) return out;
  std::set<std::string> seen;
  for (uint32_t i = 0; i < kEntries; i++) {
    std::string name = name_of(&t[i]);
    if (name.empty()) continue;
    if (seen.count(name) || !exists(name)) {
      // Gone (or listed twice): free the entry. Its segment may be re-created meanwhile (its
      // creator saw the name listed and did not add it): look again and list it anew then.
      if (cas(&t[i].state, kListed, kFree) && !seen.count(name) && exists(name)) index_add(name);
      if (seen.count(name) || !exists(name)) continue;
    }
    seen.insert(name);
    out.push_back(name);
  }
  return out;
}

}  // namespace win
}  // namespace procsync
