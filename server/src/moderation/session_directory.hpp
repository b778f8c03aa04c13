// How moderation asks the hub about a session a user wants to report. The hub
// keeps a short record of recent sessions per user (contract section 3: a
// session may be reported shortly after it ended) and implements this.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/model.hpp"

namespace serendip::moderation {

struct SessionRecord {
  std::string session_id;
  store::Party reporter;                 // the asking user, as the session knew them
  store::Party peer;                     // the other side: the one being reported
  std::int64_t started_at = 0;           // unix ms
  std::optional<std::int64_t> ended_at;  // unix ms; nullopt while running
};

class SessionDirectory {
 public:
  virtual ~SessionDirectory() = default;
  // The session if `reporter_user_id` took part in it and it is running or
  // still remembered; nullopt otherwise. Thread-safe.
  virtual std::optional<SessionRecord> find_for_report(std::string_view session_id,
                                                       std::string_view reporter_user_id) const = 0;
};

}  // namespace serendip::moderation
