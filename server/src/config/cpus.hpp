// How many CPUs this process may use, for the default number of I/O threads
// (--threads 0): a container limited to one CPU on a 32-core node should run
// one or two threads, not 32 that take turns on it.
#pragma once

#include <optional>
#include <string_view>

namespace serendip::config {

// The CPUs a cgroup v2 `cpu.max` ("<quota> <period>" in microseconds, or
// "max <period>" for no limit) allows, rounded up: "150000 100000" -> 2.
// nullopt when there is no limit or the text is not that.
std::optional<unsigned> cpus_from_cpu_max(std::string_view text);

// The same for cgroup v1: cpu.cfs_quota_us (-1: no limit) and cpu.cfs_period_us.
std::optional<unsigned> cpus_from_cfs(std::string_view quota_us, std::string_view period_us);

// The CPUs of this process' affinity mask, capped by the tightest CPU quota
// (cgroup v2 cpu.max, or v1 cpu.cfs_quota_us) on the way from its cgroup up
// to the root; at least 1.
unsigned usable_cpus();

}  // namespace serendip::config
