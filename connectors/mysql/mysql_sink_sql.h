#pragma once

// The SQL a MySQL sink sends: the target table's DDL (Weir types mapped to
// MySQL's), the check of an existing table against the sink, the cells of
// each row's values, and the statements that apply a checkpoint's changes
// (a prepared INSERT ... ON DUPLICATE KEY UPDATE and DELETE, the progress
// row). Pure functions over text: no connection, so the tasks
// render values on their own threads and the unit tests need no server.
//
// Values never reach the SQL text: rows go through prepared statements
// with MariaDB's array binding (mysql_bulk.h), each value a parameter in
// binary (AppendCell's cells). Names in the few text statements
// (information_schema queries, the progress row) are hexadecimal
// literals; identifiers are quoted.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "connectors/mysql/schema_reader.h"
#include "engine/types/batch.h"
#include "engine/types/logical_type.h"
#include "engine/types/schema.h"

namespace weir::connectors::mysql {

/// The table that records, per sink, the last checkpoint written: in the
/// sink's database, written in the same transaction as the checkpoint's
/// changes.
inline constexpr std::string_view kProgressTable = "weir_sink_progress";

/// How a sink applies its input.
enum class SinkMode {
  /// By key: the last change of each key per checkpoint; inserts and
  /// updates upsert, deletes delete.
  kUpsert,
  /// Every row inserted (append-only input into a table without a key).
  kAppend,
  /// The input is one row (a global aggregate: a changelog with an empty
  /// key): each checkpoint that changes it deletes the table's rows and
  /// inserts its last version.
  kOneRow,
};

/// The MySQL column type for a Weir type: BOOLEAN -> TINYINT(1), INT,
/// BIGINT, DOUBLE, DECIMAL(p,s), VARCHAR -> LONGTEXT (VARCHAR(255) in a
/// key), BYTES -> LONGBLOB (VARBINARY(255) in a key), DATE, TIME(6),
/// TIMESTAMP(p) -> DATETIME(p). InvalidArgument naming the column for
/// types MySQL cannot hold (INTERVAL, NULL).
absl::StatusOr<std::string> MySqlColumnType(const types::Field& field,
                                            bool in_key);

/// `database`.`table`, each quoted.
std::string QualifiedName(std::string_view database, std::string_view table);

/// CREATE TABLE IF NOT EXISTS for the sink's columns (NOT NULL as the
/// schema says, and for key columns), PRIMARY KEY (`key`) when there is
/// one, utf8mb4 with `collation`.
absl::StatusOr<std::string> CreateTableSql(std::string_view qualified,
                                           const types::Schema& schema,
                                           const std::vector<int>& key,
                                           std::string_view collation);

/// CREATE TABLE IF NOT EXISTS for the progress table in `database`.
std::string CreateProgressTableSql(std::string_view database);

/// The statement that reads the columns of `database`.`table`, one row per
/// column as ColumnsFromRows takes them.
std::string ReadColumnsSql(std::string_view database, std::string_view table);
/// The statement that reads its PRIMARY KEY's columns, in key order.
std::string ReadPrimaryKeySql(std::string_view database,
                              std::string_view table);
/// The rows of ReadColumnsSql as ColumnInfo (name, types, precisions,
/// charset).
std::vector<ColumnInfo> ColumnsFromRows(
    const std::vector<std::vector<std::optional<std::string>>>& rows);

/// Checks an existing table against a sink of `schema` keyed by `key`
/// (empty: none) whose input is `append_only`: every sink column must be a
/// table column (names compare case-insensitively, as MySQL's do) of a
/// type that holds its values exactly, and the table's PRIMARY KEY
/// (`primary_key`, names) must be the sink's key. A table without a
/// PRIMARY KEY takes append-only input (kAppend). A changelog without a
/// key is one row (the binder lets no other into a MySQL sink): any table
/// with its columns takes it (kOneRow). InvalidArgument naming
/// the first column that does not fit, and why. Returns how to write it.
absl::StatusOr<SinkMode> CheckExistingTable(
    std::string_view table, const types::Schema& schema,
    const std::vector<int>& key, bool append_only,
    const std::vector<ColumnInfo>& columns,
    const std::vector<std::string>& primary_key);

/// How a column's values travel in a prepared statement's parameters.
enum class CellKind {
  kInt64,   // BOOLEAN, INT, BIGINT: an 8-byte integer
  kDouble,  // DOUBLE: an 8-byte double
  kText,    // VARCHAR's bytes; DECIMAL, DATE, TIME, TIMESTAMP as Weir's text
  kBinary,  // BYTES' bytes
};

/// The CellKind of each column of `schema`; InvalidArgument naming the
/// column for types MySQL cannot hold (INTERVAL, NULL).
absl::StatusOr<std::vector<CellKind>> CellKinds(const types::Schema& schema);

/// Appends the cell of row `row` of `column` to `out`, as a prepared
/// statement's parameter takes it (no SQL text: values need no escaping):
/// a byte 0 for NULL; else a byte 1, the value's length (4 bytes, this
/// machine's order) and its bytes, as CellKind says (DECIMAL digits, sign
/// and point; DATE 'YYYY-MM-DD', TIME 'HH:MM:SS.ffffff', TIMESTAMP
/// 'YYYY-MM-DD HH:MM:SS[.f]', as Weir writes them). Cells of different
/// values differ, so a key's cells are its encoding. InvalidArgument for
/// a value MySQL cannot store (a DOUBLE NaN or infinity; an INTERVAL),
/// naming `column_name`.
absl::Status AppendCell(const types::Column& column, size_t row,
                        std::string_view column_name, std::string* out);

/// The value of the cell at `*at` in `cells` (nullopt for NULL), moving
/// `*at` past it. `cells` must come from AppendCell.
std::optional<std::string_view> NextCell(std::string_view cells, size_t* at);

/// The pieces of the statements that write one table, built once.
struct SinkStatements {
  /// "INSERT INTO `db`.`t` (`a`,`b`) VALUES "
  std::string insert_prefix;
  /// " ON DUPLICATE KEY UPDATE `b`=VALUES(`b`)" (upsert mode), else "".
  std::string upsert_suffix;
  /// "INSERT INTO `db`.`t` (`a`,`b`) VALUES (?,?)" and the upsert suffix:
  /// one row's parameters, for array binding.
  std::string insert_bulk;
  /// "DELETE FROM `db`.`t` WHERE `k1`=? AND `k2`=?" (upsert mode).
  std::string delete_bulk;

  static SinkStatements For(std::string_view qualified,
                            const types::Schema& schema,
                            const std::vector<int>& key, SinkMode mode);
};

/// The statement recording that `sink` (writing `target`) committed
/// checkpoint `id` in run `run_id`.
std::string ProgressUpsertSql(std::string_view database, std::string_view sink,
                              std::string_view target, uint64_t id,
                              uint64_t run_id);
/// The statement reading (checkpoint_id, run_id) of `sink` and `target`.
std::string ProgressReadSql(std::string_view database, std::string_view sink,
                            std::string_view target);

/// True for MySQL errors that a new attempt of the same transaction may
/// not meet (lost or refused connection, server shutting down, lock wait
/// timeout, deadlock, read-only server, too many connections).
bool IsTransientError(unsigned int error_number);

}  // namespace weir::connectors::mysql
