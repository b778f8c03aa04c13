// MessageBudget: a token bucket of `burst` frames refilled at `per_second`,
// at most one warning a second for what it refuses, and a flood score that
// closes a client refused more than `burst` times faster than it drains.
// Pure arithmetic over the times the test passes in.
#include "signaling/message_budget.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace serendip::signaling {
namespace {

using Verdict = MessageBudget::Verdict;

constexpr std::int64_t kT0 = 1'000'000;  // milliseconds

const char* name(Verdict v) {
  switch (v) {
    case Verdict::admit: return "admit";
    case Verdict::refuse: return "refuse";
    case Verdict::warn: return "warn";
    case Verdict::close: return "close";
  }
  return "?";
}

// Verdicts for `n` frames at `now_ms`, counted by kind.
struct Tally {
  int admit = 0, refuse = 0, warn = 0, close = 0;
  bool operator==(const Tally&) const = default;
};
std::ostream& operator<<(std::ostream& os, const Tally& t) {
  return os << "{admit " << t.admit << ", refuse " << t.refuse << ", warn " << t.warn << ", close " << t.close << "}";
}
Tally spend(MessageBudget& b, int n, std::int64_t now_ms) {
  Tally t;
  for (int i = 0; i < n; ++i) {
    switch (b.spend(now_ms)) {
      case Verdict::admit: ++t.admit; break;
      case Verdict::refuse: ++t.refuse; break;
      case Verdict::warn: ++t.warn; break;
      case Verdict::close: ++t.close; break;
    }
  }
  return t;
}

TEST(MessageBudget, AFullBucketAdmitsTheBurstThenWarns) {
  MessageBudget b(50, 100, kT0);
  EXPECT_EQ(spend(b, 100, kT0), (Tally{100, 0, 0, 0}));
  EXPECT_EQ(name(b.spend(kT0)), std::string("warn"));
  EXPECT_EQ(b.retry_after_ms(), 21);  // 20 ms per token, plus one
  EXPECT_EQ(name(b.spend(kT0)), std::string("refuse"));
}

TEST(MessageBudget, TokensComeBackAtTheRateUpToTheBurst) {
  MessageBudget b(50, 100, kT0);
  spend(b, 100, kT0);
  EXPECT_EQ(name(b.spend(kT0 + 19)), std::string("warn"));   // 0.95 of a token
  EXPECT_EQ(name(b.spend(kT0 + 20)), std::string("admit"));  // 1 token
  // A long silence refills the bucket to the burst, not beyond.
  EXPECT_EQ(spend(b, 101, kT0 + 3'600'000), (Tally{100, 0, 1, 0}));
}

TEST(MessageBudget, AtMostOneWarningASecond) {
  // Half a token a second, so the bucket stays empty across the second that
  // separates two warnings; burst 10 keeps the flood score far from closing.
  struct Step {
    std::int64_t at_ms;  // after kT0
    Verdict expected;
  };
  const std::vector<Step> steps = {
      {0, Verdict::warn},                                 // the bucket was emptied at kT0
      {0, Verdict::refuse},                               // an error went out this very millisecond
      {999, Verdict::refuse},                             // the error is 999 ms old
      {1'000, Verdict::warn},                             // a second old: warn again (still no whole token)
      {1'999, Verdict::refuse}, {2'100, Verdict::admit},  // a whole token is back
      {2'100, Verdict::warn},                             // empty again, the last error 1.1 s old
  };
  MessageBudget b(0.5, 10, kT0);
  ASSERT_EQ(spend(b, 10, kT0), (Tally{10, 0, 0, 0}));
  for (const Step& s : steps) {
    SCOPED_TRACE(s.at_ms);
    EXPECT_EQ(name(b.spend(kT0 + s.at_ms)), std::string(name(s.expected)));
  }
}

TEST(MessageBudget, RetryAfterIsTheTimeToTheNextWholeToken) {
  struct Case {
    double per_second;
    std::int64_t wait_ms;  // after emptying the bucket
    std::int64_t expected;
  };
  const Case cases[] = {
      {50, 0, 21},                   // 20 ms per token
      {2, 0, 501},                   // 500 ms per token
      {2, 250, 251},                 // half a token is back
      {4, 125, 126}, {1'000, 0, 2},  // 1 ms per token
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::Message() << c.per_second << "/s after " << c.wait_ms << " ms");
    MessageBudget b(c.per_second, 5, kT0);
    spend(b, 5, kT0);
    EXPECT_NE(b.spend(kT0 + c.wait_ms), Verdict::admit);
    EXPECT_EQ(b.retry_after_ms(), c.expected);
  }
}

TEST(MessageBudget, ABurstAtOnceIsCutAndAFloodClosed) {
  // The examples of docs/protocol.md section 11.1 (50 per second, burst 100).
  struct Case {
    int frames = 0;
    Tally expected{};
  };
  const Case cases[] = {
      {100, {100, 0, 0, 0}},    {150, {100, 49, 1, 0}},  // one error, stays open
      {200, {100, 99, 1, 0}},                            // the flood score reaches the burst, not past it
      {201, {100, 99, 1, 1}},                            // past it: close
      {300, {100, 99, 1, 100}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.frames);
    MessageBudget b(50, 100, kT0);
    EXPECT_EQ(spend(b, c.frames, kT0), c.expected);
  }
}

TEST(MessageBudget, TheFloodScoreDrainsAtTheRate) {
  MessageBudget b(50, 100, kT0);
  spend(b, 100, kT0);
  EXPECT_EQ(spend(b, 100, kT0), (Tally{0, 99, 1, 0}));  // score 100
  // One second later 50 tokens are back and the score has drained by 50.
  EXPECT_EQ(spend(b, 50, kT0 + 1'000), (Tally{50, 0, 0, 0}));
  EXPECT_EQ(spend(b, 50, kT0 + 1'000), (Tally{0, 49, 1, 0}));   // score 50 + 50 = 100
  EXPECT_EQ(name(b.spend(kT0 + 1'000)), std::string("close"));  // 101
}

TEST(MessageBudget, ASlightlyFastClientOnlyGetsWarnings) {
  MessageBudget b(50, 100, kT0);
  Tally total;
  for (std::int64_t t = 0; t < 60'000; t += 16) {  // 62.5 per second for a minute
    switch (b.spend(kT0 + t)) {
      case Verdict::admit: ++total.admit; break;
      case Verdict::refuse: ++total.refuse; break;
      case Verdict::warn: ++total.warn; break;
      case Verdict::close: ++total.close; break;
    }
  }
  // The burst, then 50 a second (2,999.2 tokens in 59,984 ms); the bucket
  // runs dry after 8 s and from then on one warning a second, never a close.
  EXPECT_EQ(total, (Tally{3'099, 600, 51, 0}));
}

}  // namespace
}  // namespace serendip::signaling
