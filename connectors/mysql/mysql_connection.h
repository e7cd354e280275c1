#pragma once

// A connection to MySQL or MariaDB over MariaDB Connector/C. The only place
// (with the rest of connectors/mysql) that includes the client library.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

struct st_mysql;  // MYSQL of the client library

namespace weir::connectors::mysql {

/// Where and how to connect; built from WITH (...) options.
struct ConnectionOptions {
  std::string host = "127.0.0.1";
  int port = 3306;
  std::string user;
  std::string password;
  std::string database;
  int connect_timeout_seconds = 10;

  /// From catalog options (host, port, user, password, database,
  /// connect.timeout); values were validated by the binder.
  static ConnectionOptions FromOptions(
      const std::vector<std::pair<std::string, std::string>>& options);

  /// "weir@127.0.0.1:3306/shop", for messages (never the password).
  std::string Describe() const;
};

/// One result row; a NULL cell is nullopt.
using Row = std::vector<std::optional<std::string>>;

/// An open client connection. Not thread-safe; closes on destruction.
class Connection {
 public:
  /// Connects; Unavailable with the server's address and the client
  /// library's message when it cannot (its error number in
  /// `*error_number` when given, e.g. 1045 for access denied).
  static absl::StatusOr<std::unique_ptr<Connection>> Open(
      const ConnectionOptions& options, unsigned int* error_number = nullptr);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// Runs a statement and returns its rows (empty for statements without a
  /// result set). Errors name the server and quote MySQL's message.
  absl::StatusOr<std::vector<Row>> Query(std::string_view sql);

  /// MySQL's number for the last statement's error (0: none), to tell a
  /// lost connection or a deadlock from a permanent error.
  unsigned int error_number() const;

  /// `text` quoted as a MySQL string literal, escaped for this connection.
  std::string Quote(std::string_view text);

  /// `name` quoted as a MySQL identifier (backticks doubled).
  static std::string QuoteIdentifier(std::string_view name);

  /// The client library's handle, for the binlog client (mariadb_rpl_*).
  st_mysql* native() const;
  /// The connection's socket: shutting it down from another thread makes
  /// a blocked read return (how a reader thread is stopped).
  int socket() const;
  /// "weir@127.0.0.1:3306/shop", as in messages.
  const std::string& server() const { return server_; }

 private:
  Connection() = default;
  struct Handle;
  std::unique_ptr<Handle> handle_;
  std::string server_;
};

}  // namespace weir::connectors::mysql
