#include "platform/posix/words.h"

#include <map>
#include <mutex>

namespace procsync {
namespace posix {

namespace {
struct Range {
  uint64_t size;
  uint64_t segment;
};
// Never destroyed (waits may run while the process exits). Several mappings of one segment
// have different bases, so the base is a unique key.
std::mutex& mu() { static auto* m = new std::mutex(); return *m; }
std::map<uintptr_t, Range>& ranges() { static auto* r = new std::map<uintptr_t, Range>(); return *r; }
}  // namespace

void register_range(const uint8_t* base, uint64_t size, uint64_t segment) {
  std::lock_guard<std::mutex> g(mu());
  ranges()[uintptr_t(base)] = Range{size, segment};
}

void unregister_range(const uint8_t* base) {
  std::lock_guard<std::mutex> g(mu());
  ranges().erase(uintptr_t(base));
}

bool key_of(const void* word, WordKey* key) {
  const uintptr_t a = uintptr_t(word);
  std::lock_guard<std::mutex> g(mu());
  auto it = ranges().upper_bound(a);
  if (it == ranges().begin()) return false;
  --it;
  if (a - it->first >= it->second.size) return false;
  key->segment = it->second.segment;
  key->offset = uint32_t(a - it->first);
  return true;
}

}  // namespace posix
}  // namespace procsync
