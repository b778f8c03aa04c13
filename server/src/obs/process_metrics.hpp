// The standard process_* metrics every Prometheus client library exports
// (resident memory, CPU seconds, open and maximum file descriptors, start
// time), read from /proc at scrape time, so off-the-shelf dashboards and the
// rules in deploy/prometheus/ work unchanged.
#pragma once

#include <optional>
#include <string_view>

#include "obs/metrics.hpp"

namespace serendip::obs {

struct ProcessSample {
  double cpu_seconds = 0;  // user + system
  double resident_bytes = 0;
  double virtual_bytes = 0;
  double start_time_seconds = 0;  // unix time
};

// Parses the contents of /proc/<pid>/stat. `ticks_per_second` is
// sysconf(_SC_CLK_TCK), `page_bytes` the page size, `boot_time_s` the `btime`
// line of /proc/stat. nullopt when the text is not a stat line.
std::optional<ProcessSample> parse_proc_stat(std::string_view stat, double ticks_per_second, double page_bytes,
                                             double boot_time_s);

// Registers process_cpu_seconds_total, process_resident_memory_bytes,
// process_virtual_memory_bytes, process_start_time_seconds, process_open_fds
// and process_max_fds for this process. Linux only; elsewhere they read 0.
void register_process_metrics(Registry& registry);

}  // namespace serendip::obs
