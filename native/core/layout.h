// The on-disk (in-/dev/shm) layout of a segment: a fixed header, a link area naming another
// segment (a Condition's or a Value's lock), then the kind's state. Every field an opener reads
// is validated here before any other code touches the segment.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/kinds.h"

namespace procsync {

constexpr uint32_t kMagic = 0x43595350;  // "PSYC" little-endian
// 4: the Queue's mutex per side (queue.h); 5: a Condition slot's fourth word is its waiter's
// asleep flag, which notify reads (condition.h).
constexpr uint32_t kLayoutVersion = 5;
constexpr size_t kHeaderSize = 64;
constexpr size_t kLinkOffset = 64;
constexpr size_t kLinkSize = 256;        // NUL-padded name, <= 200 chars
// The users table (liveness.h): (user id, pid, JS thread id, 0) entries, indexed by id modulo
// the entry count.
constexpr size_t kUsersOffset = kHeaderSize + kLinkSize;  // 320
constexpr uint32_t kUserEntries = 64;
constexpr size_t kUserEntrySize = 16;
constexpr size_t kUsersSize = kUserEntrySize * kUserEntries;
constexpr size_t kStateOffset = kUsersOffset + kUsersSize;  // 1344, 64-byte aligned
static_assert(kStateOffset % 64 == 0, "the state is 64-byte aligned");
constexpr uint32_t kFlagPersistent = 1;
constexpr uint32_t kKnownFlags = kFlagPersistent;
constexpr size_t kMaxNameLen = 200;
// The largest segment (header + link area + state): Node 18/20 refuse an external ArrayBuffer
// over 4 GiB (buffer.constants.MAX_LENGTH), and the header stores the state size in 32 bits.
constexpr uint64_t kMaxSegmentSize = uint64_t(1) << 32;
constexpr uint64_t kMaxStateSize = kMaxSegmentSize - kStateOffset;


struct Header {
  uint32_t magic;
  uint32_t version;
  uint32_t kind;
  uint32_t flags;
  uint64_t total_size;
  uint32_t params[4];
  uint32_t state_size;
  uint32_t link_kind;
  uint32_t next_user;  // the user id counter (liveness.h); any value is valid
  uint32_t created[2];  // creation time, ms since the epoch (lo, hi), for procsync.inspect
  uint32_t init;  // 1 once the creator has filled everything (release store, written last)
};
static_assert(sizeof(Header) == kHeaderSize, "header is 64 bytes");

// The exact state size a kind needs for its params, or false when the params are invalid for
// the kind or the segment would exceed kMaxSegmentSize (then *too_large is set, if given).
// The single source of truth for "is this header consistent".
bool state_size_for(uint32_t kind, const uint32_t params[4], uint64_t* state_size,
                    bool* too_large = nullptr);


// Fills a new, zeroed segment of `size` bytes: header, link name, initial state bytes; the
// `init` word last (release), so that an opener that validates it sees everything else.
void write_new_segment(uint8_t* base, uint64_t size, uint64_t state_size, uint32_t kind,
                       const uint32_t params[4], uint32_t flags, uint32_t link_kind,
                       const std::string& link_name, const uint8_t* init_state, uint64_t init_len);


// The creation time written by write_new_segment (ms since the epoch), for inspect.
double created_ms(const Header& h);

// Name rules of API.md: /^[A-Za-z0-9._-]{1,200}$/.
bool valid_name(const std::string& name);

// Checks a mapped header of `file_size` bytes; on failure fills `why`.
bool validate_header(const uint8_t* base, uint64_t file_size, std::string* why);

}  // namespace procsync
