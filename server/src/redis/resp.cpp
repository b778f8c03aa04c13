#include "redis/resp.hpp"

#include <hiredis/hiredis.h>

#include <charconv>
#include <cstdlib>
#include <iterator>
#include <new>
#include <vector>

namespace serendip::redis {
namespace {

Reply convert(const redisReply* r) {
  switch (r->type) {
    case REDIS_REPLY_STATUS: return Reply::status(std::string(r->str, r->len));
    case REDIS_REPLY_ERROR: return Reply::error(std::string(r->str, r->len));
    case REDIS_REPLY_INTEGER: return Reply::integer(r->integer);
    case REDIS_REPLY_STRING: return Reply::string(std::string(r->str, r->len));
    case REDIS_REPLY_ARRAY: {
      std::vector<Reply> elements;
      elements.reserve(r->elements);
      for (std::size_t i = 0; i < r->elements; ++i) elements.push_back(convert(r->element[i]));
      return Reply::array(std::move(elements));
    }
    default: return Reply::nil();
  }
}

// "*<argc>\r\n" then "$<len>\r\n<arg>\r\n" per argument, into one string
// sized up front (hiredis' formatter takes two arrays, sprintf and a copy).
void append_count(std::string& out, char kind, std::size_t n) {
  char digits[24];
  auto [end, ec] = std::to_chars(std::begin(digits), std::end(digits), n);
  (void)ec;  // 24 digits hold any size_t
  out += kind;
  out.append(digits, end);
  out += "\r\n";
}

std::size_t decimal_width(std::size_t n) {
  std::size_t w = 1;
  while (n >= 10) {
    n /= 10;
    ++w;
  }
  return w;
}

std::string format_argv(std::size_t argc, const std::string_view* args) {
  std::size_t size = 3 + decimal_width(argc);
  for (std::size_t i = 0; i < argc; ++i) size += 5 + decimal_width(args[i].size()) + args[i].size();
  std::string wire;
  wire.reserve(size);
  append_count(wire, '*', argc);
  for (std::size_t i = 0; i < argc; ++i) {
    append_count(wire, '$', args[i].size());
    wire += args[i];
    wire += "\r\n";
  }
  return wire;
}

}  // namespace

std::string format_command(std::span<const std::string_view> args) { return format_argv(args.size(), args.data()); }

std::string format_command(std::initializer_list<std::string_view> args) {
  return format_argv(args.size(), args.begin());
}

void ReplyReader::Free::operator()(redisReader* r) const { redisReaderFree(r); }

ReplyReader::ReplyReader() : reader_(redisReaderCreate()) {
  if (!reader_) throw std::bad_alloc();
}

ReplyReader::~ReplyReader() = default;

void ReplyReader::feed(std::string_view bytes) {
  if (!error_.empty()) return;
  if (redisReaderFeed(reader_.get(), bytes.data(), bytes.size()) != REDIS_OK) {
    error_ = reader_->errstr[0] ? reader_->errstr : "redisReaderFeed failed";
  }
}

std::optional<Reply> ReplyReader::next() {
  if (!error_.empty()) return std::nullopt;
  void* raw = nullptr;
  if (redisReaderGetReply(reader_.get(), &raw) != REDIS_OK) {
    error_ = reader_->errstr[0] ? reader_->errstr : "protocol error";
    return std::nullopt;
  }
  if (!raw) return std::nullopt;
  auto* r = static_cast<redisReply*>(raw);
  Reply out = convert(r);
  freeReplyObject(r);
  return out;
}

}  // namespace serendip::redis
