#include "platform/posix_errors.h"

#include <cerrno>
#include <cstring>

namespace procsync {

std::string errno_code(int e) {
  switch (e) {
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case ENOSPC: return "ENOSPC";
    case ENOMEM: return "ENOMEM";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case ENOENT: return "ENOENT";
    case ELOOP: return "ELOOP";
    default: return "ERR_SYSTEM";
  }
}

void set_sys_error(OpenError* err, const std::string& what, int e) {
  err->code = errno_code(e);
  err->message = what + ": " + strerror(e);
}

}  // namespace procsync
