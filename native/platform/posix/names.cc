#include "platform/posix/names.h"

#include <cerrno>
#include <cstdlib>
#include <sys/stat.h>
#include <unistd.h>

namespace procsync {
namespace posix {

namespace {
uint64_t fnv1a(const std::string& s, uint64_t basis) {
  uint64_t h = basis;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}
}  // namespace

NameHash name_hash(const std::string& full) {
  // The second variant starts from another basis and also mixes the length, so that the two
  // halves are not simple functions of each other.
  NameHash h;
  h.a = fnv1a(full, 0xcbf29ce484222325ULL);
  h.b = fnv1a(full, 0x84222325cbf29ce4ULL ^ (uint64_t(full.size()) << 32));
  return h;
}

std::string short_name(const std::string& full) {
  static const char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
  NameHash h = name_hash(full);
  std::string out = "/psy";
  // 26 characters of 5 bits = 130 bits: the 128 of the hash, the last character has 3.
  for (int i = 0; i < 26; i++) {
    int bit = i * 5;
    uint32_t v = 0;
    for (int k = 0; k < 5; k++, bit++) {
      if (bit >= 128) break;
      uint64_t word = bit < 64 ? h.a : h.b;
      v = (v << 1) | uint32_t((word >> (bit % 64)) & 1);
    }
    out += kAlphabet[v & 31];
  }
  return out;
}

bool user_dir(std::string* dir, std::string* why) {
  const char* env = getenv("PROCSYNC_DIR");
  // /dev/shm where it exists (Linux, some BSDs): a tmpfs, so the lock files live and die with
  // the shared memory (reboot), and creating one costs no disk inode allocation (on ext4 that
  // was ~1 ms per segment, 8x the whole linux-backend creation). Else /tmp (macOS).
  struct stat shm;
  const bool has_shm = stat("/dev/shm", &shm) == 0 && S_ISDIR(shm.st_mode);
  const std::string uid = std::to_string(geteuid());
  *dir = env && *env ? std::string(env) : has_shm ? "/dev/shm/procsync-" + uid : "/tmp/procsync-" + uid;
  while (dir->size() > 1 && dir->back() == '/') dir->pop_back();
  if (mkdir(dir->c_str(), 0700) != 0 && errno != EEXIST) {
    *why = "cannot create the directory '" + *dir + "' for procsync's lock files (errno " +
           std::to_string(errno) + ")";
    return false;
  }
  struct stat st;
  if (lstat(dir->c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    *why = "'" + *dir + "' is not a directory (procsync's lock files go there; set PROCSYNC_DIR)";
    return false;
  }
  if (st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
    *why = "'" + *dir + "' must belong to uid " + std::to_string(geteuid()) +
           " with mode 0700 (it holds procsync's lock files; set PROCSYNC_DIR to use another)";
    return false;
  }
  return true;
}

}  // namespace posix
}  // namespace procsync
