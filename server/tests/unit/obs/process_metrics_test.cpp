#include "obs/process_metrics.hpp"

#include <gtest/gtest.h>

#include <string>

namespace serendip::obs {
namespace {

// A real stat line's shape (proc(5)); the command name holds a space and a ')'.
const std::string kStat =
    "4242 (serendip )srv) S 1 4242 4242 0 -1 4194560 1200 0 0 0 "
    "250 150 0 0 20 0 3 0 5000 104857600 2048 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";

TEST(ProcessMetrics, ParsesCpuMemoryAndStartTimeFromProcStat) {
  auto s = parse_proc_stat(kStat, 100, 4096, 1'700'000'000);
  ASSERT_TRUE(s.has_value());
  EXPECT_DOUBLE_EQ(s->cpu_seconds, 4.0);                     // (250 + 150) ticks / 100
  EXPECT_DOUBLE_EQ(s->start_time_seconds, 1'700'000'050.0);  // boot + 5000 / 100
  EXPECT_DOUBLE_EQ(s->virtual_bytes, 104857600.0);
  EXPECT_DOUBLE_EQ(s->resident_bytes, 2048.0 * 4096);
}

TEST(ProcessMetrics, RefusesTextThatIsNotAStatLine) {
  EXPECT_FALSE(parse_proc_stat("", 100, 4096, 0).has_value());
  EXPECT_FALSE(parse_proc_stat("4242 (x) S 1 2 3", 100, 4096, 0).has_value());
  EXPECT_FALSE(parse_proc_stat(kStat, 0, 4096, 0).has_value());
  std::string bad = kStat;
  bad.replace(bad.find(" 250 "), 5, " 2x0 ");
  EXPECT_FALSE(parse_proc_stat(bad, 100, 4096, 0).has_value());
}

TEST(ProcessMetrics, ThisProcessReportsPlausibleFigures) {
  Registry r;
  register_process_metrics(r);
  const std::string out = r.render();
  for (const char* name : {"process_cpu_seconds_total", "process_resident_memory_bytes", "process_virtual_memory_bytes",
                           "process_start_time_seconds", "process_open_fds", "process_max_fds"}) {
    EXPECT_NE(out.find(std::string("\n") + name + " "), std::string::npos) << name << "\n" << out;
  }
  auto value = [&](const std::string& name) {
    const auto at = out.find("\n" + name + " ");
    return at == std::string::npos ? -1.0 : std::stod(out.substr(at + name.size() + 2));
  };
  EXPECT_GT(value("process_resident_memory_bytes"), 1024.0 * 1024);  // a test binary holds over 1 MiB
  EXPECT_GE(value("process_open_fds"), 3.0);                         // at least stdin, stdout, stderr
  EXPECT_GT(value("process_max_fds"), value("process_open_fds"));
  EXPECT_GT(value("process_start_time_seconds"), 1.5e9);  // after 2017
  EXPECT_GE(value("process_cpu_seconds_total"), 0.0);
}

}  // namespace
}  // namespace serendip::obs
