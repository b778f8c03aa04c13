// Self-hosted CAPTCHA: ALTCHA v1 proof-of-work challenges (contract section
// 4), the format the `altcha` npm widget solves and altcha-lib creates:
//
//   challenge = hex(SHA-256(salt + number)), number secret in [0, maxnumber]
//   salt      = <32 random hex>?expires=<unix seconds>&
//   signature = hex(HMAC-SHA256(hmac_key, challenge))
//
// The widget tries numbers from 0 until the hash matches and submits
// base64(JSON {algorithm, challenge, number, salt, signature, took}). The
// server recomputes the hash, checks the signature in constant time, reads
// the expiry from the salt (the trailing '&' stops a solver from moving
// digits of the number into `expires`, as altcha-lib does) and accepts each
// challenge once: used challenges are remembered until they expire, in a
// ReplayGuard (in memory here; shared storage can replace it).
//
// Thread-safe. Production draws salts and numbers from CryptoRandom; tests
// pass a seeded Random so that challenges are reproducible.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>

#include "core/clock.hpp"
#include "core/random.hpp"

namespace serendip::abuse {

struct AltchaChallenge {
  std::string algorithm = "SHA-256";
  std::string challenge;  // 64 lowercase hex
  std::string salt;
  std::string signature;  // 64 lowercase hex
  std::int64_t maxnumber = 0;
};

// {"algorithm","challenge","maxnumber","salt","signature"}: what the widget
// fetches (and what `captcha_required.challenge` carries).
std::string to_json(const AltchaChallenge& c);

enum class AltchaStatus : std::uint8_t {
  ok,
  malformed,       // not base64 JSON of the expected shape, unknown algorithm, or no expiry
  bad_signature,   // the challenge was not signed with our key
  wrong_solution,  // sha256(salt + number) != challenge
  expired,         // past the salt's `expires`
  replayed,        // this challenge was already accepted once
  wrong_device,    // issued to another device (or to none): a solution is not transferable
  too_easy,        // easier than the challenge the device now owes
};
inline constexpr std::size_t kAltchaStatusCount = 8;

// Who may spend a solution, and how hard its challenge must at least have
// been. A challenge made for a device carries, in its salt (covered by the
// signed challenge, so it cannot be edited), a tag of that device and its
// difficulty: a cheap challenge solved on one device cannot clear a hard one
// owed by another, nor an earlier cheap one of the same device a later,
// harder debt.
struct AltchaBinding {
  std::string_view device;          // the submitting device's key; empty = unbound (tests, tools)
  std::int64_t min_difficulty = 0;  // the maxnumber the device owes now; 0 = any
};

// What a correct, unexpired solution spends (see Altcha::check_unspent).
struct AltchaSpend {
  std::string challenge;        // the replay key
  std::int64_t expires_ms = 0;  // unix ms
  std::int64_t difficulty = 0;  // the challenge's maxnumber
};
std::string_view to_string(AltchaStatus s);

// Remembers used challenge ids until they expire.
class ReplayGuard {
 public:
  virtual ~ReplayGuard() = default;
  // True the first time `id` is offered (it is then remembered until
  // `expires_unix_ms`); false when it is already remembered.
  virtual bool first_use(std::string_view id, std::int64_t expires_unix_ms, std::int64_t now_unix_ms) = 0;
  virtual std::size_t size() const = 0;
};

// Holds at most `capacity` ids. Full, it forgets the one closest to expiry
// (counted in evicted()); filling it takes `capacity` solved challenges
// within one TTL, so that replay window stays small and costly.
class MemoryReplayGuard final : public ReplayGuard {
 public:
  explicit MemoryReplayGuard(std::size_t capacity = 100'000) : capacity_(capacity == 0 ? 1 : capacity) {}
  bool first_use(std::string_view id, std::int64_t expires_unix_ms, std::int64_t now_unix_ms) override;
  std::size_t size() const override;
  std::uint64_t evicted() const;

 private:
  const std::size_t capacity_;
  mutable std::mutex mu_;
  // Guarded by mu_. ids_ views the strings owned by by_expiry_'s nodes.
  std::set<std::pair<std::int64_t, std::string>> by_expiry_;  // (expires unix ms, id)
  std::unordered_set<std::string_view> ids_;
  std::uint64_t evicted_ = 0;
};

// Randomness from the OS CSPRNG (OpenSSL RAND_bytes). The secret number and
// salt must be unpredictable, or a solver could skip the work. Thread-safe.
class CryptoRandom final : public core::Random {
 public:
  std::uint64_t next_u64() override;
};

struct AltchaStats {
  std::uint64_t issued = 0;
  std::array<std::uint64_t, kAltchaStatusCount> verified{};  // by AltchaStatus
};

class Altcha {
 public:
  // The HMAC key must be the same on every instance (see derive_altcha_key).
  // Production: challenges from CryptoRandom.
  Altcha(std::string hmac_key, const core::Clock& clock, std::unique_ptr<ReplayGuard> replay = nullptr);
  // Tests: a seeded Random makes challenges reproducible.
  Altcha(std::string hmac_key, const core::Clock& clock, core::Random& random,
         std::unique_ptr<ReplayGuard> replay = nullptr);

