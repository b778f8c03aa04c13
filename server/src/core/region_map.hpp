// Regions: the coarse areas the matchmaker prefers to pair within
// (docs/regions.md). A person's region comes, in this order, from the country of their
// address (looked up by geo::Regions), from the `region` their client named, or
// from the area of their browser's time zone ("Europe" of "Europe/Berlin").
//
// RegionMap holds the two tables behind that: ISO 3166-1 alpha-2 country ->
// region and IANA time-zone area -> region. The default is continent-level:
// Africa, Americas, Asia, Europe, Oceania (a country goes where the area of its
// main time zone goes; the island areas Atlantic, Indian and Pacific by UN M49).
// Operators override single entries ("region-map": "US=North_America,...").
//
// Pure and immutable after construction: shared by every connection's thread.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace serendip::core {

class RegionMap {
 public:
  // The built-in continent-level table.
  static RegionMap defaults();
  // The defaults with `spec` applied: comma-separated entries `CC=Region` (a
  // country code, two letters) or `tz:Area=Region` (a time-zone area such as
  // `America`); an empty Region removes the entry. Regions are 1 to 32
  // characters of [A-Za-z0-9_-]. The error text names the first bad entry.
  static std::variant<RegionMap, std::string> with_overrides(std::string_view spec);

  // "" when the country (any case) or area (exact IANA spelling) is not mapped.
  std::string_view for_country(std::string_view country_code) const;
  std::string_view for_time_zone_area(std::string_view area) const;
  // The table's own spelling of a region named in any case ("EUROPE" ->
  // "Europe"), or "" when no entry maps to it.
  std::string_view canonical(std::string_view region) const;

  // Whether `name` may be a region: 1 to 32 characters of [A-Za-z0-9_-].
  static bool valid_region_name(std::string_view name);

  const std::map<std::string, std::string, std::less<>>& countries() const { return countries_; }
  const std::map<std::string, std::string, std::less<>>& time_zone_areas() const { return areas_; }
  // The distinct regions of both tables, in first-seen order.
  const std::vector<std::string>& regions() const { return names_; }

 private:
  void index_names();

  std::map<std::string, std::string, std::less<>> countries_;  // "DE" -> "Europe"
  std::map<std::string, std::string, std::less<>> areas_;      // "Europe" -> "Europe"
  std::vector<std::string> names_;                             // a handful: scanned per join
};

// The region a joiner is matched in. The one derived from the address always
// wins; then the client's own `region` (spelled as the table does when it names
// a region of the table); then its time-zone area; "" = no region.
std::string choose_region(const RegionMap& map, std::string_view from_address, std::string_view client_region,
                          std::string_view time_zone_area);

}  // namespace serendip::core
