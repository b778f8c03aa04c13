// WaitingIndex: who is waiting, by (mode, language), oldest first.
//
// A queued participant appears once in the bucket of each of its languages, so
// a joiner only looks at people it shares a language with. Entries are ordered
// by queue sequence number (smaller = enqueued earlier), which makes "longest
// waiting first" a forward walk and lets a participant who re-joins while
// queued go back in at its old position.
//
// Nodes come from one pool owned by the index, so the enqueue/match churn
// recycles memory instead of going to the global allocator every time.
//
// An entry also carries what the matcher filters on first (region key, enqueue
// time) and a pointer to the owner's record, so scanning a bucket does not look
// each candidate up by id: the scan is the hot loop of matching.
#pragma once

#include <array>
#include <cstdint>
#include <memory_resource>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/matchmaker.hpp"

namespace serendip::core {

struct ParticipantRecord;  // the matchmaker's; opaque here

class WaitingIndex {
 public:
  struct Entry {
    std::uint64_t seq;  // queue position: unique, grows with enqueue time; the set key
    ParticipantId id;
    ParticipantRecord* record;  // owned by the matchmaker; valid while the entry exists
    std::uint64_t region_key;   // 0 = no region preference, else a hash of the region
    std::int64_t enqueued_ms;   // milliseconds, Clock::now_ms
  };
  struct BySeq {
    bool operator()(const Entry& a, const Entry& b) const { return a.seq < b.seq; }
  };
  using Bucket = std::pmr::set<Entry, BySeq>;

  WaitingIndex() = default;
  ~WaitingIndex() = default;
  WaitingIndex(const WaitingIndex&) = delete;
  WaitingIndex& operator=(const WaitingIndex&) = delete;

  void add(Mode mode, const std::vector<std::string>& languages, const Entry& e);
  // `languages` must be the ones given to add() for this entry; only e.seq is used.
  void remove(Mode mode, const std::vector<std::string>& languages, const Entry& e);

  // nullptr when nobody has ever waited for this (mode, language).
  const Bucket* find(Mode mode, std::string_view language) const;

  // Non-empty buckets, sorted by (mode, language).
  std::vector<std::pair<std::pair<Mode, std::string>, std::size_t>> sizes() const;

 private:
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  using Buckets = std::unordered_map<std::string, Bucket, StringHash, std::equal_to<>>;

  Bucket& bucket(Mode mode, const std::string& language);

  // Declared before the buckets: they allocate from it, so it must outlive them.
  std::pmr::unsynchronized_pool_resource pool_;
  // Indexed by Mode. Empty buckets are kept: languages are short validated tags,
  // so there are few of them, and keeping them avoids re-creating one per match.
  std::array<Buckets, 2> by_mode_;
};

}  // namespace serendip::core
