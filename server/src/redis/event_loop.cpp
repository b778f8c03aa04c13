#include "redis/event_loop.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

namespace serendip::redis {

namespace asio = boost::asio;

void post(asio::io_context& io, std::function<void()> fn) { asio::post(io, std::move(fn)); }

void post_after(asio::io_context& io, std::chrono::milliseconds delay, std::function<void()> fn) {
  auto timer = std::make_shared<asio::steady_timer>(io, delay);
  timer->async_wait([timer, fn = std::move(fn)](boost::system::error_code ec) {
    if (!ec) fn();
  });
}

struct Timer::Impl {
  explicit Impl(asio::io_context& io) : timer(io) {}
  asio::steady_timer timer;
  // A wait that completed just before cancel() still runs its handler with
  // success: the generation tells it that it was superseded.
  std::uint64_t generation = 0;
  bool pending = false;
};

Timer::Timer(asio::io_context& io) : impl_(std::make_shared<Impl>(io)) {}

Timer::~Timer() {
  // steady_timer::cancel() reports failures by exception; nothing to do about
  // them in a destructor.
  try {
    cancel();
  } catch (...) {
  }
}

void Timer::start(std::chrono::milliseconds delay, std::function<void()> fn) {
  cancel();
  auto gen = impl_->generation;
  impl_->pending = true;
  impl_->timer.expires_after(delay);
  // The handler holds the Impl (the steady_timer must outlive its wait), and
  // checks the generation before touching anything owned by the caller.
  impl_->timer.async_wait([impl = impl_, gen, fn = std::move(fn)](boost::system::error_code) {
    if (impl->generation != gen) return;
    impl->pending = false;
    fn();
  });
}

void Timer::cancel() {
  ++impl_->generation;
  impl_->pending = false;
  impl_->timer.cancel();
}

bool Timer::pending() const { return impl_->pending; }

}  // namespace serendip::redis
