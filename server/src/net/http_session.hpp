// One HTTP connection: reads requests, answers them through the framework-free
// http::Router, and hands a socket that asks for /ws over to a WsSession.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "net/asio_types.hpp"

namespace serendip::net {

class Worker;

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(Worker& worker, Socket&& socket);
  void start();

 private:
  void do_read();
  void on_read(boost::system::error_code ec, std::size_t bytes);
  void upgrade();
  void respond(beast::http::response<beast::http::string_body> res);

  Worker& worker_;  // Passed by argument.
  HttpStream stream_;
  beast::flat_buffer buffer_;
  std::optional<beast::http::request_parser<beast::http::string_body>> parser_;
  std::string client_ip_;
};

}  // namespace serendip::net
