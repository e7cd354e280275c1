#pragma once

// The mysql-cdc source: one MySQL table as a changelog. Its snapshot (+I
// for every row, cdc_snapshot.h), then every committed change from the
// binlog (+I, -U/+U, -D; binlog_client.h reads, row_decoder.h decodes), in
// commit order. Next never blocks: it drains what the client thread has
// queued. The binlog itself is read by the reader of the server and
// server-id (shared_binlog.h), shared with the query's other tables of that
// server; the position below stays this table's own.
//
// Position (checkpoint_position / StartAt), partition keys of the
// SourcePosition map:
//   0: the binlog position after the last transaction whose rows were all
//      returned, as (file sequence number << 32) | offset in the file
//      ("binlog.000012" at 3456 -> 12 << 32 | 3456); -1 while the snapshot
//      runs or before the stream has a position (a resume then starts as
//      the options say: a new snapshot in mode 'initial');
//   1: how many rows of the transaction after that position were already
//      returned (absent when none): a resume skips them;
//   2: while the snapshot runs, the snapshot rows returned (absent when
//      none);
//   3: with 2, the binlog position (packed as 0) of the first snapshot:
//      where the binlog is read from when it is done. The key of the last
//      row returned is in the split's state store (cdc_resume.h): StartAt
//      continues the snapshot after it with a new one, or refuses with
//      FailedPrecondition when it cannot (no store, a key whose order
//      Weir does not share with MySQL).
// While a re-snapshot after a binlog gap runs ('on-binlog-gap' =
// 'resnapshot'), the position stays the purged one it replaces: a resume
// from it meets the gap again and re-snapshots again, diffing against the
// rows the checkpoint's state holds (nothing is repeated or lost).
// The same pair is where the source reconnects from when the server goes
// away, so a reconnect neither loses nor repeats a change.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "connectors/mysql/binlog_client.h"
#include "connectors/mysql/cdc_snapshot.h"
#include "connectors/mysql/row_decoder.h"
#include "connectors/mysql/schema_reader.h"
#include "engine/catalog/catalog.h"
#include "engine/exec/source.h"

namespace weir::connectors::mysql {

/// Everything a split needs, read once per query when it is prepared (this
/// may block: it asks the server).
struct CdcSourceConfig {
  ConnectionOptions connection;
  std::string table;
  TableSchema mysql;  // the MySQL table as information_schema has it
  enum class Startup { kInitial, kLatest, kBinlogPosition, kGtid };
  Startup startup = Startup::kInitial;
  BinlogStart start;  // kBinlogPosition (file, position), kGtid (gtid)
  /// A binlog file name of the server ("binlog.000003"): positions store
  /// only the sequence number, this gives the rest of the name.
  std::string binlog_file_example;
  /// The 'server-id' option; else, in a session, the one CdcServerIds
  /// gives the query's tables of this server (without either, the source
  /// generates its own).
  std::optional<uint32_t> server_id;
  int64_t chunk_size = 8192;
  /// 'on-binlog-gap' = 'resnapshot': a purged resume position takes a new
  /// snapshot, diffed against the rows the changelog holds (cdc_rows.h,
  /// kept in the split's state store); else the query fails.
  bool resnapshot_on_gap = false;
  /// How values are decoded ('zero-date': NULL or an error).
  RowDecoderOptions decoding;
  int heartbeat_ms = 1000;
  /// How long the source keeps reconnecting after the server went away.
  int reconnect_ms = 60000;
};

/// Reads the options of the mysql-cdc `entry` and what the server says
/// about its table. Errors name the server and the table.
absl::StatusOr<CdcSourceConfig> PrepareCdcSource(const catalog::Entry& entry);

/// Split `split` of `splits`: split 0 reads the table, the others are
/// finished at once (a binlog is one ordered stream). `schema`'s columns
/// must be columns of the MySQL table with the types MapColumnType gives.
/// `progress` (may be null) receives the snapshot's progress.
absl::StatusOr<std::unique_ptr<exec::Source>> OpenCdcSource(
    const CdcSourceConfig& config, std::shared_ptr<const types::Schema> schema,
    int split, int splits, std::shared_ptr<SnapshotProgress> progress = nullptr);

/// The snapshot's progress as SHOW QUERIES and the log show it:
/// "snapshot 1200 of ~50000 rows, 4100 rows/s" (the estimate is the
/// server's, raised to the rows copied when they pass it).
std::string SnapshotProgressText(const SnapshotProgress& progress,
                                 std::chrono::steady_clock::duration elapsed);

/// The columns an ALTER TABLE adds and drops when that is all it does:
/// comma-separated ADD [COLUMN] [IF NOT EXISTS] name ... [FIRST | AFTER
/// other] and DROP [COLUMN] [IF EXISTS] name clauses (ALGORITHM= and LOCK=
/// allowed), in statement order; nullopt for any other statement or clause
/// (MODIFY, CHANGE, RENAME, indexes, ADD COLUMN (a, b), ...). Names are
/// lower-cased.
struct ColumnChange {
  bool add = false;   // else a drop
  std::string name;
  bool first = false;  // ADD ... FIRST
  std::string after;   // ADD ... AFTER `after`; "" with neither: last
};
using ColumnChanges = std::vector<ColumnChange>;
std::optional<ColumnChanges> ParseColumnAlter(std::string_view statement);

/// Whether the statement of a QUERY event (run with default database
/// `event_database`) changes or drops `database`.`table`: ALTER, RENAME,
/// TRUNCATE, DROP (also of the database), CREATE OR REPLACE. Conservative:
/// a statement that names the table in another role (a foreign key's
/// REFERENCES) counts too.
bool IsDdlOn(std::string_view statement, std::string_view event_database,
             std::string_view database, std::string_view table);

}  // namespace weir::connectors::mysql
