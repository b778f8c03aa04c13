#include "net/blocking_pool.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

namespace serendip::net {

struct BlockingPool::Impl {
  explicit Impl(std::size_t threads) : pool(threads) {}
  boost::asio::thread_pool pool;
};

BlockingPool::BlockingPool(std::size_t threads) : impl_(std::make_unique<Impl>(threads)) {}

BlockingPool::~BlockingPool() { join(); }

void BlockingPool::post(std::function<void()> job) { boost::asio::post(impl_->pool, std::move(job)); }

void BlockingPool::join() { impl_->pool.join(); }

BoundedPool::BoundedPool(std::size_t threads, std::size_t max_jobs) : pool_(threads), max_jobs_(max_jobs) {}

bool BoundedPool::try_post(std::function<void()> job) {
  if (jobs_->fetch_add(1) >= max_jobs_) {
    jobs_->fetch_sub(1);
    return false;
  }
  // A job that throws ends the process (the pool's thread does not catch), so
  // the count needs no guard.
  pool_.post([jobs = jobs_, job = std::move(job)] {
    job();
    jobs->fetch_sub(1);
  });
  return true;
}

}  // namespace serendip::net