  // max_number >= 1 (the work: about max_number / 2 hashes on average);
  // ttl_s: seconds the challenge stays solvable; device: the device key it is
  // for (its tag and the difficulty go into the salt; empty = unbound).
  AltchaChallenge create_challenge(std::int64_t max_number, std::int64_t ttl_s = 300, std::string_view device = {});

  // `payload` as the widget submits it (base64 of the JSON), or that JSON
  // object itself. ok at most once per challenge, and only for the device
  // and difficulty `binding` names.
  AltchaStatus verify(std::string_view payload, const AltchaBinding& binding = {});

  AltchaStats stats() const;

  // verify() without its replay guard and without counting the outcome, for
  // a caller that keeps used challenges elsewhere (shared in Redis): ok fills
  // `spend` (the replay key, its expiry, its difficulty); that caller then
  // counts the final outcome with count().
  AltchaStatus check_unspent(std::string_view payload, const AltchaBinding& binding, AltchaSpend& spend) const {
    return check(payload, binding, spend);
  }
  void count(AltchaStatus s) { verified_[static_cast<std::size_t>(s)].fetch_add(1, std::memory_order_relaxed); }

  static constexpr std::size_t kMaxPayloadBytes = 4096;

 private:
  AltchaStatus check(std::string_view payload, const AltchaBinding& binding, AltchaSpend& spend) const;
  std::string device_tag(std::string_view device) const;

  const std::string hmac_key_;
  const core::Clock& clock_;  // Passed by argument; outlives this.
  std::unique_ptr<core::Random> owned_random_;
  core::Random& random_;  // owned_random_ or passed by argument
  std::unique_ptr<ReplayGuard> replay_;
  std::mutex random_mu_;  // Random implementations need not be thread-safe
  std::atomic<std::uint64_t> issued_{0};
  std::array<std::atomic<std::uint64_t>, kAltchaStatusCount> verified_{};
};

// The ALTCHA HMAC key derived from a server secret (main.cpp passes the device-key secret
// kept in the database, so every instance on that database shares it), as
// hex text so altcha-lib can be handed the same key for manual checks.
std::string derive_altcha_key(std::string_view server_secret);

// For tests and the load generator: solve a challenge the way the widget does
// (try 0, 1, 2, ... up to maxnumber); nullopt when no number matches.
std::optional<std::int64_t> solve_challenge(const AltchaChallenge& c);
// The payload the widget would submit for `number`: base64(JSON).
std::string solution_payload(const AltchaChallenge& c, std::int64_t number, std::int64_t took_ms = 0);

}  // namespace serendip::abuse
