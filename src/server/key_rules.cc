#include "key_rules.h"

#include <algorithm>
#include <string>

namespace facetag::server {

Result<void> CheckKeyRevocation(const std::vector<ApiKey>& keys, ApiKeyId id) {
  const auto key = std::find_if(keys.begin(), keys.end(), [&](const ApiKey& k) { return k.id == id; });
  if (key == keys.end()) return Fail(ErrorCode::kNotFound, "no key " + std::to_string(id));
  if (key->role != Role::kAdmin || key->revoked_at) return {};
  const auto admins = std::count_if(keys.begin(), keys.end(), [](const ApiKey& k) {
    return k.role == Role::kAdmin && !k.revoked_at;
  });
  if (admins <= 1) {
    return Fail(ErrorCode::kRejected,
                "key " + std::to_string(id) +
                    " is the last admin key: nobody could manage keys after it; create another "
                    "admin key first");
  }
  return {};
}

}  // namespace facetag::server
