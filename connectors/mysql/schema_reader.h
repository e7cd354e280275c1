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

struct TableSchema {
  types::Schema schema;
  std::vector<int> primary_key;  // column indexes, in key order
};

/// One column as information_schema.COLUMNS describes it.
struct ColumnInfo {
  std::string name;
  std::string data_type;    // DATA_TYPE, e.g. "decimal"
  std::string column_type;  // COLUMN_TYPE, e.g. "decimal(10,2) unsigned"
  int numeric_precision = 0;
  int numeric_scale = 0;
  int datetime_precision = 0;
  bool nullable = true;
};

/// The Weir type that holds every value of a MySQL column exactly:
/// TINYINT(1) -> BOOLEAN; TINYINT..INT -> INT (INT UNSIGNED -> BIGINT);
/// BIGINT -> BIGINT (UNSIGNED -> DECIMAL(20, 0)); DECIMAL(p, s) -> DECIMAL;
/// FLOAT/DOUBLE -> DOUBLE; CHAR/VARCHAR/TEXT/ENUM/SET/JSON -> VARCHAR;
/// BINARY/VARBINARY/BLOB -> BYTES; DATE; TIME; DATETIME(p)/TIMESTAMP(p) ->
/// TIMESTAMP(p); YEAR -> INT; BIT -> BIGINT. Unimplemented for others
/// (spatial types), naming the column.
absl::StatusOr<types::LogicalType> MapColumnType(const ColumnInfo& column);

/// Reads `database`.`table` over `options`. NotFound when the table does
/// not exist; FailedPrecondition when it has no primary key (CDC needs one).
absl::StatusOr<TableSchema> ReadTableSchema(const ConnectionOptions& options,
                                            std::string_view table);

}  // namespace weir::connectors::mysql
