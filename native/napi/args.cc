#include "napi/args.h"

#include "napi/env_data.h"
#include "core/wait.h"

namespace procsync {

Napi::Error coded(Napi::Env env, const std::string& code, const std::string& msg) {
  EnvData* d = env_data(env);
  Napi::Error e = d && !d->error_ctor.IsEmpty()
                      ? Napi::Error(env, d->error_ctor.New({Napi::String::New(env, code), Napi::String::New(env, msg)}))
                      : Napi::Error::New(env, msg);
  e.Set("code", Napi::String::New(env, code));
  return e;
}

Napi::Error type_error(Napi::Env env, const std::string& msg) {
  Napi::Error e = Napi::TypeError::New(env, msg);
  e.Set("code", Napi::String::New(env, "ERR_INVALID_ARG_TYPE"));
  return e;
}

Napi::Error range_error(Napi::Env env, const std::string& msg) {
  Napi::Error e = Napi::RangeError::New(env, msg);
  e.Set("code", Napi::String::New(env, "ERR_OUT_OF_RANGE"));
  return e;
}

bool number_arg(Napi::Env env, Napi::Value v, double* out, const char* what) {
  if (napi_get_value_double(env, v, out) == napi_ok) return true;
  type_error(env, std::string(what) + " must be a number").ThrowAsJavaScriptException();
  return false;
}

bool has_callback(const Napi::CallbackInfo& info, size_t i) {
  return info.Length() > i && info[i].IsFunction();
}

bool u32_arg(Napi::Env env, Napi::Value v, uint32_t* out, const char* what) {
  double d;
  if (!number_arg(env, v, &d, what)) return false;
  if (!(d >= 0 && d <= 4294967295.0) || d != double(uint64_t(d))) {
    range_error(env, std::string(what) + " out of range").ThrowAsJavaScriptException();
    return false;
  }
  *out = uint32_t(d);
  return true;
}

bool u8_arg(Napi::Env env, Napi::Value v, uint8_t** data, size_t* len, const char* what) {
  napi_typedarray_type type;
  void* p = nullptr;
  if (!v.IsTypedArray() ||
      napi_get_typedarray_info(env, v, &type, len, &p, nullptr, nullptr) != napi_ok ||
      type != napi_uint8_array) {
    type_error(env, std::string(what) + " must be a Uint8Array").ThrowAsJavaScriptException();
    return false;
  }
  *data = static_cast<uint8_t*>(p);
  return true;
}

// Timeout in ms from JS: a number >= 0, or -1 (or null/undefined) for none.
bool deadline_arg(Napi::Env env, Napi::Value v, int64_t* deadline) {
  double ms;
  if (napi_get_value_double(env, v, &ms) != napi_ok) {
    if (v.IsUndefined() || v.IsNull()) { *deadline = -1; return true; }
    type_error(env, "timeout must be a number").ThrowAsJavaScriptException();
    return false;
  }
  if (ms != ms) { range_error(env, "timeout is NaN").ThrowAsJavaScriptException(); return false; }
  // A zero (or negative) timeout is one attempt: deadline 0 is always past, with no clock read.
  *deadline = ms == -1 ? -1 : ms <= 0 ? 0 : deadline_after_ms(ms);
  return true;
}

}  // namespace procsync
