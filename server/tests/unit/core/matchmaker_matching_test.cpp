// Who is paired with whom: eligibility (mode, language, region, pair rules) and
// ranking (same region, shared interests, longest waiting).
#include <gtest/gtest.h>

#include "core/matchmaker.hpp"
#include "matchmaker_harness.hpp"

namespace serendip::core {
namespace {

using testing::all_of;
using testing::Harness;
using testing::prefs;

constexpr std::int64_t kWiden = 3'000;
constexpr std::int64_t kCooldown = 600'000;

std::optional<ParticipantId> matched_with(const Events& events, ParticipantId who) {
  for (const auto& m : all_of<MatchedEvent>(events)) {
    if (m.who == who) return m.peer;
  }
  return std::nullopt;
}

TEST(MatchmakerMatching, CompatibleJoinsArePairedOffererFirst) {
  Harness h;
  Events first = h.enter(1, prefs({"en"}, "eu", {"music"}));
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(std::get<QueuedEvent>(first[0]).who, 1u);
  h.clock.advance(1'500);

  Events second = h.enter(2, prefs({"en", "fr"}, "eu", {"music", "art"}));
  ASSERT_EQ(second.size(), 3u);
  EXPECT_EQ(std::get<QueuedEvent>(second[0]).who, 2u);  // the joiner hears "queued" first
  const auto& offer = std::get<MatchedEvent>(second[1]);
  const auto& answer = std::get<MatchedEvent>(second[2]);
  EXPECT_EQ(offer.who, 1u);  // waited longer
  EXPECT_EQ(offer.peer, 2u);
  EXPECT_EQ(offer.role, Role::offerer);
  EXPECT_EQ(offer.waited_ms, 1'500);
  EXPECT_EQ(offer.peer_info.languages, (std::vector<std::string>{"en", "fr"}));
  EXPECT_EQ(offer.peer_info.region, "eu");
  EXPECT_EQ(offer.peer_info.common_interests, std::vector<std::string>{"music"});
  EXPECT_EQ(answer.who, 2u);
  EXPECT_EQ(answer.peer, 1u);
  EXPECT_EQ(answer.role, Role::answerer);
  EXPECT_EQ(answer.waited_ms, 0);
  EXPECT_EQ(answer.peer_info.languages, std::vector<std::string>{"en"});
  EXPECT_EQ(offer.session_id, answer.session_id);
  EXPECT_EQ(offer.session_id.size(), 32u);
  EXPECT_EQ(offer.session_id.find_first_not_of("0123456789abcdef"), std::string::npos);

  EXPECT_EQ(h.mm.peer_of(1), 2u);
  EXPECT_EQ(h.mm.peer_of(2), 1u);
  EXPECT_EQ(h.mm.session_of(1), offer.session_id);
  EXPECT_EQ(h.mm.session_of(2), offer.session_id);
}

TEST(MatchmakerMatching, ModeMustMatch) {
  Harness h;
  h.enter(1, prefs({"en"}, "", {}, Mode::video));
  Events e = h.enter(2, prefs({"en"}, "", {}, Mode::text));
  EXPECT_TRUE(all_of<MatchedEvent>(e).empty());
  EXPECT_EQ(h.mm.state(1), ParticipantState::queued);
  EXPECT_EQ(h.mm.state(2), ParticipantState::queued);
}

TEST(MatchmakerMatching, NeedsACommonLanguage) {
  Harness h;
  h.enter(1, prefs({"en", "de"}));
  EXPECT_TRUE(all_of<MatchedEvent>(h.enter(2, prefs({"fr"}))).empty());
  EXPECT_EQ(matched_with(h.enter(3, prefs({"it", "de"})), 3), 1u);
}

TEST(MatchmakerMatching, EmptyLanguagesWaitWithoutMatching) {
  Harness h;
  h.enter(1, prefs({}));
  EXPECT_TRUE(all_of<MatchedEvent>(h.enter(2, prefs({"en"}))).empty());
  EXPECT_TRUE(all_of<MatchedEvent>(h.enter(3, prefs({}))).empty());
  EXPECT_TRUE(all_of<MatchedEvent>(h.advance_and_tick(10 * kWiden)).empty());
  EXPECT_EQ(h.mm.state(1), ParticipantState::queued);
  EXPECT_EQ(h.mm.state(3), ParticipantState::queued);
}

TEST(MatchmakerMatching, DifferentRegionsWaitUntilTheWideningThreshold) {
  Harness h;
  h.enter(1, prefs({"en"}, "us"));
  h.clock.advance(1'000);
  EXPECT_TRUE(all_of<MatchedEvent>(h.enter(2, prefs({"en"}, "eu"))).empty());
  EXPECT_TRUE(all_of<MatchedEvent>(h.advance_and_tick(kWiden - 1'000 - 1)).empty());  // 1 waited 2999 ms

  Events e = h.advance_and_tick(1);  // 1 has waited exactly 3000 ms
  ASSERT_EQ(all_of<MatchedEvent>(e).size(), 2u);
  EXPECT_EQ(std::get<MatchedEvent>(e[0]).who, 1u);
  EXPECT_EQ(std::get<MatchedEvent>(e[0]).role, Role::offerer);
  EXPECT_EQ(std::get<MatchedEvent>(e[0]).waited_ms, kWiden);
  EXPECT_EQ(std::get<MatchedEvent>(e[1]).waited_ms, kWiden - 1'000);
}

TEST(MatchmakerMatching, AJoinerPairsAtOnceWithSomeoneWhoWaitedPastTheThreshold) {
  Harness h;
  h.enter(1, prefs({"en"}, "us"));
  h.clock.advance(kWiden);  // no tick: the joiner's own search must widen too
  EXPECT_EQ(matched_with(h.enter(2, prefs({"en"}, "eu")), 2), 1u);
}

TEST(MatchmakerMatching, EmptyRegionPairsWithAnyRegionAtOnce) {
  Harness h;
  h.enter(1, prefs({"en"}, "us"));
  EXPECT_EQ(matched_with(h.enter(2, prefs({"en"}, "")), 2), 1u);
  h.enter(3, prefs({"en"}, ""));
  EXPECT_EQ(matched_with(h.enter(4, prefs({"en"}, "eu")), 4), 3u);
}

TEST(MatchmakerMatching, SameRegionBeatsAnOlderWidenedOrIndifferentCandidate) {
  Harness h;
  h.enter(1, prefs({"de"}, "us"));  // widened below, but another region
  h.enter(2, prefs({"it"}, ""));    // no preference
  h.clock.advance(kWiden);
  h.enter(3, prefs({"fr"}, "eu"));  // same region as the joiner, youngest
  EXPECT_EQ(matched_with(h.enter(4, prefs({"de", "it", "fr"}, "eu")), 4), 3u);
  EXPECT_EQ(matched_with(h.enter(5, prefs({"de", "it"}, "eu")), 5), 2u);  // no preference beats widened
}

TEST(MatchmakerMatching, MoreSharedInterestsWinOverWaitingLonger) {
  Harness h;
  // One language each, so the waiters cannot pair among themselves.
  h.enter(1, prefs({"de"}, "eu", {"chess"}));
  h.enter(2, prefs({"fr"}, "eu", {"music", "art"}));
  h.enter(3, prefs({"it"}, "eu", {"music", "art", "film"}));
  h.enter(4, prefs({"es"}, "eu", {"music", "tea"}));
  Events e = h.enter(5, prefs({"de", "fr", "it", "es"}, "eu", {"music", "film", "art"}));
  EXPECT_EQ(matched_with(e, 5), 3u);
  EXPECT_EQ(all_of<MatchedEvent>(e)[0].peer_info.common_interests,
            (std::vector<std::string>{"art", "film", "music"}));  // sorted, the same for both sides
  EXPECT_EQ(all_of<MatchedEvent>(e)[1].peer_info.common_interests, (std::vector<std::string>{"art", "film", "music"}));
  EXPECT_EQ(matched_with(h.enter(6, prefs({"de", "es"}, "eu", {"music"})), 6), 4u);
}

TEST(MatchmakerMatching, EqualCandidatesAreServedLongestWaitingFirst) {
  Harness h;
  // Fresh waiters in different regions cannot pair with each other yet.
  h.enter(1, prefs({"en"}, "us"));
  h.enter(2, prefs({"en"}, "br"));
  h.enter(3, prefs({"en"}, "in"));
  EXPECT_EQ(matched_with(h.enter(4, prefs({"en"})), 4), 1u);
  EXPECT_EQ(matched_with(h.enter(5, prefs({"en"})), 5), 2u);
  EXPECT_EQ(matched_with(h.enter(6, prefs({"en"})), 6), 3u);
}

TEST(MatchmakerMatching, LongestWaitingFirstAcrossLanguages) {
  Harness h;
  h.enter(1, prefs({"en"}));
  h.enter(2, prefs({"de"}));
  h.enter(3, prefs({"fr"}));
  EXPECT_EQ(matched_with(h.enter(4, prefs({"fr", "de", "en"})), 4), 1u);
  EXPECT_EQ(matched_with(h.enter(5, prefs({"fr", "de"})), 5), 2u);
  EXPECT_EQ(matched_with(h.enter(6, prefs({"fr"})), 6), 3u);
}

TEST(MatchmakerMatching, ReJoinWhileQueuedKeepsThePlaceInLine) {
  Harness h;
  h.enter(1, prefs({"de"}));
  h.clock.advance(100);
  h.enter(2, prefs({"fr"}));
  h.clock.advance(100);
  Events e = h.join(1, prefs({"fr"}));  // 1 now speaks fr too, and is older than 2
  ASSERT_EQ(all_of<MatchedEvent>(e).size(), 2u);
  EXPECT_EQ(std::get<QueuedEvent>(e[0]).who, 1u);
  EXPECT_EQ(std::get<MatchedEvent>(e[1]).who, 1u);  // kept its place, so it waited longer: offerer
  EXPECT_EQ(std::get<MatchedEvent>(e[1]).waited_ms, 200);
  EXPECT_EQ(std::get<MatchedEvent>(e[2]).who, 2u);
}

TEST(MatchmakerMatching, ReJoinWhileQueuedIsServedBeforeYoungerWaiters) {
  Harness h;
  h.enter(1, prefs({"de"}, "eu"));
  h.clock.advance(100);
  h.enter(2, prefs({"en"}, "eu"));
  h.clock.advance(100);
  EXPECT_TRUE(all_of<MatchedEvent>(h.join(1, prefs({"en"}, "br"))).empty());  // regions differ, fresh
  EXPECT_EQ(matched_with(h.enter(3, prefs({"en"})), 3), 1u);                  // 1 is still first in line
}

TEST(MatchmakerMatching, RecentPairsCoolDownForTenMinutes) {
  Harness h;
  h.enter(1, prefs({"en"}));
  h.enter(2, prefs({"en"}));
  ASSERT_EQ(h.mm.peer_of(1), 2u);
  h.next(1);  // requeued; 2 is told and is idle
  EXPECT_TRUE(all_of<MatchedEvent>(h.next(2)).empty());
  EXPECT_TRUE(all_of<MatchedEvent>(h.advance_and_tick(kCooldown - 1)).empty());
  Events e = h.advance_and_tick(1);  // the cooldown is over: tick retries them
  EXPECT_EQ(matched_with(e, 1), 2u);
}

TEST(MatchmakerMatching, CooldownFollowsTheDeviceAcrossSockets) {
  Harness h;
  h.enter(1, prefs({"en"}), "dev-a");
  h.enter(2, prefs({"en"}), "dev-b");
  ASSERT_EQ(h.mm.peer_of(1), 2u);
  h.disconnect(1);
  h.enter(3, prefs({"en"}), "dev-a");  // a new socket of the same browser
  EXPECT_TRUE(all_of<MatchedEvent>(h.join(2, prefs({"en"}))).empty());
  EXPECT_TRUE(all_of<MatchedEvent>(h.advance_and_tick(kCooldown - 1)).empty());
  EXPECT_EQ(matched_with(h.advance_and_tick(1), 3), 2u);
}

TEST(MatchmakerMatching, ExcludedPairsNeverMeetUntilIncluded) {
  Harness h;
  h.mm.exclude_pair("dev-b", "dev-a");  // order does not matter
  h.enter(1, prefs({"en"}), "dev-a");
  EXPECT_TRUE(all_of<MatchedEvent>(h.enter(2, prefs({"en"}), "dev-b")).empty());
  EXPECT_TRUE(all_of<MatchedEvent>(h.advance_and_tick(kCooldown * 2)).empty());
  h.mm.include_pair("dev-a", "dev-b");
  EXPECT_EQ(matched_with(h.tick(), 1), 2u);
}

TEST(MatchmakerMatching, AReportedPairIsApartUntilTheEndOfItsWindow) {
  Harness h;
  const std::int64_t window = 7 * kCooldown;
  h.mm.exclude_pair("dev-a", "dev-b", h.clock.unix_ms() + window);
  h.mm.exclude_pair("dev-a", "dev-b", h.clock.unix_ms() + 10);  // an earlier end does not shorten it
  h.mm.exclude_pair("dev-a", "dev-c", h.clock.unix_ms() - 1);   // ended already: no effect
  h.enter(1, prefs({"en"}), "dev-a");
  EXPECT_TRUE(all_of<MatchedEvent>(h.enter(2, prefs({"en"}), "dev-b")).empty());
  EXPECT_TRUE(all_of<MatchedEvent>(h.advance_and_tick(window - 1)).empty());
  // The tick at the end retries the two waiting people.
  EXPECT_EQ(matched_with(h.advance_and_tick(1), 1), 2u);
  h.next(1);
  h.enter(3, prefs({"en"}), "dev-c");
  EXPECT_TRUE(h.mm.peer_of(3).has_value());
}

TEST(MatchmakerMatching, TwoTabsOfOneDeviceMayMeetAgainAndAgain) {
  Harness h;
  h.enter(1, prefs({"en"}), "dev-same");
  EXPECT_EQ(matched_with(h.enter(2, prefs({"en"}), "dev-same"), 2), 1u);
  h.next(1);
  EXPECT_EQ(matched_with(h.next(2), 2), 1u);  // no cooldown with oneself
}

TEST(MatchmakerMatching, TwoTabsOfOneDeviceNeverMeetWhenSameDeviceIsOff) {
  Harness h(MatchmakerConfig{.allow_same_device = false});
  h.enter(1, prefs({"en"}), "dev-same");
  EXPECT_TRUE(all_of<MatchedEvent>(h.enter(2, prefs({"en"}), "dev-same")).empty());
  EXPECT_TRUE(all_of<MatchedEvent>(h.advance_and_tick(kCooldown * 2)).empty());
  // Another device is matched with the older tab at once.
  EXPECT_EQ(matched_with(h.enter(3, prefs({"en"}), "dev-other"), 3), 1u);
}

TEST(MatchmakerMatching, ScanLimitBoundsTheCandidatesLookedAt) {
  Harness h(MatchmakerConfig{.scan_limit = 2});
  h.enter(1, prefs({"en"}, "us"));
  h.enter(2, prefs({"en"}, "br"));
  h.enter(3, prefs({"en"}, "eu"));
  // 3 would do, but the two ahead of it (other regions, fresh) use up the scan.
  EXPECT_TRUE(all_of<MatchedEvent>(h.enter(4, prefs({"en"}, "eu"))).empty());
}

}  // namespace
}  // namespace serendip::core
