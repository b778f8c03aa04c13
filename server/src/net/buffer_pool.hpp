// Buffers that cost nothing per message once warm.
//
// ReadBufferPool + LazyReadBuffer: a socket's read buffer is borrowed from its
// worker's pool at the first prepare() and handed back after the message is
// handled. Beast's websocket read prepares its first 1,536 bytes (its
// tcp_frame_size) when the read starts, before any byte arrives, so an idle
// socket with its read pending does hold one borrowed buffer (measured by
// bench/load; see docs/performance.md). Single-threaded: one pool per worker,
// used only on its thread.
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
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/flat_buffer.hpp>

namespace serendip::net {

// A read buffer holds one byte more than the largest message: a message that
// grows over the limit fragment by fragment must meet Beast's message limit
// (close 1009, sent to the client) before a full buffer (which fails the
// stream without a close frame, seen by the client as 1006). The extra byte
// is never filled: Beast stops the message at read_message_max.
inline constexpr std::size_t kReadHeadroom = 1;

class ReadBufferPool {
 public:
  explicit ReadBufferPool(std::size_t max_message_bytes, std::size_t max_pooled = 256)
      : max_message_bytes_(max_message_bytes), max_pooled_(max_pooled) {}

  std::unique_ptr<boost::beast::flat_buffer> acquire() {
    if (free_.empty()) return std::make_unique<boost::beast::flat_buffer>(max_message_bytes_);
    auto b = std::move(free_.back());
    free_.pop_back();
    return b;
  }
  void release(std::unique_ptr<boost::beast::flat_buffer> b) {
    b->clear();
    // Keep warm buffers, but not the rare huge one and not without bound.
    if (free_.size() < max_pooled_ && b->capacity() <= kKeepCapacity) free_.push_back(std::move(b));
  }
  std::size_t pooled() const { return free_.size(); }

 private:
  static constexpr std::size_t kKeepCapacity = 64 * 1024;  // bytes
  std::size_t max_message_bytes_;
  std::size_t max_pooled_;
  std::vector<std::unique_ptr<boost::beast::flat_buffer>> free_;
};

// A DynamicBuffer (v1) that borrows its storage lazily from a ReadBufferPool.
class LazyReadBuffer {
 public:
  using const_buffers_type = boost::asio::const_buffer;
  using mutable_buffers_type = boost::asio::mutable_buffer;

  explicit LazyReadBuffer(ReadBufferPool& pool, std::size_t max_size) : pool_(&pool), max_size_(max_size) {}
  ~LazyReadBuffer() { give_back(); }
  LazyReadBuffer(const LazyReadBuffer&) = delete;
  LazyReadBuffer& operator=(const LazyReadBuffer&) = delete;

  std::size_t size() const { return buf_ ? buf_->size() : 0; }
  std::size_t max_size() const { return max_size_; }
  std::size_t capacity() const { return buf_ ? buf_->capacity() : 0; }
  const_buffers_type data() const { return buf_ ? buf_->data() : const_buffers_type{}; }
  mutable_buffers_type data() { return buf_ ? buf_->data() : mutable_buffers_type{}; }
  const_buffers_type cdata() const { return data(); }
  mutable_buffers_type prepare(std::size_t n) {
    if (!buf_) buf_ = pool_->acquire();
    return buf_->prepare(n);
  }
  void commit(std::size_t n) {
    if (buf_) buf_->commit(n);
  }
  void consume(std::size_t n) {
    if (buf_) buf_->consume(n);
  }
  // Returns the storage to the pool; the next prepare() borrows again.
  void give_back() {
    if (buf_) pool_->release(std::move(buf_));
  }

 private:
  ReadBufferPool* pool_;  // Passed by argument; the worker's pool outlives its sockets.
  std::size_t max_size_;
  std::unique_ptr<boost::beast::flat_buffer> buf_;
};

class SendPool;
class WsSessionBase;

struct SendNode {
  std::string data;
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
