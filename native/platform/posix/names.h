// Names of the posix backend: the short shm_open name of a segment, its hash (the key of its
// words in the parking table) and the per-user directory that holds lock files and FIFOs.
#pragma once
#include <cstdint>
#include <string>

namespace procsync {
namespace posix {

// 128 bits of FNV-1a over the full name (two 64-bit variants with different offset bases).
struct NameHash {
  uint64_t a;
  uint64_t b;
};
NameHash name_hash(const std::string& full);

// "/psy" + 26 base32 characters of the hash: 30 characters, under macOS's 31-character limit
// on shm_open names (PSHMNAMLEN). Also the lock file's name (without the slash).
std::string short_name(const std::string& full);

// The per-user directory ($PROCSYNC_DIR, else /dev/shm/procsync-<euid> where /dev/shm exists,
// else /tmp/procsync-<euid>), created 0700 if missing.
// Refused (false, `why` filled) unless it is a real directory owned by us with no group or
// other access: whoever can write there can delete lock files or plant FIFOs.
bool user_dir(std::string* dir, std::string* why);

}  // namespace posix
}  // namespace procsync
