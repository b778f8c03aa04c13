// ALTCHA v1 challenges: created, solved the way the widget solves them, and
// verified (signature, solution, expiry, single use), plus a cross-check in
// both directions against altcha-lib, the reference implementation on npm.
#include "abuse/altcha.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cctype>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "auth/crypto.hpp"

namespace serendip::abuse {
namespace {

constexpr char kKey[] = "serendip-test-altcha-key";
constexpr std::int64_t kUnixStartMs = 1'790'000'000'000;  // ManualClock's default wall clock

struct Fixture {
  core::ManualClock clock{1'000'000, kUnixStartMs};
  core::SeededRandom random{7};
  Altcha altcha{kKey, clock, random};
};

std::string solved(const AltchaChallenge& c) {
  const auto n = solve_challenge(c);
  EXPECT_TRUE(n.has_value());
  return solution_payload(c, n.value_or(0));
}

std::string json_of_payload(const std::string& payload) {
  std::string url = payload;
  while (!url.empty() && url.back() == '=') url.pop_back();
  for (char& c : url) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return auth::base64url_decode(url).value();
}

std::string b64(const std::string& json) { return auth::base64_encode(json); }

bool lower_hex(std::string_view s, std::size_t len) {
  return s.size() == len && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

TEST(Altcha, ChallengeHasTheAltchaV1Shape) {
  Fixture f;
  const AltchaChallenge c = f.altcha.create_challenge(50'000, 300);
  EXPECT_EQ(c.algorithm, "SHA-256");
  EXPECT_EQ(c.maxnumber, 50'000);
  EXPECT_TRUE(lower_hex(std::string_view(c.salt).substr(0, 32), 32)) << c.salt;
  EXPECT_EQ(c.salt.substr(32), "?expires=1790000300&");
  EXPECT_TRUE(lower_hex(c.challenge, 64));
  EXPECT_EQ(c.signature, auth::to_hex(auth::hmac_sha256(kKey, c.challenge)));
  const auto n = solve_challenge(c);
  ASSERT_TRUE(n);
  EXPECT_LE(*n, 50'000);
  EXPECT_EQ(c.challenge, auth::to_hex(auth::sha256(c.salt + std::to_string(*n))));
  EXPECT_EQ(to_json(c), "{\"algorithm\":\"SHA-256\",\"challenge\":\"" + c.challenge +
                            "\",\"maxnumber\":50000,\"salt\":\"" + c.salt + "\",\"signature\":\"" + c.signature +
                            "\"}");
}

// A challenge made for a device names it (a keyed tag) and its difficulty in
// the salt, which the signed challenge covers.
TEST(Altcha, ABoundChallengeNamesItsDeviceAndDifficultyInTheSalt) {
  Fixture f;
  const AltchaChallenge c = f.altcha.create_challenge(20'000, 300, "device-key-a");
  const std::string params = c.salt.substr(32);
  EXPECT_EQ(params.rfind("?expires=1790000300&device=", 0), 0u) << c.salt;
  EXPECT_NE(params.find("&max=20000&"), std::string::npos) << c.salt;
  EXPECT_EQ(c.salt.find("device-key-a"), std::string::npos);  // a tag, not the key
  EXPECT_EQ(c.salt.back(), '&');
  EXPECT_NE(f.altcha.create_challenge(20'000, 300, "device-key-b").salt.substr(60, 16), c.salt.substr(60, 16));
}

TEST(Altcha, ASolutionIsSpentOnlyByTheDeviceItWasMadeFor) {
  Fixture f;
  const std::string payload = solved(f.altcha.create_challenge(1'000, 300, "device-key-a"));
  EXPECT_EQ(f.altcha.verify(payload, {.device = "device-key-b"}), AltchaStatus::wrong_device);
  EXPECT_EQ(f.altcha.verify(payload, {.device = "device-key-a"}), AltchaStatus::ok);
  EXPECT_EQ(f.altcha.verify(payload, {.device = "device-key-a"}), AltchaStatus::replayed);
  EXPECT_EQ(f.altcha.stats().verified[static_cast<std::size_t>(AltchaStatus::wrong_device)], 1u);
  // An unbound challenge pays no device's debt.
  EXPECT_EQ(f.altcha.verify(solved(f.altcha.create_challenge(1'000, 300)), {.device = "device-key-a"}),
            AltchaStatus::wrong_device);
}

TEST(Altcha, ACheapSolutionDoesNotPayAHarderDebt) {
  Fixture f;
  const std::string cheap = solved(f.altcha.create_challenge(1'000, 300, "device-key-a"));
  EXPECT_EQ(f.altcha.verify(cheap, {.device = "device-key-a", .min_difficulty = 50'000}), AltchaStatus::too_easy);
  EXPECT_EQ(f.altcha.verify(cheap, {.device = "device-key-a", .min_difficulty = 1'000}), AltchaStatus::ok);
  AltchaSpend spend;
  const std::string hard = solved(f.altcha.create_challenge(60'000, 300, "device-key-a"));
  EXPECT_EQ(f.altcha.check_unspent(hard, {.device = "device-key-a", .min_difficulty = 50'000}, spend),
            AltchaStatus::ok);
  EXPECT_EQ(spend.difficulty, 60'000);
  EXPECT_EQ(spend.expires_ms, 1'790'000'300'000);
}

TEST(Altcha, EditingTheSaltToNameAnotherDeviceOrDifficultyBreaksTheSolution) {
  Fixture f;
  const AltchaChallenge mine = f.altcha.create_challenge(1'000, 300, "device-key-a");
  const AltchaChallenge theirs = f.altcha.create_challenge(1'000, 300, "device-key-b");
  const auto n = solve_challenge(mine);
  ASSERT_TRUE(n);
  const std::string tag_b = theirs.salt.substr(theirs.salt.find("device=") + 7, 16);
  AltchaChallenge forged = mine;
  forged.salt.replace(forged.salt.find("device=") + 7, 16, tag_b);
  EXPECT_EQ(f.altcha.verify(solution_payload(forged, *n), {.device = "device-key-b"}), AltchaStatus::wrong_solution);
  forged = mine;
  forged.salt.replace(forged.salt.find("max=1000"), 8, "max=9000");
  EXPECT_EQ(f.altcha.verify(solution_payload(forged, *n), {.device = "device-key-a", .min_difficulty = 5'000}),
            AltchaStatus::wrong_solution);
  EXPECT_EQ(f.altcha.verify(solution_payload(mine, *n), {.device = "device-key-a"}), AltchaStatus::ok);
}

TEST(Altcha, ASolvedChallengeVerifiesOnceThenIsAReplay) {
  Fixture f;
  const std::string payload = solved(f.altcha.create_challenge(1'000, 300));
  EXPECT_EQ(f.altcha.verify(payload), AltchaStatus::ok);
  EXPECT_EQ(f.altcha.verify(payload), AltchaStatus::replayed);
  f.clock.advance(200'000);
  EXPECT_EQ(f.altcha.verify(payload), AltchaStatus::replayed);
  const AltchaStats s = f.altcha.stats();
  EXPECT_EQ(s.issued, 1u);
  EXPECT_EQ(s.verified[static_cast<std::size_t>(AltchaStatus::ok)], 1u);
  EXPECT_EQ(s.verified[static_cast<std::size_t>(AltchaStatus::replayed)], 2u);
}

TEST(Altcha, TheJsonObjectItselfIsAcceptedToo) {
  Fixture f;
  const std::string payload = solved(f.altcha.create_challenge(100, 300));
  EXPECT_EQ(f.altcha.verify(json_of_payload(payload)), AltchaStatus::ok);
}

TEST(Altcha, AWrongNumberIsAWrongSolution) {
  Fixture f;
  const AltchaChallenge c = f.altcha.create_challenge(1'000, 300);
  const std::int64_t n = solve_challenge(c).value();
  EXPECT_EQ(f.altcha.verify(solution_payload(c, n + 1)), AltchaStatus::wrong_solution);
  EXPECT_EQ(f.altcha.verify(solution_payload(c, n)), AltchaStatus::ok);  // a failure does not burn it
}

TEST(Altcha, AForgedSignatureIsRefused) {
  Fixture f;
  // A challenge the attacker made and solved, signed with a key of their own.
  core::SeededRandom other_random(99);
  Altcha forger("not-our-key", f.clock, other_random);
  const AltchaChallenge forged = forger.create_challenge(10, 300);
  EXPECT_EQ(f.altcha.verify(solved(forged)), AltchaStatus::bad_signature);
  // Our challenge with its signature flipped.
  AltchaChallenge c = f.altcha.create_challenge(100, 300);
  const std::int64_t n = solve_challenge(c).value();
  c.signature[0] = c.signature[0] == '0' ? '1' : '0';
  EXPECT_EQ(f.altcha.verify(solution_payload(c, n)), AltchaStatus::bad_signature);
}

TEST(Altcha, AnEditedExpiryBreaksTheSolution) {
  Fixture f;
  AltchaChallenge c = f.altcha.create_challenge(100, 300);
  const std::int64_t n = solve_challenge(c).value();
  c.salt.replace(c.salt.find("1790000300"), 10, "1890000300");
  EXPECT_EQ(f.altcha.verify(solution_payload(c, n)), AltchaStatus::wrong_solution);
}

TEST(Altcha, DigitsCannotMoveFromTheNumberIntoTheExpiry) {
  // Without the trailing '&', salt "...expires=1790000300" with number 12
  // hashes like salt "...expires=17900003001" with number 2, which would push
  // the expiry out by years. The '&' (ours, and altcha-lib's) forbids that.
  Fixture f;
  AltchaChallenge c;
  std::int64_t n = 0;
  do {  // a solution of two digits or more (the seeded Random makes this deterministic)
    c = f.altcha.create_challenge(1'000, 300);
    n = solve_challenge(c).value();
  } while (n < 10);
  const std::string digits = std::to_string(n);
  c.salt.pop_back();  // drop '&'
  c.salt += digits.substr(0, 1);
  EXPECT_EQ(f.altcha.verify(solution_payload(c, std::stoll(digits.substr(1)))), AltchaStatus::wrong_solution);
}

TEST(Altcha, AnExpiredChallengeIsRefused) {
  Fixture f;
  const std::string first = solved(f.altcha.create_challenge(100, 300));
  const std::string second = solved(f.altcha.create_challenge(100, 300));
  f.clock.advance(300'000);  // exactly at `expires`: still valid (altcha-lib: expired when expires < now)
  EXPECT_EQ(f.altcha.verify(first), AltchaStatus::ok);
  f.clock.advance(1);
  EXPECT_EQ(f.altcha.verify(second), AltchaStatus::expired);
}

TEST(Altcha, MalformedPayloadsAreRefused) {
  Fixture f;
  const AltchaChallenge c = f.altcha.create_challenge(100, 300);
  const std::int64_t n = solve_challenge(c).value();
  auto with = [&](const std::string& algorithm, const std::string& number, const std::string& salt,
                  const std::string& challenge, const std::string& signature) {
    return b64("{\"algorithm\":\"" + algorithm + "\",\"challenge\":\"" + challenge + "\",\"number\":" + number +
               ",\"salt\":\"" + salt + "\",\"signature\":\"" + signature + "\"}");
  };
  const std::string num = std::to_string(n);
  std::string upper = c.challenge;
  for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  const std::string no_expiry_salt = c.salt.substr(0, 32) + "&";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"empty", ""},
      {"not base64", "%%%"},
      {"url-safe base64", "eyJ_-"},
      {"base64 of not JSON", b64("hello")},
      {"JSON array", b64("[1,2]")},
      {"missing number", b64("{\"algorithm\":\"SHA-256\",\"challenge\":\"" + c.challenge + "\",\"salt\":\"" + c.salt +
                             "\",\"signature\":\"" + c.signature + "\"}")},
      {"number as a string", with("SHA-256", "\"" + num + "\"", c.salt, c.challenge, c.signature)},
      {"negative number", with("SHA-256", "-1", c.salt, c.challenge, c.signature)},
      {"fractional number", with("SHA-256", "1.5", c.salt, c.challenge, c.signature)},
      {"other algorithm", with("SHA-1", num, c.salt, c.challenge, c.signature)},
      {"uppercase hex", with("SHA-256", num, c.salt, upper, c.signature)},
      {"short signature", with("SHA-256", num, c.salt, c.challenge, c.signature.substr(2))},
      {"salt without expiry", with("SHA-256", num, no_expiry_salt, c.challenge, c.signature)},
      {"expiry not a number", with("SHA-256", num, c.salt.substr(0, 32) + "?expires=soon&", c.challenge, c.signature)},
      {"too large", std::string(Altcha::kMaxPayloadBytes + 1, 'A')},
      {"widget test-mode payload", b64("{\"challenge\":null,\"solution\":null,\"test\":true}")},
  };
  for (const auto& [name, payload] : cases) {
    EXPECT_EQ(f.altcha.verify(payload), AltchaStatus::malformed) << name;
  }
  EXPECT_EQ(f.altcha.verify(with("SHA-256", num, c.salt, c.challenge, c.signature)), AltchaStatus::ok);
}

// Produced by altcha-lib 2.8.0 (npm; `import {createChallenge, solveChallenge}
// from 'altcha-lib/v1'`) in a scratch directory outside the repository:
//   const c = await createChallenge({hmacKey: 'serendip-test-altcha-key', maxnumber: 1000,
//                                    expires: new Date(1790000300 * 1000)});
//   const s = await solveChallenge(c.challenge, c.salt, c.algorithm, c.maxnumber).promise;
//   btoa(JSON.stringify({algorithm, challenge, number: s.number, salt, signature, took: 0}))
// The library's own verifySolution(payload, hmacKey, false) returned true.
constexpr char kAltchaLibChallenge[] = "d57ef83c40b564c42ede997ac555f6da0ba3e23cdb7903f81590254d624a19a5";
constexpr char kAltchaLibSalt[] = "9f5fe7ed2b9ba89728f62986?expires=1790000300&";
constexpr char kAltchaLibSignature[] = "e3d2d6fb42f55d1b0e253a667dcc9ae8040d363fd0c1385d16722dfa754e9597";
constexpr char kAltchaLibPayload[] =
    "eyJhbGdvcml0aG0iOiJTSEEtMjU2IiwiY2hhbGxlbmdlIjoiZDU3ZWY4M2M0MGI1NjRjNDJlZGU5OTdhYzU1NWY2ZGEwYmEzZTIzY2RiNzkw"
    "M2Y4MTU5MDI1NGQ2MjRhMTlhNSIsIm51bWJlciI6MzE0LCJzYWx0IjoiOWY1ZmU3ZWQyYjliYTg5NzI4ZjYyOTg2P2V4cGlyZXM9MTc5MDAw"
    "MDMwMCYiLCJzaWduYXR1cmUiOiJlM2QyZDZmYjQyZjU1ZDFiMGUyNTNhNjY3ZGNjOWFlODA0MGQzNjNmZDBjMTM4NWQxNjcyMmRmYTc1NGU5"
    "NTk3IiwidG9vayI6MH0=";

TEST(Altcha, VerifiesAChallengeMadeAndSolvedByAltchaLib) {
  Fixture f;
  EXPECT_EQ(f.altcha.verify(kAltchaLibPayload), AltchaStatus::ok);
  EXPECT_EQ(f.altcha.verify(kAltchaLibPayload), AltchaStatus::replayed);

  Fixture later;
  later.clock.advance(301'000);  // past expires=1790000300
  EXPECT_EQ(later.altcha.verify(kAltchaLibPayload), AltchaStatus::expired);

  // Our solver finds altcha-lib's number.
  AltchaChallenge c;
  c.challenge = kAltchaLibChallenge;
  c.salt = kAltchaLibSalt;
  c.signature = kAltchaLibSignature;
  c.maxnumber = 1'000;
  EXPECT_EQ(solve_challenge(c), 314);
  EXPECT_EQ(solution_payload(c, 314), kAltchaLibPayload);  // byte for byte what btoa(JSON) gave
}

// The other direction: this challenge is what create_challenge makes from
// SeededRandom(7) at unix time 1790000000 with ttl 300 s. Its solution
// payload (kOursPayload, number 911) was checked by hand with altcha-lib 2.8.0:
//   import {verifySolution, extractParams} from 'altcha-lib/v1';
//   await verifySolution(kOursPayload, 'serendip-test-altcha-key', false)  // -> true
//   await verifySolution(kOursPayload, 'other-key', false)                 // -> false
//   extractParams(kOursPayload)                                            // -> {expires: '1790000300'}
// (false as the third argument skips altcha-lib's own clock check: the
// expiry is in the test clock's time.)
// This test pins the output, so a format change shows up here first.
constexpr char kOursPayload[] =
    "eyJhbGdvcml0aG0iOiJTSEEtMjU2IiwiY2hhbGxlbmdlIjoiMTQ2ZjU4N2RhMTg3YzU0Y2RmZGFkNzdhOTNmYWI1ZDdhOWEyNDZmZGQ2OGM1"
    "NGI3NTYxMzg5N2U4YmQzNTc5OSIsIm51bWJlciI6OTExLCJzYWx0IjoiN2E5ZDY2YmUxMzU2ZjExYzI2MWM0M2E3NDU3NjUwM2Y/ZXhwaXJl"
    "cz0xNzkwMDAwMzAwJiIsInNpZ25hdHVyZSI6ImFkMWVjMDg2NTJmYTEzOTE0OGJjYjIzYTczNGZmNmVkNjU5NWUxODcwZWZkNDllYTgxZTdk"
    "M2M5YzU4ZDNkZmQiLCJ0b29rIjowfQ==";

TEST(Altcha, OurChallengeIsTheOneAltchaLibAccepted) {
  Fixture f;
  const AltchaChallenge c = f.altcha.create_challenge(1'000, 300);
  const std::string payload = solved(c);
  EXPECT_EQ(payload, kOursPayload);
  EXPECT_EQ(f.altcha.verify(payload), AltchaStatus::ok);
}

TEST(Altcha, ConcurrentVerificationsOfOnePayloadAcceptExactlyOne) {
  Fixture f;
  const std::string payload = solved(f.altcha.create_challenge(1'000, 300));
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  threads.reserve(8);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        if (f.altcha.verify(payload) == AltchaStatus::ok) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
}

TEST(Altcha, ConcurrentChallengesAreDistinct) {
  core::ManualClock clock;
  Altcha altcha(kKey, clock);  // CryptoRandom
  std::vector<std::vector<std::string>> salts(4);
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      salts[t].reserve(100);
      for (int i = 0; i < 100; ++i) salts[t].push_back(altcha.create_challenge(1'000, 60).salt);
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> all;
  for (const auto& v : salts) all.insert(v.begin(), v.end());
  EXPECT_EQ(all.size(), 400u);
}

TEST(ReplayGuard, ForgetsExpiredIdsAndStaysUnderItsCapacity) {
  MemoryReplayGuard g(3);
  EXPECT_TRUE(g.first_use("a", 1'000, 0));
  EXPECT_FALSE(g.first_use("a", 1'000, 500));
  EXPECT_TRUE(g.first_use("b", 2'000, 500));
  EXPECT_TRUE(g.first_use("c", 3'000, 500));
  EXPECT_TRUE(g.first_use("d", 4'000, 500));  // full: "a" (closest to expiry) goes
  EXPECT_EQ(g.size(), 3u);
  EXPECT_EQ(g.evicted(), 1u);
  EXPECT_FALSE(g.first_use("d", 4'000, 600));
  EXPECT_TRUE(g.first_use("e", 5'000, 2'500));  // b and c... b expired at 2000
  EXPECT_EQ(g.size(), 3u);                      // c, d, e
  EXPECT_EQ(g.evicted(), 1u);
  EXPECT_TRUE(g.first_use("f", 6'000, 10'000));  // everything else expired
  EXPECT_EQ(g.size(), 1u);
}

TEST(Altcha, StatusNamesAreStable) {
  EXPECT_EQ(to_string(AltchaStatus::ok), "ok");
  EXPECT_EQ(to_string(AltchaStatus::malformed), "malformed");
  EXPECT_EQ(to_string(AltchaStatus::bad_signature), "bad_signature");
  EXPECT_EQ(to_string(AltchaStatus::wrong_solution), "wrong_solution");
  EXPECT_EQ(to_string(AltchaStatus::expired), "expired");
  EXPECT_EQ(to_string(AltchaStatus::replayed), "replayed");
}

TEST(Altcha, DerivedKeyIsHexAndDependsOnTheSecret) {
  const std::string a = derive_altcha_key("secret-a");
  EXPECT_TRUE(lower_hex(a, 64));
  EXPECT_EQ(a, derive_altcha_key("secret-a"));
  EXPECT_NE(a, derive_altcha_key("secret-b"));
}

}  // namespace
}  // namespace serendip::abuse
