// Buffers that cost nothing per message once warm.
//
// ReadBufferPool: a socket's read buffer is borrowed from its worker's pool
// when bytes arrive (WsSession waits for readability without one) and handed
// back once the frames in it are handled, so an idle socket holds none.
// Single-threaded: one pool per worker, used only on its thread.
//
// SendPool: frames queued for writing live in SendNodes. A node is taken on
// the thread that fills it and may be released on another (a relay copies the
// sender's frame into a node that the receiver's thread writes and frees), so
// releases from foreign threads go to a lock-free return stack that the owner
// drains in one exchange. No mutex on the relay path.
#pragma once

#include <atomic>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace serendip::net {

// A socket's read buffer: raw bytes, borrowed from its worker's pool when
// bytes arrive and handed back once every complete frame in it is handled, so
// an idle socket holds none (WsSession waits for readability with no buffer).
struct ReadBuffer {
  std::unique_ptr<char[]> bytes;
  std::size_t capacity = 0;
  explicit operator bool() const { return capacity != 0; }
};

class ReadBufferPool {
 public:
  // Buffers are made `default_capacity` bytes (or larger when asked for more),
  // up to the largest frame WsSession accepts.
  explicit ReadBufferPool(std::size_t default_capacity, std::size_t max_pooled = 256)
      : default_capacity_(default_capacity < kKeepCapacity ? default_capacity : kKeepCapacity),
        max_pooled_(max_pooled) {}

  ReadBuffer acquire(std::size_t min_capacity = 0) {
    if (min_capacity <= default_capacity_ && !free_.empty()) {
      ReadBuffer b = std::move(free_.back());
      free_.pop_back();
      return b;
    }
    const std::size_t n = min_capacity > default_capacity_ ? min_capacity : default_capacity_;
    return ReadBuffer{std::make_unique_for_overwrite<char[]>(n), n};
  }
  // Takes `b`'s storage back and leaves `b` empty. Keeps warm buffers of the
  // usual size, not the rare huge one, not without bound.
  void give_back(ReadBuffer& b) {
    ReadBuffer taken = std::exchange(b, ReadBuffer{});
    if (taken && taken.capacity == default_capacity_ && free_.size() < max_pooled_) free_.push_back(std::move(taken));
  }
  std::size_t pooled() const { return free_.size(); }

 private:
  static constexpr std::size_t kKeepCapacity = 64 * 1024;  // bytes
  std::size_t default_capacity_;
  std::size_t max_pooled_;
  std::vector<ReadBuffer> free_;
};

class SendPool;
class WsSessionBase;

struct SendNode {
  std::string data;  // the frame's payload (or, for kRawOpcode, bytes written as they are)
  static constexpr std::uint8_t kRawOpcode = 0xFF;  // no WebSocket header: the upgrade's 101
  std::uint8_t opcode = 0x1;                        // text, unless a control frame
  std::uint8_t header_bytes = 0;                    // of `header`, set when queued
  std::uint8_t header[10] = {};
  SendNode* next = nullptr;  // link in a send queue, the free list, the return stack or a relay inbox
  SendPool* owner = nullptr;
  // While in another worker's relay inbox (Worker::post_relay): who receives it.
  std::shared_ptr<WsSessionBase> target;
  std::uint64_t serial = 0;
};

class SendPool {
 public:
  SendPool() = default;
  ~SendPool() {
    drain_returned();
    for (SendNode* n : free_) delete n;
  }
  SendPool(const SendPool&) = delete;
  SendPool& operator=(const SendPool&) = delete;

  // Owner thread only.
  void bind_to_current_thread() { owner_thread_ = std::this_thread::get_id(); }

  // Owner thread only.
  SendNode* acquire() {
    if (free_.empty()) drain_returned();
    if (free_.empty()) {
      auto* n = new SendNode;
      n->owner = this;
      return n;
    }
    SendNode* n = free_.back();
    free_.pop_back();
    return n;
  }

  // Any thread.
  static void release(SendNode* n) {
    n->next = nullptr;
    n->target.reset();
    SendPool* p = n->owner;
    if (n->data.capacity() > kKeepCapacity) std::string().swap(n->data);
    n->data.clear();
    n->opcode = 0x1;
    n->header_bytes = 0;
    if (std::this_thread::get_id() == p->owner_thread_) {
      if (p->free_.size() < kMaxFree) {
        p->free_.push_back(n);
      } else {
        delete n;
      }
      return;
    }
    SendNode* head = p->returned_.load(std::memory_order_relaxed);
    do {
      n->next = head;
    } while (!p->returned_.compare_exchange_weak(head, n, std::memory_order_release, std::memory_order_relaxed));
  }

 private:
  static constexpr std::size_t kKeepCapacity = 64 * 1024;  // bytes
  static constexpr std::size_t kMaxFree = 4096;

  void drain_returned() {
    SendNode* n = returned_.exchange(nullptr, std::memory_order_acquire);
    while (n) {
      SendNode* next = n->next;
      n->next = nullptr;
      if (free_.size() < kMaxFree) {
        free_.push_back(n);
      } else {
        delete n;
      }
      n = next;
    }
  }

  std::thread::id owner_thread_;
  std::vector<SendNode*> free_;               // owner thread only
  std::atomic<SendNode*> returned_{nullptr};  // released by other threads
};

// FIFO of SendNodes linked through SendNode::next. No allocation.
class SendQueue {
 public:
  bool empty() const { return head_ == nullptr; }
  SendNode* front() const { return head_; }
  std::size_t bytes() const { return bytes_; }
  std::size_t size() const { return count_; }
  void push(SendNode* n) {
    n->next = nullptr;
    if (tail_) {
      tail_->next = n;
    } else {
      head_ = n;
    }
    tail_ = n;
    bytes_ += n->data.size();
    ++count_;
  }
  SendNode* pop() {
    SendNode* n = head_;
    if (!n) return nullptr;
    head_ = n->next;
    if (!head_) tail_ = nullptr;
    bytes_ -= n->data.size();
    --count_;
    n->next = nullptr;
    return n;
  }
  void clear() {
    while (SendNode* n = pop()) SendPool::release(n);
  }

 private:
  SendNode* head_ = nullptr;
  SendNode* tail_ = nullptr;
  std::size_t bytes_ = 0;
  std::size_t count_ = 0;
};

}  // namespace serendip::net
