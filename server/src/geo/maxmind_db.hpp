// A country database in the MaxMind DB format, read with libmaxminddb (memory
// mapped, read-only; lookups are thread-safe). The country is read from
// `country.iso_code` (GeoLite2-Country, DB-IP), else `country_code`
// (ip-location-db), else `registered_country.iso_code`.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "geo/regions.hpp"

struct MMDB_s;

namespace serendip::geo {

class MaxmindCountryDb final : public CountryLookup {
 public:
  // The database at `path`, or why it cannot be used (missing, not a MaxMind DB).
  static std::variant<std::unique_ptr<MaxmindCountryDb>, std::string> open(const std::string& path);
  ~MaxmindCountryDb() override;
  MaxmindCountryDb(const MaxmindCountryDb&) = delete;
  MaxmindCountryDb& operator=(const MaxmindCountryDb&) = delete;

  // Looks up any parsable address (locatable or not: Regions filters first).
  std::optional<std::string> country(std::string_view ip) const override;
  // "GeoLite2-Country built 2026-06-17", for the startup log.
  std::string describe() const;

 private:
  MaxmindCountryDb();
  std::unique_ptr<MMDB_s> db_;
};

}  // namespace serendip::geo
