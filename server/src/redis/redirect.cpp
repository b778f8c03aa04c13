#include "redis/redirect.hpp"

#include <charconv>

#include "redis/slot.hpp"

namespace serendip::redis {

std::optional<Redirect> parse_redirect(std::string_view error) {
  Redirect r{};
  if (error.starts_with("MOVED ")) {
    r.kind = Redirect::Kind::moved;
    error.remove_prefix(6);
  } else if (error.starts_with("ASK ")) {
    r.kind = Redirect::Kind::ask;
    error.remove_prefix(4);
  } else {
    return std::nullopt;
  }
  auto space = error.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  auto [p, ec] = std::from_chars(error.data(), error.data() + space, r.slot);
  if (ec != std::errc() || p != error.data() + space || r.slot < 0 || r.slot >= kSlotCount) return std::nullopt;
  auto ep = parse_endpoint(error.substr(space + 1));
  if (!ep) return std::nullopt;
  r.endpoint = std::move(*ep);
  return r;
}

}  // namespace serendip::redis
