// Wire names of the protocol enums. They are part of the contract: never rename.
#include "protocol/messages.hpp"

namespace serendip::protocol {

std::string_view to_string(ClientType t) {
  switch (t) {
    case ClientType::hello: return "hello";
    case ClientType::join: return "join";
    case ClientType::offer: return "offer";
    case ClientType::answer: return "answer";
    case ClientType::ice: return "ice";
    case ClientType::next: return "next";
    case ClientType::leave: return "leave";
    case ClientType::report: return "report";
    case ClientType::ice_result: return "ice_result";
    case ClientType::captcha: return "captcha";
    case ClientType::shield_blur: return "shield_blur";
  }
  return "unknown";
}

std::string_view to_string(ReportReason r) {
  switch (r) {
    case ReportReason::nudity: return "nudity";
    case ReportReason::harassment: return "harassment";
    case ReportReason::spam: return "spam";
    case ReportReason::underage: return "underage";
    case ReportReason::violence: return "violence";
    case ReportReason::other: return "other";
  }
  return "other";
}

std::string_view to_string(CandidateType t) {
  switch (t) {
    case CandidateType::host: return "host";
    case CandidateType::srflx: return "srflx";
    case CandidateType::prflx: return "prflx";
    case CandidateType::relay: return "relay";
  }
  return "host";
}

std::string_view to_string(ShieldVerdict v) {
  switch (v) {
    case ShieldVerdict::nudity: return "nudity";
    case ShieldVerdict::suggestive: return "suggestive";
  }
  return "nudity";
}

namespace {

// Linear scan over an enum's few values: the lists are short and this keeps a
// single source of truth (the to_string switches above).
template <class Enum, std::size_t N>
std::optional<Enum> from_wire(std::string_view s, const Enum (&all)[N]) {
  for (Enum e : all) {
    if (to_string(e) == s) return e;
  }
  return std::nullopt;
}

constexpr ClientType kClientTypes[] = {
    ClientType::hello,      ClientType::join,    ClientType::offer,       ClientType::answer,
    ClientType::ice,        ClientType::next,    ClientType::leave,       ClientType::report,
    ClientType::ice_result, ClientType::captcha, ClientType::shield_blur,
};
constexpr ReportReason kReportReasons[] = {
    ReportReason::nudity,   ReportReason::harassment, ReportReason::spam,
    ReportReason::underage, ReportReason::violence,   ReportReason::other,
};
constexpr ShieldVerdict kShieldVerdicts[] = {ShieldVerdict::nudity, ShieldVerdict::suggestive};
constexpr CandidateType kCandidateTypes[] = {CandidateType::host, CandidateType::srflx, CandidateType::prflx,
                                             CandidateType::relay};

}  // namespace

std::optional<ClientType> client_type_from_string(std::string_view s) { return from_wire(s, kClientTypes); }
std::optional<ReportReason> report_reason_from_string(std::string_view s) { return from_wire(s, kReportReasons); }
std::optional<CandidateType> candidate_type_from_string(std::string_view s) { return from_wire(s, kCandidateTypes); }
std::optional<ShieldVerdict> shield_verdict_from_string(std::string_view s) { return from_wire(s, kShieldVerdicts); }

}  // namespace serendip::protocol
