#include "core/layout.h"

#include <cstring>

#include "core/kinds.h"
#include "platform/platform.h"

namespace procsync {

bool state_size_for(uint32_t kind, const uint32_t p[4], uint64_t* out, bool* too_large) {
  if (too_large) *too_large = false;
  uint64_t size = 0;
  if (!kind_state_size(kind, p, &size)) return false;
  // Checked here, for every kind, so that neither a creator nor an opener of a hostile header
  // ever maps (or wraps in an ArrayBuffer) more than Node and the 32-bit state_size can hold.
  if (size > kMaxStateSize) {
    if (too_large) *too_large = true;
    return false;
  }
  *out = size;
  return true;
}

void write_new_segment(uint8_t* base, uint64_t size, uint64_t state_size, uint32_t kind,
                       const uint32_t params[4], uint32_t flags, uint32_t link_kind,
                       const std::string& link_name, const uint8_t* init_state, uint64_t init_len) {
  Header* h = reinterpret_cast<Header*>(base);
  h->magic = kMagic;
  h->version = kLayoutVersion;
  h->kind = kind;
  h->flags = flags;
  h->total_size = size;
  memcpy(h->params, params, sizeof h->params);
  h->state_size = uint32_t(state_size);
  h->link_kind = link_kind;
  const uint64_t now = uint64_t(realtime_ms());
  h->created[0] = uint32_t(now);
  h->created[1] = uint32_t(now >> 32);
  memcpy(base + kLinkOffset, link_name.data(), link_name.size() < kMaxNameLen ? link_name.size() : kMaxNameLen);
  if (init_len) memcpy(base + kStateOffset, init_state, init_len);
  __atomic_store_n(&h->init, 1u, __ATOMIC_RELEASE);
}

double created_ms(const Header& h) {
  uint32_t lo = __atomic_load_n(&h.created[0], __ATOMIC_RELAXED);
  uint32_t hi = __atomic_load_n(&h.created[1], __ATOMIC_RELAXED);
  return double((uint64_t(hi) << 32) | lo);
}

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > kMaxNameLen) return false;
  for (char c : name) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool validate_header(const uint8_t* base, uint64_t file_size, std::string* why) {
  if (file_size < kStateOffset) { *why = "segment smaller than its header"; return false; }
  Header h;
  memcpy(&h, base, sizeof h);
  if (h.magic != kMagic) { *why = "not a procsync segment (bad magic)"; return false; }
  if (h.version != kLayoutVersion) { *why = "unsupported layout version"; return false; }
  if (h.kind == 0 || h.kind > kKindMax) { *why = "unknown kind"; return false; }
  if (h.flags & ~kKnownFlags) { *why = "unknown flags"; return false; }
  if (h.total_size != file_size) { *why = "size in header differs from the segment size"; return false; }
  uint64_t need = 0;
  if (!state_size_for(h.kind, h.params, &need)) { *why = "invalid parameters for its kind"; return false; }
  if (h.state_size != need || kStateOffset + need != file_size) { *why = "state size inconsistent"; return false; }
  // Only a lock is ever linked (a Value's, SharedArray's or Condition's).
  if (h.link_kind != 0 && h.link_kind != kLock && h.link_kind != kRLock) { *why = "invalid link kind"; return false; }
  const char* link = reinterpret_cast<const char*>(base + kLinkOffset);
  size_t len = strnlen(link, kLinkSize);
  if (len == kLinkSize) { *why = "link name not terminated"; return false; }
  if ((len == 0) != (h.link_kind == 0)) { *why = "link kind and name disagree"; return false; }
  if (len && !valid_name(std::string(link, len))) { *why = "invalid link name"; return false; }
  if (__atomic_load_n(&reinterpret_cast<const Header*>(base)->init, __ATOMIC_ACQUIRE) != 1) {
    *why = "segment not initialised";
    return false;
  }
  return true;
}

}  // namespace procsync
