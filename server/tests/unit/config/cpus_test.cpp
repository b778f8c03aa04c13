#include "config/cpus.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace serendip::config {
namespace {

TEST(CpuMax, AQuotaAllowsItsCpusRoundedUp) {
  EXPECT_EQ(cpus_from_cpu_max("100000 100000\n"), 1u);
  EXPECT_EQ(cpus_from_cpu_max("150000 100000\n"), 2u);
  EXPECT_EQ(cpus_from_cpu_max("50000 100000"), 1u);
  EXPECT_EQ(cpus_from_cpu_max("400000 100000"), 4u);
}

TEST(CpuMax, NoLimitOrUnreadableTextIsNoAnswer) {
  EXPECT_EQ(cpus_from_cpu_max("max 100000\n"), std::nullopt);
  EXPECT_EQ(cpus_from_cpu_max(""), std::nullopt);
  EXPECT_EQ(cpus_from_cpu_max("100000"), std::nullopt);
  EXPECT_EQ(cpus_from_cpu_max("0 100000"), std::nullopt);
  EXPECT_EQ(cpus_from_cpu_max("100000 0"), std::nullopt);
  EXPECT_EQ(cpus_from_cpu_max("-5 100000"), std::nullopt);
  EXPECT_EQ(cpus_from_cpu_max("1e5 100000"), std::nullopt);
}

TEST(CfsQuota, V1QuotaAndPeriodAllowTheirCpusRoundedUp) {
  EXPECT_EQ(cpus_from_cfs("-1\n", "100000\n"), std::nullopt);
  EXPECT_EQ(cpus_from_cfs("100000\n", "100000\n"), 1u);
  EXPECT_EQ(cpus_from_cfs("250000\n", "100000\n"), 3u);
  EXPECT_EQ(cpus_from_cfs("", "100000"), std::nullopt);
}

TEST(UsableCpus, AtLeastOneAndNoMoreThanTheMachineHas) {
  const unsigned n = usable_cpus();
  EXPECT_GE(n, 1u);
  EXPECT_LE(n, std::max(1u, std::thread::hardware_concurrency()));
}

}  // namespace
}  // namespace serendip::config
