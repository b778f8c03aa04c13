#include "geo/maxmind_db.hpp"

#include <arpa/inet.h>
#include <maxminddb.h>
#include <netinet/in.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <system_error>

namespace serendip::geo {
namespace {

// The first of these paths that holds a two-letter string is the country.
std::optional<std::string> iso_code(MMDB_entry_s& entry) {
  static const char* const kPaths[][3] = {{"country", "iso_code", nullptr},
                                          {"country_code", nullptr, nullptr},
                                          {"registered_country", "iso_code", nullptr}};
  for (const auto& path : kPaths) {
    MMDB_entry_data_s data{};
    if (MMDB_aget_value(&entry, &data, path) != MMDB_SUCCESS || !data.has_data) continue;
    if (data.type != MMDB_DATA_TYPE_UTF8_STRING || data.data_size != 2) continue;
    std::string code(data.utf8_string, 2);
    for (char& c : code) {
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    if (code[0] < 'A' || code[0] > 'Z' || code[1] < 'A' || code[1] > 'Z') continue;
    return code;
  }
  return std::nullopt;
}

}  // namespace

MaxmindCountryDb::MaxmindCountryDb() = default;

MaxmindCountryDb::~MaxmindCountryDb() { MMDB_close(db_.get()); }

std::variant<std::unique_ptr<MaxmindCountryDb>, std::string> MaxmindCountryDb::open(const std::string& path) {
  auto mmdb = std::make_unique<MMDB_s>();
  errno = 0;
  const int status = MMDB_open(path.c_str(), MMDB_MODE_MMAP, mmdb.get());
  const int err = errno;
  if (status != MMDB_SUCCESS) {
    // MMDB_open freed what it had allocated: nothing to close.
    std::string why = MMDB_strerror(status);
    const bool io = status == MMDB_FILE_OPEN_ERROR || status == MMDB_IO_ERROR;
    if (io && err != 0) why += ": " + std::error_code(err, std::generic_category()).message();
    return why;
  }
  std::unique_ptr<MaxmindCountryDb> db(new MaxmindCountryDb());
  db->db_ = std::move(mmdb);
  return db;
}

std::optional<std::string> MaxmindCountryDb::country(std::string_view ip) const {
  std::string text(ip);
  if (text.size() > 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
  sockaddr_in v4{};
  sockaddr_in6 v6{};
  const sockaddr* addr = nullptr;
  if (inet_pton(AF_INET, text.c_str(), &v4.sin_addr) == 1) {
    v4.sin_family = AF_INET;
    addr = reinterpret_cast<const sockaddr*>(&v4);
  } else if (inet_pton(AF_INET6, text.c_str(), &v6.sin6_addr) == 1) {
    if (IN6_IS_ADDR_V4MAPPED(&v6.sin6_addr)) {
      v4.sin_family = AF_INET;
      std::memcpy(&v4.sin_addr, v6.sin6_addr.s6_addr + 12, 4);
      addr = reinterpret_cast<const sockaddr*>(&v4);
    } else {
      v6.sin6_family = AF_INET6;
      addr = reinterpret_cast<const sockaddr*>(&v6);
    }
  } else {
    return std::nullopt;
  }
  int error = MMDB_SUCCESS;
  MMDB_lookup_result_s result = MMDB_lookup_sockaddr(db_.get(), addr, &error);
  if (error != MMDB_SUCCESS || !result.found_entry) return std::nullopt;
  return iso_code(result.entry);
}

std::string MaxmindCountryDb::describe() const {
  std::string out = db_->metadata.database_type != nullptr ? db_->metadata.database_type : "unknown";
  const std::time_t built = static_cast<std::time_t>(db_->metadata.build_epoch);
  std::tm tm{};
  char date[16] = "?";
  if (gmtime_r(&built, &tm) != nullptr) std::strftime(date, sizeof date, "%Y-%m-%d", &tm);
  return out + " built " + date;
}

}  // namespace serendip::geo
