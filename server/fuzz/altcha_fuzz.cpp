// The CAPTCHA (ALTCHA) solution payload a client submits: base64 of a JSON
// object, or the object itself. Nothing the fuzzer makes may verify.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "abuse/altcha.hpp"
#include "core/clock.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static serendip::core::ManualClock clock;
  static serendip::abuse::Altcha altcha("fuzz-altcha-key-0123456789abcdef", clock);
  const std::string_view payload(reinterpret_cast<const char*>(data), size);
  if (altcha.verify(payload) == serendip::abuse::AltchaStatus::ok) __builtin_trap();
  return 0;
}
