// Decoder: one text frame -> one validated ClientMessage or a DecodeError.
//
// Memory: the parsed document lives in a monotonic_resource over a fixed
// arena, released at the start of every decode, so the document of a typical
// frame costs no heap allocation (an adversarial one spills to the heap until
// the next decode). The parser's own temporary stack starts in a fixed buffer
// and, if a frame ever outgrows it, falls back to the heap once and keeps
// that capacity. Relay messages (offer/answer/ice, most
// of the traffic) are validated in place and return views into the document.
// join allocates (Preferences owns its strings); it is rare.
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parser.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "protocol/codec.hpp"
#include "protocol/text.hpp"

namespace json = boost::json;

namespace serendip::protocol {
namespace {

using core::ErrorCode;

constexpr std::size_t kArenaBytes = 64 * 1024;      // documents of typical frames (<= 32 KiB) fit
constexpr std::size_t kParserTmpBytes = 16 * 1024;  // parser's value stack before it needs the heap
constexpr std::size_t kMaxDepth = 32;               // nesting deeper than this is refused

struct Failure {
  ErrorCode code;
  std::string message;
};

std::string field_message(std::string_view field, std::string_view problem) {
  std::string m;
  m.reserve(field.size() + problem.size() + 9);
  m.append("field \"").append(field).append("\" ").append(problem);
  return m;
}

// Reads the fields of one message object. Keeps the first problem; after that
// every read is a no-op returning an empty value, so a message decoder reads
// all its fields and the caller checks failed() once.
class FieldReader {
 public:
  FieldReader(const json::object& obj, const Limits& limits) : obj_(obj), limits_(limits) {}

  bool failed() const { return failure_.has_value(); }
  Failure take_failure() { return std::move(*failure_); }
  const Limits& limits() const { return limits_; }

  void fail(ErrorCode code, std::string message) {
    if (!failure_) failure_ = Failure{code, std::move(message)};
  }
  void fail_field(std::string_view field, std::string_view problem, ErrorCode code = ErrorCode::bad_request) {
    if (!failure_) failure_ = Failure{code, field_message(field, problem)};
  }

  // nullptr when absent (or after a failure).
  const json::value* optional(std::string_view key) { return failed() ? nullptr : obj_.if_contains(key); }

  // nullptr (and failed) when absent.
  const json::value* required(std::string_view key) {
    if (failed()) return nullptr;
    const json::value* v = obj_.if_contains(key);
    if (v == nullptr) fail(ErrorCode::bad_request, field_message_missing(key));
    return v;
  }

  std::string_view required_string(std::string_view key, std::size_t max_bytes, bool allow_empty = false) {
    const json::value* v = required(key);
    if (v == nullptr) return {};
    return checked_string(key, *v, max_bytes, allow_empty);
  }

  std::optional<std::string_view> optional_string(std::string_view key) {
    const json::value* v = optional(key);
    if (v == nullptr) return std::nullopt;
    const json::string* s = v->if_string();
    if (s == nullptr) {
      fail_field(key, "must be a string");
      return std::nullopt;
    }
    return std::string_view(*s);
  }

  std::string_view session_id() { return required_string("sessionId", limits_.max_session_id_bytes); }

  bool required_bool(std::string_view key) {
    const json::value* v = required(key);
    if (v == nullptr) return false;
    if (!v->is_bool()) {
      fail_field(key, "must be true or false");
      return false;
    }
    return v->get_bool();
  }

  std::optional<std::int64_t> optional_non_negative_int(std::string_view key) {
    const json::value* v = optional(key);
    if (v == nullptr) return std::nullopt;
    const std::int64_t* i = v->if_int64();
    if (i == nullptr || *i < 0) {
      fail_field(key, "must be a non-negative integer");
      return std::nullopt;
    }
    return *i;
  }

  // Arrays: absent -> nullptr without failing when optional.
  const json::array* array(std::string_view key, bool is_required, std::size_t max_entries) {
    const json::value* v = is_required ? required(key) : optional(key);
    if (v == nullptr) return nullptr;
    const json::array* a = v->if_array();
    if (a == nullptr) {
      fail_field(key, "must be an array");
      return nullptr;
    }
    if (a->size() > max_entries) {
      fail_field(key, "has more than " + std::to_string(max_entries) + " entries");
      return nullptr;
    }
    return a;
  }

