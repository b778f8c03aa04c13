#include "obs/process_metrics.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace serendip::obs {
namespace {

std::string read_file(const char* path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

double boot_time_seconds() {
  const std::string stat = read_file("/proc/stat");
  const auto at = stat.find("\nbtime ");
  if (at == std::string::npos) return 0;
  std::uint64_t v = 0;
  const char* begin = stat.data() + at + 7;
  std::from_chars(begin, stat.data() + stat.size(), v);
  return static_cast<double>(v);
}

double open_fd_count() {
  std::error_code ec;
  double n = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end; it.increment(ec)) ++n;
  return ec ? 0 : n;
}

double max_fd_count() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur == RLIM_INFINITY) return 0;
  return static_cast<double>(lim.rlim_cur);
}

// Fields 14 utime, 15 stime, 22 starttime, 23 vsize, 24 rss (1-based, as in proc(5)).
struct Cached {
  double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  double boot = boot_time_seconds();
};

// One read of /proc/self/stat (a few hundred bytes) per metric per scrape.
ProcessSample sample(const Cached& c) {
  return parse_proc_stat(read_file("/proc/self/stat"), c.ticks, c.page, c.boot).value_or(ProcessSample{});
}

}  // namespace

std::optional<ProcessSample> parse_proc_stat(std::string_view stat, double ticks_per_second, double page_bytes,
                                             double boot_time_s) {
  // The command name (field 2) is in parentheses and may hold spaces and ')':
  // the fields after it start after the last ')'.
  const auto close = stat.rfind(')');
  if (close == std::string_view::npos || ticks_per_second <= 0) return std::nullopt;
  std::vector<std::string_view> fields;  // from field 3 on
  std::size_t i = close + 1;
  while (i < stat.size() && fields.size() < 22) {
    while (i < stat.size() && (stat[i] == ' ' || stat[i] == '\n')) ++i;
    const std::size_t start = i;
    while (i < stat.size() && stat[i] != ' ' && stat[i] != '\n') ++i;
    if (i > start) fields.push_back(stat.substr(start, i - start));
  }
  if (fields.size() < 22) return std::nullopt;
  auto field = [&](int n, std::uint64_t& v) {  // n: 1-based field number
    const std::string_view f = fields[static_cast<std::size_t>(n - 3)];
    auto [p, ec] = std::from_chars(f.data(), f.data() + f.size(), v);
    return ec == std::errc{} && p == f.data() + f.size();
  };
  std::uint64_t utime = 0;
  std::uint64_t stime = 0;
  std::uint64_t start = 0;
  std::uint64_t vsize = 0;
  std::uint64_t rss = 0;
  if (!field(14, utime) || !field(15, stime) || !field(22, start) || !field(23, vsize) || !field(24, rss)) {
    return std::nullopt;
  }
  ProcessSample s;
  s.cpu_seconds = static_cast<double>(utime + stime) / ticks_per_second;
  s.start_time_seconds = boot_time_s + static_cast<double>(start) / ticks_per_second;
  s.virtual_bytes = static_cast<double>(vsize);
  s.resident_bytes = static_cast<double>(rss) * page_bytes;
  return s;
}

void register_process_metrics(Registry& registry) {
  static const Cached cached;
  registry.counter_fn("process_cpu_seconds_total", "Total user and system CPU time spent in seconds",
                      [] { return sample(cached).cpu_seconds; });
  registry.gauge_fn("process_resident_memory_bytes", "Resident memory size in bytes",
                    [] { return sample(cached).resident_bytes; });
  registry.gauge_fn("process_virtual_memory_bytes", "Virtual memory size in bytes",
                    [] { return sample(cached).virtual_bytes; });
  registry.gauge_fn("process_start_time_seconds", "Start time of the process since unix epoch in seconds",
                    [] { return sample(cached).start_time_seconds; });
  registry.gauge_fn("process_open_fds", "Number of open file descriptors", [] { return open_fd_count(); });
  registry.gauge_fn("process_max_fds", "Maximum number of open file descriptors", [] { return max_fd_count(); });
}

}  // namespace serendip::obs
