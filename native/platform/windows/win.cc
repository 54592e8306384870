#include "platform/windows/win.h"

#include <aclapi.h>

#include <vector>

namespace procsync {
namespace win {

namespace {
std::wstring widen(const std::string& s) { return std::wstring(s.begin(), s.end()); }

struct UserOnly {
  std::vector<uint8_t> token_user;
  std::vector<uint8_t> token_owner;
  std::vector<uint8_t> acl;
  SECURITY_DESCRIPTOR sd;
  SECURITY_ATTRIBUTES sa;
  bool ok = false;
};

void build(UserOnly* u) {
  HANDLE tok = nullptr;
  if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok)) return;
  DWORD len = 0;
  GetTokenInformation(tok, TokenUser, nullptr, 0, &len);
  u->token_user.resize(len ? len : 1);
  BOOL got = len && GetTokenInformation(tok, TokenUser, u->token_user.data(), len, &len);
  len = 0;
  GetTokenInformation(tok, TokenOwner, nullptr, 0, &len);
  u->token_owner.resize(len ? len : 1);
  if (!len || !GetTokenInformation(tok, TokenOwner, u->token_owner.data(), len, &len)) u->token_owner.clear();
  CloseHandle(tok);
  if (!got) return;
  PSID sid = reinterpret_cast<TOKEN_USER*>(u->token_user.data())->User.Sid;
  const DWORD acl_len = sizeof(ACL) + sizeof(ACCESS_ALLOWED_ACE) - sizeof(DWORD) + GetLengthSid(sid);
  u->acl.resize(acl_len);
  ACL* acl = reinterpret_cast<ACL*>(u->acl.data());
  if (!InitializeAcl(acl, acl_len, ACL_REVISION) || !AddAccessAllowedAce(acl, ACL_REVISION, GENERIC_ALL, sid) ||
      !InitializeSecurityDescriptor(&u->sd, SECURITY_DESCRIPTOR_REVISION) ||
      !SetSecurityDescriptorDacl(&u->sd, TRUE, acl, FALSE))
    return;
  u->sa.nLength = sizeof u->sa;
  u->sa.lpSecurityDescriptor = &u->sd;
  u->sa.bInheritHandle = FALSE;
  u->ok = true;
}

const UserOnly& user() {
  // Built once, never freed (objects are created until the process exits).
  static UserOnly* u = [] {
    auto* p = new UserOnly();
    build(p);
    return p;
  }();
  return *u;
}

}  // namespace

std::wstring segment_object_name(const std::string& name) { return L"Local\\procsync." + widen(name); }
std::wstring private_object_name(const std::string& suffix) { return L"Local\\procsync~" + widen(suffix); }

SECURITY_ATTRIBUTES* user_only() {
  const UserOnly& u = user();
  return u.ok ? const_cast<SECURITY_ATTRIBUTES*>(&u.sa) : nullptr;
}

bool owned_by_us(HANDLE h) {
  const UserOnly& u = user();
  if (!u.ok) return false;
  PSID owner = nullptr;
  PSECURITY_DESCRIPTOR sd = nullptr;
  if (GetSecurityInfo(h, SE_KERNEL_OBJECT, OWNER_SECURITY_INFORMATION, &owner, nullptr, nullptr, nullptr, &sd) !=
      ERROR_SUCCESS)
    return false;
  const TOKEN_USER* tu = reinterpret_cast<const TOKEN_USER*>(u.token_user.data());
  bool ours = owner && EqualSid(owner, tu->User.Sid);
  if (!ours && owner && !u.token_owner.empty())
    ours = EqualSid(owner, reinterpret_cast<const TOKEN_OWNER*>(u.token_owner.data())->Owner);
  LocalFree(sd);
  return ours;
}

uint64_t fnv1a(const void* data, size_t len, uint64_t h) {
  const uint8_t* p = static_cast<const uint8_t*>(data);
  for (size_t i = 0; i < len; i++) h = (h ^ p[i]) * 0x100000001b3ULL;
  return h;
}

std::string error_code(DWORD e) {
  switch (e) {
    case ERROR_COMMITMENT_LIMIT:
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY:
    case ERROR_DISK_FULL:
      return "ERR_NO_SPACE";
    case ERROR_ACCESS_DENIED: return "EACCES";
    case ERROR_FILE_NOT_FOUND: return "ENOENT";
    case ERROR_TOO_MANY_OPEN_FILES: return "EMFILE";
    default: return "ERR_SYSTEM";
  }
}

std::string error_message(const std::string& what, DWORD e) {
  char buf[256] = {0};
  DWORD n = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, nullptr, e, 0, buf,
                           sizeof buf, nullptr);
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' ' || buf[n - 1] == '.')) buf[--n] = 0;
  return what + ": " + (n ? std::string(buf, n) : std::string("system error")) + " (error " + std::to_string(e) + ")";
}

}  // namespace win
}  // namespace procsync
