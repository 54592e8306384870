// The parts of a segment that do not depend on the backend: the size a new segment of a spec
// needs, and the Mapping members that only read or set the mapped header. Every backend's
// segment.cc does the rest (creating, opening, claiming, detaching).
#include <cstring>

#include "platform/segment.h"

namespace procsync {

bool new_segment_size(const OpenSpec& spec, uint64_t* size, uint64_t* state_size, OpenError* err) {
  bool too_large = false;
  if (!state_size_for(spec.kind, spec.params, state_size, &too_large)) {
    err->code = too_large ? "ERR_OUT_OF_RANGE" : "ERR_INVALID_ARG_VALUE";
    err->message = too_large ? "the primitive would need a segment over " + std::to_string(kMaxSegmentSize) +
                                   " bytes (header included)"
                             : "invalid parameters for this kind of primitive";
    return false;
  }
  if (spec.init_state_len > *state_size) {
    err->code = "ERR_INVALID_ARG_VALUE";
    err->message = "initial state larger than the state";
    return false;
  }
  *size = kStateOffset + *state_size;
  return true;
}

uint32_t* Mapping::word_at(uint64_t off) const {
  if (off % 4 != 0 || off + 4 > size_) return nullptr;
  return reinterpret_cast<uint32_t*>(base_ + off);
}

std::string Mapping::link_name() const {
  const char* p = reinterpret_cast<const char*>(base_ + kLinkOffset);
  return std::string(p, strnlen(p, kLinkSize));
}

void Mapping::set_persistent() {
  __atomic_fetch_or(&reinterpret_cast<Header*>(base_)->flags, kFlagPersistent, __ATOMIC_SEQ_CST);
}

}  // namespace procsync
