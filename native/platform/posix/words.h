// Which segment a word belongs to (posix backend): the parking table keys a sleeper by
// (segment, byte offset), since each process maps a segment at its own address. Every Mapping
// registers its address range with the hash of its full name; a recreated segment of the same
// name gets the same key, which can only cause a spurious wake-up, never a lost one.
#pragma once
#include <cstdint>

namespace procsync {
namespace posix {

struct WordKey {
  uint64_t segment;  // name_hash(full name).a
  uint32_t offset;   // byte offset of the word in the segment
};

void register_range(const uint8_t* base, uint64_t size, uint64_t segment);
void unregister_range(const uint8_t* base);
// False when the address is in no mapping of this process.
bool key_of(const void* word, WordKey* key);

}  // namespace posix
}  // namespace procsync
