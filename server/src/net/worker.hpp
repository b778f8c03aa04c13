// One I/O thread: a single-threaded io_context that owns its connections, plus
// the per-thread state they share without locks (JSON decoder, buffer pools)
// and one coarse periodic sweep that enforces the hello deadline, heartbeats
// and idle timeouts from last-activity stamps (instead of a timer per socket).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <thread>
#include <vector>

#include "net/asio_types.hpp"
#include "net/buffer_pool.hpp"
#include "net/context.hpp"

namespace serendip::net {

class WsSessionBase;

// Memory for a handler of which at most one is outstanding at a time (the
// relay inbox's drain): a fixed block, so posting it allocates nothing. A
// second concurrent use, or a handler too big for the block, goes to the heap.
class HandlerSlot {
 public:
  void* allocate(std::size_t n) {
    if (n <= sizeof(block_) && !used_.exchange(true, std::memory_order_acquire)) return block_;
    return ::operator new(n);
  }
  void deallocate(void* p, std::size_t /*n*/) noexcept {
    if (p == block_) {
      used_.store(false, std::memory_order_release);
    } else {
      ::operator delete(p);
    }
  }

 private:
  alignas(std::max_align_t) unsigned char block_[256]{};
  std::atomic<bool> used_{false};
};

// Memory for the handlers of one worker's socket reads and writes (and every
// operation Beast and Asio nest inside them): free lists by size class, kept
// by the worker, used only on its thread. Asio's own per-thread cache holds a
// few blocks and drops those of the wrong size, so with hundreds of sockets per
// thread it missed on a good share of messages; this one keeps what it freed.
// Blocks over kMaxBlock go to the heap; each class keeps at most kMaxFree.
class HandlerArena {
 public:
  // Free-list capacity up front, so deallocate never allocates (and never throws).
  HandlerArena() {
    for (auto& list : free_) list.reserve(kMaxFree);
  }
  HandlerArena(const HandlerArena&) = delete;
  HandlerArena& operator=(const HandlerArena&) = delete;
  ~HandlerArena() {
    for (auto& list : free_) {
      for (void* p : list) ::operator delete (p, std::align_val_t{kAlign});
    }
  }

  void* allocate(std::size_t n) {
    if (n > kMaxBlock) return ::operator new (n, std::align_val_t{kAlign});
    auto& list = free_[class_of(n)];
    if (!list.empty()) {
      void* p = list.back();
      list.pop_back();
      return p;
    }
    return ::operator new ((class_of(n) + 1) * kGranule, std::align_val_t{kAlign});
  }
  void deallocate(void* p, std::size_t n) noexcept {
    if (n <= kMaxBlock) {
      auto& list = free_[class_of(n)];
      if (list.size() < kMaxFree) {
        list.push_back(p);
        return;
      }
    }
    ::operator delete (p, std::align_val_t{kAlign});
  }

