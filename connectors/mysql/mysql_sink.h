#pragma once

// The MySQL sink at run time (CREATE SINK ... WITH (connector = 'mysql')):
// each task compacts its input per key (the last change of each key wins)
// and, at checkpoint barrier n, hands what it holds to the sink's one
// committer; the committer writes every task's changes for n and the
// sink's progress row (weir_sink_progress: sink -> n) in ONE MySQL
// transaction when the checkpoint commits. Exactly once: a crash before
// that transaction leaves nothing of n in the table (replayed from n - 1);
// a crash after it leaves n's progress row, and the query rolls forward to
// n instead of writing n again. See docs/connectors/mysql-sink.md and
// "one writer per sink" in docs/state-and-recovery.md.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "connectors/mysql/mysql_connection.h"
#include "connectors/mysql/mysql_sink_sql.h"
#include "engine/catalog/catalog.h"
#include "engine/exec/sink.h"
#include "engine/types/schema.h"

namespace weir::connectors::mysql {

/// A sink readied for a query: where it writes and how. Shared, read-only,
/// by the sink's tasks and its committer.
struct MySqlSinkConfig {
  ConnectionOptions connection;
  std::string sink_name;
  std::string database;
  std::string table;
  std::string qualified;  // `database`.`table`
  SinkMode mode = SinkMode::kUpsert;
  std::vector<int> key;  // the sink's key columns (kUpsert)
  SinkStatements statements;
  /// How each column's values, and each key column's, are bound.
  std::vector<CellKind> kinds;
  std::vector<CellKind> key_kinds;
  size_t batch_rows = 1000;
  /// How long the committer retries a transaction that failed for a
  /// reason that may pass (MySQL unreachable, deadlock) before the query
  /// fails.
  std::chrono::milliseconds retry_timeout = std::chrono::minutes(5);
  /// Whether the table was created by this prepare (for the session's
  /// note).
  bool created = false;
};

/// Readies sink `target` (its options name the server and the table; its
/// schema, key and append_only are the query's): connects, creates the
/// table when missing (unless 'sink.create-table' = false) or checks the
/// existing one against the sink, and creates the progress table. Blocks;
/// called on the session's thread before the query's tasks start. Errors
/// name the server, the table and, for a mismatch, the column.
absl::StatusOr<MySqlSinkConfig> PrepareMySqlSink(const catalog::Entry& target);

/// Opens a task's writer over `config` for rows of `schema`. The first
/// task's call creates the sink's committer in `*committer` (shared by
/// the tasks opened with the same holder).
absl::StatusOr<std::unique_ptr<exec::Sink>> OpenMySqlSink(
    std::shared_ptr<const MySqlSinkConfig> config,
    std::shared_ptr<const types::Schema> schema,
    std::shared_ptr<exec::SinkCommitter>* committer);

}  // namespace weir::connectors::mysql
