#include "abuse/altcha.hpp"

#include <charconv>
#include <cstring>
#include <initializer_list>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "auth/crypto.hpp"

namespace serendip::abuse {
namespace {

constexpr std::string_view kAlgorithm = "SHA-256";
constexpr std::size_t kMaxSaltBytes = 512;

bool is_lower_hex(std::string_view s, std::size_t len) {
  if (s.size() != len) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string from_hex(std::string_view hex) {
  auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  std::string out(hex.size() / 2, '\0');
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<char>((nibble(hex[2 * i]) << 4) | nibble(hex[2 * i + 1]));
  }
  return out;
}

// altcha-lib hashes the salt with a trailing '&' appended when it lacks one;
// so do we, so that a salt submitted without it is judged the same way.
std::string hashed_prefix(std::string_view salt) {
  std::string s(salt);
  if (s.empty() || s.back() != '&') s += '&';
  return s;
}

std::string challenge_hash(std::string_view salt, std::int64_t number) {
  return auth::to_hex(auth::sha256(hashed_prefix(salt) + std::to_string(number)));
}

// One parameter from the query part of the salt, as altcha-lib's
// extractParams reads it (URLSearchParams: the last occurrence wins).
std::optional<std::string_view> salt_param(std::string_view salt, std::initializer_list<std::string_view> names) {
  const auto q = salt.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  std::string_view rest = salt.substr(q + 1);
  std::optional<std::string_view> found;
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view key = pair.substr(0, eq);
    for (std::string_view name : names) {
      if (key == name) found = pair.substr(eq + 1);
    }
  }
  return found;
}

std::optional<std::int64_t> positive_int(std::optional<std::string_view> value) {
  if (!value) return std::nullopt;
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), v);
  if (ec != std::errc{} || end != value->data() + value->size() || v <= 0) return std::nullopt;
  return v;
}

// `expires` (or `expire`): seconds since the epoch.
std::optional<std::int64_t> salt_expiry_s(std::string_view salt) {
  return positive_int(salt_param(salt, {"expires", "expire"}));
}

// Standard base64 (what btoa writes), padding optional, strictly checked.
std::optional<std::string> base64_decode(std::string_view text) {
  std::size_t end = text.size();
  if (end % 4 == 0) {
    for (int i = 0; i < 2 && end > 0 && text[end - 1] == '='; ++i) --end;
  }
  std::string url(text.substr(0, end));
  for (char& c : url) {
    if (c == '+') {
      c = '-';
    } else if (c == '/') {
      c = '_';
    } else if (c == '-' || c == '_') {
      return std::nullopt;  // URL alphabet is not what the widget sends
    }
  }
  return auth::base64url_decode(url);
}

const boost::json::string* string_field(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v ? v->if_string() : nullptr;
}

}  // namespace

std::string to_json(const AltchaChallenge& c) {
  boost::json::object o;
  o["algorithm"] = c.algorithm;
  o["challenge"] = c.challenge;
  o["maxnumber"] = c.maxnumber;
  o["salt"] = c.salt;
  o["signature"] = c.signature;
  return boost::json::serialize(o);
}

std::string_view to_string(AltchaStatus s) {
  switch (s) {
    case AltchaStatus::ok: return "ok";
    case AltchaStatus::malformed: return "malformed";
    case AltchaStatus::bad_signature: return "bad_signature";
    case AltchaStatus::wrong_solution: return "wrong_solution";
    case AltchaStatus::expired: return "expired";
    case AltchaStatus::replayed: return "replayed";
    case AltchaStatus::wrong_device: return "wrong_device";
    case AltchaStatus::too_easy: return "too_easy";
  }
  return "unknown";
}

bool MemoryReplayGuard::first_use(std::string_view id, std::int64_t expires_unix_ms, std::int64_t now_unix_ms) {
  std::lock_guard lock(mu_);
  while (!by_expiry_.empty() && by_expiry_.begin()->first <= now_unix_ms) {
    ids_.erase(std::string_view(by_expiry_.begin()->second));
    by_expiry_.erase(by_expiry_.begin());
  }
  if (ids_.contains(id)) return false;
  if (by_expiry_.size() >= capacity_) {
    ids_.erase(std::string_view(by_expiry_.begin()->second));
    by_expiry_.erase(by_expiry_.begin());
    ++evicted_;
  }
  auto [it, inserted] = by_expiry_.emplace(expires_unix_ms, std::string(id));
  ids_.insert(std::string_view(it->second));
  return true;
}

