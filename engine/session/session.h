#pragma once

// A session runs statements: parse, bind against the catalog, then apply
// DDL, answer SHOW/DESCRIBE/EXPLAIN, or (once the runtime exists) start
// queries. The CLI, the fuzzer and the SQL golden-file driver all go through
// this one class.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/catalog/catalog.h"

namespace weir::sql::ast {
struct Statement;
}  // namespace weir::sql::ast

namespace weir {

/// What one statement produced: a message ("Created stream 'bids'."), a
/// table (SHOW, DESCRIBE), or preformatted text (EXPLAIN). Fields not used
/// by a statement stay empty.
struct StatementResult {
  std::string statement_text;  // the statement as written
  std::string message;
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
  std::string text;
};

/// How a session may reach outside systems.
struct SessionOptions {
  /// When true, CREATE TABLE ... WITH (connector = 'mysql-cdc') without a
  /// column list connects to the MySQL server named in its options to read
  /// the columns. Fuzzers and offline tests turn this off, so no input can
  /// make them open a network connection; such a table then gets its
  /// columns when first used (an error until the runtime can read them).
  bool connect_to_sources = true;
};

/// Not thread-safe: one thread drives a session.
class Session {
 public:
  /// A session over a fresh in-memory catalog.
  static absl::StatusOr<std::unique_ptr<Session>> Create(SessionOptions options = {});
  ~Session();

  /// Runs every statement of `sql` in order, calling `on_result` after each
  /// one that succeeds. Stops at the first error and returns it, already
  /// rendered for a user with FormatError (position, source line, caret).
  absl::Status ExecuteScript(
      std::string_view sql,
      const std::function<void(const StatementResult&)>& on_result);

  /// Session settings from SET (keys lower-cased).
  const std::map<std::string, std::string>& settings() const {
    return settings_;
  }
  catalog::Catalog& catalog() { return *catalog_; }

 private:
  Session() = default;
  absl::StatusOr<StatementResult> Execute(const sql::ast::Statement& stmt,
                                          std::string_view source);

  SessionOptions options_;
  std::unique_ptr<catalog::Catalog> catalog_;
  std::map<std::string, std::string> settings_;
};

}  // namespace weir
