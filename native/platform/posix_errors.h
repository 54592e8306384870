// errno as an OpenError, for the POSIX backends (linux and posix).
#pragma once
#include <string>

#include "platform/segment.h"

namespace procsync {

// errno as a short code ("EACCES", ...), ERR_SYSTEM for the rest.
std::string errno_code(int e);
// err = { errno_code(e), "<what>: <strerror(e)>" }.
void set_sys_error(OpenError* err, const std::string& what, int e);

}  // namespace procsync
