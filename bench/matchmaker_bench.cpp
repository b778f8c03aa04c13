// Matchmaker throughput on one core. items_per_second reads as matches per
// second; the target is >= 50,000. Each scenario includes the whole life of a
// participant that a real server would pay for (connect, join, the match, the
// end of the session, disconnect), and advances a manual clock by 1 ms per
// iteration with a tick() every 256, so cooldown history is recorded and pruned
// as in production.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <string>
#include <variant>
#include <vector>

#include "core/clock.hpp"
#include "core/matchmaker.hpp"
#include "core/random.hpp"

namespace serendip::core {
namespace {

constexpr int kTickEvery = 256;  // iterations; ~ a 250 ms tick if one op took 1 ms

// Device keys look like the real ones: a 43-character keyed hash.
std::string device_key(std::uint64_t n) {
  std::string key = "k" + std::to_string(n);
  key.resize(43, 'x');
  return key;
}

std::size_t count_matches(const Events& events) {
  std::size_t n = 0;
  for (const Event& e : events) n += std::holds_alternative<MatchedEvent>(e) ? 1 : 0;
  return n / 2;
}

struct Rig {
  explicit Rig(MatchmakerConfig config = {}) : mm(config, clock, random) {}
  void advance(std::int64_t iteration) {
    clock.advance(1);
    if (iteration % kTickEvery == 0) mm.tick(out);
  }
  ManualClock clock;
  SeededRandom random{1};
  Matchmaker mm;
  Events out;
};

// (1) Two compatible participants arrive, are paired, and leave; repeat.
void BM_SteadyPairs(benchmark::State& state) {
  Rig rig;
  const Preferences prefs{Mode::video, {"en", "de"}, "eu", {"music", "film", "chess"}};
  ParticipantId id = 0;
  std::size_t matches = 0;
  for ([[maybe_unused]] auto _ : state) {
    const ParticipantId a = ++id;
    const ParticipantId b = ++id;
    rig.out.clear();
    rig.mm.connect(a, device_key(a));
    rig.mm.connect(b, device_key(b));
    rig.mm.join(a, prefs, rig.out);
    rig.mm.join(b, prefs, rig.out);
    matches += count_matches(rig.out);
    rig.mm.disconnect(a, rig.out);
    rig.mm.disconnect(b, rig.out);
    rig.advance(static_cast<std::int64_t>(id));
  }
  if (static_cast<std::int64_t>(matches) != state.iterations()) state.SkipWithError("a pair did not match");
  state.SetItemsProcessed(static_cast<std::int64_t>(matches));
}
BENCHMARK(BM_SteadyPairs);

// (2) A standing queue of 1,000: 10 languages x 100 regions, one waiter per
// (language, region) slot, so waiters cannot pair among themselves (regions
// never widen here). Each arrival speaks two languages and names a region (or
// none, 1 in 10), so it scans up to 200 waiters across two buckets, ranking by
// region and shared interests, and takes one; the slot is refilled at once.
void BM_StandingQueue(benchmark::State& state) {
  constexpr int kLanguages = 10;
  constexpr int kRegions = 100;
  constexpr int kInterests = 20;
  Rig rig(MatchmakerConfig{.widen_region_after_ms = std::int64_t{1} << 40});
  std::mt19937_64 rng(7);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<std::uint64_t>(n)); };
  auto interests = [&] {
    return std::vector<std::string>{"tag" + std::to_string(pick(kInterests)),
                                    "tag" + std::to_string(kInterests + pick(kInterests))};
  };
  // Waiter ids carry their slot in the low 10 bits; arrivals have the top bit set.
  std::uint64_t generation = 0;
  auto add_waiter = [&](int slot) {
    const ParticipantId w = (++generation << 10) | static_cast<ParticipantId>(slot);
    rig.mm.connect(w, device_key(w));
    rig.mm.join(w,
                Preferences{Mode::video,
                            {"l" + std::to_string(slot % kLanguages)},
                            "r" + std::to_string(slot / kLanguages),
                            interests()},
                rig.out);
  };
  for (int slot = 0; slot < kLanguages * kRegions; ++slot) add_waiter(slot);
  if (rig.mm.stats().queued != kLanguages * kRegions) state.SkipWithError("the standing queue paired itself");

  std::size_t matches = 0;
  std::int64_t n = 0;
  for ([[maybe_unused]] auto _ : state) {
    const ParticipantId arrival = (ParticipantId{1} << 63) | static_cast<ParticipantId>(++n);
    const int l1 = pick(kLanguages);
    const int l2 = (l1 + 1 + pick(kLanguages - 1)) % kLanguages;
    Preferences prefs{Mode::video,
                      {"l" + std::to_string(l1), "l" + std::to_string(l2)},
                      pick(10) == 0 ? "" : "r" + std::to_string(pick(kRegions)),
                      interests()};
    rig.out.clear();
    rig.mm.connect(arrival, device_key(arrival));
    rig.mm.join(arrival, std::move(prefs), rig.out);
    const auto* m = rig.out.size() == 3 ? std::get_if<MatchedEvent>(&rig.out[1]) : nullptr;
    if (m == nullptr) {
      state.SkipWithError("an arrival found nobody");
      break;
    }
    const ParticipantId waiter = m->who;  // the offerer: it waited longer
    ++matches;
    rig.mm.disconnect(arrival, rig.out);
    rig.mm.disconnect(waiter, rig.out);
    add_waiter(static_cast<int>(waiter & 1023));
    rig.advance(n);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(matches));
  state.counters["queued"] = static_cast<double>(rig.mm.stats().queued);
}
BENCHMARK(BM_StandingQueue);

// (3) next/next churn: 10,000 connected participants, most in sessions. Each
// iteration one of them presses next and its peer, told, presses next too.
void BM_NextChurn(benchmark::State& state) {
  constexpr ParticipantId kPopulation = 10'000;
  Rig rig;
  std::mt19937_64 rng(11);
  static const char* kRegions[] = {"eu", "us", "sa", "as"};
  static const char* kTags[] = {"music", "film", "chess", "art", "tea", "code", "books", "travel"};
  for (ParticipantId id = 1; id <= kPopulation; ++id) {
    const std::size_t t1 = rng() % 8;
    const std::size_t t2 = (t1 + 1 + rng() % 7) % 8;  // two distinct tags, as the codec ensures
    rig.mm.connect(id, device_key(id));
    rig.mm.join(id, Preferences{Mode::video, {"en"}, kRegions[rng() % 4], {kTags[t1], kTags[t2]}}, rig.out);
  }
  rig.clock.advance(MatchmakerConfig{}.widen_region_after_ms);
  rig.mm.tick(rig.out);

  std::size_t matches = 0;
  std::int64_t n = 0;
  for ([[maybe_unused]] auto _ : state) {
    const ParticipantId id = 1 + rng() % kPopulation;
    rig.out.clear();
    rig.mm.next(id, rig.out);
    if (!rig.out.empty()) {
      if (const auto* left = std::get_if<PeerLeftEvent>(&rig.out.front())) rig.mm.next(left->who, rig.out);
    }
    matches += count_matches(rig.out);
    rig.advance(++n);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(matches));
  state.counters["in_sessions"] = static_cast<double>(rig.mm.stats().active_sessions * 2);
}
BENCHMARK(BM_NextChurn);

}  // namespace
}  // namespace serendip::core
