// Rules of the service's API keys that the key store does not know.
//
// Thread safety: pure functions.
#pragma once

#include <vector>

#include "facetag/result.h"
#include "facetag/service_store.h"

namespace facetag::server {

// Whether key `id` may be revoked, given every key: kRejected when it is
// the last admin key not yet revoked (nobody could manage keys any more;
// create another admin key first); kNotFound for an unknown id. Revoking a
// key that is already revoked is allowed (it changes nothing).
Result<void> CheckKeyRevocation(const std::vector<ApiKey>& keys, ApiKeyId id);

}  // namespace facetag::server
