#include "net/worker.hpp"

#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/post.hpp>

#include "net/ws_frame.hpp"
#include "net/ws_session.hpp"
#include "obs/log.hpp"

namespace serendip::net {
namespace {
constexpr auto kSweepInterval = std::chrono::milliseconds(250);
}

Worker::Worker(std::size_t index, Context& ctx)
    : index_(index),
      ctx_(ctx),
      decoder_(protocol::Limits{.max_frame_bytes = ctx.config.max_frame_bytes,
                                .max_sdp_bytes = ctx.config.max_sdp_bytes,
                                .max_candidate_bytes = ctx.config.max_candidate_bytes}),
      read_pool_(ctx.config.max_frame_bytes + wsproto::kMaxClientHeader),
      // Not the single-thread hint (1), although one thread runs it: with that
      // hint Asio keeps what a thread posts to its own io_context in a private
      // queue until the running handler returns, so an event the hub posted
      // from this thread could run after one another thread posted later (a
      // socket saw `matched` before its `queued`, or a peer's first relayed
      // frame before its `matched`, and dropped it). Posts go to the shared
      // queue in the order the hub makes them.
      io_(std::make_unique<asio::io_context>(BOOST_ASIO_CONCURRENCY_HINT_DEFAULT)),
      work_(io_->get_executor()),
      sweep_timer_(std::make_unique<Timer>(io_->get_executor())) {}

Worker::~Worker() { destroy_io(); }

void Worker::start() {
  schedule_sweep();
  thread_ = std::thread([this] {
    send_pool_.bind_to_current_thread();
    try {
      io_->run();
    } catch (const std::exception& e) {
      // An exception escaping a handler is a bug; crash loudly rather than limp on.
      obs::log(obs::Level::error, "worker", "uncaught_exception", {{"worker", index_}, {"what", e.what()}});
      std::abort();
    }
  });
}

void Worker::join() {
  work_.reset();
  if (thread_.joinable()) thread_.join();
}

void Worker::destroy_io() {
  // The work guard counts against the io_context: release it first, or its
  // destructor reaches a destroyed context (a worker that never ran, such as
  // after a bind failure, still holds it).
  work_.reset();
  sweep_timer_.reset();
  // Sessions waiting for a deferred flush go while their sockets' io_context still exists.
  flushing_.clear();
  deferred_.clear();
  io_.reset();
  discard_inbox();
}

void Worker::add(WsSessionBase* s) {
  s->worker_slot = sessions_.size();
  sessions_.push_back(s);
}

void Worker::remove(WsSessionBase* s) {
  std::size_t slot = s->worker_slot;
  if (slot >= sessions_.size() || sessions_[slot] != s) return;
  sessions_[slot] = sessions_.back();
  sessions_[slot]->worker_slot = slot;
  sessions_.pop_back();
}

void Worker::post_relay(std::shared_ptr<WsSessionBase> target, std::uint64_t serial, SendNode* node) {
  node->target = std::move(target);
  node->serial = serial;
  SendNode* head = inbox_.load(std::memory_order_relaxed);
  do {
    node->next = head;
  } while (!inbox_.compare_exchange_weak(head, node, std::memory_order_release, std::memory_order_relaxed));
  // Only the push that found the inbox empty wakes the worker: the drain it
  // posts takes everything pushed until then, and the next push after the
  // drain's exchange posts again. At most one drain is pending at a time,
  // which is what drain_slot_ relies on.
  if (head == nullptr) {
    asio::post(io_->get_executor(),
               asio::bind_allocator(SourceAllocator<HandlerSlot>(&drain_slot_), [this] { drain_inbox(); }));
  }
}

void Worker::defer_flush(std::shared_ptr<WsSessionBase> s) {
  s->flush_pending = true;
  deferred_.push_back(std::move(s));
  if (corks_ > 0 || flush_posted_) return;
  flush_posted_ = true;
  asio::post(io_->get_executor(), asio::bind_allocator(SourceAllocator<HandlerSlot>(&flush_slot_), [this] {
               flush_posted_ = false;
               flush_deferred();
             }));
}

void Worker::flush_deferred() {
  // A write may queue more (a close's teardown tells the hub): loop until none is left.
  while (!deferred_.empty()) {
    flushing_.swap(deferred_);
    for (auto& s : flushing_) s->flush();
    flushing_.clear();
  }
}

void Worker::drain_inbox() {
  Cork cork(*this);
  SendNode* list = inbox_.exchange(nullptr, std::memory_order_acquire);
  // Newest first: reverse, so each sender's frames arrive in the order sent.
  SendNode* fifo = nullptr;
  while (list != nullptr) {
    SendNode* next = list->next;
    list->next = fifo;
    fifo = list;
    list = next;
  }
  while (fifo != nullptr) {
    SendNode* n = fifo;
    fifo = n->next;
    n->next = nullptr;
    std::shared_ptr<WsSessionBase> target = std::move(n->target);
    target->deliver_relay(n->serial, n);
  }
}

// At shutdown, frames still waiting go back to their pools undelivered.
void Worker::discard_inbox() {
  SendNode* list = inbox_.exchange(nullptr, std::memory_order_acquire);
  while (list != nullptr) {
    SendNode* next = list->next;
    SendPool::release(list);
    list = next;
  }
}

void Worker::schedule_sweep() {
  sweep_timer_->expires_after(kSweepInterval);
  sweep_timer_->async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    sweep();
    schedule_sweep();
  });
}

void Worker::sweep() {
  const std::int64_t now = ctx_.clock.now_ms();
  // Sessions may finish (and remove themselves) during the sweep.
  for (std::size_t i = 0; i < sessions_.size();) {
    WsSessionBase* s = sessions_[i];
    s->sweep(now);
    if (i < sessions_.size() && sessions_[i] == s) ++i;
  }
}

}  // namespace serendip::net