 private:
  static std::string field_message_missing(std::string_view key) {
    std::string m("missing field \"");
    m.append(key).append("\"");
    return m;
  }

  std::string_view checked_string(std::string_view key, const json::value& v, std::size_t max_bytes, bool allow_empty) {
    const json::string* s = v.if_string();
    if (s == nullptr) {
      fail_field(key, "must be a string");
      return {};
    }
    if (s->empty() && !allow_empty) {
      fail_field(key, "must not be empty");
      return {};
    }
    if (s->size() > max_bytes) {
      fail_field(key, "must be at most " + std::to_string(max_bytes) + " bytes");
      return {};
    }
    return std::string_view(*s);
  }

  const json::object& obj_;  // Passed by argument; the decoder's document.
  const Limits& limits_;
  std::optional<Failure> failure_;
};

// "languages[2]": built only when reporting a problem.
std::string indexed(std::string_view array, std::size_t i) {
  std::string f(array);
  f.append("[").append(std::to_string(i)).append("]");
  return f;
}

std::size_t decimal_digits(std::uint64_t n) {
  std::size_t d = 1;
  while (n >= 10) {
    n /= 10;
    ++d;
  }
  return d;
}

// Approximate size of the compact serialization of `v`, computed without
// allocating: exact for structure, keys, strings without escapes, integers,
// booleans and null; a double counts as 24 bytes and an escape sequence as the
// one byte it decodes to. Stops adding up once past `limit`. The recursion is
// bounded by the parser's max_depth.
std::size_t approx_json_size(const json::value& v, std::size_t limit) {
  switch (v.kind()) {
    case json::kind::null: return 4;
    case json::kind::bool_: return v.get_bool() ? 4 : 5;
    case json::kind::int64: {
      std::int64_t i = v.get_int64();
      return i < 0 ? 1 + decimal_digits(0 - static_cast<std::uint64_t>(i)) : decimal_digits(i);
    }
    case json::kind::uint64: return decimal_digits(v.get_uint64());
    case json::kind::double_: return 24;
    case json::kind::string: return v.get_string().size() + 2;
    case json::kind::array: {
      std::size_t n = 2;
      for (const json::value& e : v.get_array()) {
        n += approx_json_size(e, limit) + 1;
        if (n > limit) break;
      }
      return v.get_array().empty() ? n : n - 1;
    }
    case json::kind::object: {
      std::size_t n = 2;
      for (const json::key_value_pair& kv : v.get_object()) {
        n += kv.key().size() + 3 + approx_json_size(kv.value(), limit) + 1;
        if (n > limit) break;
      }
      return v.get_object().empty() ? n : n - 1;
    }
  }
  return 0;
}

HelloMsg decode_hello(FieldReader& r) { return HelloMsg{r.required_string("token", r.limits().max_token_bytes)}; }

void read_languages(FieldReader& r, std::vector<std::string>& out) {
  const json::array* a = r.array("languages", true, r.limits().max_languages);
  if (a == nullptr) return;
  if (a->empty()) {
    r.fail_field("languages", "must not be empty");
    return;
  }
  out.reserve(a->size());
  for (std::size_t i = 0; i < a->size(); ++i) {
    const json::string* s = (*a)[i].if_string();
    if (s == nullptr) return r.fail_field(indexed("languages", i), "must be a string");
    std::optional<std::string> tag = normalize_language_tag(*s);
    if (!tag) return r.fail_field(indexed("languages", i), "must be a BCP-47 language tag such as \"en\" or \"pt-BR\"");
    push_unique(out, std::move(*tag));
  }
}

void read_region(FieldReader& r, std::string& out) {
  std::optional<std::string_view> region = r.optional_string("region");
  if (!region) return;
  if (region->size() > r.limits().max_region_chars) {
    return r.fail_field("region", "must be at most " + std::to_string(r.limits().max_region_chars) + " characters");
  }
  std::optional<std::string> normalized = normalize_region(*region);
  if (!normalized) return r.fail_field("region", "may only contain A-Z, a-z, 0-9, '_' and '-'");
  out = std::move(*normalized);
}

// The browser's time zone, a coarse region hint: an IANA name ("Europe/Berlin")
// or just its area ("Europe"); only the area is kept. A string of unusual
// characters is no hint (old or odd clients still join); wrong types and
// overlong values are refused like any other field.
void read_time_zone(FieldReader& r, std::string& area) {
  std::optional<std::string_view> tz = r.optional_string("timeZone");
  if (!tz) return;
  if (tz->size() > r.limits().max_time_zone_chars) {
    return r.fail_field("timeZone",
                        "must be at most " + std::to_string(r.limits().max_time_zone_chars) + " characters");
  }
  const std::string_view head = tz->substr(0, tz->find('/'));
  for (char c : head) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == '-';
    if (!ok) return;
  }
  area = std::string(head);
}

void read_interests(FieldReader& r, std::vector<std::string>& out) {
  const json::array* a = r.array("interests", false, r.limits().max_interests);
  if (a == nullptr) return;
  out.reserve(a->size());
  for (std::size_t i = 0; i < a->size(); ++i) {
    const json::string* s = (*a)[i].if_string();
    if (s == nullptr) return r.fail_field(indexed("interests", i), "must be a string");
    std::string_view trimmed = trim_ascii_space(*s);
    if (trimmed.empty()) return r.fail_field(indexed("interests", i), "must not be empty");
    if (count_code_points(trimmed) > r.limits().max_interest_chars) {
      return r.fail_field(indexed("interests", i),
                          "must be at most " + std::to_string(r.limits().max_interest_chars) + " characters");
    }
    if (has_control_char(trimmed)) return r.fail_field(indexed("interests", i), "must not contain control characters");
    push_unique(out, ascii_lower(trimmed));
  }
}

JoinMsg decode_join(FieldReader& r) {
  JoinMsg m;
  if (const json::value* mode = r.required("mode")) {
    const json::string* s = mode->if_string();
    if (s != nullptr && *s == "video") {
      m.prefs.mode = core::Mode::video;
    } else if (s != nullptr && *s == "text") {
      m.prefs.mode = core::Mode::text;
    } else {
      r.fail_field("mode", "must be \"video\" or \"text\"");
    }
  }
  read_languages(r, m.prefs.languages);
  read_region(r, m.prefs.region);
  read_interests(r, m.prefs.interests);
  read_time_zone(r, m.time_zone_area);
  return m;
}

RelayMsg decode_sdp(FieldReader& r) {
  RelayMsg m{r.session_id()};
  if (const json::value* v = r.required("sdp")) {
    const json::string* sdp = v->if_string();
    if (sdp == nullptr) {
      r.fail_field("sdp", "must be a string");
    } else if (sdp->size() > r.limits().max_sdp_bytes) {
      r.fail_field("sdp", "exceeds " + std::to_string(r.limits().max_sdp_bytes) + " bytes", ErrorCode::too_large);
    }
  }
  return m;
}

RelayMsg decode_ice(FieldReader& r) {
  RelayMsg m{r.session_id()};
  const json::value* v = r.required("candidate");
  if (v == nullptr || v->is_null()) return m;  // null: end of candidates
  const json::object* c = v->if_object();
  if (c == nullptr) {
    r.fail_field("candidate", "must be an object or null");
    return m;
  }
  if (const json::value* line = c->if_contains("candidate"); line != nullptr && !line->is_string()) {
    r.fail_field("candidate.candidate", "must be a string");
    return m;
  }
  std::size_t limit = r.limits().max_candidate_bytes;
  if (approx_json_size(*v, limit) > limit) {
    r.fail_field("candidate", "exceeds " + std::to_string(limit) + " bytes", ErrorCode::too_large);
  }
  return m;
}

// report.shield: absent or null, or {"verdict": "nudity"|"suggestive", "score": 0..1}.
// Other keys inside are ignored, like unknown fields anywhere.
std::optional<ShieldMeta> read_shield(FieldReader& r) {
  const json::value* v = r.optional("shield");
  if (v == nullptr || v->is_null()) return std::nullopt;
  const json::object* o = v->if_object();
  if (o == nullptr) {
    r.fail_field("shield", "must be an object {\"verdict\", \"score\"} or null");
    return std::nullopt;
  }
  const json::value* verdict = o->if_contains("verdict");
  const json::string* name = verdict ? verdict->if_string() : nullptr;
  std::optional<ShieldVerdict> kind = name ? shield_verdict_from_string(*name) : std::nullopt;
  if (!kind) {
    r.fail_field("shield.verdict", "must be one of nudity, suggestive");
    return std::nullopt;
  }
  const json::value* score = o->if_contains("score");
  // Integers 0 and 1 are numbers too; strings, booleans and NaN-like values are not.
  const double s = score == nullptr     ? -1
                   : score->is_double() ? score->get_double()
                   : score->is_int64()  ? static_cast<double>(score->get_int64())
                   : score->is_uint64() ? static_cast<double>(score->get_uint64())
                                        : -1;
  if (!(s >= 0.0 && s <= 1.0)) {
    r.fail_field("shield.score", "must be a number from 0 to 1");
    return std::nullopt;
  }
  return ShieldMeta{*kind, static_cast<int>(s * 1000.0 + 0.5)};
}

ReportMsg decode_report(FieldReader& r) {
  ReportMsg m{};
  m.session_id = r.session_id();
  if (const json::value* v = r.required("reason")) {
    const json::string* s = v->if_string();
    std::optional<ReportReason> reason = s ? report_reason_from_string(*s) : std::nullopt;
    if (reason) {
      m.reason = *reason;
    } else {
      r.fail_field("reason", "must be one of nudity, harassment, spam, underage, violence, other");
    }
  }
  if (std::optional<std::string_view> comment = r.optional_string("comment")) {
    if (count_code_points(*comment) > r.limits().max_comment_chars) {
      r.fail_field("comment", "must be at most " + std::to_string(r.limits().max_comment_chars) + " characters");
    }
    m.comment = *comment;
  }
  m.shield = read_shield(r);
  return m;
}

IceResultMsg decode_ice_result(FieldReader& r) {
  IceResultMsg m;
  m.session_id = r.session_id();
  m.connected = r.required_bool("connected");
  if (std::optional<std::string_view> type = r.optional_string("candidateType")) {
    m.candidate_type = candidate_type_from_string(*type);
    if (!m.candidate_type) r.fail_field("candidateType", "must be one of host, srflx, prflx, relay");
  }
  m.time_to_connect_ms = r.optional_non_negative_int("timeToConnectMs");
  return m;
}

// An object payload is re-serialized into `storage` (decoder-owned).
CaptchaMsg decode_captcha(FieldReader& r, std::string& storage) {
  const json::value* v = r.required("payload");
  if (v == nullptr) return {};
  if (const json::string* s = v->if_string()) {
    if (s->empty()) r.fail_field("payload", "must not be empty");
    return CaptchaMsg{*s};
  }
  if (v->is_object()) {
    storage = json::serialize(*v);
    return CaptchaMsg{storage};
  }
  r.fail_field("payload", "must be a string or an object");
  return {};
}

std::string parse_error_message(const json::error_code& ec, std::string_view frame) {
  if (frame.empty()) return "frame is empty";
  if (ec == json::error::too_deep) return "frame nests deeper than " + std::to_string(kMaxDepth) + " levels";
  if (!is_valid_utf8(frame)) return "frame is not valid UTF-8";
  return "frame is not valid JSON: " + ec.message();
}

std::string unknown_type_message(std::string_view type) {
  // Echo the client's own type back only when it is short and printable.
  bool printable = type.size() <= 32;
  for (char c : type) printable = printable && c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
  if (!printable) return "unknown message type";
  std::string m("unknown message type \"");
  m.append(type).append("\"");
  return m;
}

}  // namespace

