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
#include "engine/exec/source.h"

namespace weir::connectors::kafka {
class EmbeddedBroker;
}  // namespace weir::connectors::kafka

namespace weir::exec {
class Executor;
class RunningQuery;
}  // namespace weir::exec

namespace weir::sql {
struct PlanNode;
namespace ast {
struct Statement;
}  // namespace ast
}  // namespace weir::sql

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
  /// Push queries with a PushHandler: the rows went to the handler as they
  /// arrived; `rows` stays empty and this counts them.
  bool streamed = false;
  size_t streamed_rows = 0;
};

/// How a session may reach outside systems.
struct SessionOptions {
  /// When true, CREATE TABLE ... WITH (connector = 'mysql-cdc') without a
  /// column list connects to the MySQL server named in its options to read
  /// the columns. Fuzzers and offline tests turn this off, so no input can
  /// make them open a network connection; such a table then gets its
  /// columns when first used (an error until the runtime can read them).
  /// Also: only such sessions start persistent queries (CREATE SINK,
  /// INSERT ... SELECT), whose sinks write to outside systems; offline
  /// sessions define sinks without starting them.
  bool connect_to_sources = true;
  /// Worker threads shared by all queries of the session; 0 means one per
  /// core.
  int worker_threads = 0;
  /// When false, push queries are planned (the physical plan included) and
  /// checked, then return their columns and no rows without running: for
  /// fuzzers, whose inputs may read unbounded sources and would run until
  /// they run out of time or memory.
  bool run_push_queries = true;
};

/// Receives push-query results as they arrive (the shell prints them).
struct PushHandler {
  /// Called once with the statement's text when the query starts.
  std::function<void(const std::string& statement)> on_start;
  /// Called once with the column names, before any row.
  std::function<void(const std::vector<std::string>& columns)> on_columns;
  /// Called for each result row (values as text, NULL as "NULL"); returning
  /// false stops the query.
  std::function<bool(const std::vector<std::string>& row)> on_row;
  /// Polled while waiting for rows (about every 100 ms); returning true
  /// stops the query (Ctrl-C).
  std::function<bool()> should_stop;
};

/// Not thread-safe: one thread drives a session.
class Session {
 public:
  /// A session over a fresh in-memory catalog.
  static absl::StatusOr<std::unique_ptr<Session>> Create(
      SessionOptions options = {});
  ~Session();

  /// Runs every statement of `sql` in order, calling `on_result` after each
  /// one that succeeds. Stops at the first error and returns it, already
  /// rendered for a user with FormatError (position, source line, caret).
  absl::Status ExecuteScript(
      std::string_view sql,
      const std::function<void(const StatementResult&)>& on_result);

  /// Where push queries (SELECT ... EMIT CHANGES) send their rows. Without
  /// a handler, rows are collected into the statement's result, so a push
  /// query must end by itself (a LIMIT or a bounded source).
  void set_push_handler(PushHandler handler) {
    push_handler_ = std::move(handler);
  }

  /// Applies a setting as `SET 'key' = 'value'` does (same checks, same
  /// messages, without a statement position): how `weir --config` feeds
  /// its file in. Keys are case-insensitive.
  absl::Status ApplySetting(const std::string& key, const std::string& value);

  /// Session settings from SET (keys lower-cased).
  const std::map<std::string, std::string>& settings() const {
    return settings_;
  }
  catalog::Catalog& catalog() { return *catalog_; }

  /// Ids of the persistent queries (CREATE SINK, INSERT ... SELECT) that
  /// are still running, in start order.
  std::vector<std::string> ActiveQueries() const;

  /// Waits until every persistent query has ended (all its sources are
  /// bounded and done, or it failed), polling `should_stop` about every
  /// 100 ms; when that returns true, terminates them (their sinks deliver
  /// what they already took). Returns the first failure, naming the query.
  /// `weir -e/-f` calls this after the script, so a script that starts a
  /// sink keeps it running until Ctrl-C.
  absl::Status WaitForQueries(const std::function<bool()>& should_stop);

 private:
  Session() = default;
  absl::StatusOr<StatementResult> Execute(const sql::ast::Statement& stmt,
                                          std::string_view source);

  absl::Status RunPushQuery(const std::shared_ptr<const sql::PlanNode>& plan,
                            StatementResult* result);
  absl::Status RunInsertValues(const std::shared_ptr<const sql::PlanNode>& plan,
                               StatementResult* result);
  /// Starts the persistent query of `plan` (rooted at a sink or INSERT
  /// output) and registers it in the catalog under a new id, which it
  /// returns. `sql` is the statement text shown by SHOW QUERIES.
  absl::StatusOr<std::string> StartPersistentQuery(
      const std::shared_ptr<const sql::PlanNode>& plan,
      const std::vector<std::string>& reads, StatementResult* result);
  /// Starts `plan`'s tasks on the session's worker pool, with sources (and
  /// sinks, for persistent queries) reaching Kafka as KafkaFor says.
  absl::StatusOr<std::unique_ptr<exec::RunningQuery>> StartQuery(
      const std::shared_ptr<const sql::PlanNode>& plan,
      StatementResult* result);
  /// What EXPLAIN prints after "Physical plan: " for `plan`.
  std::string PhysicalPlanText(
      const std::shared_ptr<const sql::PlanNode>& plan) const;
  /// Stops the persistent query `id` and forgets it (TERMINATE).
  absl::Status Terminate(const std::string& id);
  /// The state SHOW QUERIES shows for query `id`.
  std::string QueryState(const std::string& id) const;
  /// The Kafka cluster for `entry`: its own bootstrap.servers, else SET
  /// 'bootstrap.servers', else an embedded broker started on first use
  /// (announced in `result`). Makes sure the entry's topic exists.
  absl::StatusOr<std::string> KafkaFor(const catalog::Entry& entry,
                                       StatementResult* result);
  absl::StatusOr<std::unique_ptr<exec::Source>> OpenSource(
      const catalog::Entry& entry, std::shared_ptr<const types::Schema> schema,
      int split, int splits, const std::string& bootstrap);

  SessionOptions options_;
  PushHandler push_handler_;
  std::string current_statement_;  // the text of the statement running
  // Destroyed bottom-up: queries first (their sinks flush into the broker),
  // then the pool they run on, then the broker.
  std::unique_ptr<connectors::kafka::EmbeddedBroker> broker_;
  std::unique_ptr<catalog::Catalog> catalog_;
  std::map<std::string, std::string> settings_;
  std::unique_ptr<exec::Executor> executor_;
  /// Persistent queries by id, with their ids in start order.
  std::map<std::string, std::unique_ptr<exec::RunningQuery>> queries_;
  std::vector<std::string> query_order_;
};

}  // namespace weir
