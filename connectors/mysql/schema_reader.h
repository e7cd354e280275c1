#pragma once

// Reads a MySQL table's columns and primary key, for CREATE TABLE ... WITH
// (connector = 'mysql-cdc') written without a column list.

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "connectors/mysql/mysql_connection.h"
#include "engine/types/logical_type.h"
#include "engine/types/schema.h"

namespace weir::connectors::mysql {

/// One column as information_schema.COLUMNS describes it.
struct ColumnInfo {
  std::string name;
  std::string data_type;    // DATA_TYPE, e.g. "decimal"
  std::string column_type;  // COLUMN_TYPE, e.g. "decimal(10,2) unsigned"
  int numeric_precision = 0;
  int numeric_scale = 0;
  int datetime_precision = 0;
  bool nullable = true;
  int ordinal = 0;      // 0-based position in the MySQL table
  std::string charset;  // CHARACTER_SET_NAME ("utf8mb4", "latin1"); "" if none
  /// ENUM / SET labels in declaration order, parsed from column_type.
  std::vector<std::string> labels;

  /// "unsigned" appears in column_type.
  bool is_unsigned() const;
};

/// The query for a table's columns (`database` and `table` given as SQL
/// string literals, already quoted), in table order: one row per column
/// for ColumnFromRow.
std::string ColumnsQuery(std::string_view database, std::string_view table);

/// The query for a table's primary key columns (arguments as for
/// ColumnsQuery), in key order: one row per column, its name.
std::string PrimaryKeyQuery(std::string_view database, std::string_view table);

/// One row of ColumnsQuery as a ColumnInfo, without its labels.
ColumnInfo ColumnFromRow(const Row& row);

struct TableSchema {
  types::Schema schema;
  std::vector<int> primary_key;     // column indexes, in key order
  std::vector<ColumnInfo> columns;  // one per schema column, in table order
};

/// The labels of "enum('a','b''c')" / "set(...)" as COLUMN_TYPE spells
/// them ('' inside a label is a quote; backslash escapes too); empty for
/// other types. InvalidArgument on an unterminated label.
absl::StatusOr<std::vector<std::string>> ParseEnumLabels(
    std::string_view column_type);

/// The Weir type that holds every value of a MySQL column exactly:
/// TINYINT(1) -> BOOLEAN; TINYINT..INT -> INT (INT UNSIGNED -> BIGINT);
/// BIGINT -> BIGINT (UNSIGNED -> DECIMAL(20, 0)); DECIMAL(p, s) -> DECIMAL
/// for p <= 38, else VARCHAR holding the exact text; FLOAT/DOUBLE ->
/// DOUBLE; CHAR/VARCHAR/TEXT/ENUM/SET/JSON -> VARCHAR;
/// BINARY/VARBINARY/BLOB -> BYTES; DATE; TIME(p) -> INTERVAL (exact
/// microseconds: MySQL TIME spans -838:59:59 to 838:59:59, beyond a day);
/// DATETIME(p)/TIMESTAMP(p) -> TIMESTAMP(p) (TIMESTAMP in UTC); YEAR -> INT;
/// BIT(n) -> BIGINT (BIT(64) -> DECIMAL(20, 0)). Unimplemented for others
/// (spatial types), naming the column.
absl::StatusOr<types::LogicalType> MapColumnType(const ColumnInfo& column);

/// True for DATE, DATETIME and TIMESTAMP: a zero date arrives as NULL, so
/// the Weir column is nullable even when the MySQL column is NOT NULL.
bool MayHoldZeroDate(const ColumnInfo& column);

/// Reads `database`.`table` over `options`. NotFound when the table does
/// not exist; FailedPrecondition when it has no primary key (CDC needs one).
absl::StatusOr<TableSchema> ReadTableSchema(const ConnectionOptions& options,
                                            std::string_view table);

}  // namespace weir::connectors::mysql
