#include "config/cpus.hpp"

#include <sched.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace serendip::config {

namespace {

std::optional<unsigned long long> parse_u64(std::string_view s) {
  unsigned long long v = 0;
  const auto* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, v);
  if (ec != std::errc() || p != end) return std::nullopt;
  return v;
}

std::string_view trim_end(std::string_view t) {
  while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.remove_suffix(1);
  return t;
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// This process' cgroup path in the hierarchy whose controllers include
// `controller` (v1: "N:cpu,cpuacct:/path"), or in the v2 one ("0::/path") when
// `controller` is empty; "" when there is none.
std::string own_cgroup(std::string_view controller) {
  auto text = read_file("/proc/self/cgroup");
  if (!text) return {};
  std::istringstream lines(*text);
  std::string line;
  while (std::getline(lines, line)) {
    const auto a = line.find(':');
    const auto b = a == std::string::npos ? std::string::npos : line.find(':', a + 1);
    if (b == std::string::npos) continue;
    const std::string_view controllers = std::string_view(line).substr(a + 1, b - a - 1);
    bool hit = controller.empty() ? controllers.empty() : false;
    for (std::size_t from = 0; !controller.empty() && from <= controllers.size();) {
      const auto comma = std::min(controllers.find(',', from), controllers.size());
      if (controllers.substr(from, comma - from) == controller) hit = true;
      from = comma + 1;
    }
    if (hit) return line.substr(b + 1);
  }
  return {};
}

// Calls `visit(dir)` for `root` + `path` and each parent up to `root`.
template <typename Visit>
void up_from(const std::string& root, std::string path, Visit visit) {
  if (path.empty() || path.front() != '/') return;
  for (;;) {
    visit(root + (path == "/" ? std::string() : path));
    if (path == "/") return;
    const auto slash = path.find_last_of('/');
    path = slash == 0 ? "/" : path.substr(0, slash);
  }
}

}  // namespace

std::optional<unsigned> cpus_from_cpu_max(std::string_view text) {
  text = trim_end(text);
  const auto space = text.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  auto quota = parse_u64(text.substr(0, space));
  auto period = parse_u64(text.substr(space + 1));
  if (!quota || !period || *quota == 0 || *period == 0) return std::nullopt;
  const unsigned long long cpus = (*quota + *period - 1) / *period;
  return static_cast<unsigned>(std::min<unsigned long long>(cpus, 1u << 16));
}

std::optional<unsigned> cpus_from_cfs(std::string_view quota_us, std::string_view period_us) {
  quota_us = trim_end(quota_us);
  if (quota_us == "-1") return std::nullopt;
  std::string text(quota_us);
  text += ' ';
  text += trim_end(period_us);
  return cpus_from_cpu_max(text);
}

unsigned usable_cpus() {
  unsigned n = std::max(1u, std::thread::hardware_concurrency());
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) n = std::max(1, CPU_COUNT(&set));
  auto cap = [&n](std::optional<unsigned> cpus) {
    if (cpus) n = std::min(n, std::max(1u, *cpus));
  };
  // The quota may sit on any cgroup above this one (a pod's, a container's).
  up_from("/sys/fs/cgroup", own_cgroup(""), [&](const std::string& dir) {
    if (auto text = read_file(dir + "/cpu.max")) cap(cpus_from_cpu_max(*text));
  });
  for (const char* mount : {"/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpu,cpuacct"}) {
    up_from(mount, own_cgroup("cpu"), [&](const std::string& dir) {
      auto quota = read_file(dir + "/cpu.cfs_quota_us");
      auto period = read_file(dir + "/cpu.cfs_period_us");
      if (quota && period) cap(cpus_from_cfs(*quota, *period));
    });
  }
  return n;
}

}  // namespace serendip::config
