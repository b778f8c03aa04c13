// Caps on open connections, in total and per client address, so that one host
// (or a flood from it) cannot take the file descriptors and memory that every
// other user needs. Counted at accept, before any TLS or HTTP work, by the
// TCP peer's address; a peer that is a trusted proxy counts only in the total,
// and each WebSocket it forwards counts instead under the client address it
// names (X-Forwarded-For), once that is known at the upgrade.
//
// Addresses are keyed as everywhere else (core/address_key.hpp): IPv4 as
// itself, IPv6 by its /64. A key is two machine words, so counting a
// connection from an address already counted allocates nothing; a new address
// costs one map node. Thread-safe: connections are accepted on one thread and
// closed on every worker's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string_view>
#include <unordered_map>

namespace serendip::net {

struct AddressKey {
  std::uint64_t bits = 0;   // the IPv4 address, or the IPv6 address's upper 64 bits
  std::uint8_t family = 0;  // 4 or 6

  // `bytes` is 4 (IPv4) or 16 (IPv6, IPv4-mapped ones counting as IPv4) bytes in network order.
  static AddressKey from_bytes(const std::uint8_t* bytes, std::size_t size);
  // "192.0.2.7", "2001:db8::5", "2001:db8:1:2::/64" (http::resolve_client_ip's output); nullopt otherwise.
  static std::optional<AddressKey> parse(std::string_view address);
  bool operator==(const AddressKey&) const = default;
};

class ConnectionLimits {
 public:
  struct Settings {
    std::size_t max_total = 0;        // open connections in all; 0 = no cap
    std::size_t max_per_address = 0;  // open connections per address key; 0 = no cap
  };
  enum class Verdict : std::uint8_t { admitted, over_total, over_address };

  // What one admitted connection holds; gives its place back when destroyed
  // (or at release()). Move-only; an empty Slot holds nothing.
  class Slot {
   public:
    Slot() = default;
    Slot(Slot&& other) noexcept { *this = std::move(other); }
    Slot& operator=(Slot&& other) noexcept;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot() { release(); }
    void release();
    bool empty() const { return owner_ == nullptr; }

   private:
    friend class ConnectionLimits;
    ConnectionLimits* owner_ = nullptr;
    AddressKey key_;
    bool total_ = false;    // counted in the total
    bool address_ = false;  // counted under key_
  };

  explicit ConnectionLimits(Settings settings) : settings_(settings) {}
  ConnectionLimits(const ConnectionLimits&) = delete;
  ConnectionLimits& operator=(const ConnectionLimits&) = delete;

  // An accepted TCP connection from `peer` (nullptr: a trusted proxy, counted
  // in the total only). Fills `slot` when admitted; counts nothing otherwise.
  Verdict admit_connection(const AddressKey* peer, Slot& slot);
  // A WebSocket forwarded by a trusted proxy for `client`: counted under that
  // address only (its TCP connection is already in the total).
  Verdict admit_forwarded(const AddressKey& client, Slot& slot);

  const Settings& settings() const { return settings_; }
  std::size_t open() const;       // connections counted in the total
  std::size_t addresses() const;  // address keys with at least one connection

 private:
  struct Hash {
    std::size_t operator()(const AddressKey& k) const noexcept {
      return static_cast<std::size_t>((k.bits ^ (std::uint64_t{k.family} << 56)) * 0x9E3779B97F4A7C15ULL);
    }
  };
  Verdict admit(const AddressKey* key, bool count_total, Slot& slot);
  void release(const Slot& slot);

  const Settings settings_;
  mutable std::mutex mutex_;
  std::size_t total_ = 0;                                            // guarded by mutex_
  std::unordered_map<AddressKey, std::uint32_t, Hash> per_address_;  // guarded by mutex_; no zero counts
};

// What one connection holds, moved from the HTTP session to the WebSocket
// session at the upgrade: its TCP connection's place and, behind a trusted
// proxy, its forwarded client's.
struct ConnectionSlots {
  ConnectionLimits::Slot connection;
  ConnectionLimits::Slot forwarded;
  void release() {
    connection.release();
    forwarded.release();
  }
};

}  // namespace serendip::net
