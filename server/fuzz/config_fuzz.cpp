// The settings parser: command-line flags and SERENDIP_* environment values,
// every key's validator. Input: NUL-separated entries; "--..." ones are flags,
// "KEY=VALUE" ones the environment.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> args{"serendip-server"};
  std::vector<std::pair<std::string, std::string>> env;
  std::size_t start = 0;
  while (start <= input.size()) {
    std::size_t end = input.find('\0', start);
    if (end == std::string_view::npos) end = input.size();
    const std::string_view entry = input.substr(start, end - start);
    if (entry.starts_with("--")) {
      // Never a config file from the fuzzer: it would read this machine's files.
      if (!entry.starts_with("--config")) args.emplace_back(entry);
    } else if (const auto eq = entry.find('='); eq != std::string_view::npos && entry.starts_with("SERENDIP_") &&
                                                !entry.starts_with("SERENDIP_CONFIG")) {
      env.emplace_back(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
    }
    start = end + 1;
  }
  std::vector<const char*> argv;
  argv.reserve(args.size());
  for (const auto& a : args) argv.push_back(a.c_str());
  auto lookup = [&env](std::string_view name) -> std::optional<std::string> {
    for (const auto& [k, v] : env) {
      if (k == name) return v;
    }
    return std::nullopt;
  };
  (void)serendip::config::load(static_cast<int>(argv.size()), argv.data(), lookup);
  return 0;
}
