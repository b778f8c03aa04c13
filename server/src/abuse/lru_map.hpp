// A string-keyed map with a hard size cap and least-recently-used eviction:
// the one container behind every per-key table in abuse/ (token buckets,
// per-device and per-IP windows, the watch list). Whatever keys an attacker
// invents, a table never holds more than `capacity` entries.
//
// Not thread-safe: the owner holds its own lock around it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace serendip::abuse {

template <class V>
class LruMap {
 public:
  explicit LruMap(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  ~LruMap() = default;
  LruMap(const LruMap&) = delete;
  LruMap& operator=(const LruMap&) = delete;

  // The value for `key` without changing its recency; nullptr when absent.
  V* find(std::string_view key) {
    auto it = index_.find(key);
    return it == index_.end() ? nullptr : &it->second->value;
  }
  const V* find(std::string_view key) const {
    auto it = index_.find(key);
    return it == index_.end() ? nullptr : &it->second->value;
  }

  // The value for `key`, created with `make()` when absent, and marked most
  // recently used. Creating past the cap evicts the least recently used entry
  // (never the one just created) and counts it in evictions().
  template <class Make>
  V& touch(std::string_view key, Make&& make, bool* created = nullptr) {
    if (auto it = index_.find(key); it != index_.end()) {
      order_.splice(order_.begin(), order_, it->second);
      if (created) *created = false;
      return it->second->value;
    }
    order_.push_front(Node{std::string(key), make()});
    key_bytes_ += heap_bytes(order_.front().key);
    index_.emplace(std::string_view(order_.front().key), order_.begin());
    if (created) *created = true;
    if (order_.size() > capacity_) {
      erase_node(std::prev(order_.end()));
      ++evictions_;
    }
    return order_.front().value;
  }
  V& touch(std::string_view key, bool* created = nullptr) {
    auto make = [] { return V{}; };
    return touch(key, make, created);
  }

  bool erase(std::string_view key) {
    auto it = index_.find(key);
    if (it == index_.end()) return false;
    erase_node(it->second);
    return true;
  }

  // Drops the least recently used entries while pred(key, value) holds for
  // them, at most `max` of them: the cheap, lazy half of expiry.
  template <class Pred>
  std::size_t pop_stale(Pred&& pred, std::size_t max) {
    std::size_t n = 0;
    while (n < max && !order_.empty()) {
      auto last = std::prev(order_.end());
      if (!pred(std::string_view(last->key), last->value)) break;
      erase_node(last);
      ++n;
    }
    return n;
  }

  // Drops every entry for which pred(key, value) holds: the periodic sweep.
  template <class Pred>
  std::size_t erase_if(Pred&& pred) {
    std::size_t n = 0;
    for (auto it = order_.begin(); it != order_.end();) {
      auto next = std::next(it);
      if (pred(std::string_view(it->key), it->value)) {
        erase_node(it);
        ++n;
      }
      it = next;
    }
    return n;
  }

  // Most recently used first.
  template <class F>
  void for_each(F&& f) const {
    for (const auto& node : order_) f(std::string_view(node.key), node.value);
  }

  void clear() {
    index_.clear();
    order_.clear();
    key_bytes_ = 0;
  }

  std::size_t size() const { return order_.size(); }
  std::size_t capacity() const { return capacity_; }
  std::uint64_t evictions() const { return evictions_; }

  // Approximate heap footprint: list node, index node and bucket slot per
  // entry, plus key characters that do not fit the small-string buffer. The
  // value's own heap memory (if any) is the caller's to add.
  std::size_t approx_bytes() const {
    constexpr std::size_t kListNode = sizeof(Node) + 2 * sizeof(void*);
    constexpr std::size_t kIndexNode =
        sizeof(std::string_view) + sizeof(typename List::iterator) + sizeof(void*) + sizeof(std::size_t);
    return order_.size() * (kListNode + kIndexNode + sizeof(void*)) + key_bytes_;
  }

 private:
  struct Node {
    std::string key;
    V value;
  };
  using List = std::list<Node>;

  static std::size_t heap_bytes(const std::string& s) {
    // Past the small-string buffer the characters live on the heap.
    return s.capacity() > std::string().capacity() ? s.capacity() + 1 : 0;
  }

  void erase_node(typename List::iterator it) {
    key_bytes_ -= heap_bytes(it->key);
    index_.erase(std::string_view(it->key));
    order_.erase(it);
  }

  std::size_t capacity_;
  List order_;  // most recently used first; owns the keys the index points into
  std::unordered_map<std::string_view, typename List::iterator> index_;
  std::size_t key_bytes_ = 0;
  std::uint64_t evictions_ = 0;
};

}  // namespace serendip::abuse
