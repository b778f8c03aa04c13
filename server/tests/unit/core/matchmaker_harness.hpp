// Shared by the matchmaker tests: a matchmaker on a manual clock and a seeded
// random source, plus small helpers to build preferences and pick events apart.
#pragma once

#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "core/clock.hpp"
#include "core/matchmaker.hpp"
#include "core/random.hpp"

namespace serendip::core::testing {

inline Preferences prefs(std::vector<std::string> languages, std::string region = "",
                         std::vector<std::string> interests = {}, Mode mode = Mode::video) {
  return Preferences{mode, std::move(languages), std::move(region), std::move(interests)};
}

template <class T>
std::vector<T> all_of(const Events& events) {
  std::vector<T> out;
  for (const Event& e : events) {
    if (const T* t = std::get_if<T>(&e)) out.push_back(*t);
  }
  return out;
}

struct Harness {
  explicit Harness(MatchmakerConfig config = {}) : mm(config, clock, random) {}

  // Connects `id` (device key "dev-<id>" unless given) and joins; returns the events.
  Events enter(ParticipantId id, Preferences p, std::string device = "") {
    mm.connect(id, device.empty() ? "dev-" + std::to_string(id) : std::move(device));
    return join(id, std::move(p));
  }
  Events join(ParticipantId id, Preferences p) {
    Events out;
    mm.join(id, std::move(p), out);
    return out;
  }
  Events next(ParticipantId id) {
    Events out;
    mm.next(id, out);
    return out;
  }
  Events leave(ParticipantId id) {
    Events out;
    mm.leave(id, out);
    return out;
  }
  Events disconnect(ParticipantId id) {
    Events out;
    mm.disconnect(id, out);
    return out;
  }
  Events tick() {
    Events out;
    mm.tick(out);
    return out;
  }
  Events advance_and_tick(std::int64_t ms) {
    clock.advance(ms);
    return tick();
  }

  ManualClock clock;
  SeededRandom random{42};
  Matchmaker mm;
};

}  // namespace serendip::core::testing