std::size_t MemoryReplayGuard::size() const {
  std::lock_guard lock(mu_);
  return ids_.size();
}

std::uint64_t MemoryReplayGuard::evicted() const {
  std::lock_guard lock(mu_);
  return evicted_;
}

std::uint64_t CryptoRandom::next_u64() {
  const std::string b = auth::random_bytes(sizeof(std::uint64_t));
  std::uint64_t v = 0;
  std::memcpy(&v, b.data(), sizeof v);
  return v;
}

Altcha::Altcha(std::string hmac_key, const core::Clock& clock, std::unique_ptr<ReplayGuard> replay)
    : hmac_key_(std::move(hmac_key)),
      clock_(clock),
      owned_random_(std::make_unique<CryptoRandom>()),
      random_(*owned_random_),
      replay_(replay ? std::move(replay) : std::make_unique<MemoryReplayGuard>()) {}

Altcha::Altcha(std::string hmac_key, const core::Clock& clock, core::Random& random,
               std::unique_ptr<ReplayGuard> replay)
    : hmac_key_(std::move(hmac_key)),
      clock_(clock),
      random_(random),
      replay_(replay ? std::move(replay) : std::make_unique<MemoryReplayGuard>()) {}

std::string Altcha::device_tag(std::string_view device) const {
  // 64 bits of a keyed hash: names the device to this server only.
  return auth::to_hex(auth::hmac_sha256(hmac_key_, std::string("device:").append(device))).substr(0, 16);
}

AltchaChallenge Altcha::create_challenge(std::int64_t max_number, std::int64_t ttl_s, std::string_view device) {
  max_number = std::max<std::int64_t>(1, max_number);
  const std::int64_t expires_s = clock_.unix_ms() / 1000 + std::max<std::int64_t>(1, ttl_s);
  std::string salt_hex;
  std::int64_t number = 0;
  {
    std::lock_guard lock(random_mu_);
    salt_hex = random_.hex128();
    number = static_cast<std::int64_t>(random_.uniform(static_cast<std::uint64_t>(max_number) + 1));
  }
  AltchaChallenge c;
  c.salt = salt_hex + "?expires=" + std::to_string(expires_s) + "&";
  if (!device.empty()) c.salt += "device=" + device_tag(device) + "&max=" + std::to_string(max_number) + "&";
  c.challenge = challenge_hash(c.salt, number);
  c.signature = auth::to_hex(auth::hmac_sha256(hmac_key_, c.challenge));
  c.maxnumber = max_number;
  issued_.fetch_add(1, std::memory_order_relaxed);
  return c;
}

