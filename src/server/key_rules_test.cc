#include "key_rules.h"

#include <gtest/gtest.h>

namespace facetag::server {
namespace {

ApiKey Key(ApiKeyId id, Role role, bool revoked = false) {
  ApiKey key;
  key.id = id;
  key.role = role;
  if (revoked) key.revoked_at = "2024-01-01T00:00:00Z";
  return key;
}

TEST(CheckKeyRevocation, TheLastAdminKeyStays) {
  const std::vector<ApiKey> keys = {Key(1, Role::kAdmin), Key(2, Role::kEditor),
                                    Key(3, Role::kAdmin, /*revoked=*/true)};
  auto refused = CheckKeyRevocation(keys, 1);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kRejected);
  EXPECT_NE(refused.error().message.find("last admin key"), std::string::npos);
  EXPECT_TRUE(CheckKeyRevocation(keys, 2));
  EXPECT_TRUE(CheckKeyRevocation(keys, 3)) << "already revoked: nothing changes";
  EXPECT_EQ(CheckKeyRevocation(keys, 9).error().code, ErrorCode::kNotFound);
}

TEST(CheckKeyRevocation, AnAdminMayGoWhileAnotherRemains) {
  const std::vector<ApiKey> keys = {Key(1, Role::kAdmin), Key(2, Role::kAdmin)};
  EXPECT_TRUE(CheckKeyRevocation(keys, 1));
  EXPECT_TRUE(CheckKeyRevocation(keys, 2));
}

}  // namespace
}  // namespace facetag::server
