// One I/O thread: a single-threaded io_context that owns its connections, plus
// the per-thread state they share without locks (JSON decoder, buffer pools)
// and one coarse periodic sweep that enforces the hello deadline, heartbeats
// and idle timeouts from last-activity stamps (instead of a timer per socket).
#pragma once

#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

#include "net/asio_types.hpp"
#include "net/buffer_pool.hpp"
#include "net/context.hpp"

namespace serendip::net {

class WsSessionBase;

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
  Context& context() { return ctx_; }

  void start();        // spawns the thread
  void join();         // waits for the thread after io().stop() or run-out
  void destroy_io();   // destroys the io_context and every handler it still holds

  // Owner thread only.
  void add(WsSessionBase* s);
  void remove(WsSessionBase* s);
  std::size_t session_count() const { return sessions_.size(); }
  // Calls f(WsSession&) for each live session; f may close sessions.
  template <class F>
  void for_each_session(F&& f) {
    auto copy = sessions_;  // sessions may remove themselves while we iterate
    for (WsSessionBase* s : copy) f(*s);
  }

 private:
  void schedule_sweep();
  void sweep();

  std::size_t index_;
  Context& ctx_;  // Passed by argument.
  protocol::Decoder decoder_;
  ReadBufferPool read_pool_;
  SendPool send_pool_;
  std::unique_ptr<asio::io_context> io_;
  asio::executor_work_guard<Executor> work_;
  std::unique_ptr<Timer> sweep_timer_;
  std::vector<WsSessionBase*> sessions_;  // not owned; each removes itself on teardown
  std::thread thread_;
};

}  // namespace serendip::net
