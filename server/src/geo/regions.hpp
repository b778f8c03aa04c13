// The region of a client, from its address: a country database (MaxMind DB
// format: GeoLite2-Country, DB-IP, ip-location-db) gives the country, the
// RegionMap the region. The country is never kept nor logged: callers only
// ever see the coarse region ("Europe"). Addresses that cannot be located
// (private, loopback, link-local, CGNAT, multicast, unparsable) are not looked
// up at all: some free databases answer a country even for 192.168.x.x.
//
// Thread-safe after construction: one instance serves every connection.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/region_map.hpp"

namespace serendip::geo {

// Country of a public address, as an uppercase ISO 3166-1 alpha-2 code.
class CountryLookup {
 public:
  virtual ~CountryLookup() = default;
  virtual std::optional<std::string> country(std::string_view ip) const = 0;
};

// Whether `ip` (IPv4, IPv6, IPv4-mapped IPv6, optionally in brackets) is a
// public unicast address that a country database can know.
bool locatable_address(std::string_view ip);

class Regions {
 public:
  // `countries` may be null (no database): then no address has a region.
  Regions(core::RegionMap map, std::unique_ptr<const CountryLookup> countries)
      : map_(std::move(map)), countries_(std::move(countries)) {}

  // The region of the address, or "" (no database, not locatable, unknown
  // country, or a country the map leaves without region).
  std::string region_of_address(std::string_view ip) const;
  // The region a joiner is matched in (core::choose_region over this map).
  std::string choose(std::string_view from_address, std::string_view client_region,
                     std::string_view time_zone_area) const {
    return core::choose_region(map_, from_address, client_region, time_zone_area);
  }
  bool has_database() const { return countries_ != nullptr; }
  const core::RegionMap& map() const { return map_; }

 private:
  const core::RegionMap map_;
  const std::unique_ptr<const CountryLookup> countries_;  // Owned; null = no database.
};

}  // namespace serendip::geo
