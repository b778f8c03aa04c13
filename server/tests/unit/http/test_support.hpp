// Shared fixture for the http tests: a Router over a temporary static root,
// a ManualClock, and helpers to build requests.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>

#include "auth/jwt.hpp"
#include "config/config.hpp"
#include "core/clock.hpp"
#include "http/router.hpp"
#include "obs/metrics.hpp"

namespace serendip::http::testing {

class FakeStatus final : public ServerStatus {
 public:
  bool ready() const override { return ready_; }
  bool draining() const override { return draining_; }
  bool ready_ = true;
  bool draining_ = false;
};

inline Request make_request(std::string method, std::string path, std::vector<Header> headers = {},
                            std::string body = {}) {
  Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.headers = std::move(headers);
  r.body = std::move(body);
  r.client_ip = "203.0.113.7";
  return r;
}

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() {
    std::random_device rd;
    base_ = std::filesystem::temp_directory_path() /
            ("serendip-http-test-" + std::to_string(rd()) + "-" + std::to_string(rd()));
    root_ = base_ / "www";
    std::filesystem::create_directories(root_);
    config_.static_dir = root_.string();
    config_.jwt_secret = "test-jwt-secret-0123456789abcdef";
  }
  void TearDown() override { std::filesystem::remove_all(base_); }

  void write(const std::filesystem::path& relative, const std::string& content,
             const std::filesystem::path& under = {}) {
    const auto p = (under.empty() ? root_ : under) / relative;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
  }

  // Builds the router lazily so tests can adjust config_ first.
  const Router& router() {
    if (!router_) {
      router_ = std::make_unique<Router>(RouterDeps{config_, jwt_, "device-key-secret", clock_, metrics_, status_,
                                                    admit_, fallback_, admit_login_, admit_report_, login_outcome_,
                                                    run_login_, check_ban_});
    }
    return *router_;
  }
  Response handle(const Request& r) { return router().handle(r); }
  Response get(const std::string& path, std::vector<Header> headers = {}) {
    return handle(make_request("GET", path, std::move(headers)));
  }

  std::filesystem::path base_;
  std::filesystem::path root_;
  config::Config config_;
  auth::JwtCodec jwt_{"test-jwt-secret-0123456789abcdef"};
  core::ManualClock clock_;
  obs::Registry metrics_;
  FakeStatus status_;
  AdmissionCheck admit_;
  ApiHandler fallback_;
  LoginCheck admit_login_;
  AdmissionCheck admit_report_;
  LoginOutcome login_outcome_;
  ImmediateCheck check_ban_;
  LoginOffload run_login_;
  std::unique_ptr<Router> router_;
};

}  // namespace serendip::http::testing
