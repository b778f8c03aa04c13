#include "net/connection_limits.hpp"

#include <arpa/inet.h>

#include <cstring>
#include <string>

namespace serendip::net {

AddressKey AddressKey::from_bytes(const std::uint8_t* bytes, std::size_t size) {
  static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  AddressKey k;
  if (size == 16 && std::memcmp(bytes, kMapped, sizeof(kMapped)) == 0) {
    bytes += 12;
    size = 4;
  }
  const std::size_t used = size == 4 ? 4 : 8;  // IPv6: the /64 only
  k.family = size == 4 ? 4 : 6;
  for (std::size_t i = 0; i < used; ++i) k.bits = (k.bits << 8) | bytes[i];
  return k;
}

std::optional<AddressKey> AddressKey::parse(std::string_view address) {
  if (address.size() >= 2 && address.front() == '[' && address.back() == ']') {
    address = address.substr(1, address.size() - 2);
  }
  if (address.ends_with("/64") || address.ends_with("/32")) address.remove_suffix(3);
  if (address.empty() || address.size() > INET6_ADDRSTRLEN) return std::nullopt;
  const std::string text(address);  // inet_pton wants a terminated string
  std::uint8_t bytes[16];
  if (inet_pton(AF_INET, text.c_str(), bytes) == 1) return from_bytes(bytes, 4);
  if (inet_pton(AF_INET6, text.c_str(), bytes) == 1) return from_bytes(bytes, 16);
  return std::nullopt;
}

ConnectionLimits::Slot& ConnectionLimits::Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = other.owner_;
    key_ = other.key_;
    total_ = other.total_;
    address_ = other.address_;
    other.owner_ = nullptr;
  }
  return *this;
}

void ConnectionLimits::Slot::release() {
  if (owner_ == nullptr) return;
  owner_->release(*this);
  owner_ = nullptr;
}

ConnectionLimits::Verdict ConnectionLimits::admit_connection(const AddressKey* peer, Slot& slot) {
  return admit(peer, true, slot);
}

ConnectionLimits::Verdict ConnectionLimits::admit_forwarded(const AddressKey& client, Slot& slot) {
  return admit(&client, false, slot);
}

ConnectionLimits::Verdict ConnectionLimits::admit(const AddressKey* key, bool count_total, Slot& slot) {
  slot.release();
  std::lock_guard lock(mutex_);
  if (count_total && settings_.max_total != 0 && total_ >= settings_.max_total) return Verdict::over_total;
  const bool by_address = key != nullptr && settings_.max_per_address != 0;
  if (by_address) {
    auto it = per_address_.find(*key);
    if (it != per_address_.end() && it->second >= settings_.max_per_address) return Verdict::over_address;
    if (it == per_address_.end()) {
      per_address_.emplace(*key, 1);
    } else {
      ++it->second;
    }
  }
  if (count_total) ++total_;
  slot.owner_ = this;
  slot.key_ = by_address ? *key : AddressKey{};
  slot.total_ = count_total;
  slot.address_ = by_address;
  return Verdict::admitted;
}

void ConnectionLimits::release(const Slot& slot) {
  std::lock_guard lock(mutex_);
  if (slot.total_) --total_;
  if (!slot.address_) return;
  auto it = per_address_.find(slot.key_);
  if (it == per_address_.end()) return;  // impossible: admit() counted it
  if (--it->second == 0) per_address_.erase(it);
}

std::size_t ConnectionLimits::open() const {
  std::lock_guard lock(mutex_);
  return total_;
}

std::size_t ConnectionLimits::addresses() const {
  std::lock_guard lock(mutex_);
  return per_address_.size();
}

}  // namespace serendip::net