 private:
  static constexpr std::size_t kGranule = 64;
  static constexpr std::size_t kMaxBlock = 2048;
  static constexpr std::size_t kMaxFree = 1024;
  static constexpr std::size_t kAlign = alignof(std::max_align_t);
  static std::size_t class_of(std::size_t n) { return n == 0 ? 0 : (n - 1) / kGranule; }
  std::vector<void*> free_[kMaxBlock / kGranule];
};

// The allocator Asio gets for handlers bound to a HandlerSlot or a
// HandlerArena (any `Source` with allocate(n) and deallocate(p, n)).
template <class Source, class T = void>
struct SourceAllocator {
  using value_type = T;
  Source* source;
  explicit SourceAllocator(Source* s) noexcept : source(s) {}
  template <class U>
  SourceAllocator(const SourceAllocator<Source, U>& other) noexcept : source(other.source) {}
  template <class U>
  struct rebind {
    using other = SourceAllocator<Source, U>;
  };
  T* allocate(std::size_t n) { return static_cast<T*>(source->allocate(sizeof(T) * n)); }
  void deallocate(T* p, std::size_t n) noexcept { source->deallocate(p, sizeof(T) * n); }
  template <class U>
  bool operator==(const SourceAllocator<Source, U>& other) const noexcept {
    return source == other.source;
  }
  template <class U>
  bool operator!=(const SourceAllocator<Source, U>& other) const noexcept {
    return source != other.source;
  }
};

class Worker {
 public:
  Worker(std::size_t index, Context& ctx);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  std::size_t index() const { return index_; }
  asio::io_context& io() { return *io_; }
  Executor executor() { return io_->get_executor(); }
  protocol::Decoder& decoder() { return decoder_; }
  ReadBufferPool& read_pool() { return read_pool_; }
  SendPool& send_pool() { return send_pool_; }
  // Owner thread only: the allocator for socket read and write handlers.
  SourceAllocator<HandlerArena> handler_allocator() { return SourceAllocator<HandlerArena>(&arena_); }
  Context& context() { return ctx_; }

  void start();       // spawns the thread
  void join();        // waits for the thread after io().stop() or run-out
  void destroy_io();  // destroys the io_context and every handler it still holds

  // Owner thread only.
  void add(WsSessionBase* s);
  void remove(WsSessionBase* s);

  // Any thread: hands a relayed frame to `target`, a session of this worker.
  // Frames from other workers wait in one lock-free inbox (a Treiber stack),
  // and one handler at a time, posted when the inbox stops being empty and
  // living in a fixed HandlerSlot, delivers them in order. So relaying across
  // workers costs no allocation, and one wake-up per batch.
  void post_relay(std::shared_ptr<WsSessionBase> target, std::uint64_t serial, SendNode* node);
  // Deferred writes: a session's queued frames go out in one write once the
  // handlers running now are done. Inside a Cork (a socket's frames being
  // handled, the relay inbox's drain) that is when the outermost cork ends;
  // otherwise in one handler posted behind those already queued (the hub
  // posts a `queued` and a `matched` as two handlers: they leave in one
  // write). Owner thread only.
  void defer_flush(std::shared_ptr<WsSessionBase> s);
  class Cork {
   public:
    explicit Cork(Worker& w) : w_(w) { ++w_.corks_; }
    ~Cork() {
      if (--w_.corks_ == 0) w_.flush_deferred();
    }
    Cork(const Cork&) = delete;
    Cork& operator=(const Cork&) = delete;

   private:
    Worker& w_;
  };

  // Calls f(WsSession&) for each live session; f may close sessions.
  template <class F>
  void for_each_session(F&& f) {
    auto copy = sessions_;  // sessions may remove themselves while we iterate
    for (WsSessionBase* s : copy) f(*s);
  }

 private:
  void schedule_sweep();
  void sweep();
  void drain_inbox();
  void flush_deferred();
  void discard_inbox();

  std::size_t index_;
  Context& ctx_;  // Passed by argument.
  protocol::Decoder decoder_;
  ReadBufferPool read_pool_;
  SendPool send_pool_;
  HandlerArena arena_;  // declared before io_: handlers the io_context still holds are freed into it
  std::unique_ptr<asio::io_context> io_;
  asio::executor_work_guard<Executor> work_;
  std::unique_ptr<Timer> sweep_timer_;
  std::vector<WsSessionBase*> sessions_;   // not owned; each removes itself on teardown
  std::atomic<SendNode*> inbox_{nullptr};  // newest first
  HandlerSlot drain_slot_;
  std::vector<std::shared_ptr<WsSessionBase>> deferred_;  // sessions with frames to write
  std::vector<std::shared_ptr<WsSessionBase>> flushing_;
  int corks_ = 0;
  bool flush_posted_ = false;
  HandlerSlot flush_slot_;
  std::thread thread_;
};

}  // namespace serendip::net
