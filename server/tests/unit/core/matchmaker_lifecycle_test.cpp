// What each command does to a participant's state and which events it emits:
// join, next, leave, disconnect, remove_blocked, unknown ids, wait estimates, stats.
#include <gtest/gtest.h>

#include "core/matchmaker.hpp"
#include "matchmaker_harness.hpp"

namespace serendip::core {
namespace {

using testing::all_of;
using testing::Harness;
using testing::prefs;

// Two participants (1 offerer, 2 answerer) in a session; returns its id.
std::string pair_up(Harness& h) {
  h.enter(1, prefs({"en"}));
  Events e = h.enter(2, prefs({"en"}));
  return all_of<MatchedEvent>(e).at(0).session_id;
}

void expect_peer_left(const Event& e, ParticipantId who, const std::string& session, LeaveReason reason) {
  const auto* left = std::get_if<PeerLeftEvent>(&e);
  ASSERT_NE(left, nullptr);
  EXPECT_EQ(left->who, who);
  EXPECT_EQ(left->session_id, session);
  EXPECT_EQ(left->reason, reason);
}

TEST(MatchmakerLifecycle, JoinInASessionEndsItThenQueues) {
  Harness h;
  const std::string session = pair_up(h);
  Events e = h.join(1, prefs({"fr"}));
  ASSERT_EQ(e.size(), 2u);
  expect_peer_left(e[0], 2, session, LeaveReason::next);
  EXPECT_EQ(std::get<QueuedEvent>(e[1]).who, 1u);
  EXPECT_EQ(h.mm.state(1), ParticipantState::queued);
  EXPECT_EQ(h.mm.state(2), ParticipantState::idle);  // the peer's client decides what next
  EXPECT_EQ(h.mm.session_of(2), std::nullopt);
}

TEST(MatchmakerLifecycle, NextInASessionTellsThePeerAndRequeuesWithTheSamePreferences) {
  Harness h;
  const std::string session = pair_up(h);
  h.enter(3, prefs({"en"}, "", {}, Mode::text));  // different mode: not for 1
  h.enter(4, prefs({"en"}));                      // pairs with 1 after its next
  // (4 joined while 1 and 2 were busy, so it waits.)
  ASSERT_EQ(h.mm.state(4), ParticipantState::queued);

  Events out;
  ASSERT_TRUE(h.mm.next(1, out));
  ASSERT_EQ(out.size(), 4u);
  expect_peer_left(out[0], 2, session, LeaveReason::next);
  EXPECT_EQ(std::get<QueuedEvent>(out[1]).who, 1u);
  EXPECT_EQ(std::get<MatchedEvent>(out[2]).who, 4u);  // waited longer: offers
  EXPECT_EQ(std::get<MatchedEvent>(out[3]).who, 1u);
  EXPECT_EQ(h.mm.state(2), ParticipantState::idle);
  EXPECT_EQ(h.mm.state(3), ParticipantState::queued);
}

TEST(MatchmakerLifecycle, NextWhileQueuedStaysQueued) {
  Harness h;
  h.enter(1, prefs({"en"}));
  Events out;
  ASSERT_TRUE(h.mm.next(1, out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<QueuedEvent>(out[0]).who, 1u);
  EXPECT_EQ(h.mm.state(1), ParticipantState::queued);
}

TEST(MatchmakerLifecycle, NextWhenIdleRequeuesWithTheLastPreferences) {
  Harness h;
  h.enter(1, prefs({"de"}, "", {}, Mode::text));
  h.leave(1);
  ASSERT_EQ(h.mm.state(1), ParticipantState::idle);
  EXPECT_EQ(all_of<QueuedEvent>(h.next(1)).size(), 1u);
  EXPECT_TRUE(all_of<MatchedEvent>(h.enter(2, prefs({"de"}))).empty());  // video: no
  EXPECT_EQ(all_of<MatchedEvent>(h.enter(3, prefs({"de"}, "", {}, Mode::text))).size(), 2u);
}

TEST(MatchmakerLifecycle, NextWithoutAJoinDoesNothing) {
  Harness h;
  h.mm.connect(1, "dev-1");
  Events out;
  EXPECT_FALSE(h.mm.next(1, out));
  EXPECT_FALSE(h.mm.next(99, out));
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(h.mm.state(1), ParticipantState::idle);
}

TEST(MatchmakerLifecycle, LeaveEndsTheSessionForBoth) {
  Harness h;
  const std::string session = pair_up(h);
  Events e = h.leave(2);
  ASSERT_EQ(e.size(), 1u);
  expect_peer_left(e[0], 1, session, LeaveReason::leave);
  EXPECT_EQ(h.mm.state(1), ParticipantState::idle);
  EXPECT_EQ(h.mm.state(2), ParticipantState::idle);
  EXPECT_EQ(h.mm.peer_of(1), std::nullopt);
  EXPECT_TRUE(h.leave(2).empty());  // idle already: nothing to say
}

TEST(MatchmakerLifecycle, LeaveWhileQueuedIsNeverHandedToAnyone) {
  Harness h;
  h.enter(1, prefs({"en"}));
  EXPECT_TRUE(h.leave(1).empty());
  EXPECT_TRUE(all_of<MatchedEvent>(h.enter(2, prefs({"en"}))).empty());
  EXPECT_EQ(h.mm.state(1), ParticipantState::idle);
}

TEST(MatchmakerLifecycle, DisconnectTellsThePeerAndForgetsTheParticipant) {
  Harness h;
  const std::string session = pair_up(h);
  Events e = h.disconnect(1);
  ASSERT_EQ(e.size(), 1u);
  expect_peer_left(e[0], 2, session, LeaveReason::disconnect);
  EXPECT_EQ(h.mm.state(1), ParticipantState::unknown);
  EXPECT_EQ(h.mm.state(2), ParticipantState::idle);
  EXPECT_EQ(h.mm.stats().participants, 1u);
}

TEST(MatchmakerLifecycle, DisconnectWhileQueuedIsNeverHandedToAnyone) {
  Harness h;
  h.enter(1, prefs({"en"}, "us"));
  h.disconnect(1);
  EXPECT_TRUE(all_of<MatchedEvent>(h.enter(2, prefs({"en"}))).empty());
  EXPECT_TRUE(h.advance_and_tick(10'000).empty());  // nor by the widening retry
}

TEST(MatchmakerLifecycle, RemoveBlockedTellsThePeerBlocked) {
  Harness h;
  const std::string session = pair_up(h);
  Events out;
  h.mm.remove_blocked(2, out);
  ASSERT_EQ(out.size(), 1u);
  expect_peer_left(out[0], 1, session, LeaveReason::blocked);
  EXPECT_EQ(h.mm.state(2), ParticipantState::unknown);
  EXPECT_EQ(h.mm.state(1), ParticipantState::idle);
}

TEST(MatchmakerLifecycle, CommandsOnUnknownIdsAreIgnored) {
  Harness h;
  h.mm.connect(5, "dev-5");
  Events out;
  h.mm.disconnect(5, out);
  for (ParticipantId id : {ParticipantId{5}, ParticipantId{77}}) {  // gone, and never seen
    h.mm.join(id, prefs({"en"}), out);
    EXPECT_FALSE(h.mm.next(id, out));
    h.mm.leave(id, out);
    h.mm.disconnect(id, out);
    h.mm.remove_blocked(id, out);
    EXPECT_EQ(h.mm.state(id), ParticipantState::unknown);
    EXPECT_EQ(h.mm.peer_of(id), std::nullopt);
    EXPECT_EQ(h.mm.session_of(id), std::nullopt);
  }
  h.mm.tick(out);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(h.mm.stats().participants, 0u);
}

TEST(MatchmakerLifecycle, ConnectingAnIdTwiceIsABug) {
  Harness h;
  h.mm.connect(1, "dev-1");
  // Debug builds assert; release builds keep the first record.
  EXPECT_DEBUG_DEATH(h.mm.connect(1, "dev-other"), "already connected");
  EXPECT_EQ(h.mm.stats().participants, 1u);
}

TEST(MatchmakerLifecycle, EstimatedWaitIsAnAverageOfRecentWaitsPerMode) {
  Harness h;
  EXPECT_EQ(all_of<QueuedEvent>(h.enter(1, prefs({"en"}))).at(0).estimated_wait_ms, std::nullopt);
  h.clock.advance(2'000);
  h.enter(2, prefs({"en"}));  // waits 2000 and 0
  // First sample 2000, then 2000 + (0 - 2000) / 8.
  EXPECT_EQ(all_of<QueuedEvent>(h.enter(3, prefs({"en"}))).at(0).estimated_wait_ms, 1'750);
  EXPECT_EQ(all_of<QueuedEvent>(h.enter(4, prefs({"en"}, "", {}, Mode::text))).at(0).estimated_wait_ms,
            std::nullopt);  // nothing known for text yet
}

TEST(MatchmakerLifecycle, StatsCountParticipantsQueuesAndSessions) {
  Harness h;
  pair_up(h);
  h.enter(3, prefs({"en", "de"}, "", {}, Mode::text));
  h.enter(4, prefs({"fr"}));
  h.mm.connect(5, "dev-5");
  MatchmakerStats s = h.mm.stats();
  EXPECT_EQ(s.participants, 5u);
  EXPECT_EQ(s.queued, 2u);
  EXPECT_EQ(s.active_sessions, 1u);
  EXPECT_EQ(s.matches_total, 1u);
  using Row = std::pair<std::pair<Mode, std::string>, std::size_t>;
  EXPECT_EQ(s.queued_by_mode_language,
            (std::vector<Row>{{{Mode::video, "fr"}, 1}, {{Mode::text, "de"}, 1}, {{Mode::text, "en"}, 1}}));
}

TEST(MatchmakerLifecycle, NamesOnTheWire) {
  EXPECT_EQ(to_string(Mode::video), "video");
  EXPECT_EQ(to_string(Mode::text), "text");
  EXPECT_EQ(to_string(Role::offerer), "offerer");
  EXPECT_EQ(to_string(Role::answerer), "answerer");
  EXPECT_EQ(to_string(LeaveReason::next), "next");
  EXPECT_EQ(to_string(LeaveReason::leave), "leave");
  EXPECT_EQ(to_string(LeaveReason::disconnect), "disconnect");
  EXPECT_EQ(to_string(LeaveReason::blocked), "blocked");
}

}  // namespace
}  // namespace serendip::core
