// The internal listener (metrics-listen): /metrics, /healthz and /readyz on
// an address of their own, for Prometheus and the kubelet, so the public
// listener (the one an ingress forwards) never serves the metrics. Plain
// HTTP/1.1, one request per connection, on its own thread and io_context:
// a scrape never waits behind the I/O threads' work, and they never wait
// behind a scrape. Bounded: 8 KiB of request head, 1 KiB of body (ignored), 5 s per
// connection, at most 16 connections at once.
//
// Free of Asio/Beast types so main.cpp stays cheap to compile.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace serendip::http {
class Router;
}  // namespace serendip::http

namespace serendip::net {

class MetricsListener {
 public:
  // `router` answers the three paths (it serves /metrics only to requests
  // marked internal); it outlives the listener.
  MetricsListener(std::string host, std::uint16_t port, const http::Router& router);
  ~MetricsListener();  // stops it
  MetricsListener(const MetricsListener&) = delete;
  MetricsListener& operator=(const MetricsListener&) = delete;

  // Binds and starts serving; false (and `error` says why, in one line) when
  // the address cannot be bound.
  bool start(std::string& error);
  std::uint16_t port() const;  // the bound port (port 0 asked the kernel for one)
  void stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace serendip::net
