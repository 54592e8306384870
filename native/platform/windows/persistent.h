// Persistent segments of the windows backend ({ persistent: true } at creation): a paging-file
// mapping cannot outlive its last handle, so a persistent segment is a file-backed mapping of
// "<dir>\<32 hex digits of the name's hash>.psy", where <dir> is %PROCSYNC_DIR%, else
// %LOCALAPPDATA%\procsync, else <temp>\procsync (created with the user-only DACL). The file
// holds the segment, then the full name (kTailSize bytes, NUL-padded): an opener checks it, so
// a hash collision is ERR_CORRUPT, and a listing can name the file.
//
// A creator fills the file under a temporary name and renames it into place (MoveFileExW
// without replace: atomic and exclusive), so a file at the final name is always complete.
// While some process has the segment open, the name belongs to a live section like any other
// segment; when none has, an opener makes a new section over the file. unlink() renames the
// file to a "~del" name (allowed while it is mapped) and deletes it when nobody maps it any
// more: at once, or at a later sweep.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "platform/segment.h"
#include "platform/windows/win.h"

namespace procsync {
namespace win {

constexpr uint64_t kTailSize = 256;

// Whether a persistent file exists for the name.
bool persistent_exists(const std::string& name);
// A section over the persistent file of `name`, under the segment's object name (the live one
// if some process has it open; else *fresh: a new one over the file). nullptr with *absent when
// there is no file, or with `err`.
HANDLE open_persistent(const std::string& name, OpenError* err, bool* absent, bool* fresh);
// Writes a new persistent segment of `size` bytes: `fill` fills the zeroed view (the tail is
// written here), then the file is renamed into place. false with *exists when the name's file
// exists, or with `err`.
bool create_persistent(const std::string& name, uint64_t size, void (*fill)(uint8_t*, const void*),
                       const void* arg, OpenError* err, bool* exists);
// Whether the view holds `name` in its tail (after `size` bytes of segment).
bool tail_matches(const uint8_t* base, uint64_t size, const std::string& name);
// unlink(): true when a file was there.
bool unlink_persistent(const std::string& name);
// The names of the persistent files, and how many unlinked files it could delete now.
std::vector<std::string> persistent_names();
int sweep_persistent();

}  // namespace win
}  // namespace procsync
