// Redis Cluster key slots: CRC16 (XMODEM: polynomial 0x1021, initial value 0)
// of the key, or of its hash tag, modulo 16384. The hash tag is the part
// between the first '{' and the first '}' after it, used only when non-empty,
// so "{user1000}.following" and "{user1000}.followers" land on one slot.
#pragma once

#include <cstdint>
#include <string_view>

namespace serendip::redis {

inline constexpr int kSlotCount = 16384;

std::uint16_t crc16(std::string_view data);
// The part of `key` that is hashed (the hash tag, or the whole key).
std::string_view hash_tag(std::string_view key);
int key_slot(std::string_view key);  // 0..16383

}  // namespace serendip::redis
