// Argument checks of the Node-API bindings, each with one Node-API call where it can, and the
// errors they throw (with the `code` of API.md).
#pragma once
#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace procsync {

Napi::Error coded(Napi::Env env, const std::string& code, const std::string& msg);
Napi::Error type_error(Napi::Env env, const std::string& msg);
Napi::Error range_error(Napi::Env env, const std::string& msg);

// A number argument with one Node-API call (Napi::Value::IsNumber() is napi_typeof, which
// tests the value against a chain of types first); false, with a TypeError pending, if not.
bool number_arg(Napi::Env env, Napi::Value v, double* out, const char* what);
// Whether argument i was passed as a function (the async form's callback), without a
// napi_typeof when the sync form did not pass it at all.
bool has_callback(const Napi::CallbackInfo& info, size_t i);
bool u32_arg(Napi::Env env, Napi::Value v, uint32_t* out, const char* what);
// A Uint8Array argument: its bytes and length, with one napi_get_typedarray_info call (the
// node-addon-api wrappers make several, a visible cost on the Queue's per-item calls).
bool u8_arg(Napi::Env env, Napi::Value v, uint8_t** data, size_t* len, const char* what);
// Timeout in ms from JS -> absolute deadline; -1, null or undefined -> none.
bool deadline_arg(Napi::Env env, Napi::Value v, int64_t* deadline);

}  // namespace procsync
