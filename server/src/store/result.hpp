// The outcome of a storage call: a value, or an Error saying whether the
// caller did something the data forbids (conflict, not_found, invalid) or the
// database failed (unavailable, internal). Driver error codes stay inside
// store/; callers translate an Error at their boundary (moderation/ maps it to
// core::ErrorCode). `message` is for the log, never for a client.
#pragma once

#include <cstdint>
#include <string>

#include <boost/system/result.hpp>

namespace serendip::store {

enum class ErrorKind : std::uint8_t {
  conflict,     // a uniqueness rule would be broken (duplicate report, second open appeal, ...)
  not_found,    // no row with that key
  invalid,      // a value the schema refuses (bad cursor, ...)
  unavailable,  // the database could not be reached or the statement failed
  internal,     // a bug or a corrupt row
};

struct Error {
  ErrorKind kind = ErrorKind::internal;
  std::string message;
};

template <class T>
using Result = boost::system::result<T, Error>;

// result::value() on an error throws this (found by ADL from boost::system::result).
[[noreturn]] void throw_exception_from_error(const Error& e, const boost::source_location& loc);

}  // namespace serendip::store
