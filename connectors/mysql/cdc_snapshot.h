#pragma once

// The snapshot of a mysql-cdc source on MariaDB: one connection runs
// START TRANSACTION WITH CONSISTENT SNAPSHOT, reads where the binlog stood
// at that instant (binlog_snapshot_file/position, no lock taken), then
// reads the table in primary-key order in chunks (keyset pagination:
// WHERE (pk) > (last) ORDER BY pk LIMIT n) inside that transaction. The
// rows are the table as of the binlog position the stream then starts at,
// so snapshot + binlog is every change exactly once. MySQL 8 has no such
// status variables; it is refused with a clear error.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "connectors/mysql/binlog_client.h"
#include "connectors/mysql/mysql_connection.h"
#include "connectors/mysql/row_decoder.h"
#include "connectors/mysql/schema_reader.h"
#include "engine/types/batch.h"

namespace weir::connectors::mysql {

/// How far a snapshot has got, shared with whoever shows it.
struct SnapshotProgress {
  std::atomic<int64_t> rows_copied{0};
  /// information_schema.TABLES.TABLE_ROWS when the snapshot started (an
  /// estimate); -1 before.
  std::atomic<int64_t> rows_estimate{-1};
  std::atomic<bool> done{false};
};

struct SnapshotSpec {
  ConnectionOptions connection;
  std::string table;
  /// The source's columns: one MySQL column each, as the decoder reads
  /// them.
  std::shared_ptr<const types::Schema> schema;
  std::vector<ColumnTarget> columns;
  /// Indexes into `schema` of the primary key, in key order.
  std::vector<int> key;
  int64_t chunk_size = 8192;
  RowDecoderOptions decoding;  // zero dates: NULL or an error
  std::shared_ptr<SnapshotProgress> progress;
  /// A continued snapshot: the key columns (as MySQL printed them) of the
  /// last row already returned; only the rows after it are read. Empty:
  /// every row.
  std::vector<std::string> after;
};

/// Runs the snapshot as a BinlogClient prelude: pushes a kSnapshotStart
/// item with the binlog position it reads the table at, then its rows (+I)
/// as kSnapshotRows items of up to chunk_size rows, and returns that
/// position (where the stream continues). Stops early (returning that
/// position all the same) when the push returns false.
absl::StatusOr<BinlogStart> RunSnapshot(const SnapshotSpec& spec,
                                        const PreludeContext& context);

/// Appends one row read through the snapshot's SELECT (text_values.h:
/// each column through SnapshotSelectExpr) to `out`, each cell the value
/// the binlog decoder gives for it. Errors name the column and the value.
absl::Status AppendTextRow(const Row& row,
                           const std::vector<ColumnTarget>& columns,
                           const RowDecoderOptions& options,
                           types::Batch* out);

}  // namespace weir::connectors::mysql
