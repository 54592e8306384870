#include "napi/segment_handle.h"

#include "core/kinds.h"
#include "core/layout.h"

namespace procsync {

SegmentHandle* unwrap_segment(Napi::Env env, Napi::Value v) {
  double h;
  if (napi_get_value_double(env, v, &h) != napi_ok) {
    type_error(env, "expected a segment handle").ThrowAsJavaScriptException();
    return nullptr;
  }
  SegmentHandle* s = env_data(env)->slots->get(h);
  if (!s || s->closed()) {
    coded(env, "ERR_CLOSED", "the primitive is closed").ThrowAsJavaScriptException();
    return nullptr;
  }
  return s;
}

uint32_t* state_arg(Napi::Env env, Napi::Value v, uint32_t k1, uint32_t k2, SegmentHandle** s, uint32_t p[4]) {
  *s = unwrap_segment(env, v);
  if (!*s) return nullptr;
  const Header& h = (*s)->mapping()->header();
  uint32_t k = __atomic_load_n(&h.kind, __ATOMIC_RELAXED);
  for (int i = 0; i < 4; i++) p[i] = __atomic_load_n(&h.params[i], __ATOMIC_RELAXED);
  uint64_t need = 0;
  if ((k != k1 && k != k2) || !kind_state_size(k, p, &need) || kStateOffset + need > (*s)->mapping()->size()) {
    coded(env, "ERR_CORRUPT", std::string("segment is not a valid ") + kKindNames[k1]).ThrowAsJavaScriptException();
    return nullptr;
  }
  return reinterpret_cast<uint32_t*>((*s)->mapping()->state());
}

// A state word at a byte offset of the segment, validated.
uint32_t* word_arg(Napi::Env env, SegmentHandle* s, Napi::Value v) {
  double off;
  if (!number_arg(env, v, &off, "offset")) return nullptr;
  if (!(off >= double(kStateOffset)) || off != double(uint64_t(off))) {
    range_error(env, "offset out of range").ThrowAsJavaScriptException();
    return nullptr;
  }
  uint32_t* w = s->mapping()->word_at(uint64_t(off));
  if (!w) range_error(env, "offset out of range").ThrowAsJavaScriptException();
  return w;
}

}  // namespace procsync
