#include "core/region_map.hpp"

#include <cstddef>
#include <utility>

namespace serendip::core {
namespace {

// Countries by region: each where the IANA area of its main time zone is
// (tzdata's zone.tab), so the address and the browser's hint agree; the
// countries of the Atlantic, Indian, Pacific and Arctic areas by UN M49.
// Antarctica (AQ) has no region. XK (Kosovo) is user-assigned but in use.
struct RegionCountries {
  std::string_view region;
  std::string_view countries;  // space-separated ISO 3166-1 alpha-2 codes
};
constexpr RegionCountries kCountries[] = {
    {"Africa",
     "AO BF BI BJ BW CD CF CG CI CM CV DJ DZ EG EH ER ET GA GH GM GN GQ GW IO KE KM LR LS LY MA MG ML MR MU MW MZ "
     "NA NE NG RE RW SC SD SH SL SN SO SS ST SZ TD TF TG TN TZ UG YT ZA ZM ZW"},
    {"Americas",
     "AG AI AR AW BB BL BM BO BQ BR BS BV BZ CA CL CO CR CU CW DM DO EC FK GD GF GL GP GS GT GY HN HT JM KN KY LC "
     "MF MQ MS MX NI PA PE PM PR PY SR SV SX TC TT US UY VC VE VG VI"},
    {"Asia",
     "AE AF AM AZ BD BH BN BT CN CY GE HK ID IL IN IQ IR JO JP KG KH KP KR KW KZ LA LB LK MM MN MO MV MY NP OM PH "
     "PK PS QA SA SG SY TH TJ TL TM TW UZ VN YE"},
    {"Europe",
     "AD AL AT AX BA BE BG BY CH CZ DE DK EE ES FI FO FR GB GG GI GR HR HU IE IM IS IT JE LI LT LU LV MC MD ME MK "
     "MT NL NO PL PT RO RS RU SE SI SJ SK SM TR UA VA XK"},
    {"Oceania", "AS AU CC CK CX FJ FM GU HM KI MH MP NC NF NR NU NZ PF PG PN PW SB TK TO TV UM VU WF WS"},
};

// Time-zone areas (the part of an IANA name before the first '/'). Atlantic,
// Indian, Antarctica and Etc span several regions or none: no region.
constexpr std::pair<std::string_view, std::string_view> kAreas[] = {
    {"Africa", "Africa"},     {"America", "Americas"}, {"Arctic", "Europe"},   {"Asia", "Asia"},
    {"Australia", "Oceania"}, {"Europe", "Europe"},    {"Pacific", "Oceania"},
};

constexpr std::size_t kMaxRegionChars = 32;
constexpr std::size_t kMaxAreaChars = 32;

char upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (upper(a[i]) != upper(b[i])) return false;
  }
  return true;
}

bool letter(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool valid_area(std::string_view area) {
  if (area.empty() || area.size() > kMaxAreaChars) return false;
  for (char c : area) {
    if (!letter(c) && c != '_' && c != '-') return false;
  }
  return true;
}

}  // namespace

bool RegionMap::valid_region_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxRegionChars) return false;
  for (char c : name) {
    if (!letter(c) && !(c >= '0' && c <= '9') && c != '_' && c != '-') return false;
  }
  return true;
}

RegionMap RegionMap::defaults() {
  RegionMap m;
  for (const auto& [region, list] : kCountries) {
    for (std::size_t at = 0; at + 2 <= list.size(); at += 3) m.countries_.emplace(list.substr(at, 2), region);
  }
  for (const auto& [area, region] : kAreas) m.areas_.emplace(area, region);
  m.index_names();
  return m;
}

void RegionMap::index_names() {
  names_.clear();
  auto add = [this](const std::string& r) {
    for (const auto& n : names_) {
      if (n == r) return;
    }
    names_.push_back(r);
  };
  for (const auto& [code, r] : countries_) add(r);
  for (const auto& [area, r] : areas_) add(r);
}

std::variant<RegionMap, std::string> RegionMap::with_overrides(std::string_view spec) {
  RegionMap m = defaults();
  while (!spec.empty()) {
    const auto comma = spec.find(',');
    const std::string_view entry = trim(spec.substr(0, comma));
    spec = comma == std::string_view::npos ? std::string_view{} : spec.substr(comma + 1);
    if (entry.empty()) continue;
    const auto eq = entry.find('=');
    if (eq == std::string_view::npos) return "entry '" + std::string(entry) + "' is not KEY=Region";
    const std::string_view key = trim(entry.substr(0, eq));
    const std::string_view region = trim(entry.substr(eq + 1));
    if (!region.empty() && !valid_region_name(region)) {
      return "entry '" + std::string(entry) + "': a region is 1 to 32 characters of A-Z, a-z, 0-9, '_' and '-'";
    }
    if (key.starts_with("tz:")) {
      const std::string_view area = key.substr(3);
      if (!valid_area(area)) return "entry '" + std::string(entry) + "': tz: takes a time-zone area such as America";
      if (region.empty()) {
        m.areas_.erase(std::string(area));
      } else {
        m.areas_.insert_or_assign(std::string(area), std::string(region));
      }
      continue;
    }
    if (key.size() != 2 || !letter(key[0]) || !letter(key[1])) {
      return "entry '" + std::string(entry) + "': the key is a two-letter country code or tz:<area>";
    }
    const std::string code{upper(key[0]), upper(key[1])};
    if (region.empty()) {
      m.countries_.erase(code);
    } else {
      m.countries_.insert_or_assign(code, std::string(region));
    }
  }
  m.index_names();
  return m;
}

std::string_view RegionMap::for_country(std::string_view country_code) const {
  if (country_code.size() != 2) return {};
  const std::string code{upper(country_code[0]), upper(country_code[1])};
  const auto it = countries_.find(code);
  return it == countries_.end() ? std::string_view{} : std::string_view(it->second);
}

std::string_view RegionMap::for_time_zone_area(std::string_view area) const {
  const auto it = areas_.find(area);
  return it == areas_.end() ? std::string_view{} : std::string_view(it->second);
}

std::string_view RegionMap::canonical(std::string_view region) const {
  for (const auto& n : names_) {
    if (equal_ignoring_case(n, region)) return n;
  }
  return {};
}

std::string choose_region(const RegionMap& map, std::string_view from_address, std::string_view client_region,
                          std::string_view time_zone_area) {
  if (!from_address.empty()) return std::string(from_address);
  if (!client_region.empty()) {
    const std::string_view known = map.canonical(client_region);
    return std::string(known.empty() ? client_region : known);
  }
  return std::string(map.for_time_zone_area(time_zone_area));
}

}  // namespace serendip::core