struct Decoder::Impl {
  explicit Impl(Limits l)
      : limits(l),
        arena(std::make_unique<unsigned char[]>(kArenaBytes)),
        parser_tmp(std::make_unique<unsigned char[]>(kParserTmpBytes)),
        resource(arena.get(), kArenaBytes),
        parser(json::storage_ptr(), parse_options(), parser_tmp.get(), kParserTmpBytes) {}

  static json::parse_options parse_options() {
    json::parse_options opt;
    opt.max_depth = kMaxDepth;  // strict JSON otherwise: no comments, no trailing commas, UTF-8 checked
    return opt;
  }

  std::variant<ClientMessage, DecodeError> decode(std::string_view frame);

  Limits limits;
  // Declaration order matters: the document must die before the resource, the
  // resource before the arena.
  std::unique_ptr<unsigned char[]> arena;       // backs `resource`
  std::unique_ptr<unsigned char[]> parser_tmp;  // the parser's first temporary buffer
  json::monotonic_resource resource;            // holds `document`; released per decode
  json::parser parser;                          // temporaries on the heap: they must outlive a release
  std::optional<json::value> document;          // the last frame, in `resource`
  std::string captcha_json;                     // re-serialized object payload of the last captcha
};

std::variant<ClientMessage, DecodeError> Decoder::Impl::decode(std::string_view frame) {
  // Every view from the previous decode dies here. The parser drops any
  // partial result of a failed parse before the memory under it is released.
  document.reset();
  parser.reset(json::storage_ptr(&resource));
  resource.release();

  if (frame.size() > limits.max_frame_bytes) {
    return DecodeError{ErrorCode::too_large, "frame exceeds " + std::to_string(limits.max_frame_bytes) + " bytes",
                       std::nullopt};
  }
  json::error_code ec;
  parser.write(frame.data(), frame.size(), ec);
  if (ec) return DecodeError{ErrorCode::bad_request, parse_error_message(ec, frame), std::nullopt};
  document.emplace(parser.release());

  const json::object* obj = document->if_object();
  if (obj == nullptr) return DecodeError{ErrorCode::bad_request, "frame must be a JSON object", std::nullopt};

  std::optional<std::int64_t> id;
  if (const json::value* v = obj->if_contains("id")) {
    const std::int64_t* i = v->if_int64();
    if (i == nullptr)
      return DecodeError{ErrorCode::bad_request, field_message("id", "must be an integer"), std::nullopt};
    id = *i;
  }

  const json::value* type_value = obj->if_contains("type");
  if (type_value == nullptr) return DecodeError{ErrorCode::bad_request, "missing field \"type\"", id};
  const json::string* type_name = type_value->if_string();
  if (type_name == nullptr) return DecodeError{ErrorCode::bad_request, field_message("type", "must be a string"), id};
  std::optional<ClientType> type = client_type_from_string(*type_name);
  if (!type) return DecodeError{ErrorCode::bad_request, unknown_type_message(*type_name), id};

  FieldReader r(*obj, limits);
  ClientMessage msg{*type, id, NextMsg{}};
  switch (*type) {
    case ClientType::hello: msg.body = decode_hello(r); break;
    case ClientType::join: msg.body = decode_join(r); break;
    case ClientType::offer:
    case ClientType::answer: msg.body = decode_sdp(r); break;
    case ClientType::ice: msg.body = decode_ice(r); break;
    case ClientType::next: msg.body = NextMsg{}; break;
    case ClientType::leave: msg.body = LeaveMsg{}; break;
    case ClientType::report: msg.body = decode_report(r); break;
    case ClientType::ice_result: msg.body = decode_ice_result(r); break;
    case ClientType::captcha: msg.body = decode_captcha(r, captcha_json); break;
    case ClientType::shield_blur: msg.body = ShieldBlurMsg{r.session_id()}; break;
  }
  if (r.failed()) {
    Failure f = r.take_failure();
    return DecodeError{f.code, std::move(f.message), id};
  }
  return msg;
}

Decoder::Decoder(Limits limits) : impl_(std::make_unique<Impl>(limits)) {}
Decoder::~Decoder() = default;

std::variant<ClientMessage, DecodeError> Decoder::decode(std::string_view frame) { return impl_->decode(frame); }

const Limits& Decoder::limits() const { return impl_->limits; }

}  // namespace serendip::protocol
