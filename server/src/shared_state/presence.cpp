#include "shared_state/presence.hpp"

#include <algorithm>

namespace serendip::shared_state {

namespace {

std::string tagged(std::string_view prefix, std::string_view subject) {
  std::string k(prefix);
  k += '{';
  k += subject;
  k += '}';
  return k;
}

}  // namespace

std::string presence_device_key(std::string_view device_key) { return tagged("presence:device:", device_key); }

std::string presence_ip_key(std::string_view ip) { return tagged("presence:ip:", ip); }

std::vector<std::string> presence_keys(std::string_view device_key, std::string_view ip) {
  std::vector<std::string> keys;
  if (!device_key.empty()) keys.push_back(presence_device_key(device_key));
  if (!ip.empty()) keys.push_back(presence_ip_key(ip));
  return keys;
}

ScriptCall presence_touch_call(std::string_view key, std::string_view member, std::int64_t now_ms) {
  return {"presence_touch",
          {std::string(key)},
          {std::string(member), std::to_string(now_ms), std::to_string(kPresenceTtlMs)}};
}

std::vector<std::string> presence_read_command(std::string_view key, std::int64_t now_ms) {
  return {"ZRANGE",
          std::string(key),
          std::to_string(now_ms - kPresenceTtlMs),
          "+inf",
          "BYSCORE",
          "LIMIT",
          "0",
          std::to_string(kPresenceReadCap),
          "WITHSCORES"};
}

KickPlan plan_kick(std::span<const std::vector<std::string>> replies, std::span<const std::string> live,
                   std::string_view self, std::int64_t now_ms, std::int64_t grace_ms) {
  KickPlan plan;
  plan.stale.resize(replies.size());
  for (std::size_t k = 0; k < replies.size(); ++k) {
    const auto& r = replies[k];
    if (r.size() / 2 >= kPresenceReadCap) plan.broadcast = true;
    for (std::size_t i = 0; i + 1 < r.size(); i += 2) {
      auto ticket = parse_ticket(r[i]);
      auto written = parse_int<std::int64_t>(r[i + 1]);
      if (!ticket || !written) {
        plan.stale[k].push_back(r[i]);  // not ours to read: it goes too
        continue;
      }
      const bool is_live = std::find(live.begin(), live.end(), ticket->instance) != live.end();
      if (!is_live && now_ms - *written > grace_ms) {
        plan.stale[k].push_back(r[i]);
        continue;
      }
      if (ticket->instance != self) plan.instances.push_back(ticket->instance);
    }
  }
  std::sort(plan.instances.begin(), plan.instances.end());
  plan.instances.erase(std::unique(plan.instances.begin(), plan.instances.end()), plan.instances.end());
  return plan;
}

std::string sessions_key(std::string_view instance) { return tagged("sessions:", instance); }

std::string session_value(std::string_view offerer, std::string_view answerer, std::int64_t started_unix_ms) {
  std::string v;
  v.reserve(offerer.size() + answerer.size() + 24);
  v.append(offerer).append(1, '|').append(answerer).append(1, '|').append(std::to_string(started_unix_ms));
  return v;
}

std::vector<std::vector<std::string>> sessions_commands(std::string_view instance,
                                                        std::span<const std::pair<std::string, std::string>> started,
                                                        std::span<const std::string> ended) {
  const std::string key = sessions_key(instance);
  std::vector<std::vector<std::string>> out;
  for (std::size_t i = 0; i < started.size(); i += kSessionsBatch) {
    std::vector<std::string> c{"HSET", key};
    for (std::size_t k = i; k < std::min(started.size(), i + kSessionsBatch); ++k) {
      c.push_back(started[k].first);
      c.push_back(started[k].second);
    }
    out.push_back(std::move(c));
  }
  for (std::size_t i = 0; i < ended.size(); i += kSessionsBatch) {
    std::vector<std::string> c{"HDEL", key};
    for (std::size_t k = i; k < std::min(ended.size(), i + kSessionsBatch); ++k) c.push_back(ended[k]);
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace serendip::shared_state
