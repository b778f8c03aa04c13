#include "redis/resp.hpp"

#include <hiredis/hiredis.h>

#include <cstdlib>
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

std::string format_argv(std::size_t argc, const std::string_view* args) {
  // redisFormatCommandArgv wants parallel arrays of pointers and lengths.
  std::vector<const char*> argv(argc);
  std::vector<std::size_t> lens(argc);
  for (std::size_t i = 0; i < argc; ++i) {
    argv[i] = args[i].data();
    lens[i] = args[i].size();
  }
  char* out = nullptr;
  int n = redisFormatCommandArgv(&out, static_cast<int>(argc), argv.data(), lens.data());
  if (n < 0) throw std::bad_alloc();  // its only failure is an allocation failure
  std::string wire(out, static_cast<std::size_t>(n));
  std::free(out);
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
