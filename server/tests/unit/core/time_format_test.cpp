#include "core/time_format.hpp"

#include <gtest/gtest.h>

namespace serendip::core {
namespace {

TEST(Rfc3339, FormatsUtcMilliseconds) {
  EXPECT_EQ(rfc3339(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(rfc3339(1'790'000'000'123), "2026-09-21T14:13:20.123Z");
  EXPECT_EQ(rfc3339(-1), "1969-12-31T23:59:59.999Z");
}

}  // namespace
}  // namespace serendip::core
