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

// Reads "<kind><decimal>\r\n" at `at`; moves `at` past it.
std::optional<std::size_t> read_count(std::string_view wire, std::size_t& at, char kind) {
  if (at >= wire.size() || wire[at] != kind) return std::nullopt;
  std::size_t n = 0;
  const char* begin = wire.data() + at + 1;
  const char* end = wire.data() + wire.size();
  auto [p, ec] = std::from_chars(begin, end, n);
  if (ec != std::errc() || p == begin || end - p < 2 || p[0] != '\r' || p[1] != '\n') return std::nullopt;
  at = static_cast<std::size_t>(p + 2 - wire.data());
  return n;
}

}  // namespace

std::string format_command(std::span<const std::string_view> args) { return format_argv(args.size(), args.data()); }

std::optional<std::string> replace_head(std::string_view wire, std::string_view first, std::string_view second) {
  std::size_t at = 0;
  auto argc = read_count(wire, at, '*');
  if (!argc || *argc < 2) return std::nullopt;
  const std::size_t header_end = at;
  for (int i = 0; i < 2; ++i) {
    auto len = read_count(wire, at, '$');
    if (!len || wire.size() - at < *len + 2) return std::nullopt;
    at += *len + 2;
  }
  std::string out;
  out.reserve(wire.size() - at + header_end + first.size() + second.size() + 32);
  out.append(wire.substr(0, header_end));
  for (std::string_view arg : {first, second}) {
    append_count(out, '$', arg.size());
    out += arg;
    out += "\r\n";
  }
  out.append(wire.substr(at));
  return out;
}

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