AltchaStatus Altcha::check(std::string_view payload, const AltchaBinding& binding, AltchaSpend& spend) const {
  if (payload.empty() || payload.size() > kMaxPayloadBytes) return AltchaStatus::malformed;
  std::string json_text;
  if (payload.front() == '{') {
    json_text = std::string(payload);  // the object itself (the protocol decoder re-serializes one)
  } else {
    auto decoded = base64_decode(payload);
    if (!decoded) return AltchaStatus::malformed;
    json_text = std::move(*decoded);
  }
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(json_text, ec);
  const auto* o = ec ? nullptr : v.if_object();
  if (o == nullptr) return AltchaStatus::malformed;
  const auto* algorithm = string_field(*o, "algorithm");
  const auto* challenge = string_field(*o, "challenge");
  const auto* salt = string_field(*o, "salt");
  const auto* signature = string_field(*o, "signature");
  const auto* number = o->if_contains("number");
  if (!algorithm || !challenge || !salt || !signature || !number) return AltchaStatus::malformed;
  if (std::string_view(*algorithm) != kAlgorithm) return AltchaStatus::malformed;
  if (!is_lower_hex(*challenge, 64) || !is_lower_hex(*signature, 64)) return AltchaStatus::malformed;
  if (salt->empty() || salt->size() > kMaxSaltBytes) return AltchaStatus::malformed;
  std::int64_t n = 0;
  if (number->is_int64() && number->get_int64() >= 0) {
    n = number->get_int64();
  } else if (number->is_uint64() && number->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    n = static_cast<std::int64_t>(number->get_uint64());
  } else {
    return AltchaStatus::malformed;
  }
  // A challenge that never expires could be solved once and stockpiled.
  const auto expires_s = salt_expiry_s(*salt);
  if (!expires_s || *expires_s > INT64_MAX / 1000) return AltchaStatus::malformed;

  // The signature covers the challenge, the challenge covers salt + number,
  // so once both hold the expiry read from the salt is ours.
  const std::string expected_sig = auth::hmac_sha256(hmac_key_, std::string_view(*challenge));
  if (!auth::constant_time_equal(from_hex(*signature), expected_sig)) return AltchaStatus::bad_signature;
  if (!auth::constant_time_equal(challenge_hash(*salt, n), std::string_view(*challenge))) {
    return AltchaStatus::wrong_solution;
  }
  const std::int64_t expires_ms = *expires_s * 1000;
  if (clock_.unix_ms() > expires_ms) return AltchaStatus::expired;
  // From here the salt is ours (see above): its device tag and difficulty are what we issued.
  const std::int64_t difficulty = positive_int(salt_param(*salt, {"max"})).value_or(0);
  if (!binding.device.empty()) {
    const auto tag = salt_param(*salt, {"device"});
    if (!tag || !auth::constant_time_equal(*tag, device_tag(binding.device))) return AltchaStatus::wrong_device;
  }
  if (binding.min_difficulty > 0 && difficulty < binding.min_difficulty) return AltchaStatus::too_easy;
  spend.challenge = std::string(*challenge);
  spend.expires_ms = expires_ms;
  spend.difficulty = difficulty;
  return AltchaStatus::ok;
}

AltchaStatus Altcha::verify(std::string_view payload, const AltchaBinding& binding) {
  AltchaSpend spend;
  AltchaStatus s = check(payload, binding, spend);
  if (s == AltchaStatus::ok && !replay_->first_use(spend.challenge, spend.expires_ms, clock_.unix_ms())) {
    s = AltchaStatus::replayed;
  }
  verified_[static_cast<std::size_t>(s)].fetch_add(1, std::memory_order_relaxed);
  return s;
}

AltchaStats Altcha::stats() const {
  AltchaStats s;
  s.issued = issued_.load(std::memory_order_relaxed);
  for (std::size_t i = 0; i < kAltchaStatusCount; ++i) s.verified[i] = verified_[i].load(std::memory_order_relaxed);
  return s;
}

std::string derive_altcha_key(std::string_view server_secret) {
  return auth::to_hex(auth::hmac_sha256(server_secret, "serendip/altcha-hmac/v1"));
}

std::optional<std::int64_t> solve_challenge(const AltchaChallenge& c) {
  if (c.algorithm != kAlgorithm || !is_lower_hex(c.challenge, 64)) return std::nullopt;
  const std::string target = from_hex(c.challenge);
  std::string buf = hashed_prefix(c.salt);
  const std::size_t base = buf.size();
  for (std::int64_t n = 0; n <= c.maxnumber; ++n) {
    buf.resize(base);
    buf += std::to_string(n);
    if (auth::sha256(buf) == target) return n;
  }
  return std::nullopt;
}

std::string solution_payload(const AltchaChallenge& c, std::int64_t number, std::int64_t took_ms) {
  // Field order as the widget's createPayloadV1 writes them.
  boost::json::object o;
  o["algorithm"] = c.algorithm;
  o["challenge"] = c.challenge;
  o["number"] = number;
  o["salt"] = c.salt;
  o["signature"] = c.signature;
  o["took"] = took_ms;
  return auth::base64_encode(boost::json::serialize(o));
}

}  // namespace serendip::abuse
