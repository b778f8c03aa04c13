// The few event-loop services the client needs, behind an Asio-free header so
// that client.cpp, subscriber.cpp and probe.cpp compile without Asio.
// Everything runs on the io_context's one thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

namespace boost::asio {
class io_context;
}

namespace serendip::redis {

// Runs `fn` later on `io` (never inside the caller), so that a callback never
// re-enters the code that issued the command.
void post(boost::asio::io_context& io, std::function<void()> fn);
// Runs `fn` after `delay`. Cannot be cancelled: `fn` must check itself whether
// its owner is still there (capture a weak_ptr).
void post_after(boost::asio::io_context& io, std::chrono::milliseconds delay, std::function<void()> fn);

// A restartable one-shot timer. Destroying or cancelling it guarantees `fn`
// does not run afterwards, even if the wait had already completed.
class Timer {
 public:
  explicit Timer(boost::asio::io_context& io);
  ~Timer();
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  void start(std::chrono::milliseconds delay, std::function<void()> fn);  // replaces a pending one
  void cancel();
  bool pending() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace serendip::redis
