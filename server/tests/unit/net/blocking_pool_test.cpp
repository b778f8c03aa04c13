// BoundedPool: the admin login's hashing pool refuses work beyond its bound
// at once, and frees a place when a job ends.
#include "net/blocking_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace serendip::net {
namespace {

// A gate the jobs wait at until the test opens it.
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  void wait() {
    std::unique_lock lock(mu);
    cv.wait(lock, [this] { return open; });
  }
  void release() {
    {
      std::lock_guard lock(mu);
      open = true;
    }
    cv.notify_all();
  }
};

TEST(BoundedPool, RefusesBeyondItsBoundAndMakesRoomWhenJobsEnd) {
  BoundedPool pool(1, 3);
  Gate gate;
  std::atomic<int> ran{0};
  auto job = [&] {
    gate.wait();
    ran.fetch_add(1);
  };
  EXPECT_TRUE(pool.try_post(job));
  EXPECT_TRUE(pool.try_post(job));
  EXPECT_TRUE(pool.try_post(job));
  EXPECT_EQ(pool.jobs(), 3u);
  EXPECT_FALSE(pool.try_post(job)) << "one running and two waiting is the bound";
  EXPECT_FALSE(pool.try_post(job));
  gate.release();
  pool.join();
  EXPECT_EQ(ran.load(), 3) << "a refused job never runs";
  EXPECT_EQ(pool.jobs(), 0u);
}

TEST(BoundedPool, APlaceIsFreedWhenItsJobEnds) {
  BoundedPool pool(1, 1);
  Gate gate;
  ASSERT_TRUE(pool.try_post([&] { gate.wait(); }));
  EXPECT_FALSE(pool.try_post([] {}));
  gate.release();
  // Room again once the first job is done.
  for (int i = 0; i < 200 && pool.jobs() != 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(pool.jobs(), 0u);
  std::atomic<bool> second{false};
  EXPECT_TRUE(pool.try_post([&] { second = true; }));
  pool.join();
  EXPECT_TRUE(second.load());
}

}  // namespace
}  // namespace serendip::net
