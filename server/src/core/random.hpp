// Injected randomness. Production seeds from the OS; tests use a fixed seed so
// every run of a randomized test is reproducible from its printed seed.
#pragma once

#include <cstdint>
#include <random>
#include <string>

namespace serendip::core {

class Random {
 public:
  virtual ~Random() = default;
  virtual std::uint64_t next_u64() = 0;

  // Uniform in [0, bound). bound must be > 0.
  std::uint64_t uniform(std::uint64_t bound) { return next_u64() % bound; }
  // 32 lowercase hex characters (128 bits).
  std::string hex128() {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out(32, '0');
    for (int half = 0; half < 2; ++half) {
      std::uint64_t v = next_u64();
      for (int i = 0; i < 16; ++i) out[half * 16 + i] = kHex[(v >> (i * 4)) & 0xf];
    }
    return out;
  }
};

// Not thread-safe: one instance per thread or behind the owner's lock.
class SeededRandom final : public Random {
 public:
  explicit SeededRandom(std::uint64_t seed) : engine_(seed) {}
  SeededRandom() : engine_((std::uint64_t{std::random_device{}()} << 32) ^ std::random_device{}()) {}
  std::uint64_t next_u64() override { return engine_(); }

 private:
  std::mt19937_64 engine_;
};

}  // namespace serendip::core
