// The index of segment names of the windows backend, for listSegments() and inspect: Windows
// cannot list the named objects of a namespace (without the native API), so each creator
// records its segment's name in a per-session table, a named mapping "Local\procsync~index"
// of fixed slots. An entry says only "this name was created"; whether the segment still exists
// is asked of the kernel when listing, and entries of segments that are gone are freed then.
// The table goes when the last procsync process of the session exits, as do all segments.
#pragma once
#include <string>
#include <vector>

namespace procsync {
namespace win {

// Records a name (once: a name already listed is not added again). Best effort: a full or
// unavailable table only means the segment does not show in listings.
void index_add(const std::string& name);
// The names of segments that exist now (each once); frees the entries of the others.
std::vector<std::string> index_list();

}  // namespace win
}  // namespace procsync
